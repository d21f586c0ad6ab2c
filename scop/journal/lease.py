"""The gateway lease: which ``scop gateway`` carries the room's links, and whether it lives.

One row in the room's database (so it works on SQLite as on PostgreSQL, and fails over with the
database). The holder renews it every second with its links' states; a lease whose heartbeat is
older than its time to live has no living holder, and a standby may take it over, which bumps
the epoch. Renewing checks the epoch, so a holder that was taken over learns it at its next
renewal and stops its links. Consoles read the same row to show who carries the links.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from scop.clock import from_iso, local, to_iso
from scop.journal.tables import gateway_lease

DEFAULT_TTL = 5.0  # seconds without a heartbeat before a standby takes over
LinkStates = dict[str, tuple[str, str]]  # link key -> (ok|degraded|down|off, French text)

# The heartbeat of a gateway that stopped cleanly: long stale, so a standby takes over at once.
STOPPED = datetime(2000, 1, 1, tzinfo=UTC)

_SELECT = select(gateway_lease).where(gateway_lease.c.id == 1)


@dataclass(frozen=True, slots=True)
class Lease:
    holder: str
    epoch: int
    since: datetime
    heartbeat: datetime
    ttl: float
    links: LinkStates

    def alive(self, now: datetime) -> bool:
        return now - self.heartbeat <= timedelta(seconds=self.ttl)


def _row_to_lease(r: Any) -> Lease:
    try:
        raw = json.loads(r.links)
        links = {str(k): (str(v[0]), str(v[1])) for k, v in raw.items()}
    except (ValueError, TypeError, IndexError, AttributeError):
        links = {}
    return Lease(
        r.holder, int(r.epoch), from_iso(r.since), from_iso(r.heartbeat), float(r.ttl), links
    )


def read_lease(engine: Engine) -> Lease | None:
    with engine.connect() as conn:
        row = conn.execute(_SELECT).first()
    return None if row is None else _row_to_lease(row)


def acquire(
    write_engine: Engine, holder: str, now: datetime, ttl: float = DEFAULT_TTL
) -> int | None:
    """Take the lease if nobody holds it or its holder went silent; returns the new epoch, or
    None while another gateway is alive. ``write_engine`` serialises (BEGIN IMMEDIATE on
    SQLite, row lock on PostgreSQL) so two standbys never both win."""
    stamp = to_iso(now)
    with write_engine.begin() as conn:
        row = conn.execute(_SELECT.with_for_update()).first()
        if row is None:
            conn.execute(
                insert(gateway_lease).values(
                    id=1, holder=holder, epoch=1, since=stamp, heartbeat=stamp, ttl=ttl, links="{}"
                )
            )
            return 1
        current = _row_to_lease(row)
        if current.alive(now) and current.holder != holder:
            return None
        epoch = current.epoch + 1
        conn.execute(
            update(gateway_lease)
            .where(gateway_lease.c.id == 1)
            .values(holder=holder, epoch=epoch, since=stamp, heartbeat=stamp, ttl=ttl, links="{}")
        )
        return epoch


def renew(write_engine: Engine, holder: str, epoch: int, now: datetime, links: LinkStates) -> bool:
    """False when another gateway took the lease over: the caller must stop its links."""
    return _update_held(write_engine, holder, epoch, now, links)


def release(write_engine: Engine, holder: str, epoch: int, links: LinkStates) -> None:
    """A clean stop: the heartbeat goes back to the epoch so that a standby takes over at once,
    and consoles show the links as stopped."""
    _update_held(write_engine, holder, epoch, STOPPED, links)


def _update_held(
    write_engine: Engine, holder: str, epoch: int, heartbeat: datetime, links: LinkStates
) -> bool:
    with write_engine.begin() as conn:
        result = conn.execute(
            update(gateway_lease)
            .where(
                gateway_lease.c.id == 1,
                gateway_lease.c.holder == holder,
                gateway_lease.c.epoch == epoch,
            )
            .values(
                heartbeat=to_iso(heartbeat),
                links=json.dumps({k: list(v) for k, v in links.items()}, ensure_ascii=False),
            )
        )
        return bool(result.rowcount == 1)


@dataclass(frozen=True, slots=True)
class GatewayView:
    """What a console's status bar shows of the gateway: one line per link, each with a state
    (ok, degraded, down, off) as ``MainWindow.set_link_state`` takes it."""

    active: bool
    gateway: tuple[str, str]
    pp: tuple[str, str]
    feed: tuple[str, str]


def describe(lease: Lease | None, now: datetime) -> GatewayView | None:
    """None when the room has never had a gateway (the console then carries its own links).
    Short texts: the status bar shares its width with the clock, the operator and the base."""
    if lease is None:
        return None
    if not lease.alive(now):
        if lease.heartbeat <= STOPPED:
            why = f"{lease.holder} arrêtée"
        else:
            why = f"{lease.holder} muette depuis {local(lease.heartbeat).strftime('%H:%M:%S')}"
        return GatewayView(
            False,
            ("down", f"ALARME : aucune passerelle ({why})"),
            ("down", "Lien PP : coupé"),
            ("down", "Flux équipages : coupé"),
        )
    since = local(lease.since).strftime("%H:%M:%S")
    pp = lease.links.get("pp", ("off", "Lien PP : pas sur la passerelle"))
    feed = lease.links.get("feed", ("off", "Flux équipages : pas sur la passerelle"))
    return GatewayView(
        True,
        ("ok", f"Passerelle {lease.holder} depuis {since}"),
        (pp[0], _short(pp[1])),
        (feed[0], _short(feed[1])),
    )


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
