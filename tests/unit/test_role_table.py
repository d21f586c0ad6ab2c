"""The whole role table: every command × every role, through the Room API (the functions a
console, the gateway or a script call), never the screens. Each pair is allowed or refused
exactly as ``scop.models.permissions`` says; a refusal says in French who may do it and
journals nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from scop import operations as ops
from scop.accounts.passwords import TEST_COST, Hasher
from scop.accounts.settings import set_setting
from scop.accounts.store import AccountError, Accounts
from scop.clock import ManualClock
from scop.demo import demo_duties, seed_demo
from scop.journal.store import JournalStore
from scop.map_commands import draw_circle, lift_perimeter
from scop.models import fold_core as k
from scop.models.entries import SYSTEM, Draft, Operator
from scop.models.permissions import ALL_ROLES, COMMAND_MODES, COMMAND_ROLES, allowed, refusal
from scop.operations import duty
from scop.procedures.loader import default_fiches_dir, load_library
from scop.procedures.runner import ProcedureRunner
from scop.protocols.outbox import consult, discard_draft, draft_message, validate_draft
from scop.replay import handover
from scop.replay.exercise import ExerciseRunner, open_exercise
from scop.replay.scenario import load_scenario
from scop.room import CommandRefused, Room, open_room
from scop.safety import commands as sc

HASHER = Hasher(TEST_COST)  # account commands hash passwords: cheap here, same code path
PERSON = {role: Operator(f"Personne {role}", role, f"p-{role}") for role in ALL_ROLES}
NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The shipped fiches, with one decision handed to the operators (every shipped decision
    is the chief's, and the table has a row for an operator's choice)."""
    d = tmp_path_factory.mktemp("fiches")
    for f in default_fiches_dir().iterdir():
        if f.is_file():
            shutil.copy(f, d / f.name)
    fire = yaml.safe_load((d / "incendie.yaml").read_text(encoding="utf-8"))
    for step in fire["etapes"]:
        if step["id"] == "care":
            step["role"] = "operateur"
    (d / "incendie.yaml").write_text(yaml.safe_dump(fire, allow_unicode=True), encoding="utf-8")
    lib = load_library(d)
    assert not lib.broken
    return lib


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo room (the seed's fire fiche under way on EV-0001), built once and copied."""
    path = tmp_path_factory.mktemp("tpl") / "demo.sqlite"
    store = JournalStore.open(f"sqlite:///{path}", ManualClock())
    room = open_room(store, ManualClock(), SYSTEM, mode="demo", label="Démo")
    seed_demo(room)
    store.close()
    return path


def _room(template: Path, tmp_path: Path, role: str) -> Iterator[Room]:
    path = tmp_path / "room.sqlite"
    shutil.copy(template, path)
    clock = ManualClock()
    store = JournalStore.open(f"sqlite:///{path}", clock)
    room = open_room(store, clock, PERSON[role], mode="demo")
    yield room
    store.close()


def as_service(room: Room) -> Room:
    return room.acting_as(SYSTEM)


# -- one invocation per command: (setup as a service, then the act as the person) ----------

Act = Callable[[Room, Any], object]


def _own_entry(room: Room, _lib: Any) -> object:
    [e] = room.store.append([Draft(k.NOTE, {"text": "la mienne"})], room.operator)
    room.sync()
    return room.correct(e.position, "précision")


def _runner(room: Room, lib: Any) -> ProcedureRunner:
    return ProcedureRunner(room, lib)


def _run_id(room: Room, lib: Any) -> str:
    runner = _runner(room, lib)
    return runner.runs("EV-0001")[0].run_id


def _message_in(room: Room) -> str:
    as_service(room).record(
        "pp.message_received",
        {"distribution_id": "PP-IN-1", "event_id": "EV-0001", "text": "Point PP"},
        "pp",
    )
    return "PP-IN-1"


def _info(room: Room) -> int:
    return ops.add_info(as_service(room), "EV-0001", "Un témoin", "appel_3975")


def _perimeter(room: Room) -> str:
    e = draw_circle(as_service(room), 2.3748, 48.8649, 100)
    return str(e.payload["id"])


def _duty(call_sign: str) -> Any:
    return replace(demo_duties()[0], call_sign=call_sign)


def _alert(room: Room) -> str:
    [e, *_] = [
        e
        for e in sc.run_as(room, SYSTEM, sc.raise_danger, "V12-1", via="flux")
        if "alert_id" in e.payload
    ]
    return str(e.payload["alert_id"])


def _hazard(room: Room) -> str:
    [e] = sc.run_as(
        room,
        PERSON["chief"],
        sc.record_hazard,
        category="squat",
        text="Hall occupé",
        lon=2.37,
        lat=48.86,
    )
    return str(e.payload["id"])


def _lookout(room: Room) -> str:
    [e] = sc.run_as(
        room,
        PERSON["chief"],
        sc.issue_lookout,
        kind="personne_vulnerable",
        priority=1,
        description="x",
    )
    return str(e.payload["id"])


SAFETY_ACTS: dict[str, Act] = {
    "safety.check_outcome": lambda r, _: sc.run(r, sc.check_outcome, "V12-1", "contact_ok"),
    "safety.confirm_engagement": lambda r, _: sc.run(r, sc.confirm_engagement, "V12-1"),
    "safety.raise_danger": lambda r, _: sc.run(r, sc.raise_danger, "V12-1"),
    "safety.take_danger": lambda r, _: sc.run(r, sc.take_danger, _alert(r)),
    "safety.cancel_danger": lambda r, _: sc.run(
        r, sc.cancel_danger, (_alert(r), "V12-1")[1], via="operateur"
    ),
    "safety.close_danger": lambda r, _: sc.run(r, sc.close_danger, _alert(r), "agent en sécurité"),
    "safety.change_settings": lambda r, _: sc.run(
        r, sc.change_settings, {"on_scene_check_min": 25}
    ),
    "safety.record_hazard": lambda r, _: sc.run(
        r, sc.record_hazard, category="squat", text="Hall occupé", lon=2.37, lat=48.86
    ),
    "safety.lift_hazard": lambda r, _: sc.run(r, sc.lift_hazard, _hazard(r), "parti"),
    "safety.issue_lookout": lambda r, _: sc.run(
        r, sc.issue_lookout, kind="personne_vulnerable", priority=1, description="x"
    ),
    "safety.read_lookout": lambda r, _: sc.run(r, sc.read_lookout, _lookout(r)),
    "safety.attach_lookout": lambda r, _: sc.run(r, sc.attach_lookout, _lookout(r), "EV-0001"),
    "safety.close_lookout": lambda r, _: sc.run(r, sc.close_lookout, _lookout(r), "retrouvée"),
}


def _accounts(room: Room) -> Accounts:
    acc = Accounts(room.store, HASHER)
    acc.add("cible", "Cible", "operator", "mot de passe cible", SYSTEM)
    return acc


ACTS: dict[str, Act] = {
    "login": lambda r, _: r.login(),
    "logout": lambda r, _: r.logout(),
    "session.lock": lambda r, _: r.lock(),
    "session.unlock": lambda r, _: r.unlock(),
    "note": lambda r, _: r.note("une note"),
    "correct": _own_entry,
    "correct.other": lambda r, _: r.correct(2, "précision"),
    "event.create": lambda r, _: ops.create_event(
        r, source="appel_3975", category="FIR", gravity=2, lon=2.35, lat=48.86, title="Feu"
    ),
    "event.take_in_hand": lambda r, _: ops.take_in_hand(r, "EV-0003"),
    "event.start": lambda r, _: ops.start_event(r, "EV-0002"),
    "event.close": lambda r, _: ops.close_event(r, "EV-0002", "terminé"),
    "event.gravity": lambda r, _: ops.change_gravity(r, "EV-0003", 3),
    "event.link": lambda r, _: ops.link_event(r, "EV-0008", "EV-0001"),
    "event.add_info": lambda r, _: ops.add_info(r, "EV-0001", "Un témoin", "appel_3975"),
    "event.verify_info": lambda r, _: ops.set_verification(r, "EV-0001", _info(r), "verifie"),
    "crew.engage": lambda r, _: ops.engage(r, "V01-1", "EV-0003"),
    "crew.reroute": lambda r, _: ops.reroute(r, "V12-1", "EV-0003"),
    "crew.release": lambda r, _: ops.release(r, "V12-1"),
    "crew.on_scene": lambda r, _: ops.crew_on_scene(r, "V12-1"),
    "crew.status": lambda r, _: ops.set_crew_status(r, "V01-1", "indisponible", "pause"),
    "crew.take_service": lambda r, _: duty.take_service(r, _duty("V99-1")),
    "crew.roster_import": lambda r, _: duty.put_on_duty(r, [_duty("V98-1")]),
    "crew.composition": lambda r, _: duty.change_composition(r, "V01-1", agents=4),
    "crew.end_service": lambda r, _: duty.end_service(r, "V01-1", "fin de service"),
    "handover.draft": lambda r, _: handover.draft_handover(r, "Rien à signaler"),
    "handover.acknowledge": lambda r, _: handover.acknowledge_handover(
        r, handover.draft_handover(as_service(r), "Rien à signaler")
    ),
    "perimeter.draw": lambda r, _: draw_circle(r, 2.3748, 48.8649, 100),
    "perimeter.lift": lambda r, _: lift_perimeter(r, _perimeter(r)),
    "procedure.launch": lambda r, lib: _runner(r, lib).launch("incendie", "EV-0002"),
    "procedure.close": lambda r, lib: _runner(r, lib).close(_run_id(r, lib), "fin"),
    "procedure.start_step": lambda r, lib: _runner(r, lib).start(_run_id(r, lib), "perimetre"),
    "procedure.complete_step": lambda r, lib: _runner(r, lib).complete(
        _run_id(r, lib), "perimetre"
    ),
    "procedure.skip_step": lambda r, lib: _runner(r, lib).skip(_run_id(r, lib), "bailleur", "x"),
    "procedure.choose_branch": lambda r, lib: _runner(r, lib).choose(_run_id(r, lib), "care", 0),
    "procedure.log_call": lambda r, lib: _runner(r, lib).log_call(
        _run_id(r, lib), "confirmer_bspp", "bspp", "joint", "BSPP engagée"
    ),
    "procedure.chief_step": lambda r, lib: _runner(r, lib).complete(_run_id(r, lib), "alerte_pp"),
    "message.draft": lambda r, _: draft_message(r, "EV-0001", "point_de_situation"),
    "message.discard": lambda r, _: discard_draft(r, "PP-DEMO-0002", "inutile"),
    "message.consult": lambda r, _: consult(r, _message_in(r)),
    "message.validate": lambda r, _: validate_draft(r, "PP-DEMO-0002"),
    "account.create": lambda r, _: Accounts(r.store, HASHER).add(
        "nouveau", "Nouveau", "operator", "mot de passe neuf", r.operator
    ),
    "account.disable": lambda r, _: _accounts(r).set_enabled("cible", False, r.operator),
    "account.enable": lambda r, _: _accounts(r).set_enabled("cible", True, r.operator),
    "account.set_role": lambda r, _: _accounts(r).set_role("cible", "chief", r.operator),
    "account.reset_password": lambda r, _: _accounts(r).reset_password(
        "cible", "un autre mot de passe", r.operator
    ),
    "room.settings": lambda r, _: set_setting(r, "idle_minutes", "10"),
    # not a command: a service's record of what happened (only services may write it)
    "(service record)": lambda r, _: r.record(
        k.CREW_STATUS, {"call_sign": "V01-1", "status": "indisponible"}, "equipage"
    ),
}

ACTS.update(SAFETY_ACTS)

# exercise commands run in an exercise room, through the exercise runner driven by the role
EXERCISE_ACTS: dict[str, Callable[[ExerciseRunner], object]] = {
    "exercise.started": lambda x: x.start(),
    "exercise.paused": lambda x: x.pause(),
    "exercise.resumed": lambda x: x.resume(),
    "exercise.speed_changed": lambda x: x.set_speed(10),
    "exercise.inject": lambda x: x.inject_now(x.pending()[0].inject.id),
    "exercise.inject_skipped": lambda x: x.skip(x.pending()[0].inject.id),
    "exercise.ended": lambda x: x.finish(),
}


# The issue's table, written here independently of the code's, so that a change to either
# is seen. opérateur: intake, notes, corrections of his own entries, engagement, release,
# déroulement, the steps assigned to operators, message drafts; chef: all that, plus
# fiches launched and closed, PP messages validated, others' entries corrected, the chief's
# steps; formateur: exercise controls only; administrateur: accounts and settings only;
# observateur: nothing but his own session. Services (role system) act for the room.
OPS = {"operator", "chief", "system"}
CHIEF = {"chief", "system"}
TRAINER = {"trainer", "system"}
ADMIN = {"admin", "system"}
EVERYONE = set(ALL_ROLES)
SPEC: dict[str, set[str]] = {
    **dict.fromkeys(["login", "logout", "session.lock", "session.unlock"], EVERYONE),
    **dict.fromkeys(
        [
            "note",
            "correct",
            "event.create",
            "event.take_in_hand",
            "event.start",
            "event.close",
            "event.gravity",
            "event.link",
            "event.add_info",
            "event.verify_info",
            "crew.engage",
            "crew.reroute",
            "crew.release",
            "crew.on_scene",
            "crew.status",
            "crew.take_service",
            "crew.roster_import",
            "crew.composition",
            "crew.end_service",
            "perimeter.draw",
            "perimeter.lift",
            "procedure.start_step",
            "procedure.complete_step",
            "procedure.skip_step",
            "procedure.choose_branch",
            "procedure.log_call",
            "message.draft",
            "message.discard",
            "message.consult",
            "safety.confirm_engagement",
            "safety.raise_danger",
            "safety.cancel_danger",
        ],
        OPS,
    ),
    **dict.fromkeys(
        [
            "correct.other",
            "procedure.launch",
            "procedure.close",
            "procedure.chief_step",
            "message.validate",
            "handover.draft",
            "handover.acknowledge",
        ],
        CHIEF,
    ),
    **dict.fromkeys(EXERCISE_ACTS, TRAINER),
    **dict.fromkeys(
        [
            "account.create",
            "account.disable",
            "account.enable",
            "account.set_role",
            "account.reset_password",
            "room.settings",
        ],
        ADMIN,
    ),
    **{
        key: {"operator", "chief"}
        for key in [
            "safety.check_outcome",
            "safety.take_danger",
            "safety.issue_lookout",
            "safety.read_lookout",
            "safety.attach_lookout",
            "safety.close_lookout",
        ]
    },
    **{
        key: {"chief"}
        for key in [
            "safety.close_danger",
            "safety.change_settings",
            "safety.record_hazard",
            "safety.lift_hazard",
        ]
    },
    "(service record)": {"system"},
}


def test_the_code_table_is_the_issue_table() -> None:
    assert set(COMMAND_ROLES) | {"(service record)"} == set(SPEC)
    for command, roles in SPEC.items():
        assert {r for r in ALL_ROLES if allowed(command, r)} == roles, command


def test_every_command_of_the_table_is_exercised() -> None:
    assert set(SPEC) == set(ACTS) | set(EXERCISE_ACTS)


def _refused(fn: Callable[[], object]) -> str | None:
    try:
        fn()
    except (CommandRefused, AccountError) as refused:
        return str(refused)
    return None


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("command", sorted(ACTS))
def test_command_by_role(
    command: str, role: str, demo_template: Path, tmp_path: Path, library: Any
) -> None:
    for room in _room(demo_template, tmp_path, role):
        before = room.store.head()[0]
        table_allows = role in SPEC[command]
        outcome = _refused(lambda room=room: ACTS[command](room, library))
        if table_allows:
            assert outcome is None, f"{command} refused to {role}: {outcome}"
        else:
            expected = refusal(command if command in COMMAND_ROLES else "?", role)
            assert outcome == expected
            # nothing written in the refused person's name (but the own entry "correct"
            # needs as its setup)
            written = [e for e in room.store.read(after=before) if e.author_id == f"p-{role}"]
            assert [e.kind for e in written] == (["log.note"] if command == "correct" else [])


@pytest.fixture(scope="module")
def fire_scenario() -> Any:
    return load_scenario(SCENARIOS / "incendie_11e.yaml")


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("command", sorted(EXERCISE_ACTS))
def test_exercise_command_by_role(
    command: str, role: str, fire_scenario: Any, tmp_path: Path
) -> None:
    runner = open_exercise(
        fire_scenario,
        url=f"sqlite:///{tmp_path / 'ex.sqlite'}",
        operator=PERSON["chief"],
        now=NOW,
    )
    try:
        if command != "exercise.started":
            runner.start()  # as the trainer
        if command == "exercise.resumed":
            runner.pause()
        runner.trainer = PERSON[role]
        outcome = _refused(lambda: EXERCISE_ACTS[command](runner))
        if role in SPEC[command]:
            assert outcome is None, f"{command} refused to {role}: {outcome}"
        else:
            assert outcome == refusal(command, role)
    finally:
        runner.room.store.close()


def test_exercise_commands_only_in_an_exercise_room(demo_template: Path, tmp_path: Path) -> None:
    for room in _room(demo_template, tmp_path, "trainer"):
        for command in COMMAND_MODES:
            with pytest.raises(CommandRefused, match="mode « demo »"):
                room.execute(command, lambda _st: [])


def test_refusals_name_who_may_act() -> None:
    assert refusal("message.validate", "operator") == (
        "Refusé au rôle opérateur : seul le chef de salle peut le faire."
    )
    assert "observateur consulte sans rien écrire" in refusal("note", "observer")
    assert "administrateur" in refusal("account.create", "chief")
    assert "formateur" in refusal("exercise.paused", "operator")
