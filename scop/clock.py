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


class SystemClock:
    """Wall-clock time, never going backwards within the process."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            t = datetime.now(UTC)
            if t <= self._last:
                t = self._last + timedelta(microseconds=1)
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


def to_iso(t: datetime) -> str:
    """The journal's one timestamp format: UTC, microseconds, explicit offset."""
    if t.tzinfo is None:
        raise ValueError("naive datetime in the journal")
    return t.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(s: str) -> datetime:
    return datetime.fromisoformat(s).astimezone(UTC)


def local(t: datetime) -> datetime:
    """Paris time, as operators read it."""
    return t.astimezone(PARIS)
