"""Walking a fiche réflexe: commands that become journal entries, and a view derived from them.

Nothing is held here between calls. The state of a run is what the journal says (folded by
``scop.models.fold_procedures``); what is next, what is overdue and which steps a decision
left aside are computed from it, the fiche's text and the clock given. Live operation,
replay at any instant and the tests all go through :func:`run_view`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scop.clock import local
from scop.models import fold_procedures as fp
from scop.models.entities import GRAVITIES, Event
from scop.models.entries import Draft
from scop.models.fold_procedures import ProcedureRun, StepRecord
from scop.models.nomenclatures import category_label
from scop.models.state import RoomState
from scop.models.vocabulary import STEP_ENDED, STEP_STATUSES, EventStatus, StepStatus
from scop.procedures import situation
from scop.procedures.directory import OnCall, mairie_for, on_call, resolve_contact
from scop.procedures.model import END, LAUNCH, Contact, Fiche, InputSpec, Library, Mairie, Step
from scop.room import CommandRefused, Room, entry_check

MESSAGE_DRAFTED = "pp.message_drafted"
MEANS_PLACED = "map.means_placed"

STATUS_LABELS = {**STEP_STATUSES, "en_retard": "EN RETARD"}
OPEN = (StepStatus.A_FAIRE, StepStatus.EN_COURS)


@dataclass(frozen=True, slots=True)
class StepView:
    step: Step
    status: StepStatus
    record: StepRecord | None
    deadline: datetime | None
    overdue: bool
    timer_end: datetime | None = None  # "attente" steps, once started

    @property
    def status_label(self) -> str:
        return STATUS_LABELS["en_retard" if self.overdue else self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True, slots=True)
class RunView:
    run: ProcedureRun
    fiche: Fiche
    steps: tuple[StepView, ...]
    current: str | None  # the first step of the walk not yet done or skipped
    finished: bool  # the walk reached the end of the fiche

    def step(self, step_id: str) -> StepView:
        return next(s for s in self.steps if s.step.id == step_id)

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.status in STEP_ENDED)

    @property
    def total(self) -> int:
        return sum(1 for s in self.steps if s.status != StepStatus.HORS_PARCOURS)

    @property
    def overdue(self) -> list[StepView]:
        return [s for s in self.steps if s.overdue]

    @property
    def next_deadline(self) -> datetime | None:
        pending = [s.deadline for s in self.steps if s.is_open and s.deadline is not None]
        return min(pending) if pending else None


def _after(fiche: Fiche, step: Step, rec: StepRecord) -> str:
    if step.kind == "decision" and rec.status == StepStatus.FAIT and rec.target:
        return rec.target
    if step.kind == "decision":  # skipped decision: carry on down the list
        i = fiche.index(step.id)
        return fiche.steps[i + 1].id if i + 1 < len(fiche.steps) else END
    return fiche.successors(step)[0]


def run_view(fiche: Fiche, run: ProcedureRun, now: datetime) -> RunView:
    current: str | None = None
    sid = fiche.steps[0].id
    seen: set[str] = set()
    while sid != END and sid not in seen:
        seen.add(sid)
        step = fiche.step(sid)
        if step is None:  # a fiche edited since the launch: stop the walk here
            break
        rec = run.steps.get(sid)
        if rec is not None and rec.status in STEP_ENDED:
            sid = _after(fiche, step, rec)
            continue
        current = sid
        break
    finished = sid == END
    reachable: set[str] = set()
    todo = [current] if current else []
    while todo:
        sid = todo.pop()
        if sid in reachable or sid == END:
            continue
        step = fiche.step(sid)
        if step is None:
            continue
        reachable.add(sid)
        rec = run.steps.get(sid)
        if rec is not None and rec.status in STEP_ENDED:
            todo.append(_after(fiche, step, rec))
        else:
            todo.extend(fiche.successors(step))
    views = []
    for step in fiche.steps:
        rec = run.steps.get(step.id)
        status: StepStatus
        if rec is not None and rec.status != StepStatus.A_FAIRE:
            status = rec.status
        else:
            status = StepStatus.A_FAIRE if step.id in reachable else StepStatus.HORS_PARCOURS
        deadline = None
        if step.deadline is not None:
            if step.deadline.ref == LAUNCH:
                deadline = run.launched_at + step.deadline.delay
            else:
                ref = run.steps.get(step.deadline.ref)
                if ref is not None and ref.ended_at is not None:
                    deadline = ref.ended_at + step.deadline.delay
        timer_end = None
        if step.duration is not None and rec is not None and rec.started_at is not None:
            timer_end = rec.started_at + step.duration
        overdue = status in OPEN and not run.is_closed and deadline is not None and now >= deadline
        views.append(StepView(step, status, rec, deadline, overdue, timer_end))
    return RunView(run, fiche, tuple(views), current, finished)


def check_inputs(step: Step, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values for the step's inputs, or a refusal naming the first bad one."""
    out: dict[str, Any] = {}
    for spec in step.inputs:
        value = raw.get(spec.id)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            if spec.required and spec.kind != "oui_non":
                raise CommandRefused(f"Saisie obligatoire manquante : « {spec.label} ».")
            # an optional input left empty still overrides what an earlier step entered
            out[spec.id] = False if spec.kind == "oui_non" else ""
            continue
        out[spec.id] = _typed(spec, value)
    return out


def _typed(spec: InputSpec, value: Any) -> Any:
    if spec.kind == "entier":
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise CommandRefused(
                f"« {spec.label} » : un nombre entier est attendu, pas « {value} »."
            ) from None
        if isinstance(value, float) and value != n:
            raise CommandRefused(f"« {spec.label} » : un nombre entier est attendu.")
        if spec.minimum is not None and n < spec.minimum:
            raise CommandRefused(f"« {spec.label} » : au moins {spec.minimum}.")
        return n
    if spec.kind == "oui_non":
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("oui", "o", "true", "1"):
            return True
        if text in ("non", "n", "false", "0"):
            return False
        raise CommandRefused(f"« {spec.label} » : répondre oui ou non.")
    if spec.kind == "choix":
        if str(value) not in spec.choices:
            raise CommandRefused(f"« {spec.label} » : choisir parmi {', '.join(spec.choices)}.")
        return str(value)
    return str(value)


class ProcedureRunner:
    """Commands of the fiches réflexes. Each checks the journal-derived state, then appends
    the entries of its transition in one transaction (a message draft or a map placement
    goes in the same transaction as the step it completes)."""

    def __init__(self, room: Room, library: Library) -> None:
        self.room = room
        self.library = library

    # -- reading ----------------------------------------------------------------------------

    def runs(self, event_id: str | None = None) -> list[ProcedureRun]:
        out = [
            r
            for r in fp.runs(self.room.state).values()
            if event_id is None or r.event_id == event_id
        ]
        return sorted(out, key=lambda r: r.launched_at)

    def view(self, run_id: str) -> RunView:
        run, fiche = self._run(self.room.state, run_id)
        return run_view(fiche, run, self.room.clock.now())

    def event(self, event_id: str) -> Event | None:
        ev: Event | None = self.room.state.events.get(event_id)
        return ev

    def contacts_now(self, step: Step, event_id: str) -> list[tuple[str, OnCall | None]]:
        """Each contact of the step with who is on call at the room's time."""
        now = self.room.clock.now()
        out: list[tuple[str, OnCall | None]] = []
        for cid in step.contacts:
            contact = resolve_contact(self.library, cid, self.event(event_id))
            out.append(
                (cid, on_call(contact, now, self.library.rotation_start) if contact else None)
            )
        return out

    def default_mairie(self, event_id: str) -> Mairie | None:
        return mairie_for(self.library, self.event(event_id))

    # -- commands ---------------------------------------------------------------------------

    def launch(self, fiche_id: str, event_id: str) -> str:
        fiche = self.library.fiches.get(fiche_id)
        if fiche is None:
            raise CommandRefused(f"Fiche réflexe inconnue ou en erreur : « {fiche_id} ».")
        run_id = f"{fiche.id}-{uuid.uuid4().hex[:8]}"

        def decide(st: RoomState) -> list[Draft]:
            payload: dict[str, Any] = {"run_id": run_id, "event_id": event_id}
            check_launched(st, payload)
            payload |= {
                "fiche_id": fiche.id,
                "fiche_title": fiche.title,
                "fiche_version": fiche.version,
                "event_category": st.events[event_id].category,
            }
            return [Draft(fp.LAUNCHED, payload)]

        self.room.execute("procedure.launch", decide)
        return run_id

    def start(self, run_id: str, step_id: str) -> None:
        def decide(st: RoomState) -> list[Draft]:
            v, sv = self._open_step(st, run_id, step_id)
            if sv.status != StepStatus.A_FAIRE:
                raise CommandRefused(f"L'étape « {sv.step.title} » est déjà commencée.")
            return [Draft(fp.STEP_STARTED, self._payload(v, sv.step))]

        self.room.execute(self._step_command("procedure.start_step", run_id, step_id), decide)

    def complete(
        self,
        run_id: str,
        step_id: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        mairie: str | None = None,
        message: Mapping[str, Any] | None = None,
    ) -> None:
        """Mark a step done. A message step drafts its message for the chief, a map step
        places its means, in the same transaction. ``message``: the message's fields as the
        chief edited them (the point de situation's dialog) instead of the fiche's template."""

        def decide(st: RoomState) -> list[Draft]:
            v, sv = self._open_step(st, run_id, step_id)
            step = sv.step
            if step.kind == "decision":
                raise CommandRefused("Une décision se prend en choisissant une des branches.")
            values = check_inputs(step, inputs or {})
            drafts: list[Draft] = []
            if step.kind == "message":
                drafts.append(self._message_draft(v, step, values, message))
            elif step.kind == "carte":
                placement, extra = self._placement(v, step, mairie)
                values.update(extra)
                drafts.append(placement)
            drafts.insert(0, Draft(fp.STEP_DONE, {**self._payload(v, step), "inputs": values}))
            return drafts

        self.room.execute(self._step_command("procedure.complete_step", run_id, step_id), decide)

    def skip(self, run_id: str, step_id: str, reason: str) -> None:
        reason = reason.strip()
        if not reason:
            raise CommandRefused("Sauter une étape demande un motif : il figure en main courante.")

        def decide(st: RoomState) -> list[Draft]:
            v, sv = self._open_step(st, run_id, step_id)
            return [Draft(fp.STEP_SKIPPED, {**self._payload(v, sv.step), "reason": reason})]

        self.room.execute(self._step_command("procedure.skip_step", run_id, step_id), decide)

    def choose(self, run_id: str, step_id: str, branch: int) -> None:
        def decide(st: RoomState) -> list[Draft]:
            v, sv = self._open_step(st, run_id, step_id)
            step = sv.step
            if step.kind != "decision":
                raise CommandRefused(f"L'étape « {step.title} » n'est pas une décision.")
            if not 0 <= branch < len(step.branches):
                raise CommandRefused("Cette branche n'existe pas.")
            b = step.branches[branch]
            payload = {
                **self._payload(v, step),
                "branch": branch,
                "label": b.label,
                "target": b.target,
            }
            return [Draft(fp.BRANCH_CHOSEN, payload)]

        self.room.execute(self._step_command("procedure.choose_branch", run_id, step_id), decide)

    def log_call(
        self,
        run_id: str,
        step_id: str,
        contact_id: str,
        outcome: str,
        note: str = "",
        *,
        done: bool = False,
    ) -> None:
        if outcome not in fp.CALL_OUTCOMES:
            raise CommandRefused(f"Issue d'appel inconnue : « {outcome} ».")
        now = self.room.clock.now()

        def decide(st: RoomState) -> list[Draft]:
            v, sv = self._open_step(st, run_id, step_id, allow_done=not done)
            return self._call_drafts(v, sv.step, contact_id, outcome, note, now, done=done)

        self.room.execute(self._step_command("procedure.log_call", run_id, step_id), decide)

    def _call_drafts(  # noqa: PLR0917  (the call as the operator described it)
        self,
        v: RunView,
        step: Step,
        contact_id: str,
        outcome: str,
        note: str,
        now: datetime,
        *,
        done: bool,
    ) -> list[Draft]:
        if contact_id not in step.contacts:
            raise CommandRefused("Ce contact n'est pas prévu à cette étape.")
        contact = resolve_contact(self.library, contact_id, self.event(v.run.event_id))
        if contact is None:
            raise CommandRefused("Aucune astreinte connue pour ce contact.")
        who = on_call(contact, now, self.library.rotation_start)
        drafts = [
            Draft(
                fp.CALL_LOGGED,
                {
                    **self._payload(v, step),
                    "contact_id": contact.id,
                    "contact_name": contact.name,
                    "person": who.person.name,
                    "phone": who.person.phone,
                    "slot": who.label,
                    "outcome": outcome,
                    "note": note.strip(),
                },
            )
        ]
        if done:
            values = check_inputs(step, {})
            drafts.append(Draft(fp.STEP_DONE, {**self._payload(v, step), "inputs": values}))
        return drafts

    def close(self, run_id: str, reason: str = "") -> None:
        now = self.room.clock.now()

        def decide(st: RoomState) -> list[Draft]:
            run, fiche = self._run(st, run_id)
            if run.is_closed:
                raise CommandRefused("Cette fiche est déjà close.")
            if not run_view(fiche, run, now).finished and not reason.strip():
                raise CommandRefused("La fiche n'est pas terminée : indiquez le motif de clôture.")
            payload = {
                "run_id": run_id,
                "fiche_id": run.fiche_id,
                "fiche_title": run.fiche_title,
                "event_id": run.event_id,
                "reason": reason.strip(),
            }
            return [Draft(fp.CLOSED, payload)]

        self.room.execute("procedure.close", decide)

    # -- messages and map --------------------------------------------------------------------

    def message_fields(
        self, run: ProcedureRun, step: Step, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """What a template can use: the event, every input entered so far in the run (the
        number evacuated, the C.A.RE's mairie…), then this step's inputs."""
        ev = self.event(run.event_id)
        now = local(self.room.clock.now())
        fields: dict[str, Any] = {
            "event_id": run.event_id,
            "heure": now.strftime("%H:%M"),
            "date": now.strftime("%d/%m/%Y"),
            "operateur": self.room.operator.name,
            "fiche": run.fiche_title,
        }
        if ev is not None:
            fields.update(
                {
                    "categorie": ev.category,
                    "categorie_libelle": category_label(ev.category),
                    "titre": ev.title,
                    "adresse": ev.address,
                    "description": ev.description,
                    "gravite": GRAVITIES.get(ev.gravity, str(ev.gravity)),
                }
            )
            if ev.lon is not None and ev.lat is not None:
                fields["lon"], fields["lat"] = ev.lon, ev.lat
        for other in sorted(fp.runs(self.room.state).values(), key=lambda r: r.launched_at):
            if other.event_id != run.event_id:
                continue
            for rec in sorted(other.steps.values(), key=lambda r: r.position):
                if rec.status == StepStatus.FAIT:
                    fields.update({k: v for k, v in rec.inputs.items() if k != "choix"})
        fields.update(values)
        if step.template == situation.TEMPLATE and ev is not None:
            # the « point de situation » step comes prefilled with what the room knows; what
            # the chief typed stays
            known = situation.template_fields(self.room.state, ev.id, self.room.clock.now())
            for key, text in known.items():
                if not str(fields.get(key) or "").strip():
                    fields[key] = text
        return fields

    def render(self, template_id: str, fields: Mapping[str, Any]) -> tuple[str, str]:
        tpl = self.library.templates[template_id]
        safe = _Defaulting(
            {k: ("oui" if v is True else "non" if v is False else v) for k, v in fields.items()}
        )
        return tpl.subject.format_map(safe), tpl.body.format_map(safe)

    def _message_draft(
        self,
        v: RunView,
        step: Step,
        values: Mapping[str, Any],
        edited: Mapping[str, Any] | None = None,
    ) -> Draft:
        assert step.template is not None
        if step.template not in self.library.templates:
            raise CommandRefused(f"Modèle de message absent : « {step.template} ».")
        if edited is not None:
            fields = dict(edited)
        else:
            fields = self.message_fields(v.run, step, values)
            subject, body = self.render(step.template, fields)
            fields = {**fields, "objet": subject, "texte": body}
        return Draft(
            MESSAGE_DRAFTED,
            {
                "draft_id": f"BR-{uuid.uuid4().hex[:12]}",
                "event_id": v.run.event_id,
                "template": step.template,
                "fields": fields,
                "origin": {"run_id": v.run.run_id, "step_id": step.id},
            },
        )

    def _placement(
        self, v: RunView, step: Step, mairie_code: str | None
    ) -> tuple[Draft, dict[str, Any]]:
        ev = self.event(v.run.event_id)
        means = step.means or "CARE"
        mairie = None
        if mairie_code:
            mairie = next((m for m in self.library.mairies if m.code == mairie_code), None)
            if mairie is None:
                raise CommandRefused(f"Mairie inconnue : « {mairie_code} ».")
        elif means == "CARE":
            mairie = mairie_for(self.library, ev)
        if mairie is not None:
            lon, lat = mairie.lon, mairie.lat
            where, label = (
                mairie.address,
                f"{means if means == 'VPU' else 'C.A.RE'} — {mairie.name}",
            )
        elif ev is not None and ev.lon is not None and ev.lat is not None:
            lon, lat, where = ev.lon, ev.lat, ev.address
            label = f"{'VPU' if means == 'VPU' else 'C.A.RE'} — {ev.address or ev.id}"
        else:
            raise CommandRefused(
                "Impossible de placer le moyen : l'événement n'a pas de "
                "position et aucune mairie n'est choisie."
            )
        draft = Draft(
            MEANS_PLACED,
            {
                "id": f"{means}-{uuid.uuid4().hex[:8]}",
                "means": means,
                "label": label,
                "lon": float(lon),
                "lat": float(lat),
                "event_id": v.run.event_id,
            },
        )
        extra: dict[str, Any] = {"lieu": where}
        if mairie is not None:
            extra["mairie"] = mairie.name
        return draft, extra

    # -- helpers -------------------------------------------------------------------------

    def _step_command(self, command: str, run_id: str, step_id: str) -> str:
        """A step the fiche assigns to the chief is the chief's, whatever is done to it (the
        role table: ``procedure.chief_step``); others go by ``command``."""
        run = fp.runs(self.room.state).get(run_id)
        fiche = self.library.fiches.get(run.fiche_id) if run is not None else None
        step = fiche.step(step_id) if fiche is not None else None
        if step is not None and step.role == "chef_de_salle":
            return "procedure.chief_step"
        return command

    def _run(self, st: RoomState, run_id: str) -> tuple[ProcedureRun, Fiche]:
        run = fp.runs(st).get(run_id)
        if run is None:
            raise CommandRefused(f"Fiche en cours inconnue : {run_id}.")
        fiche = self.library.fiches.get(run.fiche_id)
        if fiche is None:
            raise CommandRefused(
                f"La fiche « {run.fiche_title} » n'est plus chargée (fichier absent ou en erreur)."
            )
        return run, fiche

    def _open_step(
        self, st: RoomState, run_id: str, step_id: str, allow_done: bool = False
    ) -> tuple[RunView, StepView]:
        run, fiche = self._run(st, run_id)
        if run.is_closed:
            raise CommandRefused(f"La fiche « {run.fiche_title} » est close.")
        if fiche.step(step_id) is None:
            raise CommandRefused(f"Étape inconnue : {step_id}.")
        v = run_view(fiche, run, self.room.clock.now())
        sv = v.step(step_id)
        if sv.status == StepStatus.HORS_PARCOURS:
            raise CommandRefused(f"L'étape « {sv.step.title} » est hors du parcours choisi.")
        if not allow_done and sv.status in STEP_ENDED:
            raise CommandRefused(
                f"L'étape « {sv.step.title} » est déjà "
                f"{'faite' if sv.status == StepStatus.FAIT else 'sautée'}."
            )
        return v, sv

    @staticmethod
    def _payload(v: RunView, step: Step) -> dict[str, Any]:
        return {
            "run_id": v.run.run_id,
            "step_id": step.id,
            "step_title": step.title,
            "fiche_id": v.fiche.id,
            "fiche_title": v.fiche.title,
            "event_id": v.run.event_id,
        }


@entry_check(fp.LAUNCHED)
def check_launched(st: RoomState, p: Mapping[str, Any]) -> None:
    event_id = str(p.get("event_id"))
    event = st.events.get(event_id)
    if event is None:
        raise CommandRefused(f"L'événement {event_id} n'existe pas.")
    if event.status == EventStatus.CLOS:
        raise CommandRefused(f"L'événement {event_id} est clos : rouvrez-le d'abord.")
    if p.get("run_id") in st.procedures:
        raise CommandRefused(f"Fiche en cours déjà lancée : {p.get('run_id')}.")


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "…"


def remaining(deadline: datetime | None, now: datetime) -> timedelta | None:
    return None if deadline is None else deadline - now


def format_remaining(delta: timedelta) -> str:
    """« 04:32 » before the deadline, « +02:10 » after (minutes:seconds, or h:mm:ss)."""
    secs = int(delta.total_seconds())
    sign = "+" if secs < 0 else ""
    secs = abs(secs)
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m:02d}:{s:02d}"


def contact_line(contact: Contact) -> str:
    return f"{contact.name} — standard {contact.switchboard}"
