"""What the console says about a fiche under way and its steps: the words of the procedures
dock, as plain functions of the runner's views.

Kept out of the Qt code so that the words are tested without a window and read the same
wherever a step is shown. Contacts and facts are short rich-text lines (``<b>`` only): the dock
shows them in labels that render it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from scop.clock import local
from scop.models.fold_procedures import StepRecord
from scop.models.vocabulary import StepStatus
from scop.procedures.directory import OnCall
from scop.procedures.runner import RunView, StepView, format_remaining


def hhmm(t: datetime) -> str:
    """Paris time, as operators read it."""
    return local(t).strftime("%H:%M")


# -- a run -----------------------------------------------------------------------------------


def run_header(v: RunView) -> str:
    state = " — CLOSE" if v.run.is_closed else " — TERMINÉE" if v.finished else ""
    return (
        f"{v.fiche.title} — {v.run.event_id} — lancée à {hhmm(v.run.launched_at)} "
        f"par {v.run.launched_by} — {v.done_count}/{v.total}{state}"
    )


def run_late(v: RunView) -> list[StepView]:
    """The steps past their deadline; a closed fiche is late no more."""
    return [] if v.run.is_closed else v.overdue


def run_line(v: RunView, now: datetime) -> str:
    """Two lines for the list of fiches under way: title (and alarm), progress and the next
    deadline."""
    nd = v.next_deadline
    if v.run.is_closed:
        when = f"close à {hhmm(v.run.closed_at)}" if v.run.closed_at else "close"
    elif nd is None:
        when = "terminée" if v.finished else "—"
    elif nd <= now:
        when = f"{hhmm(nd)} (retard {format_remaining(now - nd)})"
    else:
        when = f"{hhmm(nd)} (dans {format_remaining(nd - now)})"
    late = run_late(v)
    title = f"⚠ {v.fiche.title} — {len(late)} EN RETARD" if late else v.fiche.title
    return f"{title}\n   {v.done_count}/{v.total} étapes — {when}"


def run_tooltip(v: RunView) -> str:
    return f"{v.fiche.title} — lancée à {hhmm(v.run.launched_at)} par {v.run.launched_by}"


# -- a step ----------------------------------------------------------------------------------

STATUS_ICONS: dict[str, str] = {
    StepStatus.FAIT: "✔",
    StepStatus.SAUTE: "↷",
    StepStatus.EN_COURS: "▶",
    StepStatus.A_FAIRE: "○",
    StepStatus.HORS_PARCOURS: "–",
}


def step_line(index: int, sv: StepView, current: str | None) -> str:
    """The step in the fiche's list (``index`` from 0)."""
    if sv.overdue:
        return f"⚠ {index + 1}. {sv.step.title} — EN RETARD"
    line = f"{STATUS_ICONS[sv.status]} {index + 1}. {sv.step.title}"
    return line + "   ◀ en cours de fiche" if sv.step.id == current else line


def step_title(v: RunView, sv: StepView) -> str:
    return f"{v.fiche.index(sv.step.id) + 1}. {sv.step.title}"


def step_meta(sv: StepView) -> str:
    return f"{sv.step.kind_label} — rôle : {sv.step.role_label} — état : <b>{sv.status_label}</b>"


def done_label(kind: str) -> str:
    """The main button says what « done » does for this kind of step."""
    return {
        "message": "✔ Préparer le message\nCtrl+Entrée",
        "carte": "✔ Placer sur la carte\nCtrl+Entrée",
    }.get(kind, "✔ Fait\nCtrl+Entrée")


class Tone(StrEnum):
    """How loud a countdown is; the dock picks the colours."""

    OVERDUE = "overdue"
    DEADLINE = "deadline"
    TIMER = "timer"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Countdown:
    text: str
    tone: Tone


def countdown(sv: StepView, now: datetime) -> Countdown | None:
    """The step's clock: late, due at, a running timer, or the rule of its deadline."""
    if sv.overdue and sv.deadline is not None:
        return Countdown(
            f"⚠ EN RETARD de {format_remaining(now - sv.deadline)} (échéance {hhmm(sv.deadline)})",
            Tone.OVERDUE,
        )
    if sv.is_open and sv.deadline is not None:
        return Countdown(
            f"Échéance {hhmm(sv.deadline)} — reste {format_remaining(sv.deadline - now)}",
            Tone.DEADLINE,
        )
    if sv.is_open and sv.timer_end is not None:
        left = sv.timer_end - now
        text = (
            "Minuteur écoulé"
            if left.total_seconds() <= 0
            else f"Minuteur : reste {format_remaining(left)}"
        )
        return Countdown(text, Tone.TIMER)
    if sv.is_open and sv.step.deadline is not None:
        return Countdown(f"Échéance : {sv.step.deadline.describe()}", Tone.INFO)
    return None


def contact_lines(contacts: Sequence[tuple[str, OnCall | None]], warning: str = "") -> list[str]:
    """Whom to call now: each contact's on-call person and number, then the directory's
    warning (an out-of-date rotation) if there is anything to call."""
    lines = []
    for cid, oc in contacts:
        if oc is None:
            lines.append(f"<b>{cid}</b> : aucune astreinte connue")
            continue
        lines.append(
            f"<b>{oc.contact.name}</b><br>&nbsp;&nbsp;d'astreinte maintenant : "
            f"{oc.person.name} — <b>{oc.person.phone}</b> <i>({oc.label})</i>"
            f" — standard {oc.contact.switchboard}"
        )
    if lines and warning:
        lines.append(f"<span style='color:#757575'>{warning}</span>")
    return lines


def call_choices(contacts: Sequence[tuple[str, OnCall | None]]) -> list[tuple[str, str]]:
    """(label, contact id) for the call form: only contacts someone answers for."""
    return [
        (f"{oc.contact.name} — {oc.person.name} {oc.person.phone}", cid)
        for cid, oc in contacts
        if oc is not None
    ]


def record_facts(rec: StepRecord | None) -> list[str]:
    """What the journal says happened to the step: who started and ended it, why, what was
    entered, every call."""
    if rec is None:
        return []
    facts = []
    if rec.started_at:
        facts.append(f"commencée à {hhmm(rec.started_at)} par {rec.started_by}")
    if rec.ended_at:
        verb = "faite" if rec.status == StepStatus.FAIT else "sautée"
        facts.append(f"{verb} à {hhmm(rec.ended_at)} par {rec.ended_by}")
    if rec.reason:
        facts.append(f"motif : {rec.reason}")
    if rec.inputs:
        facts.append("saisi : " + ", ".join(f"{k} = {val}" for k, val in rec.inputs.items()))
    for c in rec.calls:
        note = f" — {c.note}" if c.note else ""
        facts.append(f"appel {hhmm(c.ts)} {c.contact_name} ({c.person}) : {c.outcome_label}{note}")
    return facts
