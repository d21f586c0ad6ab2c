"""Fiches réflexes under way: what the journal says was launched, done, skipped, decided.

The fold keeps only facts (who did which step when, with what inputs); the runner in
``scop.procedures`` joins them with the fiche's text and the clock to tell what is next and
what is overdue. So replaying the journal to any instant shows the procedures as they were.
Runs and step records are frozen and replaced, never mutated: ``RoomState.copy()`` may
share them between snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from scop.models.describe import describes
from scop.models.entries import Entry
from scop.models.projection import handles
from scop.models.state import RoomState
from scop.models.vocabulary import STEP_ENDED, StepStatus

LAUNCHED = "procedure.launched"
STEP_STARTED = "procedure.step_started"
STEP_DONE = "procedure.step_done"
STEP_SKIPPED = "procedure.step_skipped"
BRANCH_CHOSEN = "procedure.branch_chosen"
CALL_LOGGED = "procedure.call_logged"
CLOSED = "procedure.closed"

CALL_OUTCOMES: dict[str, str] = {
    "joint": "Joint",
    "message_laisse": "Message laissé",
    "pas_de_reponse": "Pas de réponse",
    "occupe": "Occupé",
    "mauvais_numero": "Mauvais numéro",
}


@dataclass(frozen=True, slots=True)
class CallRecord:
    ts: datetime
    author: str
    contact_id: str
    contact_name: str
    person: str
    phone: str
    outcome: str
    note: str = ""

    @property
    def outcome_label(self) -> str:
        return CALL_OUTCOMES.get(self.outcome, self.outcome)


@dataclass(frozen=True, slots=True)
class StepRecord:
    status: StepStatus = StepStatus.A_FAIRE
    started_at: datetime | None = None
    started_by: str = ""
    ended_at: datetime | None = None
    ended_by: str = ""
    inputs: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    branch: int | None = None
    target: str | None = None
    calls: tuple[CallRecord, ...] = ()
    position: int = 0  # journal position of the last transition
    title: str = ""  # the step's title as its entries say it (a point de situation quotes it)


@dataclass(frozen=True, slots=True)
class ProcedureRun:
    run_id: str
    fiche_id: str
    fiche_title: str
    fiche_version: int
    event_id: str
    launched_at: datetime
    launched_by: str
    steps: Mapping[str, StepRecord] = field(default_factory=dict)
    closed_at: datetime | None = None
    closed_by: str = ""
    closing_reason: str = ""

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def record(self, step_id: str) -> StepRecord | None:
        return self.steps.get(step_id)


def _int(value: Any, default: int) -> int:
    """Entries come from other workstations and older versions: a bad number is not a crash."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def runs(state: RoomState) -> dict[str, ProcedureRun]:
    value: dict[str, ProcedureRun] = state.procedures
    return value


def _update(st: RoomState, e: Entry, fn: Any) -> None:
    run = st.procedures.get(str(e.payload.get("run_id")))
    step_id = e.payload.get("step_id")
    if run is None or run.is_closed or not isinstance(step_id, str):
        return
    rec = run.steps.get(step_id) or StepRecord()
    new = fn(rec)
    if new is None:
        return
    steps = dict(run.steps)
    title = str(e.payload.get("step_title") or new.title)
    steps[step_id] = replace(new, position=e.position, title=title)
    st.procedures[run.run_id] = replace(run, steps=steps)


@handles(LAUNCHED)
def _launched(st: RoomState, e: Entry) -> None:
    p = e.payload
    run_id = str(p.get("run_id", ""))
    if not run_id or run_id in st.procedures or str(p.get("event_id")) not in st.events:
        return
    st.procedures[run_id] = ProcedureRun(
        run_id=run_id,
        fiche_id=str(p.get("fiche_id", "")),
        fiche_title=str(p.get("fiche_title", p.get("fiche_id", ""))),
        fiche_version=_int(p.get("fiche_version"), 1),
        event_id=str(p["event_id"]),
        launched_at=e.ts,
        launched_by=e.author,
    )


@handles(STEP_STARTED)
def _started(st: RoomState, e: Entry) -> None:
    def apply(rec: StepRecord) -> StepRecord | None:
        if rec.status != StepStatus.A_FAIRE:
            return None
        return replace(rec, status=StepStatus.EN_COURS, started_at=e.ts, started_by=e.author)

    _update(st, e, apply)


@handles(STEP_DONE)
def _done(st: RoomState, e: Entry) -> None:
    inputs = e.payload.get("inputs") or {}

    def apply(rec: StepRecord) -> StepRecord | None:
        if rec.status in STEP_ENDED:
            return None
        return replace(
            rec,
            status=StepStatus.FAIT,
            ended_at=e.ts,
            ended_by=e.author,
            inputs=dict(inputs) if isinstance(inputs, Mapping) else {},
        )

    _update(st, e, apply)


@handles(STEP_SKIPPED)
def _skipped(st: RoomState, e: Entry) -> None:
    def apply(rec: StepRecord) -> StepRecord | None:
        if rec.status in STEP_ENDED:
            return None
        return replace(
            rec,
            status=StepStatus.SAUTE,
            ended_at=e.ts,
            ended_by=e.author,
            reason=str(e.payload.get("reason", "")),
        )

    _update(st, e, apply)


@handles(BRANCH_CHOSEN)
def _branch(st: RoomState, e: Entry) -> None:
    def apply(rec: StepRecord) -> StepRecord | None:
        if rec.status in STEP_ENDED:
            return None
        return replace(
            rec,
            status=StepStatus.FAIT,
            ended_at=e.ts,
            ended_by=e.author,
            branch=_int(e.payload.get("branch"), 0),
            target=str(e.payload.get("target", "")),
            inputs={"choix": str(e.payload.get("label", ""))},
        )

    _update(st, e, apply)


@handles(CALL_LOGGED)
def _call(st: RoomState, e: Entry) -> None:
    p = e.payload
    call = CallRecord(
        e.ts,
        e.author,
        str(p.get("contact_id", "")),
        str(p.get("contact_name", "")),
        str(p.get("person", "")),
        str(p.get("phone", "")),
        str(p.get("outcome", "")),
        str(p.get("note", "")),
    )

    def apply(rec: StepRecord) -> StepRecord:
        status = StepStatus.EN_COURS if rec.status == StepStatus.A_FAIRE else rec.status
        started = rec.started_at or e.ts
        return replace(
            rec,
            status=status,
            started_at=started,
            started_by=rec.started_by or e.author,
            calls=(*rec.calls, call),
        )

    _update(st, e, apply)


@handles(CLOSED)
def _closed(st: RoomState, e: Entry) -> None:
    run = st.procedures.get(str(e.payload.get("run_id")))
    if run is None or run.is_closed:
        return
    st.procedures[run.run_id] = replace(
        run, closed_at=e.ts, closed_by=e.author, closing_reason=str(e.payload.get("reason", ""))
    )


# -- how they read in the main courante ------------------------------------------------------


def _fiche(e: Entry) -> str:
    return f"Fiche « {e.payload.get('fiche_title') or e.payload.get('fiche_id', '?')} »"


def _step(e: Entry) -> str:
    return f"étape « {e.payload.get('step_title') or e.payload.get('step_id', '?')} »"


def _inputs(values: Any) -> str:
    if not isinstance(values, Mapping) or not values:
        return ""
    shown = []
    for k, v in values.items():
        text = "oui" if v is True else "non" if v is False else str(v)
        shown.append(f"{k} : {text}")
    return " (" + ", ".join(shown) + ")"


@describes(LAUNCHED, "Fiche réflexe lancée")
def _d_launched(e: Entry) -> str:
    return f"{_fiche(e)} lancée sur l'événement {e.payload.get('event_id', '?')}"


@describes(STEP_STARTED, "Étape de fiche commencée")
def _d_started(e: Entry) -> str:
    return f"{_fiche(e)} : {_step(e)} commencée"


@describes(STEP_DONE, "Étape de fiche faite")
def _d_done(e: Entry) -> str:
    return f"{_fiche(e)} : {_step(e)} faite{_inputs(e.payload.get('inputs'))}"


@describes(STEP_SKIPPED, "Étape de fiche sautée")
def _d_skipped(e: Entry) -> str:
    return f"{_fiche(e)} : {_step(e)} sautée — motif : {e.payload.get('reason', '')}"


@describes(BRANCH_CHOSEN, "Décision de fiche")
def _d_branch(e: Entry) -> str:
    return f"{_fiche(e)} : {_step(e)} — décision : {e.payload.get('label', '?')}"


@describes(CALL_LOGGED, "Appel d'astreinte")
def _d_call(e: Entry) -> str:
    p = e.payload
    note = f" — {p['note']}" if p.get("note") else ""
    outcome = CALL_OUTCOMES.get(str(p.get("outcome")), str(p.get("outcome")))
    return (
        f"Appel {p.get('contact_name', p.get('contact_id', '?'))} ({p.get('person', '')}, "
        f"{p.get('phone', '')}) : {outcome}{note}"
    )


@describes(CLOSED, "Fiche réflexe close")
def _d_closed(e: Entry) -> str:
    reason = f" — {e.payload['reason']}" if e.payload.get("reason") else ""
    return f"{_fiche(e)} close{reason}"
