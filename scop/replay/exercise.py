"""Running an exercise: its own database, its own clock, the scenario's injects on time.

The exercise journal is a separate database whose first entry is ``room.opened`` in mode
``exercise`` (and its meta says so), so the live console refuses it and nothing recorded here
can reach the live room. The scenario clock is a :class:`ManualClock` that only the runner
moves: at the chosen speed, or straight to the next inject ("as fast as possible").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs

from scop.clock import ManualClock, to_iso
from scop.demo import DEMO_OPERATOR, demo_drafts
from scop.errors import WrongMode
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models import fold_exercise as x
from scop.models.entities import PositionFix
from scop.models.entries import SCENARIO, SYSTEM, Draft, Entry, Operator, seal
from scop.replay.engine import ReplayEngine, to_us
from scop.replay.expected import Outcome, evaluate, tally
from scop.replay.scenario import EXERCISE_MARK, INJECT_TYPES, Inject, Scenario
from scop.replay.source import import_entries, import_positions, open_source
from scop.room import CommandRefused, Room, guard, open_room

TRAINER = Operator("Formateur", "trainer")
SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 30, 60, None)  # None: as fast as possible


class ExerciseError(WrongMode):
    """Refused before anything is written; the message is for the trainer."""


def exercises_dir() -> Path:
    return Path(platformdirs.user_data_dir("scop", "VilleDeParis")) / "exercices"


def new_exercise_url(scenario_id: str, when: datetime) -> str:
    stamp = when.strftime("%Y%m%d-%H%M%S")
    path = exercises_dir() / f"{scenario_id}-{stamp}.sqlite"
    n = 1
    while path.exists():
        n += 1
        path = exercises_dir() / f"{scenario_id}-{stamp}-{n}.sqlite"
    return f"sqlite:///{path}"


def open_exercise_store(
    url: str, clock: ManualClock, live_urls: tuple[str, ...] = ()
) -> JournalStore:
    """A fresh (or already exercise) database; never one holding a live or demo room."""
    if url in live_urls:
        raise ExerciseError("refusé : cette base est celle de la salle, pas une base d'exercice")
    store = JournalStore.open(url, clock)
    mode = store.meta("mode")
    if store.head()[0] > 0 and mode != "exercise":
        store.close()
        raise ExerciseError(
            f"refusé : la base {url} contient une main courante en mode « {mode or 'réel'} »;"
            " un exercice s'exécute sur une base d'exercice séparée"
        )
    return store


def fork_into(
    store: JournalStore, source: str, at: datetime, label: str, clock: ManualClock
) -> datetime:
    """Start the exercise journal from the state of a recorded shift at ``at``: the recorded
    entries up to then (keeping their times and authors, re-chained behind this journal's
    own exercise opening), the crews' positions at that instant, then ``exercise.forked``."""
    if store.head()[0] > 0:
        raise ExerciseError("une reprise ne peut partir que d'une base d'exercice vide")
    src = open_source(source, clock)
    try:
        engine = ReplayEngine.from_store(src.store)
        if not engine.entries:
            raise ExerciseError(f"{source} : main courante vide")
        at = engine.clamp(at)
        p = engine.position_at(at)
        src_head = src.store.head()
        first = engine.entries[0]
        opening = Draft(k.ROOM_OPENED, {"mode": "exercise", "label": label}, "systeme", SYSTEM)
        sealed = [seal(1, first.ts, SYSTEM, opening, "0" * 64)]
        prev = sealed[0].hash
        for e in engine.entries[1:p]:
            d = Draft(e.kind, e.payload, e.source)
            s = seal(e.position, e.ts, Operator(e.author, e.role, e.author_id), d, prev)
            sealed.append(s)
            prev = s.hash
        store.set_meta("mode", "exercise")
        store.set_meta("label", label)
        import_entries(store, sealed)
        state = engine.state_at(at)
        fixes = [
            PositionFix(c.call_sign, c.position_ts, c.lon, c.lat, c.heading)
            for c in state.crews.values()
            if c.position_ts is not None
            and c.lon is not None
            and c.lat is not None
            and to_us(c.position_ts) > 0
        ]
        import_positions(store, sorted(fixes, key=lambda f: f.ts))
        clock.set(at)
        store.append(
            [
                Draft(
                    x.FORKED,
                    {
                        "source": source,
                        "source_head_position": src_head[0],
                        "source_head_hash": src_head[1],
                        "fork_position": p,
                        "fork_hash": engine.entries[p - 1].hash if p else "",
                        "at": to_iso(at),
                        "text": f"Reprise de la vacation à {to_iso(at)}",
                    },
                    "formateur",
                )
            ],
            TRAINER,
        )
        return at
    finally:
        src.close()


@dataclass
class InjectState:
    inject: Inject
    status: str = "a_venir"  # a_venir, injecte, passe
    at: datetime | None = None


@dataclass
class ExerciseRunner:
    """The trainer's controls over one exercise, driving the room's clock."""

    room: Room
    clock: ManualClock
    scenario: Scenario
    speed: float | None = 1.0
    trainer: Operator = TRAINER
    t0: datetime | None = None
    paused: bool = True
    finished: bool = False
    injects: list[InjectState] = field(default_factory=list)
    extra: int = 0
    start_position: int = 0  # journal position of exercise.started
    pp_via_sim: bool = False  # the PP's messages come over the link from ``scop pp-sim``

    def __post_init__(self) -> None:
        self.injects = [InjectState(i) for i in self.scenario.injects]

    # -- time ------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self.t0 is not None

    @property
    def elapsed(self) -> timedelta:
        return self.clock.now() - self.t0 if self.t0 else timedelta()

    @property
    def end_time(self) -> datetime | None:
        return self.t0 + self.scenario.duration if self.t0 else None

    def due_time(self, st: InjectState) -> datetime | None:
        return self.t0 + st.inject.at if self.t0 else None

    def pending(self) -> list[InjectState]:
        return [s for s in self.injects if s.status == "a_venir"]

    def _record(self, drafts: list[Draft]) -> None:
        # The scenario writes its injects under its own name, but only a trainer drives it:
        # the role table is checked for the person at the controls as well.
        guard(self.room, drafts[0].kind, self.trainer)
        self.room.record_all(drafts)

    # -- controls --------------------------------------------------------------------------

    def start(self) -> None:
        if self.started:
            raise CommandRefused("L'exercice a déjà commencé.")
        if self.room.mode != "exercise":
            raise CommandRefused("Refusé : cette salle n'est pas une salle d'exercice.")
        s = self.scenario
        guard(self.room, x.STARTED, self.trainer)  # before the scenario writes anything
        if s.demo_crews and not self.room.state.crews:  # the scenario's, before it starts
            self.room.record_all(
                [
                    Draft(d.kind, d.payload, d.source, SCENARIO)
                    for d in demo_drafts()
                    if d.kind == k.CREW_REGISTERED
                ]
            )
        drafts: list[Draft] = [
            Draft(
                x.STARTED,
                {
                    "scenario_id": s.id,
                    "title": s.title,
                    "file": Path(s.path).name,
                    "sha256": s.sha256,
                    "duration_s": int(s.duration.total_seconds()),
                    "speed": self.speed,
                    "expected": [e.to_payload() for e in s.expected],
                    "injects": [i.to_payload() for i in s.injects],
                },
                "formateur",
                self.trainer,
            )
        ]
        self._record(drafts)
        self.start_position = self.room.state.position
        self.t0 = self.clock.now()
        self.paused = False
        self._fire_due()

    def pause(self) -> None:
        if self.started and not self.paused and not self.finished:
            self.paused = True
            self._record([Draft(x.PAUSED, {}, "formateur", self.trainer)])

    def resume(self) -> None:
        if self.started and self.paused and not self.finished:
            self.paused = False
            self._record([Draft(x.RESUMED, {}, "formateur", self.trainer)])

    def set_speed(self, speed: float | None) -> None:
        if speed == self.speed:
            return
        self.speed = speed
        if self.started and not self.finished:
            self._record([Draft(x.SPEED, {"speed": speed}, "formateur", self.trainer)])

    def tick(self, real_seconds: float) -> int:
        """Advance scenario time for ``real_seconds`` of wall time; returns injects fired."""
        if not self.started or self.paused or self.finished:
            return 0
        end = self.end_time
        assert end is not None
        if self.speed is None:
            nxt = [self.due_time(s) for s in self.pending()]
            target = min([t for t in nxt if t is not None], default=end)
        else:
            target = self.clock.now() + timedelta(seconds=real_seconds * self.speed)
        target = min(max(target, self.clock.now()), end)
        fired = self._fire_due(until=target)
        self.clock.set(target)
        if target >= end and not self.pending():
            self.finish()
        return fired

    def _fire_due(self, until: datetime | None = None) -> int:
        until = until or self.clock.now()
        n = 0
        for st in self.injects:
            due = self.due_time(st)
            if st.status == "a_venir" and due is not None and due <= until:
                self.clock.set(max(due, self.clock.now()))
                self._fire(st)
                n += 1
        return n

    def inject_now(self, inject_id: str) -> None:
        st = next((s for s in self.injects if s.inject.id == inject_id), None)
        if st is None or st.status != "a_venir":
            raise CommandRefused(f"L'inject « {inject_id} » n'est pas à venir.")
        if not self.started:
            raise CommandRefused("Démarrez d'abord l'exercice.")
        self._fire(st, forced=True)

    def skip(self, inject_id: str) -> None:
        st = next((s for s in self.injects if s.inject.id == inject_id), None)
        if st is None or st.status != "a_venir":
            raise CommandRefused(f"L'inject « {inject_id} » n'est pas à venir.")
        st.status, st.at = "passe", self.clock.now()
        self._record([Draft(x.SKIPPED, {"inject_id": inject_id}, "formateur", self.trainer)])

    def add_inject(self, type_: str, text: str, who: str = "", event_id: str = "") -> Inject:
        """An unscripted inject, played at once (the trainer improvises)."""
        if type_ not in INJECT_TYPES or type_ in ("evenement", "equipage"):
            raise CommandRefused("Type d'inject impossible à improviser ici.")
        if not text.strip():
            raise CommandRefused("Un inject dit quelque chose : texte vide.")
        if not self.started:
            raise CommandRefused("Démarrez d'abord l'exercice.")
        if type_ == "message_pp" and event_id not in self.room.state.events:
            raise CommandRefused("Un message de la PP porte sur un événement existant.")
        self.extra += 1
        inj = Inject(
            id=f"improvise_{self.extra}",
            at=self.elapsed,
            type=type_,
            text=text.strip(),
            event_id=event_id,
            template="point_de_situation" if type_ == "message_pp" else "",
            who=who,
        )
        st = InjectState(inj)
        self.injects.append(st)
        self._fire(st, scripted=False)
        return inj

    def finish(self) -> list[Outcome]:
        if self.finished:
            return self.outcomes()
        self.finished = True
        self.paused = True
        outcomes = evaluate(self._exercise_entries(), self.clock.now(), ended=True)
        t = tally(outcomes)
        self._record(
            [
                Draft(
                    x.ENDED,
                    {"met": t["respecte"], "late": t["en_retard"], "missed": t["manque"]},
                    "formateur",
                    self.trainer,
                )
            ]
        )
        return outcomes

    def run_to_end(self) -> list[Outcome]:
        """Every inject at its time, as fast as possible, then the end (batch runs, tests)."""
        if not self.started:
            self.start()
        self.set_speed(None)
        self.resume()
        while not self.finished:
            self.tick(0.0)
        return self.outcomes()

    def outcomes(self) -> list[Outcome]:
        return evaluate(self._exercise_entries(), self.clock.now(), ended=self.finished)

    def _exercise_entries(self) -> list[Entry]:
        """From exercise.started on: a forked exercise carries a whole shift before it."""
        return self.room.store.read(after=max(0, self.start_position - 1))

    # -- injects ---------------------------------------------------------------------------

    def _fire(self, st: InjectState, *, forced: bool = False, scripted: bool = True) -> None:
        inj = st.inject
        payload: dict[str, Any] = inj.to_payload()
        payload |= {"label": inj.type_label, "scripted": scripted}
        if forced:
            payload["forced"] = True
        if inj.type == "message_pp" and self.pp_via_sim:
            payload["text"] = f"{inj.text} (joué par le simulateur PP sur le lien)"
        drafts = [Draft(x.INJECT, payload, inj.source, SCENARIO)]
        if inj.event is not None and inj.event.id not in self.room.state.events:
            drafts.append(
                Draft(k.EVENT_CREATED, inj.event.payload(inj.source), inj.source, SCENARIO)
            )
        if inj.type == "equipage" and inj.status and inj.call_sign in self.room.state.crews:
            p: dict[str, Any] = {"call_sign": inj.call_sign, "status": inj.status}
            if inj.reason:
                p["reason"] = inj.reason
            drafts.append(Draft(k.CREW_STATUS, p, "equipage", SCENARIO))
        if inj.type == "message_pp" and not self.pp_via_sim:
            text = inj.text if inj.text.startswith("EXERCICE") else f"{EXERCISE_MARK} — {inj.text}"
            drafts.append(
                Draft(
                    "pp.message_received",
                    {
                        "distribution_id": f"EXERCICE-{self.scenario.id}-{inj.id}-"
                        f"{int(self.clock.now().timestamp())}",
                        "event_id": inj.event_id,
                        "template": inj.template,
                        "text": text,
                        "exercise": True,
                        "sender": "Préfecture de Police (EXERCICE)",
                    },
                    "pp",
                    SCENARIO,
                )
            )
        self._record(drafts)
        if inj.position is not None and inj.call_sign in self.room.state.crews:
            self.room.record_positions(
                [PositionFix(inj.call_sign, self.clock.now(), inj.position[0], inj.position[1])]
            )
        st.status, st.at = "injecte", self.clock.now()


def open_exercise(
    scenario: Scenario,
    *,
    url: str | None = None,
    operator: Operator = DEMO_OPERATOR,
    fork: str | None = None,
    at: datetime | None = None,
    now: datetime,
    live_urls: tuple[str, ...] = (),
    speed: float | None = 1.0,
) -> ExerciseRunner:
    """The exercise room over its own database, and its runner (not yet started)."""
    start = scenario.start or now.replace(microsecond=0)
    if fork is not None and at is None:
        raise ExerciseError("--fork demande --at : l'instant de la vacation d'où repartir")
    clock = ManualClock(start)
    url = url or new_exercise_url(scenario.id, now)
    store = open_exercise_store(url, clock, live_urls)
    label = f"Exercice — {scenario.title}"
    try:
        if fork is not None and at is not None:
            fork_into(store, fork, at, label, clock)
        room = open_room(store, clock, operator, mode="exercise", label=label)
    except Exception:
        store.close()
        raise
    if room.mode != "exercise":
        store.close()
        raise ExerciseError("refusé : la main courante ouverte n'est pas en mode exercice")
    return ExerciseRunner(room, clock, scenario, speed)
