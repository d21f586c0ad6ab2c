"""``scop gateway``: the one process of a room that carries its links (PP and crew feed).

Consoles of a room with a gateway open no link: they read the messages and the positions the
gateway writes to the database. Several gateways may run (one per server, say); the lease
(:mod:`scop.journal.lease`) lets exactly one carry the links, the others wait and take over
within the lease's time to live when it dies. Nothing is lost in a takeover because everything
the links know lives in the journal: the new holder folds it afresh, sends again what the PP
has not acknowledged (same distribution id: the PP applies a duplicate once), and the PP sends
again what the room has not acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from scop.clock import Clock
from scop.journal import lease
from scop.journal.store import JournalStore, is_unavailable
from scop.models.entries import Operator
from scop.protocols.crew_feed import CrewFeedClient, FeedStats
from scop.protocols.pp_link import LinkConfig, PPLink
from scop.room import Room, open_room, settle_heap

log = logging.getLogger(__name__)

GATEWAY_OPERATOR = Operator("Passerelle de la salle", "system", "service:passerelle")
PP_STATES = {"ok": "ok", "warning": "degraded", "error": "down"}

StateListener = Callable[[str], None]  # French line for the gateway's own log / terminal


class Gateway:
    def __init__(
        self,
        store: JournalStore,
        clock: Clock,
        *,
        name: str,
        pp: LinkConfig | None = None,
        feed_url: str | None = None,
        ttl: float = lease.DEFAULT_TTL,
        heartbeat: float = 1.0,
        on_state: StateListener | None = None,
    ) -> None:
        if pp is None and not feed_url:
            raise ValueError("une passerelle porte au moins un lien (PP ou flux équipages)")
        self.store = store
        self.clock = clock
        self.name = name
        self.pp = pp
        self.feed_url = feed_url
        self.ttl = ttl
        self.heartbeat = heartbeat
        self.on_state = on_state
        self.epoch: int | None = None
        self.room: Room | None = None
        self.link: PPLink | None = None
        self.feed: CrewFeedClient | None = None
        self.links: lease.LinkStates = {}
        self.fatal: str | None = None

    def _say(self, text: str) -> None:
        log.info("%s", text)
        if self.on_state is not None:
            self.on_state(text)

    async def run(self) -> None:
        """Wait for the lease, carry the links while it holds, wait again if it is lost."""
        while True:
            epoch = await self._wait_for_lease()
            try:
                await self._serve(epoch)
            finally:
                self.epoch = None
            if self.fatal:
                return

    async def _wait_for_lease(self) -> int:
        waiting_for: str | None = None
        while True:
            try:
                epoch = await asyncio.to_thread(
                    lease.acquire, self.store.write_engine, self.name, self.clock.now(), self.ttl
                )
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                log.warning("passerelle %s : base indisponible, nouvel essai", self.name)
                epoch = None
            if epoch is not None:
                self._say(f"Passerelle {self.name} active (époque {epoch})")
                return epoch
            with contextlib.suppress(Exception):
                # A standby keeps its fold of the journal current while it waits: a takeover
                # then costs one sync, not the fold of a whole day's journal.
                await asyncio.to_thread(self._fold)
            with contextlib.suppress(Exception):
                current = lease.read_lease(self.store.engine)
                if current is not None and current.holder != waiting_for:
                    waiting_for = current.holder
                    self._say(f"Passerelle {self.name} en attente : {waiting_for} est active")
            await asyncio.sleep(self.heartbeat)

    def _fold(self) -> Room:
        if self.room is None:
            self.room = open_room(self.store, self.clock, GATEWAY_OPERATOR, workstation=self.name)
        else:
            self.room.sync()
        return self.room

    async def _serve(self, epoch: int) -> None:
        self.epoch = epoch
        while True:  # the database may be down at the very moment of the takeover
            try:
                room = await asyncio.to_thread(self._fold)
                break
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                await asyncio.sleep(self.heartbeat)
        settle_heap()
        tasks: list[asyncio.Task[Any]] = []
        if self.pp is not None:
            self.links["pp"] = ("degraded", "Lien PP : démarrage")
            self.link = PPLink(room, self.pp, listener=self._pp_state)
            tasks.append(asyncio.create_task(self.link.run()))
        if self.feed_url:
            self.links["feed"] = ("degraded", "Flux équipages : connexion…")
            self.feed = CrewFeedClient(room, self.feed_url, on_state=self._feed_state)
            tasks.append(asyncio.create_task(self.feed.run()))
        try:
            await self._hold(room, epoch, tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.link = None
            self.feed = None

    async def _hold(self, room: Room, epoch: int, tasks: list[asyncio.Task[Any]]) -> None:
        renewed = time.monotonic()
        try:
            while True:
                await asyncio.sleep(self.heartbeat)
                if self.link is not None and self.link.fatal:
                    self.fatal = self.link.fatal
                    self._say(f"Passerelle {self.name} : lien PP arrêté : {self.fatal}")
                    return
                for t in tasks:
                    if t.done() and not t.cancelled() and t.exception() is not None:
                        raise t.exception()  # type: ignore[misc]
                try:
                    held = await asyncio.to_thread(
                        lease.renew,
                        self.store.write_engine,
                        self.name,
                        epoch,
                        self.clock.now(),
                        dict(self.links),
                    )
                    room.sync()  # crews created by consoles: the feed checks call signs
                except Exception as exc:
                    if not is_unavailable(exc):
                        raise
                    log.warning("passerelle %s : base indisponible", self.name)
                    if time.monotonic() - renewed > 0.8 * self.ttl:
                        # Fence ourselves before a standby may take the lease over: two
                        # gateways on the PP link at once is what the lease exists to prevent.
                        self._say(
                            f"Passerelle {self.name} : bail non renouvelé (base injoignable), "
                            "liens arrêtés"
                        )
                        return
                    continue
                renewed = time.monotonic()
                if not held:
                    self._say(f"Passerelle {self.name} : le bail a été repris, liens arrêtés")
                    return
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                stopped = {
                    k: ("off", v[1].split(" :")[0] + " : arrêté") for k, v in self.links.items()
                }
                lease.release(self.store.write_engine, self.name, epoch, stopped)
            raise

    def _pp_state(self, state: str, text: str) -> None:
        self.links["pp"] = (PP_STATES.get(state, "off"), text)

    def _feed_state(self, state: str, text: str, _stats: FeedStats) -> None:
        self.links["feed"] = (state, text)
