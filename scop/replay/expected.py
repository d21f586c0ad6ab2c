"""Expected actions met or missed, read from the journal alone.

The expected actions travel in the ``exercise.started`` entry, so the debrief of an exercise
database needs nothing but its journal, and the trainer's dock and the debrief agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scop.models import fold_exercise as x
from scop.models.entries import Entry
from scop.replay.scenario import Expected

STATUS_LABELS: dict[str, str] = {
    "respecte": "Respecté",
    "en_retard": "En retard",
    "manque": "Manqué",
    "en_attente": "En attente",
    "a_venir": "À venir",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    expected: Expected
    status: str
    reference: datetime | None  # when the clock started for this action
    deadline: datetime | None
    done_at: datetime | None = None
    done_by: str = ""
    position: int = 0

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def delay(self) -> timedelta | None:
        if self.done_at is None or self.reference is None:
            return None
        return self.done_at - self.reference


class _Messages:
    """Template of an outgoing PP message, from its draft and validation entries."""

    def __init__(self) -> None:
        self.draft_template: dict[str, str] = {}
        self.dist_draft: dict[str, str] = {}
        self.event_of: dict[str, str] = {}

    def see(self, e: Entry) -> None:
        p = e.payload
        if e.kind == "pp.message_drafted" and isinstance(p.get("draft_id"), str):
            self.draft_template[p["draft_id"]] = str(p.get("template", ""))
            self.event_of[p["draft_id"]] = str(p.get("event_id", ""))
        elif e.kind == "pp.message_validated" and isinstance(p.get("distribution_id"), str):
            self.dist_draft[p["distribution_id"]] = str(p.get("draft_id", ""))

    def template(self, p: Mapping[str, Any]) -> tuple[str, str]:
        draft = p.get("draft_id")
        if not isinstance(draft, str):
            draft = self.dist_draft.get(str(p.get("distribution_id")), "")
        template = str(p.get("template") or self.draft_template.get(draft, ""))
        event = str(p.get("event_id") or self.event_of.get(draft, ""))
        return template, event


def _matches(exp: Expected, e: Entry, msgs: _Messages) -> bool:
    p, want = e.payload, exp.params
    if exp.action == "fiche":
        return (
            e.kind == "procedure.launched"
            and p.get("fiche_id") == want.get("fiche")
            and ("evenement" not in want or p.get("event_id") == want["evenement"])
        )
    if exp.action == "message_pp":
        if e.kind != "pp.message_sent":
            return False
        template, event = msgs.template(p)
        return template == want.get("modele") and (
            "evenement" not in want or event == want["evenement"]
        )
    if exp.action == "engagement":
        return (
            e.kind == "crew.engaged"
            and ("evenement" not in want or p.get("event_id") == want["evenement"])
            and ("equipage" not in want or p.get("call_sign") == want["equipage"])
        )
    if exp.action == "evenement":
        return e.kind == "event.created" and (
            "categorie" not in want or str(p.get("category", "")).startswith(want["categorie"])
        )
    if exp.action == "main_courante":
        return e.kind == want.get("type_entree")
    return False


def started_entry(entries: Iterable[Entry]) -> Entry | None:
    return next((e for e in entries if e.kind == x.STARTED), None)


def evaluate(entries: Iterable[Entry], now: datetime, *, ended: bool = False) -> list[Outcome]:
    """Every expected action of the exercise in ``entries`` (empty if there is none), as of
    ``now``; once the exercise has ended, what is not done is missed."""
    entries = list(entries)
    start = started_entry(entries)
    if start is None:
        return []
    ended = ended or any(e.kind == x.ENDED for e in entries)
    expected = [Expected.from_payload(p) for p in start.payload.get("expected", [])]
    inject_time: dict[str, datetime] = {}
    found: dict[str, Entry] = {}
    msgs = _Messages()
    for e in entries:
        if e.position < start.position:
            continue
        msgs.see(e)
        if e.kind == x.INJECT:
            inject_time.setdefault(str(e.payload.get("inject_id")), e.ts)
        for exp in expected:
            if exp.id in found:
                continue
            ref = start.ts if not exp.after else inject_time.get(exp.after)
            if ref is not None and e.ts >= ref and _matches(exp, e, msgs):
                found[exp.id] = e
    out: list[Outcome] = []
    for exp in expected:
        ref = start.ts if not exp.after else inject_time.get(exp.after)
        deadline = ref + exp.delay if ref is not None else None
        hit = found.get(exp.id)
        if hit is not None and deadline is not None:
            status = "respecte" if hit.ts <= deadline else "en_retard"
            out.append(Outcome(exp, status, ref, deadline, hit.ts, hit.author, hit.position))
        elif deadline is None:
            out.append(Outcome(exp, "manque" if ended else "a_venir", None, None))
        else:
            status = "manque" if ended or now > deadline else "en_attente"
            out.append(Outcome(exp, status, ref, deadline))
    return out


def tally(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for o in outcomes:
        counts[o.status] += 1
    return counts
