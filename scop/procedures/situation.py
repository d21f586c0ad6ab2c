"""Le point de situation: what the room knows of an event, drafted for the chief to edit.

Only verified information goes in: an item still « à vérifier » or « en vérification » is
left out (the count of those left out is said, so that the chief knows to check them). Then
the crews engaged and on scene, the fiches in progress with their done steps, and the
messages exchanged with the PP. Two forms come out of the same facts: the fields of the EMSI
« point_de_situation » template (sent through the existing draft → validation path) and a
short text for the astreintes (SMS length, and an e-mail).

Pure: a function of the state and an instant, used by the fiche step « point de situation »
(prefilled through :meth:`ProcedureRunner.message_fields`) and the event card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scop.clock import local
from scop.models.entities import GRAVITIES, Event
from scop.models.state import RoomState
from scop.models.vocabulary import (
    EXERCISE_MARK,
    CrewStatus,
    MessageState,
    StepStatus,
    Verification,
)

TEMPLATE = "point_de_situation"
SMS_LENGTH = 160
EXERCISE_WORD = "EXERCICE"
# The trend the EMSI update carries (RISK_ASSESMENT), as the chief picks it.
TRENDS: dict[str, str] = {
    "": "non précisée",
    "aggravation": "aggravation",
    "stable": "stable",
    "amelioration": "amélioration",
}


@dataclass(frozen=True, slots=True)
class Situation:
    event_id: str
    at: datetime
    facts: tuple[str, ...]  # verified information, oldest first
    left_out: int  # unverified items not included
    engaged: tuple[str, ...]
    on_scene: tuple[str, ...]
    fiches: tuple[str, ...]  # « Incendie : 2 étape(s) faite(s) (titre a, titre b) »
    messages: tuple[str, ...]

    def situation_text(self) -> str:
        parts = list(self.facts) or ["aucune information vérifiée à ce stade"]
        text = " ; ".join(parts) + "."
        if self.fiches:
            text += " Fiches en cours : " + " ; ".join(self.fiches) + "."
        if self.messages:
            text += " Échanges avec la PP : " + " ; ".join(self.messages) + "."
        return text

    def means_text(self) -> str:
        if not self.engaged and not self.on_scene:
            return "aucun équipage engagé"
        out = []
        if self.on_scene:
            out.append(f"sur les lieux : {', '.join(self.on_scene)}")
        if self.engaged:
            out.append(f"en route : {', '.join(self.engaged)}")
        return "équipages de la police municipale " + " ; ".join(out)


def situation_of(st: RoomState, event_id: str, now: datetime) -> Situation:
    ev: Event | None = st.events.get(event_id)
    if ev is None:
        raise KeyError(event_id)
    facts = tuple(i.text.strip() for i in ev.infos if i.verification == Verification.VERIFIE)
    left_out = sum(1 for i in ev.infos if i.verification != Verification.VERIFIE)
    engaged: list[str] = []
    on_scene: list[str] = []
    for cs in ev.crews:
        crew = st.crews.get(cs)
        if crew is None or crew.event_id != ev.id:
            continue
        (on_scene if crew.status == CrewStatus.SUR_LES_LIEUX else engaged).append(cs)
    fiches = []
    for run in sorted(st.procedures.values(), key=lambda r: r.launched_at):
        if run.event_id != ev.id or run.closed_at is not None:
            continue
        done = [rec.title or sid for sid, rec in run.steps.items() if rec.status == StepStatus.FAIT]
        fiches.append(
            f"{run.fiche_title} : {len(done)} étape(s) faite(s)"
            + (f" ({', '.join(done)})" if done else "")
        )
    messages = []
    for m in sorted(st.messages.values(), key=lambda m: m.created_at):
        if m.event_id != ev.id or m.state == MessageState.ABANDONNE:
            continue
        at = f"{local(m.created_at):%H:%M}"
        if m.direction == "out":
            messages.append(f"{at} {m.label} vers la PP ({m.state_label.lower()})")
        else:
            said = m.text if len(m.text) <= 90 else m.text[:89] + "…"
            messages.append(f"{at} {m.label} de la PP" + (f" : « {said} »" if said else ""))
    return Situation(
        ev.id, now, facts, left_out, tuple(engaged), tuple(on_scene), tuple(fiches),
        tuple(messages),
    )  # fmt: skip


def template_fields(st: RoomState, event_id: str, now: datetime) -> dict[str, str]:
    """The fields the « point_de_situation » template reads; the chief edits them."""
    s = situation_of(st, event_id, now)
    return {"situation": s.situation_text(), "moyens_ville": s.means_text()}


# Counts a fiche collected (evacuated people, people at the C.A.RE…): said in the text, and
# those the EMSI has a slot for (casualties, evacuation) carried there too.
COUNT_LABELS: dict[str, str] = {
    "victimes": "Victimes",
    "impliques": "Impliqués",
    "evacues": "Personnes évacuées",
    "accueillis": "Personnes accueillies au C.A.RE",
}
EMSI_COUNTS = ("victimes", "impliques", "evacues")


def update_text(situation: str, means: str, counts: Mapping[str, Any] | None = None) -> str:
    """The text of the EMSI update as the PP reads it: what the chief read and edited."""
    lines = [f"Situation : {situation.strip()}"]
    given = counts or {}
    said = [f"{label} : {given[k]}" for k, label in COUNT_LABELS.items() if _given(given, k)]
    if said:
        lines.append(". ".join(said) + ".")
    lines.append(f"Moyens de la Ville engagés : {means.strip()}.")
    return "\n".join(lines)


def _given(counts: Mapping[str, Any] | None, key: str) -> bool:
    return counts is not None and str(counts.get(key, "")).strip() not in ("", "None")


def update_fields(
    situation: str, means: str, trend: str = "", counts: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The draft's fields: one text (so that the PP reads sentences, not field names), the
    trend and the counts the codec carries in EMSI slots of their own."""
    if trend not in TRENDS:
        raise ValueError(f"tendance inconnue : {trend}")
    fields: dict[str, Any] = {"texte": update_text(situation, means, counts)}
    if trend:
        fields["tendance"] = trend
    for key in EMSI_COUNTS:
        if counts is not None and _given(counts, key):
            fields[key] = counts[key]
    return fields


def mark_sms(text: str, exercise: bool) -> str:
    """An exercise SMS says so first, even when the chief's edit dropped the word; and it
    stays one SMS long."""
    text = text.strip()
    if exercise and EXERCISE_WORD not in text.upper():
        text = f"{EXERCISE_WORD} {text}"
    return text if len(text) <= SMS_LENGTH else text[: SMS_LENGTH - 1] + "…"


def sms_text(st: RoomState, event_id: str, now: datetime, exercise: bool = False) -> str:
    """At most one SMS: the event, its gravity, the crews, the last verified fact."""
    s = situation_of(st, event_id, now)
    ev = st.events[event_id]
    head = (
        (f"{EXERCISE_WORD} " if exercise else "")
        + f"SCOP {local(now):%H:%M} {ev.id} {ev.title[:40]}, "
        f"{GRAVITIES.get(ev.gravity, ev.gravity)}. "
        f"{len(s.on_scene)} éq. sur place, {len(s.engaged)} en route."
    )
    if s.facts:
        head += f" {s.facts[-1]}"
    return head if len(head) <= SMS_LENGTH else head[: SMS_LENGTH - 1] + "…"


def email_text(
    st: RoomState, event_id: str, now: datetime, exercise: bool = False
) -> tuple[str, str]:
    s = situation_of(st, event_id, now)
    ev = st.events[event_id]
    subject = f"Point de situation SCOP — {ev.id} — {local(now):%d/%m %H:%M}"
    if exercise:
        subject = f"[{EXERCISE_WORD}] {subject}"
    body = (
        f"Point de situation de la SCOP à {local(now):%H:%M} sur l'événement {ev.id} "
        f"({ev.title}, {ev.address}).\n\nSituation : {s.situation_text()}\n\n"
        f"Moyens de la Ville : {s.means_text()}.\n"
    )
    if s.left_out:
        body += f"\n({s.left_out} information(s) en cours de vérification non reprise(s).)\n"
    if exercise:
        body = f"{EXERCISE_MARK}\n\n{body}\n{EXERCISE_MARK}\n"
    return subject, body
