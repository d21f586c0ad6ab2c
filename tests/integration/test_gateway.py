"""``scop gateway`` as real processes: it carries the crew feed (a console reads the positions
it writes) and the PP link, and a standby takes over within 10 s when the active one is
SIGKILLed, with nothing lost or applied twice, counted by a minimal PP of the test's own."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scoptest.gateways import open_live_room, start_gateway, stop, wait_for
from scoptest.pp_peer import MinimalPP
from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as ws_serve

from scop.errors import Exit
from scop.journal import lease
from scop.journal.store import JournalStore
from scop.models import fold_messages as fm
from scop.models.entities import PositionFix
from scop.protocols import outbox
from scop.protocols.crew_feed import encode_positions
from scop.protocols.edxl import EventInfo
from scop.room import CommandRefused, Room


def holder(store: JournalStore) -> lease.Lease | None:
    return lease.read_lease(store.engine)


# -- the crew feed ----------------------------------------------------------------------------


def test_console_reads_positions_written_by_the_gateway_feed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'salle.sqlite'}"
    console = open_live_room(url)
    # Later than the crew's registration (the feed sends whole seconds; an older fix is dropped).
    ts = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    fix = PositionFix("PM-01", ts, 2.3522, 48.8566, 90, 5)

    async def feed(ws: ServerConnection) -> None:
        while True:
            await ws.send(encode_positions([fix]))
            await asyncio.sleep(0.2)

    async def main() -> None:
        async with ws_serve(feed, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            gw = await start_gateway(url, "gw-feed", "--feed", f"ws://127.0.0.1:{port}")
            try:

                def placed() -> bool:
                    console.sync()
                    crew = console.state.crews["PM-01"]
                    return (crew.lon, crew.lat) == (fix.lon, fix.lat)

                await wait_for(placed, 60, "position du flux lue par le poste")
                await wait_for(
                    lambda: (
                        (h := holder(console.store)) is not None
                        and h.links.get("feed", ("", ""))[0] == "ok"
                    ),
                    30,
                    "état du flux publié par la passerelle",
                )
            finally:
                gw.send_signal(signal.SIGTERM)
                await asyncio.wait_for(gw.wait(), 30)
        # A clean stop hands the lease back at once and says the links are stopped.
        view = lease.describe(holder(console.store), datetime.now(UTC))
        assert view is not None
        assert not view.active
        assert view.gateway[0] == "down"

    asyncio.run(main())
    console.store.close()


# -- the PP link: takeover after SIGKILL -----------------------------------------------------


def _send(room: Room, n: int) -> str:
    draft = outbox.draft_message(room, f"EV-{n % 2:04d}", "alerte", {"texte": f"message {n}"})
    entry = outbox.validate_draft(room, draft.payload["draft_id"])
    return str(entry.payload["distribution_id"])


def _state(room: Room, did: str) -> str:
    m = fm.by_distribution_id(room.state, did)
    return "" if m is None else m.state


PP_EVENT = EventInfo("PP-0001", "FIR", "Feu signalé par la PP")


def test_standby_gateway_takes_over_after_sigkill_nothing_lost_or_doubled(new_url: str) -> None:
    """On PostgreSQL and on SQLite: the lease is a row, not an advisory lock."""
    console = open_live_room(new_url, crews=0)
    pp = MinimalPP()
    sent: list[str] = []
    figures: dict[str, Any] = {}

    async def traffic(stop_at: Callable[[], bool]) -> None:
        """The chief validates a message every 0.2 s and the PP sends one every 0.5 s."""
        n = 0
        while not stop_at():
            sent.append(_send(console, len(sent)))
            if n % 3 == 0:
                await pp.send(PP_EVENT, f"alerte {n}")
            n += 1
            await asyncio.sleep(0.2)

    async def main() -> None:
        await pp.start()
        link = ("--pp", pp.url, "--ack-timeout", "3")
        procs: list[asyncio.subprocess.Process] = []
        try:
            gw_a = await start_gateway(new_url, "gw-a", *link)
            procs.append(gw_a)
            await wait_for(
                lambda: (h := holder(console.store)) is not None and h.holder == "gw-a",
                60,
                "passerelle A active",
            )
            procs.append(await start_gateway(new_url, "gw-b", *link))
            await wait_for(lambda: pp.connections >= 1, 60, "A connectée à la PP")
            # Let B start up and wait on the lease: it must not connect while A lives.
            await asyncio.sleep(0)
            phase1 = asyncio.create_task(traffic(lambda: len(sent) >= 25))
            await wait_for(lambda: sum(1 for d in sent if d in pp.copies) >= 15, 60, "trafic par A")
            assert pp.connections == 1, "la passerelle en attente ne doit pas se connecter"
            os.kill(gw_a.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            await gw_a.wait()
            await phase1
            # What the journal held when A died: a message acknowledged there must never
            # reach the PP again.
            console.sync()
            unacked_at_kill = {d for d in sent if _state(console, d) in fm.AWAITING}
            await wait_for(
                lambda: (h := holder(console.store)) is not None and h.holder == "gw-b",
                30,
                "relève par B",
            )
            figures["takeover_s"] = time.monotonic() - killed_at
            await wait_for(lambda: pp.connections >= 2, 30, "B connectée à la PP")
            figures["pp_back_s"] = time.monotonic() - killed_at
            await traffic(lambda: len(sent) >= 40)

            def settled() -> bool:
                console.sync()
                return all(_state(console, d) not in fm.AWAITING for d in sent) and not (pp.outbox)

            await wait_for(settled, 90, "tout acquitté des deux côtés")
        finally:
            for proc in procs:
                await stop(proc)
            await pp.stop()

        # Counted on the PP's side: every validated message arrived, and only a message that
        # was in flight when A died (not yet acknowledged in the journal) came twice.
        assert set(pp.copies) == set(sent)
        assert sorted(pp.applied) == sorted(sent)  # each applied once
        doubled = {d for d, n in pp.copies.items() if n > 1}
        assert doubled <= unacked_at_kill, doubled - unacked_at_kill
        # Counted in the journal: every PP message recorded once, none lost.
        received = Counter(
            e.payload["distribution_id"]
            for e in console.store.iter_entries()
            if e.kind == fm.RECEIVED
        )
        assert set(received) == set(pp.sent)
        assert max(received.values()) == 1
        assert all(_state(console, d) == "integre" for d in sent)
        assert figures["takeover_s"] <= 10, figures
        assert console.store.verify().ok
        print("figures", figures, "doublons en vol", len(doubled), "sur", len(unacked_at_kill))

    asyncio.run(main())
    console.store.close()


@pytest.mark.postgres
def test_gateway_that_loses_its_database_stops_its_links_then_comes_back() -> None:
    """No renewal for most of the lease's life: the gateway lets go of the PP link before a
    standby could take over (never two gateways on the link). When the server is back it takes
    the lease again, reconnects and catches up, with nobody restarting it."""
    from scoptest.pgcluster import single_cluster

    with single_cluster() as cluster:
        url = cluster.url()
        console = open_live_room(url, crews=0)
        pp = MinimalPP()

        async def main() -> None:
            await pp.start()
            gw = await start_gateway(url, "gw-solo", "--pp", pp.url)
            try:
                await wait_for(lambda: pp.connected, 60, "passerelle connectée")
                cluster.kill()
                await wait_for(lambda: not pp.connected, 30, "lien coupé par la passerelle")
                cluster.start()
                await wait_for(lambda: pp.connections >= 2, 60, "lien rouvert")
                did = await asyncio.get_running_loop().run_in_executor(
                    None, lambda: _retry_send(console)
                )
                await wait_for(lambda: did in pp.applied, 60, "message parti après la panne")
                assert gw.returncode is None
            finally:
                await stop(gw)
                await pp.stop()

        asyncio.run(main())
        console.store.close()


def _retry_send(room: Room) -> str:
    deadline = time.monotonic() + 60
    while True:
        try:
            return _send(room, 0)
        except CommandRefused:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_gateway_refuses_a_missing_room_and_creates_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scop.cli import main

    db = tmp_path / "faute-de-frappe.sqlite"
    code = main(["gateway", "--db", f"sqlite:///{db}", "--feed", "ws://127.0.0.1:9/x"])
    assert code == Exit.DB_MISSING  # the README's table, as for the console
    assert not db.exists()
    assert "Aucune salle dans la base" in capsys.readouterr().err


@pytest.mark.postgres
def test_gateway_on_an_empty_postgresql_base_creates_no_table(
    pg_room_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import create_engine, inspect

    from scop.cli import main

    code = main(["gateway", "--db", pg_room_url, "--feed", "ws://127.0.0.1:9/x"])
    assert code == Exit.DB_MISSING  # the README's table, as for the console
    assert "scop room init" in capsys.readouterr().err
    engine = create_engine(pg_room_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
