"""Commands of live operations on a real SQLite room: what they journal, what they refuse,
and how the fold reads it back (also from scratch, as replay does)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scop import operations as ops
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.models.projection import fold
from scop.room import CommandRefused, Room, open_room

OBERKAMPF = (2.37282, 48.864649)


def _new(room: Room, **kw: Any) -> str:
    args: dict[str, Any] = {
        "source": "appel_3975",
        "category": "FIR",
        "gravity": 4,
        "address": "52 Rue Oberkampf, 75011 Paris",
        "lon": OBERKAMPF[0],
        "lat": OBERKAMPF[1],
        "caller": "Mme Durand 06 12 34 56 78",
        "description": "Fumée au 3e étage",
    }
    args.update(kw)
    return ops.create_event(room, **args)


def _kinds(room: Room, after: int) -> list[str]:
    return [e.kind for e in room.store.read(after=after)]


def test_create_event_journals_everything_typed(demo_room: Room) -> None:
    before = demo_room.state.position
    ev_id = _new(demo_room)
    assert ev_id == "EV-0009"  # after the demo's EV-0001 … EV-0008: one format
    [entry] = demo_room.store.read(after=before)
    assert entry.kind == "event.created"
    assert entry.source == "appel_3975"
    assert entry.payload["caller"] == "Mme Durand 06 12 34 56 78"
    ev = demo_room.state.events[ev_id]
    assert (ev.status, ev.gravity, ev.category, ev.title) == ("nouveau", 4, "FIR", "Incendie")
    assert ev.caller.startswith("Mme Durand")
    assert ev.description == "Fumée au 3e étage"
    assert _new(demo_room) == "EV-0010"


def test_event_ids_have_one_format(demo_room: Room, clock: Any) -> None:
    clock.advance(hours=17)  # 00:00 in Paris on the 24th: the numbering goes on
    ids = [_new(demo_room) for _ in range(2)]
    assert ids == ["EV-0009", "EV-0010"]
    assert all(re.fullmatch(r"EV-\d{4}", i) for i in demo_room.state.events)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"source": "pigeon"}, "Source inconnue"),
        ({"category": "XXX"}, "Catégorie inconnue"),
        ({"gravity": 7}, "gravité va de 1"),
        ({"lon": 4.83, "lat": 45.76}, "hors de Paris"),
        ({"lon": None}, "incomplètes"),
        ({"address": "", "lon": None, "lat": None}, "adresse ou un point"),
        ({"parent_id": "EV-9999"}, "inconnu"),
    ],
)
def test_create_event_refuses_bad_input_and_records_nothing(
    demo_room: Room, kw: dict[str, Any], message: str
) -> None:
    before = demo_room.state.position
    with pytest.raises(CommandRefused, match=message):
        _new(demo_room, **kw)
    assert demo_room.store.read(after=before) == []


def test_event_id_taken_by_another_workstation_is_never_reused(
    demo_room: Room, store: JournalStore, clock: Any
) -> None:
    """Another workstation creates an event that ours has not folded yet: the id is chosen
    at the journal's head, so ours takes the next one, with nothing to correct."""
    other = Room(store, clock, Operator("C. Petit"), "poste-2")
    other.load()
    before = demo_room.state.position
    assert _new(other, category="ASB", gravity=2) == "EV-0009"
    assert demo_room.state.position == before  # ours is behind
    ev_id = _new(demo_room)
    assert ev_id == "EV-0010"
    st = demo_room.state
    assert st.events["EV-0009"].category == "ASB"
    assert st.events["EV-0010"].category == "FIR"
    assert _kinds(demo_room, before) == ["event.created", "event.created"]
    assert set(fold(store.iter_entries()).events) == set(st.events)


def test_stale_workstation_cannot_engage_a_crew_another_just_engaged(
    demo_room: Room, store: JournalStore, clock: Any
) -> None:
    """Both workstations saw V03-1 available; the second to write is refused, told who was
    first, and the crew stays where the first sent it (no silent déroulement)."""
    first_ev, second_ev = _new(demo_room), _new(demo_room, category="ASB")
    other = Room(store, clock, Operator("C. Petit"), "poste-2")
    other.load()
    ops.engage(demo_room, "V03-1", first_ev)
    assert other.state.crews["V03-1"].status == "disponible"  # other is behind
    before = store.head()[0]
    with pytest.raises(CommandRefused, match=r"déjà engagé sur EV-0009.*par A\. Martin à 08:00:00"):
        ops.engage(other, "V03-1", second_ev)
    assert store.head()[0] == before
    assert other.state.crews["V03-1"].event_id == first_ev  # the refusal caught it up
    assert fold(store.iter_entries()).crews["V03-1"].event_id == first_ev


def test_lifecycle_and_closing_releases_crews(demo_room: Room) -> None:
    ev_id = _new(demo_room)
    ops.take_in_hand(demo_room, ev_id)
    assert demo_room.state.events[ev_id].status == "pris_en_compte"
    with pytest.raises(CommandRefused, match="déjà pris en compte"):
        ops.take_in_hand(demo_room, ev_id)
    ops.engage(demo_room, "V03-1", ev_id)
    ops.start_event(demo_room, ev_id)
    with pytest.raises(CommandRefused, match="motif"):
        ops.close_event(demo_room, ev_id, "  ")
    before = demo_room.state.position
    ops.close_event(demo_room, ev_id, "Traité sur place")
    assert _kinds(demo_room, before) == ["crew.released", "event.status_changed"]
    ev = demo_room.state.events[ev_id]
    assert (ev.status, ev.closing_reason, ev.crews) == ("clos", "Traité sur place", ())
    assert demo_room.state.crews["V03-1"].status == "disponible"
    with pytest.raises(CommandRefused, match="clos"):
        ops.engage(demo_room, "V03-1", ev_id)


def test_engage_sets_crew_engaged_and_event_taken_in_one_transaction(demo_room: Room) -> None:
    ev_id = _new(demo_room)
    before = demo_room.state.position
    ops.engage(demo_room, "B11-1", ev_id)
    entries = demo_room.store.read(after=before)
    assert [e.kind for e in entries] == ["crew.engaged", "event.status_changed"]
    assert entries[0].ts == entries[1].ts  # one append
    crew = demo_room.state.crews["B11-1"]
    assert (crew.status, crew.event_id) == ("engage", ev_id)
    assert demo_room.state.events[ev_id].status == "pris_en_compte"
    assert demo_room.state.events[ev_id].crews == ("B11-1",)


@pytest.mark.parametrize(
    ("call_sign", "message"),
    [
        ("V11-1", "déjà engagé sur EV-0001 : utilisez le déroulement"),
        ("P04-1", "indisponible"),
        ("B16-1", "hors service"),
        ("Z99-9", "Équipage inconnu"),
    ],
)
def test_engage_refusals(demo_room: Room, call_sign: str, message: str) -> None:
    ev_id = _new(demo_room)
    with pytest.raises(CommandRefused, match=message):
        ops.engage(demo_room, call_sign, ev_id)


def test_engage_first_suggested_takes_the_quickest(demo_room: Room, clock: Any) -> None:
    ev_id = _new(demo_room)
    ranked = ops.rank_crews(demo_room.state, demo_room.state.events[ev_id], clock.now())
    assert ops.engage_first_suggested(demo_room, ev_id) == ranked[0].call_sign
    assert demo_room.state.crews[ranked[0].call_sign].event_id == ev_id


def test_reroute_records_both_events(demo_room: Room) -> None:
    ev_id = _new(demo_room)
    before = demo_room.state.position
    ops.reroute(demo_room, "V20-1", ev_id, "feu prioritaire")
    entries = demo_room.store.read(after=before)
    assert [e.kind for e in entries] == ["crew.rerouted", "event.status_changed"]
    p = entries[0].payload
    assert (p["from_event_id"], p["to_event_id"], p["from_gravity"], p["to_gravity"]) == (
        "EV-0004",
        ev_id,
        2,
        4,
    )
    st = demo_room.state
    assert st.crews["V20-1"].event_id == ev_id
    assert st.crews["V20-1"].status == "engage"
    assert "V20-1" not in st.events["EV-0004"].crews
    assert st.events[ev_id].crews == ("V20-1",)
    assert ops.mentions(p, "EV-0004")
    assert ops.mentions(p, ev_id)
    with pytest.raises(CommandRefused, match="engagez-le directement"):
        ops.reroute(demo_room, "V03-1", ev_id)


def test_on_scene_then_back_available(demo_room: Room) -> None:
    ev_id = _new(demo_room)
    ops.engage(demo_room, "V03-1", ev_id)
    ops.crew_on_scene(demo_room, "V03-1", source="equipage")
    assert demo_room.state.crews["V03-1"].status == "sur_les_lieux"
    assert demo_room.state.events[ev_id].status == "en_cours"
    ops.set_crew_status(demo_room, "V03-1", "disponible", "fin de mission", source="equipage")
    assert demo_room.state.crews["V03-1"].status == "disponible"
    assert demo_room.state.events[ev_id].crews == ()
    with pytest.raises(CommandRefused, match="pas en route"):
        ops.crew_on_scene(demo_room, "V03-1")


def test_information_items_and_verification(demo_room: Room, store: JournalStore) -> None:
    ev_id = _new(demo_room)
    info = ops.add_info(demo_room, ev_id, "Deux personnes coincées au 4e", "reseaux_sociaux")
    ops.add_info(demo_room, ev_id, "BSPP sur place", "pp", "verifie")
    ops.set_verification(demo_room, ev_id, info, "en_verification")
    items = demo_room.state.events[ev_id].infos
    assert [(i.text, i.source, i.verification) for i in items] == [
        ("Deux personnes coincées au 4e", "reseaux_sociaux", "en_verification"),
        ("BSPP sur place", "pp", "verifie"),
    ]
    with pytest.raises(CommandRefused, match="inconnue"):
        ops.set_verification(demo_room, ev_id, 99999, "verifie")
    with pytest.raises(CommandRefused, match="vide"):
        ops.add_info(demo_room, ev_id, "  ", "pp")
    assert fold(store.iter_entries()).events[ev_id].infos == items


def test_parent_and_child_events(demo_room: Room) -> None:
    fire = _new(demo_room)
    evac = _new(demo_room, category="ASR", gravity=3, parent_id=fire)
    assert demo_room.state.events[evac].parent_id == fire
    other = _new(demo_room, category="HLT", gravity=2)
    ops.link_event(demo_room, other, fire)
    assert [e.id for e in ops.children(demo_room, fire)] == [evac, other]
    with pytest.raises(CommandRefused, match="lui-même"):
        ops.link_event(demo_room, fire, evac)
    ops.link_event(demo_room, other, None)
    assert demo_room.state.events[other].parent_id is None


def test_readonly_store_refuses_commands(
    db_url: str, demo_room: Room, clock: Any, operator: Operator
) -> None:
    ro = JournalStore.open(db_url, clock, readonly=True)
    try:
        room = open_room(ro, clock, operator)
        with pytest.raises(CommandRefused, match="lecture seule"):
            ops.engage(room, "V03-1", "EV-0003")
    finally:
        ro.close()
