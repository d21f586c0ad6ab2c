"""The journal's timestamp text: ``to_iso`` writes what ``isoformat`` writes of the UTC time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scop.clock import PARIS, from_iso, to_iso

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
