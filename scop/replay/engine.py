"""The state of the room at any instant of a recorded shift, fast enough to scrub through.

The fold is the live one (:class:`scop.models.projection.Projection`): the engine only keeps
snapshots of it every few hundred entries, and an index of crew positions per crew, so that
a seek costs one snapshot copy, a short fold and one bisection per crew, never a fold from
the start of the shift nor a scan of millions of position rows.

"The state at T" is exactly what a workstation following the journal live had folded at T:
every entry up to the last one written at or before T, and for each crew the latest position
fix at or before T, applied with the projection's own rule (an older fix never moves a crew).
"""

from __future__ import annotations

import gc
import json
import math
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from operator import le
from typing import Any

from scop.clock import from_iso
from scop.journal.store import JournalStore
from scop.models.entities import PositionFix
from scop.models.entries import Entry
from scop.models.projection import Projection
from scop.models.state import RoomState

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(t: datetime) -> int:
    """Microseconds since the epoch: exact, and cheap to compare and bisect."""
    return (t - _EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class _Track:
    __slots__ = ("heading", "ids", "lat", "lon", "pmax_id", "sorted", "ts")

    def __init__(self) -> None:
        self.ts = array("q")
        self.ids = array("q")
        self.lon = array("d")
        self.lat = array("d")
        self.heading = array("d")  # NaN when the feed gave none
        self.pmax_id = array("q")  # highest row id among the fixes up to each one
        self.sorted = True

    def add(self, fix_id: int, ts: int, lon: float, lat: float, heading: float | None) -> None:
        if self.ts and ts < self.ts[-1]:
            self.sorted = False
        self.ts.append(ts)
        self.ids.append(fix_id)
        self.lon.append(lon)
        self.lat.append(lat)
        self.heading.append(math.nan if heading is None else heading)

    def finish(self) -> None:
        if not self.sorted:
            # Stable: among fixes of the same instant, the later row stays last, as live.
            order = sorted(range(len(self.ts)), key=self.ts.__getitem__)
            self.ts = array("q", map(self.ts.__getitem__, order))
            self.ids = array("q", map(self.ids.__getitem__, order))
            self.lon = array("d", map(self.lon.__getitem__, order))
            self.lat = array("d", map(self.lat.__getitem__, order))
            self.heading = array("d", map(self.heading.__getitem__, order))
            self.sorted = True
        self.pmax_id = array("q", accumulate(self.ids, max))


class PositionIndex:
    """Every crew's track in compact arrays (2 million fixes take ~64 MB, not 1 GB of
    objects), bisected by time."""

    def __init__(self) -> None:
        self.tracks: dict[str, _Track] = {}
        self.count = 0

    def add(  # noqa: PLR0917  (one row of the table, in its column order)
        self, fix_id: int, call_sign: str, ts: int, lon: float, lat: float, heading: float | None
    ) -> None:
        track = self.tracks.get(call_sign)
        if track is None:
            track = self.tracks[call_sign] = _Track()
        track.add(fix_id, ts, lon, lat, heading)
        self.count += 1

    def add_fix(self, fix_id: int, fix: PositionFix) -> None:
        self.add(fix_id, fix.call_sign, to_us(fix.ts), fix.lon, fix.lat, fix.heading)

    def finish(self) -> None:
        for t in self.tracks.values():
            t.finish()

    @classmethod
    def load(cls, store: JournalStore, batch: int = 100_000) -> PositionIndex:
        """Read the whole ``crew_positions`` table through the driver's own cursor (the ORM
        would build two million row objects for nothing) into each crew's arrays. A feed
        stamps many fixes alike, so each distinct timestamp text is parsed once."""
        index = cls()
        stamps: dict[str, int] = {}
        appenders: dict[str, tuple[Any, ...]] = {}
        nan = math.nan
        raw = store.engine.raw_connection()
        gc_was_on = gc.isenabled()
        gc.disable()  # millions of short-lived tuples: the cyclic collector only slows us down
        try:
            cur = raw.cursor()
            cur.execute(
                "SELECT call_sign, id, ts, lon, lat, heading FROM crew_positions ORDER BY id"
            )
            while rows := cur.fetchmany(batch):
                for call_sign, fix_id, ts, lon, lat, heading in rows:
                    app = appenders.get(call_sign)
                    if app is None:
                        track = index.tracks[call_sign] = _Track()
                        app = appenders[call_sign] = (
                            track.ts.append,
                            track.ids.append,
                            track.lon.append,
                            track.lat.append,
                            track.heading.append,
                        )
                    us = stamps.get(ts)
                    if us is None:
                        if len(stamps) > 500_000:
                            stamps.clear()
                        us = stamps[ts] = to_us(datetime.fromisoformat(ts))
                    app[0](us)
                    app[1](fix_id)
                    app[2](lon)
                    app[3](lat)
                    app[4](nan if heading is None else heading)
                index.count += len(rows)
            cur.close()
        finally:
            raw.close()
            if gc_was_on:
                gc.enable()
        for track in index.tracks.values():
            track.sorted = all(map(le, track.ts, track.ts[1:]))
            track.finish()
        return index

    def latest(self, call_sign: str, t: int) -> tuple[int, float, float, float | None] | None:
        track = self.tracks.get(call_sign)
        if track is None:
            return None
        i = bisect_right(track.ts, t) - 1
        if i < 0:
            return None
        h = track.heading[i]
        return track.ts[i], track.lon[i], track.lat[i], None if math.isnan(h) else h

    def last_id(self, t: int) -> int:
        """The highest row id a live workstation had read at ``t``."""
        best = 0
        for track in self.tracks.values():
            i = bisect_right(track.ts, t) - 1
            if i >= 0 and track.pmax_id[i] > best:
                best = track.pmax_id[i]
        return best

    def apply(
        self, projection: Projection, t: int, registered: dict[str, array[int]] | None = None
    ) -> list[PositionFix]:
        """Place every known crew at its latest fix at or before ``t``; returns the fixes
        that moved a crew. A fix older than the crew's (last) registration never counts:
        live, it was dropped (unknown crew) or overwritten by the registration."""
        st = projection.state
        moved: list[PositionFix] = []
        for call_sign, crew in list(st.crews.items()):
            hit = self.latest(call_sign, t)
            if hit is None:
                continue
            ts, lon, lat, heading = hit
            regs = registered.get(call_sign) if registered else None
            if regs:
                j = bisect_right(regs, t) - 1
                if j >= 0 and ts < regs[j]:
                    continue
            when = from_us(ts)
            if crew.position_ts == when and crew.lon == lon and crew.lat == lat:
                continue
            fix = PositionFix(call_sign, when, lon, lat, heading)
            if projection.apply_fix(fix):
                moved.append(fix)
        st.last_fix_id = max(st.last_fix_id, self.last_id(t))
        return moved


@dataclass(frozen=True, slots=True)
class Mark:
    """Something worth jumping to on the timeline."""

    ts: datetime
    position: int
    lane: str  # "evenement", "fiche", "message", "exercice"
    label: str


MARK_LANES: dict[str, str] = {
    "evenement": "Événements",
    "fiche": "Fiches réflexes",
    "message": "Messages PP",
    "exercice": "Exercice",
}


def mark_of(e: Entry) -> Mark | None:
    p = e.payload
    if e.kind == "event.created":
        return Mark(e.ts, e.position, "evenement", f"{p.get('id', '')} {p.get('title', '')}")
    if e.kind.startswith("procedure."):
        fiche = p.get("fiche_id") or p.get("run_id") or ""
        step = p.get("step_id")
        what = {"procedure.launched": "lancée"}.get(e.kind, e.kind.split(".", 1)[1])
        return Mark(e.ts, e.position, "fiche", f"{fiche} {step or ''} {what}".replace("  ", " "))
    if e.kind.startswith("pp."):
        what = p.get("template") or p.get("subject") or e.kind.split(".", 1)[1]
        return Mark(e.ts, e.position, "message", f"{e.kind.split('.', 1)[1]} {what}")
    if e.kind.startswith("exercise."):
        return Mark(e.ts, e.position, "exercice", str(p.get("text") or e.kind.split(".", 1)[1]))
    return None


class ReplayEngine:
    def __init__(
        self,
        entries: Sequence[Entry],
        positions: PositionIndex | None = None,
        snapshot_every: int = 500,
    ) -> None:
        self.entries = list(entries)
        self.positions = positions or PositionIndex()
        self.snapshot_every = snapshot_every
        # Prefix maximum of entry times: a journal written by several clocks may step back by
        # a few microseconds, and "known at T" is then every entry up to the last one at T.
        self._pmax = array("q")
        running = -(2**62)
        for e in self.entries:
            running = max(running, to_us(e.ts))
            self._pmax.append(running)
        self._snapshots: list[RoomState] = []  # state after snapshot_every * i entries
        p = Projection()
        self._snapshots.append(p.state.copy())
        for i, e in enumerate(self.entries, 1):
            p.apply(e)
            if i % snapshot_every == 0:
                self._snapshots.append(p.state.copy())
        self.marks = [m for m in map(mark_of, self.entries) if m is not None]
        self._registered: dict[str, array[int]] = {}
        for i, e in enumerate(self.entries):
            if e.kind == "crew.registered":
                cs = str(e.payload.get("call_sign"))
                self._registered.setdefault(cs, array("q")).append(self._pmax[i])

    @classmethod
    def from_store(cls, store: JournalStore, snapshot_every: int = 500) -> ReplayEngine:
        return cls(load_entries(store), PositionIndex.load(store), snapshot_every)

    # -- the shift ---------------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        return self.entries[0].ts if self.entries else _EPOCH

    @property
    def end(self) -> datetime:
        if not self.entries:
            return _EPOCH
        last_fix = max((t.ts[-1] for t in self.positions.tracks.values() if t.ts), default=0)
        return from_us(max(self._pmax[-1], last_fix))

    def clamp(self, t: datetime) -> datetime:
        return min(max(t, self.start), self.end)

    def position_at(self, t: datetime) -> int:
        """How many entries a live workstation had folded at ``t``."""
        return bisect_right(self._pmax, to_us(t))

    def entry_time(self, position: int) -> datetime:
        return self.entries[position - 1].ts

    def next_entry_time(self, t: datetime) -> datetime | None:
        p = self.position_at(t)
        return self.entries[p].ts if p < len(self.entries) else None

    def activity(self, bin_seconds: int = 600) -> tuple[datetime, list[int]]:
        """Entries per bin from the start of the shift, for the timeline's histogram."""
        start = to_us(self.start)
        span = max(1, (to_us(self.end) - start) // (bin_seconds * 1_000_000) + 1)
        counts = [0] * int(span)
        for e in self.entries:
            counts[min(len(counts) - 1, (to_us(e.ts) - start) // (bin_seconds * 1_000_000))] += 1
        return self.start, counts

    # -- states ----------------------------------------------------------------------------

    def entries_state(self, position: int) -> Projection:
        """The fold of the first ``position`` entries, from the nearest snapshot."""
        k = min(position // self.snapshot_every, len(self._snapshots) - 1)
        proj = Projection(self._snapshots[k].copy())
        for e in self.entries[k * self.snapshot_every : position]:
            proj.apply(e)
        return proj

    def state_at(self, t: datetime) -> RoomState:
        proj = self.entries_state(self.position_at(t))
        self.positions.apply(proj, to_us(t), self._registered)
        return proj.state

    def advance(self, projection: Projection, t: datetime) -> tuple[list[Entry], list[PositionFix]]:
        """Move ``projection`` forward to ``t`` in place (playback): the entries written
        meanwhile, then the crews' latest positions. Returns what changed, for listeners."""
        st = projection.state
        target = self.position_at(t)
        new = self.entries[st.position : target] if target > st.position else []
        for e in new:
            projection.apply(e)
        return new, self.positions.apply(projection, to_us(t), self._registered)


def build_index(fixes: Iterable[tuple[int, PositionFix]]) -> PositionIndex:
    index = PositionIndex()
    for fix_id, fix in fixes:
        index.add_fix(fix_id, fix)
    index.finish()
    return index


def load_entries(store: JournalStore, batch: int = 20_000) -> list[Entry]:
    """Every entry in journal order, read through the driver's cursor: the same rows as
    ``store.iter_entries()``, without the ORM's per-row cost."""
    out: list[Entry] = []
    loads, parse = json.loads, from_iso
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(
            "SELECT position, ts, author, role, source, kind, payload, prev_hash, hash,"
            " author_id FROM journal_entries ORDER BY position"
        )
        while rows := cur.fetchmany(batch):
            out.extend(
                Entry(int(p), parse(ts), a, r, src, k, loads(pl), prev, h, aid)
                for p, ts, a, r, src, k, pl, prev, h, aid in rows
            )
        cur.close()
    finally:
        raw.close()
    return out
