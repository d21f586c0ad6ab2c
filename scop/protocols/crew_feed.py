"""The crew position feed: a websocket client that turns GEO-POS messages into fixes.

Messages follow the GEO-POS schema of the French interoperability hub
(``resources/interop/json-schema/GEO-POS.schema.json``): ``{"position": [...]}`` with, for
each crew, ``resourceId`` (``<org>.resource.<call sign>``), ``datetime``, ``coord``
(``lat``, ``lon``), optionally ``speed`` (km/h) and ``cap`` (degrees).

The same websocket carries the crews' **signals**, one per message, sent when an agent presses
a button on the radio or the TPH (terminal portable)::

    {"signal": {"resourceId": "fr.paris.dpmp.resource.P11",
                "datetime": "2026-11-23T14:30:05+01:00",
                "kind": "AGENT_EN_DANGER",
                "coord": {"lat": 48.8531, "lon": 2.3692}}}

``kind`` is one of :data:`SIGNAL_KINDS`: ``AGENT_EN_DANGER`` (the emergency button: raises
the « agent en danger » alert on every console of the room), ``FIN_ALERTE`` (the crew
cancels: false alarm, journaled, the chief still closes the alert) and
``ACCUSE_ENGAGEMENT`` (the crew acknowledges its engagement). ``coord`` is optional (the
crew's last position is used without it). Signals are recorded at once, not batched, under
the feed's own identity (« Flux équipages »). A signal for an unknown crew, of an unknown
kind or malformed is refused and counted like a refused position.

Bad input never stops the feed: each position is checked on its own (schema, known crew,
inside Paris) and a refused one is counted and logged with the reason, while the rest of
the message goes through. Fixes are written in batches (every 250 ms) so that a burst of
positions costs one transaction, and a batch that cannot be written stays queued for the
next flush: nothing received is dropped for a database hiccup.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import websockets

from scop.geo.area import in_paris
from scop.models.entities import PositionFix
from scop.resources import resource_path
from scop.room import CommandRefused, Room
from scop.safety import commands as sc

log = logging.getLogger("scop.feed")

RESOURCE_PREFIX = "fr.paris.dpmp.resource."  # how the DPMP names its crews in GEO-POS
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
MAX_AHEAD_S = 300.0  # sender's clock ahead of ours by more than this: refused


SIGNAL_KINDS: dict[str, str] = {
    "AGENT_EN_DANGER": "agent en danger",
    "FIN_ALERTE": "annulation de l'alerte par l'équipage",
    "ACCUSE_ENGAGEMENT": "accusé de réception d'engagement",
}


@dataclass(frozen=True, slots=True)
class CrewSignal:
    call_sign: str
    kind: str  # a key of SIGNAL_KINDS
    ts: datetime
    lon: float | None = None
    lat: float | None = None


def resource_id(call_sign: str) -> str:
    return RESOURCE_PREFIX + call_sign


@cache
def _position_validator() -> Any:
    schema = json.loads(
        resource_path("interop", "json-schema", "GEO-POS.schema.json").read_text(encoding="utf-8")
    )
    one = {"$ref": "#/definitions/position", "definitions": schema["definitions"]}
    return jsonschema_rs.Draft7Validator(one)


@dataclass
class ParseResult:
    fixes: list[PositionFix] = field(default_factory=list)
    unknown_crew: list[str] = field(default_factory=list)
    outside_area: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    signals: list[CrewSignal] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.unknown_crew + self.outside_area + self.malformed


def parse_message(
    raw: str | bytes, known: Callable[[str], bool], now: datetime | None = None
) -> ParseResult:
    """Fixes from one feed message, and a French message for each position refused.

    With ``now``, a position dated more than ``MAX_AHEAD_S`` ahead is refused: the fold
    keeps the newest fix per crew, so one fix from a sender whose clock runs fast would
    hide every true position that follows it."""
    out = ParseResult()
    try:
        msg = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        out.malformed.append(f"message illisible (JSON invalide : {exc})")
        return out
    if isinstance(msg, dict) and "signal" in msg:
        _parse_signal(msg, known, out)
        return out
    if not isinstance(msg, dict) or not isinstance(msg.get("position"), list):
        out.malformed.append("message sans liste « position » : ignoré")
        return out
    extra = set(msg) - {"position"}
    if extra:
        out.malformed.append(f"message avec des champs inconnus {sorted(extra)} : ignoré")
        return out
    validator = _position_validator()
    for n, item in enumerate(msg["position"]):
        errors = list(validator.iter_errors(item))
        if errors:
            where = f"position n° {n + 1}"
            if isinstance(item, dict) and isinstance(item.get("resourceId"), str):
                where += f" ({item['resourceId']})"
            out.malformed.append(f"{where} invalide : {errors[0].message}")
            continue
        rid: str = item["resourceId"]
        call_sign = rid.rsplit(".resource.", 1)[-1]
        try:
            ts = datetime.fromisoformat(item["datetime"])
        except ValueError:
            out.malformed.append(f"{call_sign} : date invalide {item['datetime']!r}")
            continue
        if now is not None and (ts - now).total_seconds() > MAX_AHEAD_S:
            out.malformed.append(
                f"{call_sign} : position datée de {item['datetime']}, dans le futur "
                "(horloge de l'émetteur ?) : refusée"
            )
            continue
        lon, lat = float(item["coord"]["lon"]), float(item["coord"]["lat"])
        if not known(call_sign):
            out.unknown_crew.append(
                f"position d'un équipage qui n'est pas en service : {call_sign} ({rid})"
            )
            continue
        if not in_paris(lon, lat):
            out.outside_area.append(
                f"{call_sign} : position hors de Paris ({lat:.5f}, {lon:.5f}) refusée"
            )
            continue
        speed = item.get("speed")
        out.fixes.append(
            PositionFix(
                call_sign,
                ts,
                lon,
                lat,
                float(item["cap"]) % 360.0 if item.get("cap") is not None else None,
                float(speed) / 3.6 if speed is not None else None,
            )
        )
    return out


def _parse_signal(msg: dict[str, Any], known: Callable[[str], bool], out: ParseResult) -> None:
    sig = msg["signal"]
    if set(msg) != {"signal"} or not isinstance(sig, dict):
        out.malformed.append("signal mal formé (un seul objet « signal » attendu) : ignoré")
        return
    rid, kind, when = sig.get("resourceId"), sig.get("kind"), sig.get("datetime")
    if not isinstance(rid, str) or ".resource." not in rid:
        out.malformed.append("signal sans « resourceId » d'équipage : ignoré")
        return
    call_sign = rid.rsplit(".resource.", 1)[-1]
    if kind not in SIGNAL_KINDS:
        out.malformed.append(f"{call_sign} : signal de type inconnu {kind!r} : ignoré")
        return
    try:
        ts = datetime.fromisoformat(str(when))
    except ValueError:
        out.malformed.append(f"{call_sign} : signal à la date invalide {when!r}")
        return
    if ts.tzinfo is None:
        out.malformed.append(f"{call_sign} : signal daté sans fuseau horaire {when!r}")
        return
    if not known(call_sign):
        out.unknown_crew.append(f"signal d'un équipage inconnu : {call_sign} ({rid})")
        return
    lon = lat = None
    coord = sig.get("coord")
    if isinstance(coord, dict):
        try:
            lon, lat = float(coord["lon"]), float(coord["lat"])
        except (KeyError, TypeError, ValueError):
            lon = lat = None
        if lon is not None and lat is not None and not in_paris(lon, lat):
            lon = lat = None  # the alert still goes: the crew's last position stands in
    out.signals.append(CrewSignal(call_sign, str(kind), ts, lon, lat))


def encode_signal(
    call_sign: str, kind: str, ts: datetime, lon: float | None = None, lat: float | None = None
) -> str:
    """A signal message (the simulator's side, the tests' and the benchmark's)."""
    sig: dict[str, Any] = {
        "resourceId": resource_id(call_sign),
        "datetime": ts.isoformat(timespec="seconds"),
        "kind": kind,
    }
    if lon is not None and lat is not None:
        sig["coord"] = {"lat": round(lat, 6), "lon": round(lon, 6)}
    return json.dumps({"signal": sig}, separators=(",", ":"))


def encode_positions(fixes: Sequence[PositionFix]) -> str:
    """A GEO-POS message for ``fixes`` (the simulator's side, and the tests')."""
    items = []
    for f in fixes:
        item: dict[str, Any] = {
            "resourceId": resource_id(f.call_sign),
            "datetime": f.ts.isoformat(timespec="seconds"),
            "coord": {"lat": round(f.lat, 6), "lon": round(f.lon, 6)},
            "move": "MOBILE" if (f.speed or 0) > 0.2 else "STATIQUE",
        }
        if f.speed is not None:
            item["speed"] = round(f.speed * 3.6, 1)
        if f.heading is not None:
            item["cap"] = round(f.heading, 1)
        items.append(item)
    return json.dumps({"position": items}, separators=(",", ":"))


def check_url(url: str) -> str:
    """Plain ``ws://`` only on loopback: positions of police crews do not cross a network
    in clear. Returns the URL, or raises ValueError with the reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise ValueError(f"flux équipages : URL {url!r} non websocket (ws:// ou wss://)")
    if parts.scheme == "ws" and (parts.hostname or "") not in LOOPBACK_HOSTS:
        raise ValueError(
            f"flux équipages : ws:// en clair refusé hors boucle locale ({url}); utilisez wss://"
        )
    return url


@dataclass
class FeedStats:
    messages: int = 0
    fixes_received: int = 0
    fixes_recorded: int = 0
    unknown_crew: int = 0
    outside_area: int = 0
    malformed: int = 0
    connects: int = 0
    last_problem: str = ""

    @property
    def refused(self) -> int:
        return self.unknown_crew + self.outside_area + self.malformed


StateListener = Callable[[str, str, FeedStats], None]  # state, French text, stats


class CrewFeedClient:
    """Connects, reads, validates, batches into ``room.record_positions``; reconnects with
    exponential backoff. ``run()`` only returns when cancelled."""

    def __init__(
        self,
        room: Room,
        url: str,
        *,
        flush_interval: float = 0.25,
        backoff_min: float = 0.5,
        backoff_max: float = 15.0,
        on_state: StateListener | None = None,
    ) -> None:
        self.room = room
        self.url = check_url(url)
        self.flush_interval = flush_interval
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.on_state = on_state
        self.stats = FeedStats()
        self.state = "off"
        self.pending: list[PositionFix] = []
        self.pending_since: float | None = None  # monotonic arrival of the oldest pending fix
        self.flush_listeners: list[Callable[[list[PositionFix], float], None]] = []
        self.signal_listeners: list[Callable[[CrewSignal], None]] = []
        self.pending_signals: list[CrewSignal] = []
        self._rng = random.Random()

    # -- state ---------------------------------------------------------------------------

    def _set_state(self, state: str) -> None:
        self.state = state
        if self.on_state is not None:
            try:
                self.on_state(state, self.status_text(), self.stats)
            except Exception:
                log.exception("flux équipages : affichage de l'état impossible")

    def status_text(self) -> str:
        s = self.stats
        base = {
            "ok": "Flux équipages connecté",
            "down": "Flux équipages coupé",
            "degraded": "Flux équipages : reconnexion",
            "off": "Flux équipages arrêté",
        }
        text = base.get(self.state, "Flux équipages")
        if s.unknown_crew:
            text += f" — {s.unknown_crew} position(s) d'équipages non en service"
        other = s.refused - s.unknown_crew
        if other:
            text += f" — {other} position(s) refusée(s)"
        return text

    def _refresh_state(self) -> None:
        self._set_state(self.state)

    # -- receiving -----------------------------------------------------------------------

    def handle(self, raw: str | bytes) -> ParseResult:
        """Parse one message and queue its fixes; also usable without a socket."""
        crews = self.room.state.crews
        result = parse_message(raw, crews.__contains__, self.room.clock.now())
        s = self.stats
        s.messages += 1
        s.fixes_received += len(result.fixes)
        s.unknown_crew += len(result.unknown_crew)
        s.outside_area += len(result.outside_area)
        s.malformed += len(result.malformed)
        for problem in result.problems:
            log.warning("flux équipages : %s", problem)
            s.last_problem = problem
        if result.fixes:
            if not self.pending:
                self.pending_since = time.monotonic()
            self.pending.extend(result.fixes)
        for signal in result.signals:
            self.handle_signal(signal)
        if result.problems:
            self._refresh_state()
        return result

    def handle_signal(self, signal: CrewSignal) -> None:
        """Recorded at once under the feed's identity: an agent in danger does not wait for
        the next batch. One that cannot be written (database hiccup) is kept and retried at
        every flush: an alert is never dropped."""
        try:
            if signal.kind == "AGENT_EN_DANGER":
                sc.run_as(
                    self.room, sc.FEED, sc.raise_danger, signal.call_sign,
                    via="flux", lon=signal.lon, lat=signal.lat,
                )  # fmt: skip
            elif signal.kind == "FIN_ALERTE":
                sc.run_as(self.room, sc.FEED, sc.cancel_danger, signal.call_sign, via="flux")
            else:
                sc.run_as(self.room, sc.FEED, sc.confirm_engagement, signal.call_sign, via="flux")
        except CommandRefused as exc:
            log.warning("flux équipages : signal %s de %s : %s", signal.kind, signal.call_sign, exc)
            self.stats.last_problem = str(exc)
        except Exception:
            log.exception(
                "flux équipages : signal %s de %s non enregistré, nouvel essai",
                signal.kind,
                signal.call_sign,
            )
            self.pending_signals.append(signal)
            return
        for listener in list(self.signal_listeners):
            listener(signal)

    def flush(self) -> int:
        """Write what is queued in one transaction; on failure keep it for the next try."""
        if self.pending_signals:
            signals, self.pending_signals = self.pending_signals, []
            for signal in signals:
                self.handle_signal(signal)
        if not self.pending:
            return 0
        batch, since = self.pending, self.pending_since or time.monotonic()
        self.pending, self.pending_since = [], None
        try:
            self.room.record_positions(batch)
        except Exception:
            log.exception(
                "flux équipages : écriture de %d positions impossible, nouvel essai", len(batch)
            )
            self.pending = batch + self.pending
            self.pending_since = since
            return 0
        self.stats.fixes_recorded += len(batch)
        for listener in list(self.flush_listeners):
            listener(batch, since)
        return len(batch)

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            self.flush()

    async def run(self) -> None:
        flusher = asyncio.get_running_loop().create_task(self._flusher())
        delay = self.backoff_min
        try:
            while True:
                try:
                    async with websockets.connect(
                        self.url, max_size=MAX_MESSAGE_BYTES, open_timeout=5
                    ) as ws:
                        self.stats.connects += 1
                        delay = self.backoff_min
                        log.info("flux équipages connecté : %s", self.url)
                        self._set_state("ok")
                        async for raw in ws:
                            self.handle(raw)
                except asyncio.CancelledError:
                    raise
                except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                    log.warning(
                        "flux équipages %s : %s ; nouvelle tentative dans %.1f s",
                        self.url,
                        exc or type(exc).__name__,
                        delay,
                    )
                self.flush()
                self._set_state("down")
                await asyncio.sleep(delay * (0.8 + 0.4 * self._rng.random()))
                delay = min(self.backoff_max, delay * 2)
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            self.flush()
            self._set_state("off")
