"""The crew simulator of the demo: a websocket server sending GEO-POS positions.

Patrolling crews follow the street centre lines of Paris from junction to junction at a
patrol pace; an engaged crew takes the shortest route along the streets to its event at an
urgent pace and, once there, reports on scene (a journal entry through the room, source
« équipage »); after a while on scene it reports back available. It is the same server for
the demo (in-process, loopback port), ``scop feed-sim`` and the tests, and the console
reads it with the real feed client.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import websockets
from websockets.asyncio.server import Server, ServerConnection

from scop.geo.area import bearing_deg, haversine_m
from scop.geo.streets import StreetNetwork
from scop.models.entities import PositionFix
from scop.models.entries import CREW_SIMULATOR
from scop.models.state import RoomState
from scop.models.vocabulary import CrewMode, CrewStatus, Source
from scop.protocols.crew_feed import encode_positions
from scop.room import CommandRefused, Room

log = logging.getLogger("scop.feed_sim")

PATROL_SPEED: dict[str, float] = {
    CrewMode.PIED: 1.2,
    CrewMode.VELO: 3.5,
    CrewMode.VEHICULE: 5.0,
}  # m/s
URGENT_SPEED: dict[str, float] = {CrewMode.PIED: 1.8, CrewMode.VELO: 5.0, CrewMode.VEHICULE: 9.0}
ON_SCENE_M = 30.0
DWELL_S = (150.0, 360.0)  # time on scene before reporting back available


@dataclass
class _SimCrew:
    lon: float
    lat: float
    heading: float = 0.0
    path: list[tuple[float, float]] = field(default_factory=list)
    street: int | None = None
    target_event: str | None = None
    on_scene_until: float | None = None  # simulated seconds
    reported: tuple[str, str | None] | None = None  # last status report: never twice


@dataclass
class StatusReport:
    call_sign: str
    status: CrewStatus  # SUR_LES_LIEUX or DISPONIBLE


class CrewSimulator:
    """Pure: given the room's state, advances every crew by ``dt`` seconds."""

    def __init__(self, streets: StreetNetwork | None = None, seed: int = 7) -> None:
        self.streets = streets
        self.rng = random.Random(seed)
        self.crews: dict[str, _SimCrew] = {}
        self.elapsed = 0.0

    def _leg(self, sc: _SimCrew) -> None:
        if self.streets is not None:
            n, pts = self.streets.next_leg((sc.lon, sc.lat), self.rng, sc.street)
            if pts:
                sc.street, sc.path = n, pts[1:] if len(pts) > 1 else pts
                return
        angle = self.rng.uniform(0, 2 * math.pi)
        sc.path = [(sc.lon + 0.004 * math.sin(angle), sc.lat + 0.003 * math.cos(angle))]

    def step(
        self, state: RoomState, now: datetime, dt: float
    ) -> tuple[list[PositionFix], list[StatusReport]]:
        self.elapsed += dt
        fixes: list[PositionFix] = []
        reports: list[StatusReport] = []
        for crew in state.crews.values():
            if crew.lon is None or crew.lat is None or crew.status == CrewStatus.HORS_SERVICE:
                continue
            sc = self.crews.get(crew.call_sign)
            if sc is None:
                sc = self.crews[crew.call_sign] = _SimCrew(crew.lon, crew.lat, crew.heading or 0.0)
            event = state.events.get(crew.event_id) if crew.event_id else None
            speed = 0.0
            if crew.status == CrewStatus.SUR_LES_LIEUX:
                if sc.on_scene_until is None:
                    sc.on_scene_until = self.elapsed + self.rng.uniform(*DWELL_S)
                elif self.elapsed >= sc.on_scene_until:
                    self._report(sc, reports, crew.call_sign, CrewStatus.DISPONIBLE, crew.event_id)
            elif (
                crew.status == CrewStatus.ENGAGE
                and event is not None
                and event.lon is not None
                and event.lat is not None
            ):
                sc.on_scene_until = None
                if sc.target_event != event.id:
                    target = (event.lon, event.lat)
                    route = (
                        self.streets.route((sc.lon, sc.lat), target)
                        if self.streets is not None
                        else [target]
                    )
                    sc.target_event, sc.path, sc.street = event.id, route, None
                speed = URGENT_SPEED.get(crew.mode, 1.8)
                self._advance(sc, speed * dt)
                if haversine_m(sc.lon, sc.lat, event.lon, event.lat) <= ON_SCENE_M:
                    self._report(sc, reports, crew.call_sign, CrewStatus.SUR_LES_LIEUX, event.id)
            elif crew.status in (CrewStatus.DISPONIBLE, CrewStatus.INDISPONIBLE):
                if sc.target_event is not None:
                    sc.target_event, sc.path = None, []
                sc.on_scene_until = None
                speed = PATROL_SPEED.get(crew.mode, 1.2) * (
                    0.3 if crew.status == CrewStatus.INDISPONIBLE else 1.0
                )
                self._advance(sc, speed * dt)
            fixes.append(
                PositionFix(
                    crew.call_sign,
                    now,
                    round(sc.lon, 6),
                    round(sc.lat, 6),
                    round(sc.heading, 1),
                    speed,
                )
            )
        return fixes, reports

    @staticmethod
    def _report(
        sc: _SimCrew,
        reports: list[StatusReport],
        call_sign: str,
        status: CrewStatus,
        event_id: str | None,
    ) -> None:
        if sc.reported != (status, event_id):
            sc.reported = (status, event_id)
            reports.append(StatusReport(call_sign, status))

    def _advance(self, sc: _SimCrew, metres: float) -> None:
        guard = 0
        while metres > 0.01 and guard < 50:
            guard += 1
            if not sc.path:
                if sc.target_event is not None:
                    return
                self._leg(sc)
                if not sc.path:
                    return
            tlon, tlat = sc.path[0]
            d = haversine_m(sc.lon, sc.lat, tlon, tlat)
            if d > 0.5:
                sc.heading = bearing_deg(sc.lon, sc.lat, tlon, tlat)
            if d <= metres:
                sc.lon, sc.lat = tlon, tlat
                sc.path.pop(0)
                metres -= d
            else:
                f = metres / d
                sc.lon += (tlon - sc.lon) * f
                sc.lat += (tlat - sc.lat) * f
                return


class FeedSimulatorServer:
    """Serves the simulator's positions to every connected client, once per ``period``.
    With ``report_statuses`` the crews' on-scene / available reports go into the room."""

    def __init__(
        self,
        room: Room,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        period: float = 1.0,
        simulator: CrewSimulator | None = None,
        report_statuses: bool = True,
    ) -> None:
        # Its reports are the simulator's, whoever is logged in at the console it runs in.
        self.room = room.acting_as(CREW_SIMULATOR)
        self.host = host
        self.port = port
        self.period = period
        self.simulator = simulator or CrewSimulator()
        self.report_statuses = report_statuses
        self.clients: set[ServerConnection] = set()
        self.sent = 0
        self._server: Server | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    async def start(self) -> str:
        self._server = await websockets.serve(self._handler, self.host, self.port)
        sock = next(iter(self._server.sockets))
        self.port = int(sock.getsockname()[1])
        log.info("simulateur du flux équipages sur %s", self.url)
        return self.url

    async def _handler(self, ws: ServerConnection) -> None:
        self.clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            self.clients.discard(ws)

    def broadcast(self, message: str) -> None:
        websockets.broadcast(self.clients, message)

    def tick(self, dt: float) -> list[PositionFix]:
        room = self.room
        with contextlib.suppress(Exception):
            room.sync()  # statuses written by the operators' workstations
        fixes, reports = self.simulator.step(room.state, room.clock.now(), dt)
        if self.report_statuses:
            self._report(reports)
        if fixes and self.clients:
            self.broadcast(encode_positions(fixes))
            self.sent += len(fixes)
        return fixes

    def _report(self, reports: list[StatusReport]) -> None:
        from scop import operations as ops

        for r in reports:
            try:
                if r.status == CrewStatus.SUR_LES_LIEUX:
                    ops.crew_on_scene(self.room, r.call_sign, source=Source.EQUIPAGE)
                else:
                    ops.set_crew_status(
                        self.room,
                        r.call_sign,
                        CrewStatus.DISPONIBLE,
                        "fin de mission, retour disponible",
                        source=Source.EQUIPAGE,
                    )
            except CommandRefused as exc:
                log.info("simulateur : %s", exc)

    async def run(self) -> None:
        if self._server is None:
            await self.start()
        loop = asyncio.get_running_loop()
        last = loop.time()
        try:
            while True:
                await asyncio.sleep(self.period)
                now = loop.time()
                try:
                    self.tick(now - last)
                except Exception:
                    log.exception("simulateur d'équipages : pas de mouvement ce tour-ci")
                last = now
        finally:
            await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


# -- scop feed-sim ------------------------------------------------------------------------


def register(sub: Any) -> None:
    p = sub.add_parser(
        "feed-sim",
        help="simulateur du flux de positions des équipages (websocket GEO-POS)",
        description="Sert les positions simulées des équipages de la base (par défaut la base "
        "de démonstration) sur un websocket local, au format GEO-POS, et inscrit "
        "en main courante les arrivées sur les lieux et retours disponibles.",
    )
    p.add_argument("--db", metavar="URL", help="base de la salle (défaut : base de démonstration)")
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port d'écoute (défaut 8765)")
    p.add_argument(
        "--period",
        type=float,
        default=1.0,
        help="secondes entre deux envois de positions (défaut 1)",
    )
    p.add_argument(
        "--no-status",
        action="store_true",
        help="ne pas inscrire les changements de statut en main courante",
    )
    p.add_argument(
        "--straight",
        action="store_true",
        help="déplacements en ligne droite (sans le réseau des voies)",
    )
    p.set_defaults(func=_cmd_feed_sim)


def _cmd_feed_sim(args: argparse.Namespace) -> int:
    """A simulator writes into a DÉMO or EXERCICE room only, and never makes one: its
    failures are ``scop``'s (one French line, the README's code), a typo in --db leaves no
    file behind."""
    from scop.clock import SystemClock
    from scop.config import default_db_url
    from scop.errors import DatabaseMissing, Exit, ScopError, UsageError, WrongMode
    from scop.geo.streets import default_network
    from scop.room import open_room
    from scop.room_admin import MODE_NAMES, existing_mode, open_held_room

    if args.period <= 0:
        raise UsageError("--period doit être positif", "Par exemple --period 1 (une seconde).")
    clock = SystemClock()
    hint = "Lancer d'abord la console en démo (« scop »), ou donner --db d'une salle d'exercice."
    try:
        store = open_held_room(args.db or default_db_url(), clock)
    except DatabaseMissing as exc:
        raise DatabaseMissing(exc.message, hint) from exc
    try:
        mode = existing_mode(store) or "live"
        if mode not in ("demo", "exercise"):
            raise WrongMode(
                "Cette base n'est pas une salle de démonstration ou d'exercice (mode : "
                f"{MODE_NAMES.get(mode, mode)}) : le simulateur n'écrit pas dans une salle réelle",
                hint,
            )
        room = open_room(store, clock, CREW_SIMULATOR, workstation="simulateur")
        if not room.state.crews:
            raise ScopError("Aucun équipage dans cette base", hint, code=Exit.REFUSED)
        sim = CrewSimulator(None if args.straight else default_network().prepare())
        server = FeedSimulatorServer(
            room,
            host=args.host,
            port=args.port,
            period=args.period,
            simulator=sim,
            report_statuses=not args.no_status,
        )

        async def main() -> None:
            url = await server.start()
            print(f"Simulateur du flux équipages : {url} ({len(room.state.crews)} équipages)")
            await server.run()

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
        return 0
    finally:
        store.close()
