"""Time is injected: live operation, replay and tests each hand the code their own clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


_TICK = timedelta(microseconds=1)


class SystemClock:
    """Wall-clock time, never going backwards within the process."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Read before taking the lock: two threads get distinct, increasing times in the
        order they take it. The read and the ``return`` inside the lock cost three quarters of
        a microsecond more, and the PP link reads the clock six times a message."""
        t = datetime.now(UTC)
        with self._lock:
            last = self._last
            if t <= last:
                t = last + _TICK
            self._last = t
        return t


class ManualClock:
    """A clock that only moves when told to: tests and replay drive it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")

    def now(self) -> datetime:
        return self._now

    def set(self, t: datetime) -> None:
        self._now = t.astimezone(UTC)

    def advance(self, seconds: float = 0.0, **kw: float) -> datetime:
        self._now += timedelta(seconds=seconds, **kw)
        return self._now


_ISO_SECONDS: dict[int, str] = {}


def to_iso(t: datetime) -> str:
    """The journal's one timestamp format: UTC, microseconds, explicit offset (what
    ``isoformat(timespec="microseconds")`` writes of the UTC time, tests/unit/test_clock.py).

    The text up to the second is kept per second: ``isoformat`` took 1.9 µs, and each message
    of the PP link wrote three (the entry's time when sealed and when stored, the expiry)."""
    if t.tzinfo is None:
        raise ValueError("naive datetime in the journal")
    u = t.astimezone(UTC)
    second = u.toordinal() * 86400 + u.hour * 3600 + u.minute * 60 + u.second
    head = _ISO_SECONDS.get(second)
    if head is None:
        if len(_ISO_SECONDS) > 256:
            _ISO_SECONDS.clear()
        head = _ISO_SECONDS[second] = (
            f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}"
        )
    return f"{head}.{u.microsecond:06d}+00:00"


def from_iso(s: str) -> datetime:
    return datetime.fromisoformat(s).astimezone(UTC)


def local(t: datetime) -> datetime:
    """Paris time, as operators read it."""
    return t.astimezone(PARIS)
