"""Frames that arrive together are journaled in one transaction, then acknowledged: a copy
inside the batch is applied once and acknowledged again, and a crash between the journal and
the acknowledgements loses nothing (the PP's resend is recognised and acknowledged, never
applied twice). On a real SQLite journal, the endpoint fed directly (no socket needed)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from scoptest.pp_peer import point_frames

from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models import fold_messages as fm
from scop.models.entries import Operator
from scop.protocols.edxl import EventInfo, Identity, build_pp_emsi, dumps, parse
from scop.protocols.pp_link import LinkConfig, RoomEndpoint
from scop.room import Room, open_room

CONSOLE = Identity()
PP = CONSOLE.swapped()


class Wire:
    """What the console sends, read back as the PP reads it; ``cut_after`` frames then fails.
    Each RECU is checked against the database through a connection of its own: the message
    must be committed there before its RECU leaves."""

    def __init__(self, db: Path, cut_after: int | None = None) -> None:
        self.db = db
        self.acks: list[tuple[str, str]] = []
        self.cut_after = cut_after

    async def send(self, text: str) -> None:
        if self.cut_after is not None and len(self.acks) >= self.cut_after:
            raise ConnectionError("coupure")
        msg = parse(text, now=SystemClock().now(), peer_id=CONSOLE.sender_id)
        assert msg.payload_key == "reference"
        did, step = str(msg.payload["distributionID"]), str(msg.payload["step"])
        if step == "RECU":
            assert did in committed(self.db), f"RECU de {did} avant sa validation en base"
        self.acks.append((did, step))


def committed(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT payload FROM journal_entries WHERE kind = ?", (fm.RECEIVED,)
        ).fetchall()
    finally:
        con.close()
    return {json.loads(r[0])["distribution_id"] for r in rows}


def open_console(path: Path) -> tuple[Room, RoomEndpoint]:
    clock = SystemClock()
    store = JournalStore.open(f"sqlite:///{path}", clock)
    room = open_room(store, clock, Operator("Cdt. Test", "chief"), label="Salle de test PP")
    return room, RoomEndpoint(room, LinkConfig("ws://127.0.0.1:1"))


def pp_frames(n: int) -> list[str]:
    return point_frames(PP, n)


def received(room: Room) -> list[str]:
    return [str(e.payload["distribution_id"]) for e in room.store.read() if e.kind == fm.RECEIVED]


def did_of(frame: str) -> str:
    return str(parse(frame, now=SystemClock().now()).distribution_id)


def feed(endpoint: RoomEndpoint, wire: Any, frames: list[str]) -> None:
    async def go() -> None:
        endpoint.ws = wire
        await endpoint.on_frames(list(frames))

    asyncio.run(go())


def test_a_copy_inside_a_batch_is_applied_once_and_acknowledged_again(tmp_path: Path) -> None:
    db = tmp_path / "salle.sqlite"
    room, endpoint = open_console(db)
    a, b = pp_frames(2)
    wire = Wire(db)
    feed(endpoint, wire, [a, b, a, a])
    assert received(room) == [did_of(a), did_of(b)]  # one transaction, each message once
    assert wire.acks.count((did_of(a), "RECU")) == 3
    assert wire.acks.count((did_of(a), "INTEGRE")) == 3
    assert wire.acks.count((did_of(b), "RECU")) == 1
    assert room.store.verify().ok


def test_a_crash_between_journal_and_acknowledgement_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "salle.sqlite"
    room, endpoint = open_console(db)
    frames = pp_frames(3)
    with pytest.raises(ConnectionError):
        feed(endpoint, Wire(db, cut_after=1), frames)  # journaled, then the link dies mid-acks
    assert received(room) == [did_of(f) for f in frames]
    room.store.close()

    # The console starts again; the PP, having no RECU for them, sends the three again.
    room, endpoint = open_console(db)
    wire = Wire(db)
    feed(endpoint, wire, frames)
    assert received(room) == [did_of(f) for f in frames]  # recognised, never applied twice
    for f in frames:
        assert (did_of(f), "RECU") in wire.acks
        assert (did_of(f), "INTEGRE") in wire.acks
    assert room.store.verify().ok


def test_a_chain_held_for_a_predecessor_that_never_comes_is_released_once(
    tmp_path: Path,
) -> None:
    """B follows A (never received), C follows B: both wait, then are applied in order once the
    hold times out. Releasing B releases C too, which the next stale hold then named: that
    used to raise KeyError in the link's periodic task, every time."""
    db = tmp_path / "salle.sqlite"
    room, endpoint = open_console(db)
    now = SystemClock().now()
    event = EventInfo("PP-7", "FIR", "Feu n° 7")

    def frame(did: str, previous: str | None) -> str:
        return dumps(
            build_pp_emsi(
                "point_de_situation",
                event,
                identity=PP,
                now=now,
                exercise=False,
                text=did,
                previous_id=previous,
                distribution_id=did,
            )
        )

    a, b, c = (f"{PP.sender_id}_{x}" for x in "abc")
    wire = Wire(db)
    feed(endpoint, wire, [frame(b, a), frame(c, b)])
    assert received(room) == []  # both wait for their predecessor
    endpoint.hold_timeout = 0.0

    async def release() -> None:
        endpoint.ws = wire
        await endpoint.release_stale_held()
        await endpoint.release_stale_held()  # nothing left to release

    asyncio.run(release())
    assert received(room) == [b, c]
    assert wire.acks == [(b, "RECU"), (b, "INTEGRE"), (c, "RECU"), (c, "INTEGRE")]
    room.store.close()
