"""The relève's summary: which PP messages await an answer, who holds an open event, the
period of a first relève; the relève refused to the wrong people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from scop.clock import ManualClock, to_iso
from scop.journal.store import JournalStore
from scop.models import fold_messages as fm
from scop.models.entries import SYSTEM, Draft, Operator
from scop.protocols import outbox
from scop.replay.handover import (
    acknowledge_handover,
    build_summary,
    draft_handover,
    pending_handover,
    sheet_from_journal,
)
from scop.room import CommandRefused, Room, open_room

CHIEF = Operator("Cdt. Morel", "chief")


@pytest.fixture
def chief_room(store: JournalStore, clock: ManualClock) -> Room:
    from scop.demo import demo_drafts

    room = open_room(store, clock, CHIEF, mode="live", label="Salle")
    room.record_all(demo_drafts(clock.now()))
    return room


def _record(room: Room, kind: str, **payload: Any) -> None:
    room.record_all([Draft(kind, payload, "systeme", SYSTEM)])


def _summary(room: Room) -> dict[str, Any]:
    return build_summary(room.state, room.store.read(), room.clock.now())


def test_pp_messages_awaiting_an_ack_or_an_answer(chief_room: Room) -> None:
    room = chief_room
    assert _summary(room)["pp_awaiting"] == []  # the demo's two drafts are not sent yet
    request = outbox.draft_message(room, "EV-0001", "demande_umip").payload["draft_id"]
    did = outbox.validate_draft(room, request).payload["distribution_id"]
    _record(room, fm.SENT, distribution_id=did)
    alert = outbox.draft_message(room, "EV-0002", "alerte").payload["draft_id"]
    adid = outbox.validate_draft(room, alert).payload["distribution_id"]
    _record(room, fm.SENT, distribution_id=adid)
    waiting = {m["key"]: m["waiting_for"] for m in _summary(room)["pp_awaiting"]}
    assert waiting == {request: "accusé de réception", alert: "accusé de réception"}

    _record(room, fm.ACK_RECEIVED, distribution_id=did, step="INTEGRE")
    _record(room, fm.ACK_RECEIVED, distribution_id=adid, step="INTEGRE")
    waiting = {m["key"]: m["waiting_for"] for m in _summary(room)["pp_awaiting"]}
    assert waiting == {request: "réponse"}  # acknowledged, the request still needs an answer


def test_holder_is_who_last_moved_the_event(chief_room: Room, clock: ManualClock) -> None:
    from scop import operations as ops

    room = chief_room
    s = _summary(room)
    holders = {e["id"]: e["holder"] for e in s["open_events"]}
    # the demo's seed wrote its opening (under its own identity, not a person's)
    assert holders["EV-0001"] == "Jeu de démonstration"
    assert holders["EV-0003"] == "Jeu de démonstration"
    other = Room(room.store, clock, Operator("C. Petit", "operator"), "poste-2")
    other.load()
    ops.take_in_hand(other, "EV-0003")
    room.sync()
    assert {e["id"]: e["holder"] for e in _summary(room)["open_events"]}["EV-0003"] == "C. Petit"


def test_first_period_is_at_most_a_day_then_runs_from_the_last_releve(
    chief_room: Room, clock: ManualClock
) -> None:
    room = chief_room
    start = room.store.read(limit=1)[0].ts
    clock.advance(hours=30)
    assert _summary(room)["period"]["start"] == to_iso(clock.now() - timedelta(hours=24))
    assert start < clock.now() - timedelta(hours=24)
    hid = draft_handover(room, "RAS")
    with pytest.raises(CommandRefused, match="sous son propre nom"):
        acknowledge_handover(room, hid)
    incoming = Room(room.store, clock, Operator("Cne. Roussel", "chief"), "poste-3")
    incoming.load()
    operator = Room(room.store, clock, Operator("B. Lefèvre", "operator"), "poste-4")
    operator.load()
    with pytest.raises(CommandRefused, match="seul le chef de salle peut le faire"):
        acknowledge_handover(operator, hid)
    assert pending_handover(incoming.state) is not None
    clock.advance(60)
    acknowledge_handover(incoming, hid)
    assert pending_handover(incoming.state) is None
    clock.advance(hours=12)
    room.sync()
    later = _summary(room)["period"]["start"]
    assert later == incoming.state.handovers[hid].acknowledged_at.isoformat(timespec="microseconds")
    sheet = sheet_from_journal(room.store.read())
    assert sheet.handover.id == hid
    assert sheet.handover.incoming == "Cne. Roussel"
