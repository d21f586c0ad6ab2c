"""Agent safety across workstations on a real PostgreSQL: a check is asked once, an alert
raised once, however many consoles see the clock pass or the button pressed; the alert
from the feed, over a real websocket on loopback, reaches the other workstation."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
import websockets

from scop import operations as ops
from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models import fold_safety as ks
from scop.models.entries import SYSTEM, Operator
from scop.protocols.crew_feed import CrewFeedClient, encode_signal
from scop.room import Room, open_room
from scop.safety import commands as sc

pytestmark = pytest.mark.postgres

BASTILLE = (2.3692, 48.8531)


def _rooms(store: JournalStore, clock: ManualClock) -> tuple[Room, Room]:
    one = open_room(store, clock, Operator("A. Martin"), label="Salle", workstation="p1")
    other_store = JournalStore.open(store.engine.url.render_as_string(False), clock)
    two = open_room(other_store, clock, Operator("B. Lefèvre"), workstation="p2")
    return one, two


def _scene(room: Room) -> None:
    for cs, dlat in (("P11", 0.0), ("P12", 0.004)):
        room.acting_as(SYSTEM).record(
            k.CREW_REGISTERED,
            {
                "call_sign": cs,
                "division": "D11",
                "mode": "vehicule",
                "lon": BASTILLE[0],
                "lat": BASTILLE[1] + dlat,
            },
        )
    ev = ops.create_event(
        room, source="appel_3975", category="FIR", gravity=2, lon=BASTILLE[0], lat=BASTILLE[1]
    )
    ops.engage(room, "P11", ev)
    ops.crew_on_scene(room, "P11")


def test_two_consoles_ask_one_check_and_raise_one_alert(
    pg_store: JournalStore, clock: ManualClock
) -> None:
    one, two = _rooms(pg_store, clock)
    _scene(one)
    clock.advance(minutes=21)
    # the second console has not folded the first one's entries: its decision runs at the head
    first = sc.run_as(one, sc.SAFETY_WATCH, sc.due_checks)
    second = sc.run_as(two, sc.SAFETY_WATCH, sc.due_checks)
    assert [e.kind for e in first] == [ks.CHECK_DUE]
    assert second == []
    raised = sc.run(two, sc.raise_danger, "P11")
    again = sc.run(one, sc.raise_danger, "P11")  # stale: it had not seen the alert
    assert [e.kind for e in raised] == [k.EVENT_CREATED, ks.DANGER_RAISED]
    assert again == []
    kinds = [e.kind for e in pg_store.iter_entries()]
    assert kinds.count(ks.DANGER_RAISED) == 1
    assert kinds.count(ks.CHECK_DUE) == 1
    two.store.close()


def test_feed_alert_over_websocket_reaches_the_other_workstation(
    pg_store: JournalStore, clock: ManualClock
) -> None:
    one, two = _rooms(pg_store, clock)
    _scene(one)

    async def scenario() -> None:
        sent = asyncio.Event()

        async def handler(ws: Any) -> None:
            await ws.send(encode_signal("P11", "AGENT_EN_DANGER", datetime.now(UTC)))
            sent.set()
            await ws.wait_closed()

        server = await websockets.serve(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = CrewFeedClient(one, f"ws://127.0.0.1:{port}/")
        task = asyncio.ensure_future(client.run())
        try:
            await asyncio.wait_for(sent.wait(), 10)
            for _ in range(500):
                two.sync()
                if sc.open_alerts(two.state):
                    break
                await asyncio.sleep(0.02)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            server.close()
            await server.wait_closed()

    asyncio.run(asyncio.wait_for(scenario(), 30))
    (alert,) = sc.open_alerts(two.state)
    assert (alert.call_sign, alert.via, alert.raised_by) == ("P11", "flux", "Flux équipages")
    sc.run(two, sc.take_danger, alert.alert_id)
    one.sync()
    assert one.state.danger_alerts[alert.alert_id].taken_by == "B. Lefèvre"
    two.store.close()
