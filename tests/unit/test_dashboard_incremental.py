"""The dashboard's running aggregates give exactly what a recomputation from scratch gives
(scop.reports.dashboard.compute), after random appends, with windows that slide and cut an
hour, and after a seek back (the dock rebuilds them when ``behind`` says so)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scop.models.entries import GENESIS_HASH, SYSTEM, Draft, Entry, seal
from scop.models.projection import Projection
from scop.models.state import RoomState
from scop.replay.generate import GenEntry, generate_shift
from scop.reports.dashboard import Aggregates, Dashboard, compute

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _extras(items: Any) -> Any:
    """What the generator rarely or never writes: PP messages sent before and inside the
    window, one acknowledged twice; a crew ending its duty; an event created at a whole hour."""
    n = 0
    for item in items:
        yield item
        if not isinstance(item, GenEntry):
            continue
        n += 1
        t = item.ts + timedelta(microseconds=1)
        if n % 97 == 0:
            d = f"SCOP-X{n}"
            yield GenEntry(t, Draft("pp.message_sent", {"distribution_id": d}), SYSTEM)
            if n % 2:
                ack = Draft("pp.ack_received", {"distribution_id": d, "step": "RECU"}, "pp")
                yield GenEntry(t + timedelta(seconds=90), ack, SYSTEM)
                yield GenEntry(t + timedelta(seconds=95), ack, SYSTEM)
        if n == 700:
            yield GenEntry(t, Draft("crew.duty_ended", {"call_sign": "V01-1"}), SYSTEM)
        if n == 900:
            hour = (t + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
            p = {"id": "EV-HOUR", "category": "ASB", "title": "Tapage", "gravity": 1}
            yield GenEntry(hour, Draft("event.created", p, "dansmarue"), SYSTEM)


@pytest.fixture(scope="module")
def journal() -> tuple[list[Entry], RoomState]:
    """The entries of a generated shift, and the room's state at its end (both ways read
    the open events from the state the same way: only the journal's fold is compared)."""
    items = generate_shift(
        START, hours=7, crews=30, events_per_hour=60, fix_period=3600, notes_per_hour=20, seed=11
    )
    gen = sorted((i for i in _extras(items) if isinstance(i, GenEntry)), key=lambda g: g.ts)
    entries: list[Entry] = []
    prev = GENESIS_HASH
    for i, g in enumerate(gen, 1):
        e = seal(i, g.ts, g.author, g.draft, prev)
        prev = e.hash
        entries.append(e)
    proj = Projection()
    proj.apply_all(entries)
    return entries, proj.state


def _view(d: Dashboard) -> tuple[Any, ...]:
    """Every figure, with the order the charts draw them in (ids per bar in any order)."""
    return (
        d.start,
        d.end,
        d.hours,
        list(d.by_category.items()),
        list(d.by_source.items()),
        dict(d.events_by_bin),
        list(d.open_by_gravity.items()),
        list(d.crews_by_status.items()),
        d.delays,
        d.acks,
        d.overdue,
        d.delay_samples,
        sorted(d.delay_events),
    )


def _check(agg: Aggregates, entries: list[Entry], state: RoomState, end: datetime,
           rng: random.Random) -> None:  # fmt: skip
    for _ in range(3):  # a few windows over the same fold: they slide, cut an hour or not
        back = rng.choice([timedelta(hours=12), timedelta(hours=3),
                           timedelta(seconds=rng.randrange(1, 8 * 3600))])  # fmt: skip
        start = end - back
        if rng.random() < 0.3:
            start = start.replace(minute=0, second=0, microsecond=0)
        want = compute(entries, state, start, end)
        assert _view(agg.dashboard(state, start, end)) == _view(want)


def test_incremental_equals_a_full_recomputation(
    journal: tuple[list[Entry], RoomState],
) -> None:
    entries, state = journal
    assert {"crew.rerouted", "pp.ack_received", "crew.duty_ended"} <= {e.kind for e in entries}
    rng = random.Random(4)
    agg = Aggregates()
    seen: list[Entry] = []  # the dock's list, growing as entries are appended
    while len(seen) < len(entries):
        seen += entries[len(seen) : len(seen) + rng.choice([1, 3, 40, 400, 1500])]
        # the instant: at the last entry, or later (live, nothing new for a while)
        end = seen[-1].ts + rng.choice([timedelta(0), timedelta(seconds=rng.randrange(1, 5000))])
        if len(seen) < len(entries) and entries[len(seen)].ts <= end:
            end = seen[-1].ts
        assert not agg.behind(end)
        agg.fold(seen, end)
        assert agg.folded == len(seen)
        _check(agg, seen, state, end, rng)
    d = agg.dashboard(state, entries[-1].ts - timedelta(hours=12), entries[-1].ts)
    assert d.acks
    assert d.delays
    assert sum(d.by_category["ASB"]) > 10

    whole_hour = next(e.ts for e in entries if e.payload.get("id") == "EV-HOUR")
    seeks = [rng.choice(entries).ts for _ in range(8)]
    before = entries[0].ts - timedelta(hours=1)
    # back and forth over the whole journal: rewound to the hour, or cleared before it
    for end in [seeks[0], entries[-1].ts, whole_hour, seeks[1], before, *seeks[2:], seeks[0]]:
        if agg.behind(end):
            agg.rewind(entries, end)
            assert not agg.behind(end)
        agg.fold(entries, end)
        _check(agg, entries, state, end, rng)
    assert agg.behind(entries[0].ts)
