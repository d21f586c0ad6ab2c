"""The journal's timestamp text: ``to_iso`` writes what ``isoformat`` writes of the UTC time; the
system clock never gives the same time twice nor goes back, from one thread or several."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scop.clock
from scop.clock import PARIS, SystemClock, from_iso, to_iso

zones = st.sampled_from([UTC, PARIS, timezone(timedelta(hours=-9, minutes=-30))])


@settings(max_examples=3000, deadline=None)
@given(st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=zones))
def test_to_iso_is_isoformat_of_the_utc_time(t: datetime) -> None:
    text = to_iso(t)
    assert text == t.astimezone(UTC).isoformat(timespec="microseconds")
    assert from_iso(text) == t.astimezone(UTC)


def test_to_iso_within_one_second_and_across_seconds() -> None:
    """The kept text of a second is never another second's: every microsecond of a second
    boundary, both ways, in one run."""
    base = datetime(2026, 12, 1, 6, 28, 29, 999_990, tzinfo=UTC)
    for us in range(20):
        t = base + timedelta(microseconds=us)
        assert to_iso(t) == t.isoformat(timespec="microseconds")
        assert to_iso(t.astimezone(PARIS)) == t.isoformat(timespec="microseconds")


def test_to_iso_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_iso(datetime(2026, 12, 1, 6, 28, 30))


class _StuckWall(datetime):
    """A wall clock that stands still, then steps back a second (an NTP correction)."""

    readings = [datetime(2026, 12, 1, 11, 0, tzinfo=UTC)] * 3 + [
        datetime(2026, 12, 1, 10, 59, 59, tzinfo=UTC)
    ]

    @classmethod
    def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
        return cls.readings.pop(0)


def test_system_clock_never_repeats_nor_goes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scop.clock, "datetime", _StuckWall)
    clock = SystemClock()
    times = [clock.now() for _ in range(4)]
    start = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert times == [start + timedelta(microseconds=us) for us in range(4)]


def test_system_clock_gives_threads_distinct_times() -> None:
    clock = SystemClock()
    seen: list[list[datetime]] = [[] for _ in range(4)]

    def read(out: list[datetime]) -> None:
        for _ in range(3000):
            out.append(clock.now())

    threads = [threading.Thread(target=read, args=(out,)) for out in seen]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for out in seen:
        assert out == sorted(out)
    everything = [t for out in seen for t in out]
    assert len(set(everything)) == len(everything)
