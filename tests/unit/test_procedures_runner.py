"""The runner: state only from journal entries, time only from the clock given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scoptest.fiches import FIRE

from scop.clock import ManualClock
from scop.models.entries import SYSTEM
from scop.models.projection import fold
from scop.procedures.directory import mairie_for, on_call
from scop.procedures.model import Library
from scop.procedures.runner import ProcedureRunner, format_remaining, run_view
from scop.room import CommandRefused, Room


def test_statuses_deadlines_and_overdue_follow_the_clock(
    runner: ProcedureRunner, clock: ManualClock
) -> None:
    run = runner.launch("incendie", "EV-1")
    v = runner.view(run)
    assert v.current == "confirmer_bspp"
    assert v.done_count == 0
    assert v.step("perimetre").deadline == clock.now() + timedelta(minutes=10)
    assert v.step("bailleur").deadline is None  # relative to a step not yet done
    assert not v.overdue
    clock.advance(minutes=10)
    assert [s.step.id for s in runner.view(run).overdue] == [
        "confirmer_bspp",
        "perimetre",
        "alerte_pp",
    ]
    assert runner.view(run).step("perimetre").status_label == "EN RETARD"
    runner.start(run, "perimetre")
    assert runner.view(run).step("perimetre").status == "en_cours"
    runner.complete(run, "perimetre")
    runner.complete(run, "evacuation", {"evacues": "7", "relogement_necessaire": "non"})
    v = runner.view(run)
    assert v.step("perimetre").status == "fait"
    assert not v.step("perimetre").overdue
    assert v.step("bailleur").deadline == clock.now() + timedelta(minutes=15)
    assert v.step("evacuation").record.inputs == {"evacues": 7, "relogement_necessaire": False}


def test_decisions_leave_the_other_branch_aside_and_the_fiche_ends(runner: ProcedureRunner) -> None:
    run = runner.launch("incendie", "EV-1")
    for step in ("confirmer_bspp", "perimetre", "informer_mairie", "bailleur"):
        runner.skip(run, step, "test")
    runner.complete(run, "alerte_pp")
    runner.complete(run, "evacuation", {"evacues": 0})
    runner.choose(run, "besoin_soutien", 1)  # no support needed
    v = runner.view(run)
    assert v.current == "point_situation"
    assert {s.step.id for s in v.steps if s.status == "hors_parcours"} == {
        "vpu",
        "care",
        "lancer_care",
    }
    with pytest.raises(CommandRefused, match="hors du parcours"):
        runner.complete(run, "vpu")
    with pytest.raises(CommandRefused, match="motif de clôture"):
        runner.close(run)
    runner.complete(run, "point_situation", {"situation": "Feu éteint"})
    runner.complete(run, "levee")
    assert runner.view(run).finished
    runner.close(run)
    assert runner.view(run).run.is_closed
    with pytest.raises(CommandRefused, match="close"):
        runner.complete(run, "levee")


def test_refusals_are_french_and_journal_nothing(runner: ProcedureRunner, room: Room) -> None:
    run = runner.launch("demande_umip", "EV-1")
    before = room.state.position
    with pytest.raises(CommandRefused, match="Saisie obligatoire manquante"):
        runner.complete(run, "recueillir_demande", {"demandeur": "Mairie"})
    with pytest.raises(CommandRefused, match="nombre entier"):
        runner.complete(
            run,
            "recueillir_demande",
            {"demandeur": "M", "personnes_a_soutenir": "beaucoup", "lieu": "x"},
        )
    with pytest.raises(CommandRefused, match="motif"):
        runner.skip(run, "recueillir_demande", "  ")
    with pytest.raises(CommandRefused, match="branches"):
        runner.complete(run, "cump_active")
    with pytest.raises(CommandRefused, match="inconnue"):
        runner.launch("pas_de_fiche", "EV-1")
    with pytest.raises(CommandRefused, match="n'existe pas"):
        runner.launch("incendie", "EV-404")
    assert room.state.position == before


def test_several_fiches_on_several_events_and_replay_gives_the_same_views(
    runner: ProcedureRunner, room: Room, clock: ManualClock
) -> None:
    a = runner.launch("incendie", "EV-1")
    b = runner.launch("demande_vpu", "EV-1")
    c = runner.launch("crue_seine", "EV-2")
    runner.log_call(a, "confirmer_bspp", "bspp", "joint", "COS sur place", done=True)
    runner.log_call(b, "recueillir_demande", "mairie_arrondissement", "pas_de_reponse")
    runner.complete(b, "recueillir_demande", {"demandeur": "DGS", "evacues": 9})
    runner.complete(c, "vigilance", {"vigilance": "orange", "hauteur": 520})
    mid = room.state.position
    clock.advance(minutes=30)
    runner.complete(b, "equipe_vpu")
    runner.complete(b, "placer_vpu")
    entries = room.store.read(after=0)
    state = fold(entries)
    assert {r.event_id for r in state.procedures.values()} == {"EV-1", "EV-2"}
    for run_id in (a, b, c):
        fiche = runner.library.fiches[state.procedures[run_id].fiche_id]
        assert run_view(fiche, state.procedures[run_id], clock.now()) == runner.view(run_id)
    earlier = fold(entries[:mid])  # the journal up to an instant: as it was then
    assert earlier.procedures[b].steps.get("equipe_vpu") is None
    calls = room.state.procedures[b].steps["recueillir_demande"].calls
    assert [(c.outcome, c.person != "") for c in calls] == [("pas_de_reponse", True)]
    placed = [e.payload for e in entries if e.kind == "map.means_placed"]
    assert placed[0]["means"] == "VPU"
    assert (placed[0]["lon"], placed[0]["lat"]) == (FIRE["lon"], FIRE["lat"])
    assert room.state.procedures[b].steps["placer_vpu"].inputs["lieu"] == FIRE["address"]


def test_copy_of_state_is_a_snapshot(runner: ProcedureRunner, room: Room) -> None:
    run = runner.launch("incendie", "EV-1")
    snap = room.state.copy()
    runner.complete(run, "perimetre")
    assert "perimetre" not in snap.procedures[run].steps
    assert room.state.procedures[run].steps["perimetre"].status == "fait"


def test_on_call_now_follows_the_schedule(library: Library) -> None:
    ddct = library.contacts["ddct"]
    paris = lambda *a: datetime(*a, tzinfo=UTC) - timedelta(hours=1)  # noqa: E731 (winter)
    day = on_call(ddct, paris(2026, 11, 23, 10, 0), library.rotation_start)  # Monday 10:00
    assert day.slot is not None
    assert "jours ouvrés" in day.slot.label
    night = on_call(ddct, paris(2026, 11, 24, 2, 0), library.rotation_start)  # Tue 02:00
    assert night.slot is not None
    assert "nuits" in night.slot.label
    next_week = on_call(ddct, paris(2026, 12, 1, 2, 0), library.rotation_start)
    assert next_week.person != night.person  # weekly rotation
    # Monday 02:00 belongs to Sunday night's duty, i.e. the previous week of the rotation
    assert on_call(ddct, paris(2026, 11, 30, 2, 0), library.rotation_start).person == night.person
    weekend = on_call(ddct, paris(2026, 11, 28, 11, 0), library.rotation_start)  # Saturday
    assert weekend.slot is not None
    assert "week-end" in weekend.slot.label
    bspp = on_call(library.contacts["bspp"], paris(2026, 11, 28, 3, 33))
    assert bspp.slot is not None
    assert "24 h/24" in bspp.label
    summer = datetime(2026, 7, 6, 6, 45, tzinfo=UTC)  # 08:45 in Paris (UTC+2): day duty
    assert "jours ouvrés" in on_call(ddct, summer).label


def test_mairie_of_an_event(library: Library, runner: ProcedureRunner) -> None:
    assert mairie_for(library, runner.event("EV-1")).code == "m11"
    assert mairie_for(library, runner.event("EV-2")).code == "m05"
    centre = next(m for m in library.mairies if m.code == "centre")
    assert centre.arrondissements == (1, 2, 3, 4)


def test_format_remaining() -> None:
    assert format_remaining(timedelta(minutes=4, seconds=32)) == "04:32"
    assert format_remaining(timedelta(seconds=-130)) == "+02:10"
    assert format_remaining(timedelta(hours=1, minutes=2, seconds=3)) == "1:02:03"


def test_wait_step_timer_runs_from_its_start(runner: ProcedureRunner, clock: ManualClock) -> None:
    run = runner.launch("crue_seine", "EV-2")
    runner.complete(run, "vigilance", {"vigilance": "jaune", "hauteur": 380})
    for step in ("cellule_crise", "alerte_pp", "berges", "maraudes", "reseaux"):
        runner.skip(run, step, "exercice de table")
    runner.choose(run, "evacuation", 1)  # not yet: wait for the next bulletin
    v = runner.view(run)
    assert v.current == "attente_point"
    assert v.step("lancer_care").status == "hors_parcours"
    assert v.step("attente_point").timer_end is None
    runner.start(run, "attente_point")
    started = clock.now()
    assert runner.view(run).step("attente_point").timer_end == started + timedelta(hours=2)
    with pytest.raises(CommandRefused, match="déjà commencée"):
        runner.start(run, "attente_point")


def test_fold_ignores_entries_that_make_no_sense(runner: ProcedureRunner, room: Room) -> None:
    run = runner.launch("incendie", "EV-1")
    given = room.acting_as(SYSTEM)  # written as a service: these are no command
    given.record(
        "procedure.launched", {"run_id": "x", "fiche_id": "incendie", "event_id": "EV-404"}
    )
    given.record(
        "procedure.launched",
        {"run_id": "y", "fiche_id": "incendie", "event_id": "EV-1", "fiche_version": "v2"},
    )
    given.record("procedure.step_done", {"run_id": "absent", "step_id": "perimetre"})
    given.record(
        "procedure.branch_chosen",
        {"run_id": run, "step_id": "besoin_soutien", "branch": "deux", "target": "vpu"},
    )
    given.record("procedure.step_done", {"run_id": run, "step_id": 12})
    assert "x" not in room.state.procedures
    assert room.state.procedures["y"].fiche_version == 1
    assert room.state.procedures[run].steps["besoin_soutien"].branch == 0
    assert set(room.state.procedures[run].steps) == {"besoin_soutien"}
