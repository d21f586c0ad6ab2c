"""The PP simulator's send faults, now that its frames and acknowledgements leave in groups
(scop.protocols.pp_link.send_frames): ``duplicate`` still sends each of its messages twice (its
acknowledgements once), and ``delay_acks`` still holds every acknowledgement back. A bare
websockets client plays the console on loopback, so that nothing of the endpoint under test
reads what it sent."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from scoptest.pp_peer import point_frames
from websockets.asyncio.client import connect

from scop.clock import SystemClock
from scop.protocols.edxl import (
    SUBPROTOCOL,
    EventInfo,
    Identity,
    parse,
)
from scop.protocols.pp_sim import PPSimulator

CONSOLE = Identity()


def console_frames(n: int) -> list[str]:
    return point_frames(CONSOLE, n, "SCOP")


async def read_for(ws: Any, seconds: float) -> list[tuple[float, Any]]:
    """Every frame read during ``seconds``, parsed, with its arrival time."""
    out: list[tuple[float, Any]] = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            frame = await asyncio.wait_for(ws.recv(), left)
        except TimeoutError:
            break
        out.append((time.monotonic(), parse(frame, now=SystemClock().now())))
    return out


async def with_sim(body: Any) -> None:
    sim = PPSimulator(ping_interval=60, ping_timeout=60)
    await sim.start()
    try:
        async with connect(sim.url, subprotocols=[SUBPROTOCOL]) as ws:  # type: ignore[list-item]
            await sim.connected.wait()
            await body(sim, ws)
    finally:
        await sim.stop()


def test_duplicate_sends_each_message_twice_and_each_acknowledgement_once() -> None:
    async def body(sim: PPSimulator, ws: Any) -> None:
        sim.endpoint.duplicate = True
        sent = [
            sim.send_pp("point_de_situation", EventInfo(f"PP-{i}", "FIR", "Feu")) for i in range(3)
        ]
        mine = console_frames(2)
        for frame in mine:
            await ws.send(frame)
        got = [m for _t, m in await read_for(ws, 1.0)]
        emsi = [m.distribution_id for m in got if m.payload_key == "emsi"]
        acks = [(m.payload["distributionID"], m.payload["step"]) for m in got if m.kind == "Ack"]
        assert sorted(emsi) == sorted(sent * 2)
        own = [parse(f, now=SystemClock().now()).distribution_id for f in mine]
        assert sorted(acks) == sorted((d, s) for d in own for s in ("RECU", "INTEGRE"))

    asyncio.run(with_sim(body))


def test_delay_acks_holds_every_acknowledgement_back() -> None:
    async def body(sim: PPSimulator, ws: Any) -> None:
        sim.endpoint.ack_delay = 0.4
        t0 = time.monotonic()
        for frame in console_frames(3):
            await ws.send(frame)
        got = await read_for(ws, 1.5)
        acks = [(t, m) for t, m in got if m.kind == "Ack"]
        assert len(acks) == 6  # RECU and INTEGRE of each of the three
        assert min(t for t, _m in acks) - t0 >= 0.35

    asyncio.run(with_sim(body))
