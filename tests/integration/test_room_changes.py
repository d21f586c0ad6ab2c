"""A workstation hears that another committed (NOTIFY on PostgreSQL, ``data_version`` on
SQLite) without reading the journal, and a lost notification loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.journal.watch import ChangeWatch
from scop.models.entities import PositionFix
from scop.models.entries import Operator
from scop.room import CommandRefused, Room, open_room

# Shorter than the safety poll (2 s): a True here is the watcher's, not the safety net's.
WAIT_S = 1.0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_stores(request: Any, clock: ManualClock) -> Iterator[tuple[JournalStore, JournalStore]]:
    """Two workstations' stores (two engines) on one room."""
    name = "pg_store" if request.param == "postgresql" else "store"
    a: JournalStore = request.getfixturevalue(name)
    open_room(a, clock, Operator("A. Martin"), mode="live", label="Salle")
    b = JournalStore.open(a.engine.url.render_as_string(hide_password=False), clock)
    yield a, b
    b.close()


def _room(store: JournalStore, clock: ManualClock, name: str) -> Room:
    room = Room(store, clock, Operator(name), f"poste-{name}")
    room.load()
    return room


@pytest.fixture
def rooms(
    two_stores: tuple[JournalStore, JournalStore], clock: ManualClock
) -> Iterator[tuple[Room, Room, ChangeWatch]]:
    """A writer, a reader, and the reader's watch."""
    a, b = two_stores
    watch = b.watch()
    yield _room(a, clock, "A"), _room(b, clock, "B"), watch
    watch.close()


def test_a_commit_is_heard_and_a_refusal_is_not(
    rooms: tuple[Room, Room, ChangeWatch], clock: ManualClock
) -> None:
    writer, reader, watch = rooms
    assert not watch.poll()  # baseline: nothing since we started listening
    writer.note("Premier appel")
    assert watch.wait(WAIT_S)
    assert [e.payload["text"] for e in reader.sync().entries] == ["Premier appel"]
    # A refused command rolls back: no notification, nothing to read.
    with pytest.raises(CommandRefused):
        writer.correct(999, "rien")
    assert not watch.wait(WAIT_S)
    # Positions written by the crew feed are heard too.
    writer.record_positions([PositionFix("V01-1", clock.now(), 2.35, 48.86)])
    assert watch.wait(WAIT_S)


def test_a_lost_notification_loses_nothing(rooms: tuple[Room, Room, ChangeWatch]) -> None:
    writer, reader, watch = rooms
    watch.poll()
    watch.close()  # the listening connection drops (server restart, network)
    for i in range(3):
        writer.note(f"pendant la coupure {i}")
    watch.poll()  # reconnects; what was sent meanwhile is gone…
    writer.note("après")
    assert watch.wait(WAIT_S)
    # …but the reader reads from its last position, not from the notifications.
    got = [e.payload["text"] for e in reader.sync().entries]
    assert got == [*(f"pendant la coupure {i}" for i in range(3)), "après"]
