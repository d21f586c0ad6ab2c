"""The crew feed client against the simulator, over real websockets on loopback, into a
real SQLite room: positions recorded, bad messages refused while the feed stays up,
reconnection after the server goes away, statuses reported through the journal."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import websockets
from scoptest.tasks import stop_tasks

from scop import operations as ops
from scop.errors import Exit
from scop.protocols.crew_feed import CrewFeedClient, parse_message, resource_id
from scop.protocols.feed_sim import CrewSimulator, FeedSimulatorServer
from scop.room import Room


async def _until(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def _run(coro: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(coro(), 60))


def test_feed_records_positions_refuses_bad_input_and_stays_up(
    demo_room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "scop.feed")
    states: list[tuple[str, str]] = []

    async def main() -> None:
        server = FeedSimulatorServer(
            demo_room, period=0.05, simulator=CrewSimulator(None), report_statuses=False
        )
        await server.start()
        sim_task = asyncio.create_task(server.run())
        client = CrewFeedClient(
            demo_room,
            server.url,
            flush_interval=0.05,
            on_state=lambda s, t, _st: states.append((s, t)),
        )
        task = asyncio.create_task(client.run())
        try:
            await _until(lambda: client.stats.fixes_recorded >= 200)
            assert states[0] == ("ok", "Flux équipages connecté")
            moved = demo_room.state.crews["V01-1"]
            assert moved.position_ts is not None
            assert moved.position_ts >= demo_room.clock.now()

            # Bad input in the middle of the stream.
            server.broadcast("{ceci n'est pas du JSON")
            server.broadcast(
                json.dumps(
                    {
                        "position": [
                            {
                                "resourceId": resource_id("X99-9"),
                                "datetime": "2026-11-23T07:00:00+00:00",
                                "coord": {"lat": 48.86, "lon": 2.35},
                            },
                            {
                                "resourceId": resource_id("V01-1"),
                                "datetime": "2026-11-23T07:00:00+00:00",
                                "coord": {"lat": 45.76, "lon": 4.83},
                            },
                        ]
                    }
                )
            )
            server.broadcast(json.dumps([1, 2, 3]))
            await _until(lambda: client.stats.refused >= 4)
            s = client.stats
            assert (s.malformed, s.unknown_crew, s.outside_area) == (2, 1, 1)
            assert states[-1][1].endswith(
                "— 1 position(s) d'équipages non en service — 3 position(s) refusée(s)"
            )
            recorded = s.fixes_recorded
            await _until(lambda: client.stats.fixes_recorded > recorded + 48)  # still flowing
            assert client.state == "ok"
            assert s.connects == 1
            assert demo_room.state.crews["V01-1"].lat < 48.95  # Lyon never reached the room

            # The server goes away and comes back: the client reconnects by itself.
            await stop_tasks(sim_task)
            await _until(lambda: client.state == "down")
            server2 = FeedSimulatorServer(
                demo_room,
                port=server.port,
                period=0.05,
                simulator=CrewSimulator(None),
                report_statuses=False,
            )
            await server2.start()
            sim2 = asyncio.create_task(server2.run())
            await _until(lambda: client.stats.connects == 2 and client.state == "ok")
            await _until(lambda: client.stats.fixes_recorded > s.fixes_received - 48)
            await stop_tasks(sim2)
        finally:
            await stop_tasks(task)
        # Nothing received was lost: every accepted fix is in the journal's position table.
        assert client.stats.fixes_recorded == client.stats.fixes_received
        assert len(demo_room.store.read_positions()) == client.stats.fixes_recorded
        refused = "— 1 position(s) d'équipages non en service — 3 position(s) refusée(s)"
        assert states[-1] == ("off", f"Flux équipages arrêté {refused}")
        assert ("down", f"Flux équipages coupé {refused}") in states

    _run(main)
    messages = [r.getMessage() for r in caplog.records]
    assert any("JSON invalide" in m for m in messages)
    assert any("équipage qui n'est pas en service : X99-9" in m for m in messages)
    assert any("hors de Paris" in m for m in messages)


def test_a_batch_that_cannot_be_written_waits_for_the_next_flush(
    demo_room: Room, monkeypatch: Any
) -> None:
    client = CrewFeedClient(demo_room, "ws://127.0.0.1:9")
    msg = json.dumps(
        {
            "position": [
                {
                    "resourceId": resource_id("V01-1"),
                    "datetime": "2026-11-23T07:00:00+00:00",
                    "coord": {"lat": 48.8627, "lon": 2.3347},
                }
            ]
        }
    )
    client.handle(msg)
    real = demo_room.record_positions

    def broken(_fixes: Any) -> None:
        raise OSError("disque plein")

    monkeypatch.setattr(demo_room, "record_positions", broken)
    assert client.flush() == 0
    assert len(client.pending) == 1
    client.handle(msg)
    monkeypatch.setattr(demo_room, "record_positions", real)
    assert client.flush() == 2
    assert client.pending == []
    assert len(demo_room.store.read_positions()) == 2


def test_simulated_crew_reports_on_scene_then_available_through_the_journal(
    demo_room: Room,
) -> None:
    async def main() -> None:
        ev_id = ops.create_event(
            demo_room,
            source="appel_3975",
            category="FIR",
            gravity=4,
            address="52 Rue Oberkampf, 75011 Paris",
            lon=2.37282,
            lat=48.864649,
        )
        ops.engage(demo_room, "V03-1", ev_id)
        server = FeedSimulatorServer(demo_room, simulator=CrewSimulator(None))
        await server.start()
        try:
            for _ in range(20):  # 20 simulated minutes, far more than the trip
                server.tick(60.0)
                if demo_room.state.crews["V03-1"].status == "disponible":
                    break
        finally:
            await server.close()
        kinds = [
            (e.kind, e.source, e.payload.get("status"))
            for e in demo_room.store.read()
            if e.payload.get("call_sign") == "V03-1" or e.payload.get("id") == ev_id
        ]
        assert ("crew.status_changed", "equipage", "sur_les_lieux") in kinds
        assert ("event.status_changed", "equipage", "en_cours") in kinds
        assert kinds[-1][0] == "crew.released"
        assert kinds[-1][1] == "equipage"
        assert demo_room.state.events[ev_id].status == "en_cours"

    _run(main)


def _feed_sim(db_url: str, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scop.cli",
            "feed-sim",
            "--db",
            db_url,
            "--port",
            str(port),
            "--period",
            "0.2",
            "--straight",
            "--no-status",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_scop_feed_sim_serves_geo_pos_for_the_demo_room(demo_room: Room, db_url: str) -> None:
    port = _free_port()
    proc = _feed_sim(db_url, port)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        while "Simulateur du flux équipages" not in banner:
            assert proc.poll() is None, banner
            banner = proc.stdout.readline()
        assert f"ws://127.0.0.1:{port}" in banner
        assert "48 équipages" in banner

        async def receive() -> str:
            async with websockets.connect(f"ws://127.0.0.1:{port}") as ws:
                return str(await asyncio.wait_for(ws.recv(), 10))

        result = parse_message(asyncio.run(receive()), demo_room.state.crews.__contains__)
        assert result.problems == []
        assert len(result.fixes) == 47  # every crew but the one hors service
    finally:
        proc.terminate()
        proc.wait(10)


def test_scop_feed_sim_refuses_a_live_room(room: Room, db_url: str) -> None:
    before = room.store.head()
    proc = _feed_sim(db_url, _free_port())
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == Exit.WRONG_MODE  # the README's table: a base of the wrong mode
    assert "pas une salle de démonstration" in out
    assert room.store.head() == before  # nothing written


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
