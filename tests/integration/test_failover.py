"""High availability: a primary and a synchronous standby (two real PostgreSQL clusters on
loopback, streaming replication). Two consoles write and a gateway carries the PP link, all
through one multi-host URL (``target_session_attrs=read-write``). The primary is SIGKILLed
mid-traffic and the standby promoted: every entry a console saw committed is on the new
primary with the same hash, the chain verifies, and consoles and gateway carry on by
themselves (no restart, no new URL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from scoptest.gateways import open_live_room, start_gateway, stop, wait_for
from scoptest.pgcluster import HAPair, ha_pair
from scoptest.pp_peer import MinimalPP

from scop.clock import SystemClock
from scop.journal import lease
from scop.journal.store import JournalStore
from scop.models.entries import Entry, Operator
from scop.protocols import outbox
from scop.room import CommandRefused, Room, open_room


@pytest.fixture
def pair() -> Iterator[HAPair]:
    with ha_pair() as p:
        yield p


class Console:
    """A workstation writing a note every few milliseconds; it keeps what it saw committed,
    and counts the refusals (« base indisponible ») it got during the failover."""

    def __init__(self, url: str, name: str) -> None:
        clock = SystemClock()
        self.store = JournalStore.open(url, clock)
        self.room = open_room(self.store, clock, Operator(name, "operator"), workstation=name)
        self.committed: list[Entry] = []
        self.refused = 0
        self.last_refusal = ""

    def write(self, n: int) -> bool:
        try:
            self.committed.append(self.room.note(f"{self.room.operator.name} n° {n}"))
        except CommandRefused as refusal:
            self.refused += 1
            self.last_refusal = str(refusal)
            return False
        return True


@pytest.mark.postgres
def test_primary_killed_standby_promoted_nothing_committed_is_lost(pair: HAPair) -> None:
    url = pair.url()
    chief = open_live_room(url, crews=0)
    consoles = [Console(url, "poste-1"), Console(url, "poste-2")]
    pp = MinimalPP()
    figures: dict[str, float] = {}

    async def traffic(rounds: int) -> None:
        for n in range(rounds):
            for c in consoles:
                c.write(n)
            await asyncio.sleep(0.01)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        await pp.start()
        gw = await start_gateway(url, "gw-ha", "--pp", pp.url)
        try:
            await wait_for(lambda: pp.connections >= 1, 60, "passerelle connectée à la PP")
            await traffic(30)
            before = [_send(chief, 0)]
            await wait_for(lambda: before[0] in pp.copies, 30, "message parti avant panne")

            killed = time.monotonic()
            pair.primary.kill()
            await traffic(5)  # refused: no writable database
            await loop.run_in_executor(None, pair.standby.promote)
            ok = [False]

            async def until_written() -> None:
                while not ok[0]:
                    ok[0] = all(c.write(-1) for c in consoles)
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(until_written(), 60)
            figures["unavailable_s"] = time.monotonic() - killed
            await traffic(30)

            # The gateway goes on by itself: its lease is renewed on the new primary and a
            # message validated now reaches the PP.
            after = _retry(lambda: _send(chief, 1))
            await wait_for(lambda: after in pp.copies, 60, "message parti après bascule")
            promoted = datetime.now(UTC)
            await wait_for(
                lambda: _lease_renewed_since(chief.store, promoted), 30, "bail renouvelé"
            )
            assert gw.returncode is None
        finally:
            await stop(gw)
            await pp.stop()

    asyncio.run(main())

    assert len(pp.applied) == len(set(pp.applied))  # the PP applied nothing twice
    assert all(c.refused > 0 for c in consoles)  # the outage was real, and said so
    assert all(c.last_refusal == "Base indisponible — réessayez." for c in consoles)
    on_new_primary = {e.position: e.hash for e in chief.store.iter_entries()}
    lost = [
        e.position
        for c in consoles
        for e in c.committed
        if on_new_primary.get(e.position) != e.hash
    ]
    assert lost == []
    assert chief.store.verify().ok
    # Each console's state caught up with the new primary by itself.
    head = chief.store.head()[0]
    for c in consoles:
        c.room.sync()
        assert c.room.state.position == head
    print("figures", figures, "entrées", head)
    for c in consoles:
        c.store.close()
    chief.store.close()


def _send(room: Room, n: int) -> str:
    draft = outbox.draft_message(room, "EV-0000", "alerte", {"texte": f"message {n}"})
    entry = outbox.validate_draft(room, draft.payload["draft_id"])
    return str(entry.payload["distribution_id"])


def _retry(fn: Callable[[], str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except CommandRefused:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _lease_renewed_since(store: JournalStore, t: datetime) -> bool:
    current = lease.read_lease(store.engine)
    return current is not None and current.heartbeat > t
