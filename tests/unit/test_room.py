"""The room service and the core fold, on a real SQLite journal."""

from __future__ import annotations

import gc

import pytest

from scop.clock import ManualClock
from scop.models.entities import PositionFix
from scop.models.entries import SYSTEM, Draft
from scop.models.projection import Projection, ProjectionError, fold
from scop.room import YOUNG_GENERATION, Change, CommandRefused, Room, settle_heap


def test_demo_room_folds_to_the_expected_state(demo_room: Room) -> None:
    st = demo_room.state
    assert st.mode == "demo"
    assert len(st.crews) == 48
    assert len({c.division for c in st.crews.values()}) == 5
    engaged = {c.call_sign for c in st.crews.values() if c.event_id}
    assert engaged == {"V11-1", "P11-1", "V12-1", "V20-1", "P06-1", "B03-1"}
    assert st.crews["V11-1"].status == "sur_les_lieux"
    assert st.events["EV-0001"].crews == ("V11-1", "P11-1")
    assert st.events["EV-0001"].status == "en_cours"
    assert st.events["EV-0003"].status == "nouveau"


def test_same_fold_from_scratch_gives_the_same_state(demo_room: Room) -> None:
    again = fold(demo_room.store.read())
    assert again.crews == demo_room.state.crews
    assert again.events == demo_room.state.events


def test_listeners_hear_every_change_once(room: Room) -> None:
    heard: list[Change] = []
    unsubscribe = room.subscribe(heard.append)
    e = room.note("Ronde effectuée square du Temple")
    assert [c.entries for c in heard] == [[e]]
    unsubscribe()
    room.note("sans auditeur")
    assert len(heard) == 1


def test_note_and_correction_rules(room: Room) -> None:
    with pytest.raises(CommandRefused):
        room.note("   ")
    e = room.note("V11-1 sur place")
    with pytest.raises(CommandRefused):
        room.correct(e.position + 10, "n'existe pas")
    with pytest.raises(CommandRefused):
        room.correct(e.position, "")
    c = room.correct(e.position, "V11-2 sur place")
    assert room.state.corrections == {e.position: c.position}


def test_entries_carry_their_author_and_time(room: Room, clock: ManualClock) -> None:
    clock.advance(90)
    e = room.note("Appel reçu")
    assert (e.author, e.role, e.source) == ("A. Martin", "operator", "operateur")
    assert e.ts == clock.now()


def test_positions_move_crews_and_old_fixes_are_dropped(
    demo_room: Room, clock: ManualClock
) -> None:
    t1 = clock.advance(10)
    demo_room.record_positions([PositionFix("V11-1", t1, 2.38, 48.865, 45.0, 8.0)])
    assert demo_room.state.crews["V11-1"].lon == 2.38
    stale = PositionFix("V11-1", t1.replace(second=0), 2.30, 48.80)
    demo_room.record_positions([stale, PositionFix("INCONNU", t1, 2.3, 48.8)])
    assert demo_room.state.crews["V11-1"].lon == 2.38  # older fix and unknown crew: dropped
    assert "INCONNU" not in demo_room.state.crews


def test_a_gap_in_the_journal_stops_the_fold(demo_room: Room) -> None:
    entries = demo_room.store.read()
    p = Projection()
    p.apply_all(entries[:5])
    with pytest.raises(ProjectionError, match="gap"):
        p.apply(entries[6])


def test_snapshot_is_independent(demo_room: Room) -> None:
    snap = demo_room.state.copy()
    demo_room.acting_as(SYSTEM).record(
        "crew.status_changed", {"call_sign": "B01-1", "status": "indisponible"}
    )
    assert snap.crews["B01-1"].status == "disponible"
    assert demo_room.state.crews["B01-1"].status == "indisponible"


def test_a_write_is_folded_as_the_journal_gives_it_back(room: Room) -> None:
    """The room folds what it just wrote without reading it back: the entries it folds and
    announces must be the very ones a re-read gives (JSON types, string keys, UTC time)."""
    heard: list[Change] = []
    room.subscribe(heard.append)
    awkward = {"text": "é \u2028 \x00", "pair": (1, 2.5), "by_n": {10: "a", 9: "b"}, "none": None}
    [e] = room.record_all([Draft("log.note", awkward, "operateur", SYSTEM)])
    [back] = room.store.read(after=e.position - 1)
    assert e == back
    assert e.payload == {
        "text": "é \u2028 \x00",
        "pair": [1, 2.5],
        "by_n": {"10": "a", "9": "b"},
        "none": None,
    }
    assert heard[-1].entries == [back]
    assert room.state.position == back.position
    assert room.store.verify().ok


def test_settled_heap_leaves_the_fold_out_of_the_collector(room: Room) -> None:
    """After settle_heap the fold is frozen (no full collection walks it again) and young
    collections are rarer: 18% of the PP link's CPU went to the collector before."""
    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= YOUNG_GENERATION
        assert gc.get_threshold()[1:] == before[1:]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
