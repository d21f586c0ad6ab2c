"""Exercises: injects on time, trainer controls, expected actions, fork, isolation, debrief."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scop.cli import main
from scop.clock import ManualClock
from scop.config import default_db_path, default_db_url
from scop.errors import OutputError
from scop.journal.store import JournalStore
from scop.models.entries import SYSTEM, Operator
from scop.procedures.loader import load_library
from scop.procedures.runner import ProcedureRunner
from scop.protocols.outbox import draft_message, validate_draft
from scop.replay.debrief import build_debrief, to_html, write
from scop.replay.engine import ReplayEngine
from scop.replay.exercise import ExerciseError, ExerciseRunner, open_exercise
from scop.replay.generate import generate_shift, write_sqlite
from scop.replay.scenario import Scenario, load_scenario, shipped_scenarios
from scop.replay.source import open_source
from scop.room import CommandRefused, open_room

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
CHIEF = Operator("Cdt. Morel", "chief")


@pytest.fixture
def fire() -> Scenario:
    return load_scenario(next(p for p in shipped_scenarios() if p.name == "incendie_11e.yaml"))


@pytest.fixture
def runner(fire: Scenario, tmp_path: Path) -> ExerciseRunner:
    r = open_exercise(fire, url=f"sqlite:///{tmp_path / 'ex.sqlite'}", operator=CHIEF, now=NOW)
    yield r
    r.room.store.close()


def kinds_at(r: ExerciseRunner, kind: str) -> list[tuple[str, datetime]]:
    return [(str(e.payload.get("inject_id")), e.ts) for e in r.room.store.read() if e.kind == kind]


def test_exercise_room_is_marked_exercise(runner: ExerciseRunner) -> None:
    first = runner.room.store.read(limit=1)[0]
    assert first.kind == "room.opened"
    assert first.payload["mode"] == "exercise"
    assert runner.room.store.meta("mode") == "exercise"
    assert runner.room.mode == "exercise"


def test_injects_fire_at_scenario_times(runner: ExerciseRunner, fire: Scenario) -> None:
    runner.start()
    t0 = runner.t0
    assert t0 == NOW
    assert [i for i, _ in kinds_at(runner, "exercise.inject")] == ["appel_voisine"]
    assert "EV-EX-0001" in runner.room.state.events
    assert len(runner.room.state.crews) == 48  # the scenario brings the demo crews
    for _ in range(int(7 * 60 / 0.5)):  # 7 minutes of scenario time at ×1, ticks of 0.5 s
        runner.tick(0.5)
    fired = kinds_at(runner, "exercise.inject")
    assert [i for i, _ in fired] == ["appel_voisine", "v11_en_route", "bspp_evacuation"]
    for inject_id, ts in fired:
        assert ts == t0 + fire.inject(inject_id).at
    v11 = runner.room.state.crews["V11-1"]
    assert (v11.lon, v11.lat) == (2.3772, 48.8630)  # the inject moved the crew
    assert runner.elapsed == timedelta(minutes=7)


def test_speed_pause_skip_inject_now_and_improvise(runner: ExerciseRunner) -> None:
    runner.start()
    runner.set_speed(60)
    runner.tick(1.0)  # one real second at ×60 is one scenario minute
    assert runner.elapsed == timedelta(minutes=1)
    runner.pause()
    runner.tick(100)
    assert runner.elapsed == timedelta(minutes=1)
    runner.resume()
    runner.skip("v11_en_route")
    runner.inject_now("pp_alerte")
    with pytest.raises(CommandRefused):
        runner.inject_now("pp_alerte")
    runner.add_inject("partenaire", "EXERCICE — La RATP signale une station fermée", "RATP")
    runner.set_speed(None)  # as fast as possible: straight to the next inject
    runner.tick(0)
    assert runner.elapsed == timedelta(minutes=6)
    kinds = [e.kind for e in runner.room.store.read()]
    for k in (
        "exercise.paused",
        "exercise.resumed",
        "exercise.speed_changed",
        "exercise.inject_skipped",
    ):
        assert k in kinds
    injects = {
        e.payload["inject_id"]: e for e in runner.room.store.read() if e.kind == "exercise.inject"
    }
    assert injects["pp_alerte"].payload["forced"] is True
    assert injects["improvise_1"].payload["scripted"] is False
    assert "v11_en_route" not in injects
    received = [e for e in runner.room.store.read() if e.kind == "pp.message_received"]
    assert received
    assert all(e.payload["exercise"] is True for e in received)
    assert all(e.payload["text"].startswith("EXERCICE EXERCICE EXERCICE") for e in received)


def play_the_room(runner: ExerciseRunner) -> None:
    """What the room does during the fire exercise: fiche in time, engagement late, UMIP
    requested and acknowledged, C.A.RE fiche missed."""
    room = runner.room
    pr = ProcedureRunner(room, load_library())
    runner.start()
    runner.tick(100)  # T+1:40
    run_id = pr.launch("incendie", "EV-EX-0001")
    runner.tick(60)
    pr.complete(run_id, "confirmer_bspp")
    runner.tick(300)  # T+7:40: the engagement is late (5 min expected)
    room.acting_as(SYSTEM).record("crew.engaged", {"call_sign": "V11-1", "event_id": "EV-EX-0001"})
    draft = draft_message(room, "EV-EX-0001", "demande_umip").payload["draft_id"]
    validated = validate_draft(room, draft)
    did = validated.payload["distribution_id"]
    room.acting_as(SYSTEM).record(
        "pp.message_sent", {"distribution_id": did}, "systeme"
    )  # as the link would
    runner.tick(45)
    room.acting_as(SYSTEM).record("pp.ack_received", {"distribution_id": did, "step": "RECU"}, "pp")


def test_expected_actions_met_late_and_missed(runner: ExerciseRunner) -> None:
    play_the_room(runner)
    outcomes = {o.expected.id: o for o in runner.run_to_end()}
    assert outcomes["fiche_incendie"].status == "respecte"
    assert outcomes["fiche_incendie"].delay == timedelta(seconds=100)
    assert outcomes["premier_engagement"].status == "en_retard"
    assert outcomes["umip"].status == "respecte"
    assert outcomes["fiche_care"].status == "manque"
    assert outcomes["point_situation"].status == "manque"
    ended = runner.room.store.read()[-1]
    assert ended.kind == "exercise.ended"
    assert (ended.payload["met"], ended.payload["late"]) == (2, 1)
    assert runner.room.store.verify().ok


def test_no_actual_message_leaves_an_exercise(runner: ExerciseRunner) -> None:
    play_the_room(runner)
    runner.run_to_end()
    pp = [e for e in runner.room.store.read() if e.kind.startswith("pp.")]
    validated = [e for e in pp if e.kind == "pp.message_validated"]
    assert validated
    for e in validated:
        assert e.payload["exercise"] is True
        assert e.payload["message"]["distributionStatus"] == "Exercise"
    for e in pp:
        assert '"Actual"' not in json.dumps(e.payload)


def test_debrief_of_the_exercise(runner: ExerciseRunner, tmp_path: Path) -> None:
    play_the_room(runner)
    runner.run_to_end()
    d = build_debrief(runner.room.store.read(), source="test")
    assert d.is_exercise
    assert {o.expected.id: o.status for o in d.expected}["umip"] == "respecte"
    fiche = next(f for f in d.fiches if f.fiche_id == "incendie")
    steps = {s.step_id: s for s in fiche.steps}
    assert steps["confirmer_bspp"].verdict == "dans les délais"
    assert steps["perimetre"].verdict.startswith("non fait")
    out = next(m for m in d.messages if m.direction == "Sortant")
    assert out.ack_delay == timedelta(seconds=45)
    eng = next(g for g in d.engagements if g.call_sign == "V11-1")
    assert eng.engage_delay == timedelta(seconds=460)
    assert any(r.actor == "formateur" for r in d.timeline)
    assert any(r.actor == "salle" for r in d.timeline)
    page = to_html(d)
    assert page.count("EXERCICE EXERCICE EXERCICE") >= 2
    assert "UMIP demandée dans les 15 minutes" in page
    pdf = tmp_path / "retex.pdf"
    write(d, pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(OutputError, match="Format inconnu"):
        write(d, tmp_path / "retex.docx")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_full_run_leaves_the_live_database_untouched(fire: Scenario, tmp_path: Path) -> None:
    live_path = default_db_path()
    live_path.parent.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(NOW)
    store = JournalStore.open(default_db_url(), clock)
    live = open_room(store, clock, Operator("A. Martin"), mode="live", label="Salle")
    live.note("Prise de service")
    store.close()
    before = _sha(live_path)
    files_before = sorted(p.name for p in live_path.parent.iterdir() if p.name != "exercices")

    runner = open_exercise(fire, operator=CHIEF, now=NOW, live_urls=(default_db_url(),))
    play_the_room(runner)
    runner.run_to_end()
    ex_path = Path(runner.room.store.url.removeprefix("sqlite:///"))
    runner.room.store.close()
    assert ex_path.parent.name == "exercices"
    assert ex_path != live_path
    out = tmp_path / "retex.html"
    assert main(["exercise", fire.path, "--batch", "--debrief", str(out)]) == 0
    assert "EXERCICE" in out.read_text(encoding="utf-8")

    assert _sha(live_path) == before
    after = sorted(p.name for p in live_path.parent.iterdir() if p.name != "exercices")
    assert after == files_before  # no journal, WAL or copy left beside the live database
    with pytest.raises(ExerciseError, match="refusé"):
        open_exercise(fire, url=default_db_url(), now=NOW, live_urls=(default_db_url(),))
    with pytest.raises(ExerciseError, match=r"mode « (live|demo) »"):
        open_exercise(fire, url=default_db_url(), now=NOW)
    assert _sha(live_path) == before


def test_fork_from_a_recorded_shift(fire: Scenario, tmp_path: Path) -> None:
    src = tmp_path / "shift.sqlite"
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    write_sqlite(
        src, generate_shift(start, hours=1, crews=20, events_per_hour=40, fix_period=30, seed=5)
    )
    at = start + timedelta(minutes=37)
    src_before = _sha(src)
    files_before = sorted(p.name for p in tmp_path.iterdir())
    runner = open_exercise(
        fire,
        url=f"sqlite:///{tmp_path / 'fork.sqlite'}",
        operator=CHIEF,
        now=NOW,
        fork=str(src),
        at=at,
    )
    try:
        room = runner.room
        opened = room.store.read(limit=1)[0]
        assert opened.payload["mode"] == "exercise"
        assert room.mode == "exercise"
        forked = next(e for e in room.store.read() if e.kind == "exercise.forked")
        recorded = open_source(str(src), ManualClock())
        try:
            engine = ReplayEngine.from_store(recorded.store)
            head = recorded.store.head()
        finally:
            recorded.close()
        expected = engine.state_at(at)
        assert forked.payload["source_head_hash"] == head[1]
        assert forked.payload["fork_position"] == expected.position
        assert forked.ts == at
        assert room.state.events == expected.events
        assert room.state.crews == expected.crews
        assert room.store.verify().ok
        runner.start()
        assert runner.t0 == at  # the scenario's injects follow the fork
        assert "EV-EX-0001" in room.state.events
    finally:
        runner.room.store.close()
    assert _sha(src) == src_before  # the recording is untouched by a fork
    files_after = sorted(p.name for p in tmp_path.iterdir() if p.name != "fork.sqlite")
    assert files_after == files_before  # no journal or WAL left beside the recording


def test_fork_needs_an_instant(fire: Scenario, tmp_path: Path) -> None:
    with pytest.raises(ExerciseError, match="--at"):
        open_exercise(fire, url=f"sqlite:///{tmp_path / 'x.sqlite'}", now=NOW, fork="x")


@pytest.mark.parametrize("path", shipped_scenarios(), ids=lambda p: p.name)
def test_pp_messages_as_a_pp_sim_script(path: Path, tmp_path: Path) -> None:
    from scop.protocols.pp_sim import load_script
    from scop.replay.ppscript import write_pp_sim_script

    s = load_scenario(path)
    out = tmp_path / "pp.yaml"
    n = write_pp_sim_script(s, out)
    script = load_script(out)  # the simulator's own loader accepts it
    pp = [i for i in s.injects if i.type == "message_pp"]
    assert n == len(pp) == len(script.steps) > 0
    assert script.exercise is True
    for inj, step in zip(pp, script.steps, strict=True):
        assert step.at == inj.at.total_seconds()
        assert step.send == inj.template
        assert step.text.startswith("EXERCICE EXERCICE EXERCICE")


def test_pp_messages_left_to_the_simulator(runner: ExerciseRunner) -> None:
    runner.pp_via_sim = True
    runner.run_to_end()
    kinds = [e.kind for e in runner.room.store.read()]
    assert "pp.message_received" not in kinds
    assert kinds.count("exercise.inject") == len(runner.scenario.injects)
