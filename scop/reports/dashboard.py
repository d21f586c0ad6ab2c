"""The tableau de bord's figures, as a function of the journal up to an instant.

Pure, so that the dock, live or in replay, and the tests compute the same thing: the dock
hands in the entries up to the clock's instant (in replay, the timeline's), and redraws.
Each hourly bar keeps the ids of the events behind it, so that a click on it can select them.

:func:`compute` recomputes a window from the whole journal: the definition, simple to
read. The dock refreshes every second through :class:`Aggregates` instead, which folds each
entry once into per-hour buckets and assembles the window from them; both give the same
:class:`Dashboard` (tests/unit/test_dashboard_incremental.py).
"""

from __future__ import annotations

import heapq
import math
import statistics
from bisect import bisect_left, insort
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain

from scop.clock import local
from scop.models.entries import Entry
from scop.models.fold_duty import Handover
from scop.models.state import RoomState
from scop.models.vocabulary import SOURCES, CrewStatus, EventStatus

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class DelayRow:
    category: str
    events: int
    engage_median: float | None  # seconds, created → first crew engaged
    engage_p90: float | None
    scene_median: float | None  # seconds, created → first crew on scene
    scene_p90: float | None


@dataclass(frozen=True, slots=True)
class AckRow:
    distribution_id: str
    sent: datetime
    delay: float | None  # seconds, None while unacknowledged


@dataclass(frozen=True)
class Dashboard:
    start: datetime
    end: datetime
    hours: tuple[datetime, ...]  # start of each hourly bin
    by_category: Mapping[str, tuple[int, ...]]  # events created per hour
    by_source: Mapping[str, tuple[int, ...]]
    events_by_bin: Mapping[tuple[str, int], tuple[str, ...]]  # (category|source, bin) -> ids
    open_by_gravity: Mapping[int, tuple[str, ...]]  # gravity -> open event ids
    crews_by_status: Mapping[str, tuple[int, ...]]  # crews per status at each bin's end
    delays: tuple[DelayRow, ...]
    acks: tuple[AckRow, ...]
    overdue: tuple[tuple[str, str, str], ...] = field(default=())  # (fiche, step, event)
    # (category, on scene) -> the delays behind the table's medians, sorted, in seconds:
    # created → first crew engaged (False) or on scene (True), events created in the window.
    delay_samples: Mapping[tuple[str, bool], tuple[float, ...]] = field(default_factory=dict)
    # The same delays with their events, (category, on scene, seconds, event id), in any
    # order: a click on a bin of the Délais histogram selects the events behind it.
    delay_events: tuple[tuple[str, bool, float, str], ...] = ()

    @property
    def created(self) -> int:
        return sum(sum(v) for v in self.by_category.values())

    @property
    def empty(self) -> bool:
        return self.created == 0 and not self.open_by_gravity and not self.acks


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile: a delay that some event really had."""
    return _nearest_rank(sorted(values), q)


def _nearest_rank(s: Sequence[float], q: float) -> float | None:
    if not s:
        return None
    rank = max(1, -(-len(s) * q // 100))
    return s[int(rank) - 1]


def compute(
    entries: Iterable[Entry],
    state: RoomState,
    start: datetime,
    end: datetime,
    overdue: Sequence[tuple[str, str, str]] = (),
) -> Dashboard:
    """``entries``: the journal up to ``end`` at least from the window's start (earlier ones
    give the crews' statuses at the start). ``state``: the room at ``end``."""
    first = start.replace(minute=0, second=0, microsecond=0)  # bars on whole hours
    n = max(1, -(-int((end - first).total_seconds()) // 3600))
    hours = tuple(first + i * HOUR for i in range(n))
    cat: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    src: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    ids: dict[tuple[str, int], list[str]] = defaultdict(list)
    status: dict[str, str] = {}
    crews: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    created: dict[str, tuple[datetime, str]] = {}
    engaged: dict[str, datetime] = {}
    on_scene: dict[str, datetime] = {}
    crew_event: dict[str, str] = {}
    sent: dict[str, datetime] = {}
    acked: dict[str, datetime] = {}
    b = 0

    def sample_until(t: datetime) -> None:
        nonlocal b
        while b < n and hours[b] + HOUR <= t:
            counts = Counter(status.values())
            for s in set(counts) | set(crews):
                crews[s][b] = counts.get(s, 0)
            b += 1

    for e in entries:
        if e.ts > end:
            break
        sample_until(e.ts)
        p = e.payload
        kind = e.kind
        if kind == "crew.registered":
            status[str(p.get("call_sign"))] = str(p.get("status", CrewStatus.DISPONIBLE))
        elif kind == "crew.duty_ended":
            status.pop(str(p.get("call_sign")), None)
        elif kind in ("crew.engaged", "crew.rerouted"):
            cs = str(p.get("call_sign"))
            ev = str(p.get("event_id") or p.get("to_event_id"))
            status[cs] = CrewStatus.ENGAGE
            crew_event[cs] = ev
            if ev in created:
                engaged.setdefault(ev, e.ts)
        elif kind == "crew.status_changed":
            cs = str(p.get("call_sign"))
            if cs in status:
                status[cs] = str(p.get("status"))
            ev = crew_event.get(cs, "")
            if p.get("status") == CrewStatus.SUR_LES_LIEUX and ev in created:
                on_scene.setdefault(ev, e.ts)
        elif kind == "crew.released":
            cs = str(p.get("call_sign"))
            if cs in status:
                status[cs] = CrewStatus.DISPONIBLE
            crew_event.pop(cs, None)
        elif kind == "event.created" and e.ts >= start:
            ev = str(p.get("id"))
            category = str(p.get("category", "?"))
            created[ev] = (e.ts, category)
            i = min(n - 1, int((e.ts - first).total_seconds() // 3600))
            cat[category][i] += 1
            source = SOURCES.get(e.source, e.source)
            src[source][i] += 1
            ids[(category, i)].append(ev)
            ids[(source, i)].append(ev)
        elif kind == "pp.message_sent" and e.ts >= start:
            sent[str(p.get("distribution_id"))] = e.ts
        elif kind == "pp.ack_received":
            acked.setdefault(str(p.get("distribution_id")), e.ts)
    sample_until(end + HOUR)

    per_cat: dict[str, list[str]] = defaultdict(list)
    for ev, (_, category) in created.items():
        per_cat[category].append(ev)

    def delays(evs: list[str], to: Mapping[str, datetime]) -> list[float]:
        return [(to[ev] - created[ev][0]).total_seconds() for ev in evs if ev in to]

    samples: dict[tuple[str, bool], tuple[float, ...]] = {}
    for category in sorted(per_cat):
        for on, to in ((False, engaged), (True, on_scene)):
            if values := delays(per_cat[category], to):
                samples[(category, on)] = tuple(sorted(values))
    delay_events = tuple(
        (category, on, (to[ev] - created[ev][0]).total_seconds(), ev)
        for category in sorted(per_cat)
        for on, to in ((False, engaged), (True, on_scene))
        for ev in per_cat[category]
        if ev in to
    )
    rows = [
        _delay_row(
            category,
            len(per_cat[category]),
            delays(per_cat[category], engaged),
            delays(per_cat[category], on_scene),
        )
        for category in sorted(per_cat)
    ]
    return Dashboard(
        start,
        end,
        hours,
        _series(cat),
        _series(src),
        {k: tuple(v) for k, v in ids.items()},
        _open_by_gravity(state),
        _series(crews),
        tuple(rows),
        _acks(sent, acked),
        tuple(overdue),
        samples,
        delay_events,
    )


def _series(values: Mapping[str, list[int]]) -> dict[str, tuple[int, ...]]:
    """A chart's series, in the order of their names."""
    return {k: tuple(v) for k, v in sorted(values.items())}


def _delay_row(
    category: str, events: int, engage: list[float], scene: list[float], *, ordered: bool = False
) -> DelayRow:
    """``ordered``: the delays are sorted already (the running window keeps them so, and
    they are not sorted again); else the plain definition."""
    if ordered:
        a, s = engage, scene
        return DelayRow(
            category, events, _median(a), _nearest_rank(a, 90), _median(s), _nearest_rank(s, 90)
        )
    return DelayRow(
        category,
        events,
        statistics.median(engage) if engage else None,
        percentile(engage, 90),
        statistics.median(scene) if scene else None,
        percentile(scene, 90),
    )


def _median(s: Sequence[float]) -> float | None:
    """statistics.median of sorted values, without sorting them again."""
    n = len(s)
    if not n:
        return None
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _acks(sent: Mapping[str, datetime], acked: Mapping[str, datetime]) -> tuple[AckRow, ...]:
    """Each message sent in the window, oldest first, with its first acknowledgement."""
    return tuple(
        AckRow(d, t, (acked[d] - t).total_seconds() if d in acked else None)
        for d, t in sorted(sent.items(), key=lambda kv: kv[1])
    )


def _open_by_gravity(state: RoomState) -> dict[int, tuple[str, ...]]:
    gravity: dict[int, list[str]] = defaultdict(list)
    for event in state.events.values():
        if event.status != EventStatus.CLOS:
            gravity[int(event.gravity)].append(event.id)
    return {g: tuple(sorted(v)) for g, v in sorted(gravity.items())}


def _hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


@dataclass(slots=True)
class _Hour:
    """What one clock hour's created events add to the charts, kept as it is folded."""

    events: list[tuple[datetime, str, str, str]] = field(default_factory=list)  # ts, id, cat, src
    by_category: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    ids: dict[str, list[str]] = field(default_factory=dict)  # category|source -> ids


# A delay, as folded: (event created, category, on scene (else engaged), seconds, when
# engaged or on scene, event id).
_Sample = tuple[datetime, str, bool, float, datetime, str]


class _Delays:
    """The delays of the events created since a window's start, sorted, by (category, on
    scene): slid forward, it drops the samples of events now before the start and sorts in
    those folded since, instead of sorting a day of delays every second."""

    def __init__(self) -> None:
        self.start: datetime | None = None
        self._clear()

    def _clear(self) -> None:
        self.taken = 0  # samples looked at
        self.sorted: dict[tuple[str, bool], list[float]] = {}
        self.heap: list[tuple[datetime, int]] = []  # (event created, sample index) in window

    def slide(
        self, samples: Sequence[_Sample], start: datetime
    ) -> Mapping[tuple[str, bool], list[float]]:
        if self.start is None or start < self.start:  # a wider window: start again
            self._clear()
        self.start = start
        few = len(samples) - self.taken < 32  # a second's worth: sorted in one by one
        touched = set()
        for i in range(self.taken, len(samples)):
            created, category, on_scene, delay, _, _ = samples[i]
            if created >= start:
                values = self.sorted.setdefault((category, on_scene), [])
                if few:
                    insort(values, delay)
                else:
                    values.append(delay)
                    touched.add((category, on_scene))
                if few:
                    heapq.heappush(self.heap, (created, i))
                else:
                    self.heap.append((created, i))
        for key in touched:
            self.sorted[key].sort()
        if not few:
            heapq.heapify(self.heap)
        self.taken = len(samples)
        while self.heap and self.heap[0][0] < start:
            _, category, on_scene, delay, _, _ = samples[heapq.heappop(self.heap)[1]]
            values = self.sorted[(category, on_scene)]
            del values[bisect_left(values, delay)]
        return self.sorted


_FOLDED = frozenset(
    (
        "crew.registered",
        "crew.duty_ended",
        "crew.engaged",
        "crew.rerouted",
        "crew.status_changed",
        "crew.released",
        "event.created",
        "pp.message_sent",
        "pp.ack_received",
    )
)


class Aggregates:
    """The dashboard's running aggregates: the journal folded once, entry by entry, into
    per-hour buckets, so that a refresh folds only what was appended since the last one and
    then assembles the window from a day's buckets (tens of them), not from its entries.

    Everything is kept by absolute clock hour, so a window that slides (the last 24 h, a
    second later) needs no refold. An instant earlier than an entry already folded (a replay
    seek backwards, a chosen period ending earlier) does: :meth:`behind` says so, and
    :meth:`rewind` takes the aggregates back to the start of that instant's hour, from what
    was kept there, for the caller to fold again at most an hour. :func:`compute` is the same
    figures recomputed from scratch, the definition this must always equal
    (tests/unit/test_dashboard_incremental.py).
    """

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self.folded = 0  # entries folded: the index of the next one in the journal's list
        self.last: datetime | None = None  # time of the last folded entry
        self._first_boundary: datetime | None = None
        self._boundary: datetime | None = None  # the next hour start to snapshot the crews at
        self._status: dict[str, str] = {}  # call sign -> status
        self._snapshots: dict[datetime, Counter[str]] = {}  # hour start -> crews just before
        self._crew_event: dict[str, str] = {}
        # hour start -> the crews' statuses and events just before it, to rewind to
        self._states: dict[datetime, tuple[dict[str, str], dict[str, str]]] = {}
        self._created: set[str] = set()
        # events created and not yet engaged / on scene: id -> (created, category)
        self._to_engage: dict[str, tuple[datetime, str]] = {}
        self._to_arrive: dict[str, tuple[datetime, str]] = {}
        self._samples: list[_Sample] = []  # every delay, in the order folded
        self._window = _Delays()
        self._hours: dict[datetime, _Hour] = {}
        self._sent: list[tuple[datetime, str]] = []  # (ts, distribution id), in journal order
        self._acked: dict[str, datetime] = {}

    def behind(self, end: datetime) -> bool:
        """Whether an entry later than ``end`` was folded: the aggregates must be rebuilt."""
        return self.last is not None and self.last > end

    def rewind(self, entries: Sequence[Entry], end: datetime) -> None:
        """Back to the state before the first entry of ``end``'s hour: what was folded from
        then on is taken out (events created, delays, messages, crews' statuses restored);
        :meth:`fold` then folds that hour again up to ``end``. Cheap: a seek back costs the
        hours it jumps over, not the day before it."""
        b = _hour(end)
        saved = self._states.get(b)
        if saved is None:  # before the first entry's hour: nothing to keep
            self._clear()
            return
        status, crew_event = saved
        self._status, self._crew_event = dict(status), dict(crew_event)
        for h in [h for h in self._hours if h >= b]:
            for _, ev, _, _ in self._hours.pop(h).events:
                self._created.discard(ev)
                self._to_engage.pop(ev, None)
                self._to_arrive.pop(ev, None)
        while self._samples and self._samples[-1][4] >= b:
            created, category, on_scene, _, _, ev = self._samples.pop()
            if created < b:  # engaged (or on scene) again in the hour refolded
                waiting = self._to_arrive if on_scene else self._to_engage
                waiting[ev] = (created, category)
        for kept in (self._snapshots, self._states):
            for h in [h for h in kept if h > b]:
                del kept[h]
        del self._sent[bisect_left(self._sent, (b, "")) :]
        self._acked = {d: t for d, t in self._acked.items() if t < b}
        self._window = _Delays()
        self._boundary = b
        self.folded = bisect_left(entries, b, hi=self.folded, key=lambda e: e.ts)
        self.last = entries[self.folded - 1].ts if self.folded else None

    def fold(self, entries: Sequence[Entry], end: datetime) -> int:
        """Fold ``entries[self.folded:]`` up to ``end`` (the journal's list, in order);
        returns how many were folded. One loop with its names local: the first refresh
        folds a day of journal (bench/dashboard.py)."""
        i = begin = self.folded
        n = len(entries)
        status, crew_event, hours = self._status, self._crew_event, self._hours
        to_engage, to_arrive, samples = self._to_engage, self._to_arrive, self._samples
        boundary = self._boundary
        while i < n:
            e = entries[i]
            ts = e.ts
            if ts > end:
                break
            i += 1
            if boundary is None:
                boundary = self._first_boundary = _hour(ts)
            while boundary <= ts:  # crews per status at each hour's start, for the line chart
                self._snapshots[boundary] = Counter(status.values())
                self._states[boundary] = (dict(status), dict(crew_event))
                boundary += HOUR
            kind = e.kind
            if kind not in _FOLDED:
                continue
            p = e.payload
            if kind == "crew.status_changed":
                cs = str(p.get("call_sign"))
                if cs in status:
                    status[cs] = str(p.get("status"))
                if p.get("status") == CrewStatus.SUR_LES_LIEUX:
                    ev = crew_event.get(cs, "")
                    w = to_arrive.pop(ev, None)
                    if w is not None:
                        samples.append((w[0], w[1], True, (ts - w[0]).total_seconds(), ts, ev))
            elif kind == "crew.engaged" or kind == "crew.rerouted":  # noqa: PLR1714
                cs = str(p.get("call_sign"))
                ev = str(p.get("event_id") or p.get("to_event_id"))
                status[cs] = CrewStatus.ENGAGE
                crew_event[cs] = ev
                w = to_engage.pop(ev, None)
                if w is not None:
                    samples.append((w[0], w[1], False, (ts - w[0]).total_seconds(), ts, ev))
            elif kind == "crew.released":
                cs = str(p.get("call_sign"))
                if cs in status:
                    status[cs] = CrewStatus.DISPONIBLE
                crew_event.pop(cs, None)
            elif kind == "event.created":
                ev = str(p.get("id"))
                if ev in self._created:  # an id is created once; a second would count twice
                    continue
                self._created.add(ev)
                category = str(p.get("category", "?"))
                source = SOURCES.get(e.source, e.source)
                hour = hours.get(h := _hour(ts))
                if hour is None:
                    hour = hours[h] = _Hour()
                to_engage[ev] = to_arrive[ev] = (ts, category)
                hour.events.append((ts, ev, category, source))
                hour.by_category[category] += 1
                hour.by_source[source] += 1
                hour.ids.setdefault(category, []).append(ev)
                hour.ids.setdefault(source, []).append(ev)
            elif kind == "crew.registered":
                status[str(p.get("call_sign"))] = str(p.get("status", CrewStatus.DISPONIBLE))
            elif kind == "crew.duty_ended":
                status.pop(str(p.get("call_sign")), None)
            elif kind == "pp.message_sent":
                self._sent.append((ts, str(p.get("distribution_id"))))
            elif kind == "pp.ack_received":
                self._acked.setdefault(str(p.get("distribution_id")), ts)
        self._boundary = boundary
        if i > begin:
            self.last = entries[i - 1].ts
        self.folded = i
        return i - begin

    def _crews_at(self, boundary: datetime, now: Counter[str]) -> Counter[str]:
        """Crews per status just before ``boundary`` (an hour start)."""
        if self._first_boundary is None or boundary < self._first_boundary:
            return Counter()
        return self._snapshots.get(boundary, now)

    def dashboard(
        self,
        state: RoomState,
        start: datetime,
        end: datetime,
        overdue: Sequence[tuple[str, str, str]] = (),
    ) -> Dashboard:
        """The window ``[start, end]``; the aggregates must be folded up to ``end``."""
        first = start.replace(minute=0, second=0, microsecond=0)
        n = max(1, -(-int((end - first).total_seconds()) // 3600))
        hours = tuple(first + i * HOUR for i in range(n))
        cat: dict[str, list[int]] = {}
        src: dict[str, list[int]] = {}
        ids: dict[tuple[str, int], list[str]] = {}
        last = _hour(end)
        h, i = first, 0
        while h <= last:
            hour = self._hours.get(h)
            if hour is not None and h < start:  # the window's first hour, cut at its start
                for ts, ev, category, source in hour.events:
                    if ts >= start:
                        cat.setdefault(category, [0] * n)[i] += 1
                        src.setdefault(source, [0] * n)[i] += 1
                        ids.setdefault((category, i), []).append(ev)
                        ids.setdefault((source, i), []).append(ev)
            elif hour is not None:
                for category, c in hour.by_category.items():
                    cat.setdefault(category, [0] * n)[i] += c
                for source, c in hour.by_source.items():
                    src.setdefault(source, [0] * n)[i] += c
                for key, evs in hour.ids.items():
                    ids.setdefault((key, i), []).extend(evs)
            h += HOUR
            i = min(n - 1, i + 1)  # an event at the very end belongs to the last bar
        now = Counter(self._status.values())
        snaps = [self._crews_at(b + HOUR, now) for b in hours]
        statuses = sorted({s for c in snaps for s in c})
        window = self._window.slide(self._samples, start)
        heap_ids = [i for _, i in self._window.heap]  # the samples in the window
        rows = [
            _delay_row(category, sum(cat[category]), window.get((category, False), []),
                       window.get((category, True), []), ordered=True)
            for category in sorted(cat)
        ]  # fmt: skip
        sent: dict[str, datetime] = {}
        for ts, d in self._sent[bisect_left(self._sent, (start, "")) :]:
            sent[d] = ts
        return Dashboard(
            start=start,
            end=end,
            hours=hours,
            by_category=_series(cat),
            by_source=_series(src),
            events_by_bin={k: tuple(v) for k, v in ids.items()},
            open_by_gravity=_open_by_gravity(state),
            crews_by_status={st: tuple(c.get(st, 0) for c in snaps) for st in statuses},
            delays=tuple(rows),
            acks=_acks(sent, self._acked),
            overdue=tuple(overdue),
            delay_samples={
                (c, on): tuple(v) for (c, on), v in window.items() if v and c in cat
            },  # a copy: the window's lists slide on at the next refresh
            delay_events=tuple(
                (c, on, delay, ev)
                for _, c, on, delay, _, ev in map(self._samples.__getitem__, heap_ids)
                if c in cat
            ),
        )


@dataclass(frozen=True, slots=True)
class Histogram:
    """A delay distribution: bin ``i`` holds ``[i·width, (i+1)·width)`` seconds, the last
    one the longest delay, so the counts sum to the samples."""

    width: int  # seconds: half a minute, or whole minutes
    counts: tuple[int, ...]
    median: float | None  # seconds, as the table's (same definition, same samples)
    p90: float | None

    @property
    def total(self) -> int:
        return sum(self.counts)


BIN_WIDTHS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)  # seconds, round ones
MAX_BINS = 30  # readable in the dock's width beside the map


def delay_samples(d: Dashboard, category: str | None, on_scene: bool) -> list[float]:
    """The sorted delays of one category (``None``: all of them pooled)."""
    if category is not None:
        return list(d.delay_samples.get((category, on_scene), ()))
    # sorted runs, concatenated: timsort merges them in C (heapq.merge, in Python, took 20 ms
    # for a day of delays)
    return sorted(
        chain.from_iterable(v for (_c, on), v in d.delay_samples.items() if on == on_scene)
    )


def delay_bin_events(
    d: Dashboard, category: str | None, on_scene: bool, h: Histogram, i: int
) -> list[str]:
    """The events behind bin ``i`` of ``h``, the histogram of ``delay_samples(d, category,
    on_scene)``, bounded as :func:`histogram` counts: the first bin takes everything under
    its end, the last everything from its start. Shortest delay first."""
    if not 0 <= i < len(h.counts):
        return []
    lo = i * h.width if i > 0 else -math.inf
    hi = (i + 1) * h.width if i < len(h.counts) - 1 else math.inf
    return [
        ev
        for c, on, delay, ev in sorted(d.delay_events, key=lambda s: (s[2], s[3]))
        if on == on_scene and (category is None or c == category) and lo <= delay < hi
    ]


def overall_delays(d: Dashboard) -> DelayRow:
    """The table's « Toutes catégories » row: every category's delays pooled."""
    return _delay_row(
        "", d.created, delay_samples(d, None, False), delay_samples(d, None, True), ordered=True
    )


def histogram(samples: Sequence[float]) -> Histogram:
    """``samples``: sorted seconds. The narrowest round bin width that spreads them over at
    most ``MAX_BINS`` bins: short delays in half minutes, long ones in whole minutes."""
    if not samples:
        return Histogram(1, (), None, None)
    top = max(0.0, samples[-1])
    width = next((w for w in BIN_WIDTHS if top // w + 1 <= MAX_BINS), BIN_WIDTHS[-1])
    n = int(top // width) + 1
    # each bin's end found by bisection in the sorted samples, not each sample binned in turn
    ends = [bisect_left(samples, (i + 1) * width) for i in range(n - 1)] + [len(samples)]
    counts = [b - a for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    return Histogram(width, tuple(counts), _median(samples), _nearest_rank(samples, 90))


def hourly_csv_rows(
    series: Mapping[str, tuple[int, ...]], hours: Sequence[datetime]
) -> list[list[str]]:
    """A chart's CSV: one row per hour, one column per series. The hour in Paris time, as
    the chart's axis says it, with its offset so that a spreadsheet cannot misread it."""
    names = list(series)
    out = [["Heure", *names]]
    for i, h in enumerate(hours):
        out.append([local(h).isoformat(timespec="minutes"), *(str(series[k][i]) for k in names)])
    return out


SHIFT_HOURS = 12  # a vacation's length, when no relève says where this one began
# « Cette vacation » as every view of a period names it (the dashboard, the observatoire map)
SHIFT_LABEL = "Cette vacation"
SHIFT_HINT = (
    "Depuis la dernière relève prise en compte par le chef entrant ; s'il n'y en a pas "
    "eu depuis 24 h, les 12 dernières heures."
)


def shift_relieve(state: RoomState, now: datetime) -> Handover | None:
    """The relève this vacation began with: the last one the incoming chief acknowledged in
    the last day (None: the room does not use the relève, or not lately)."""
    taken = [
        h
        for h in state.handovers.values()
        if h.acknowledged_at is not None and now - timedelta(hours=24) < h.acknowledged_at <= now
    ]
    return max(taken, key=lambda h: h.acknowledged_at or now, default=None)


def shift_start(state: RoomState, now: datetime) -> datetime:
    """Where « cette vacation » begins: the last relève the incoming chief acknowledged, if
    there was one in the last day; otherwise the last twelve hours (a room that does not use
    the relève still gets its shift, roughly)."""
    h = shift_relieve(state, now)
    if h is None or h.acknowledged_at is None:
        return now - timedelta(hours=SHIFT_HOURS)
    return h.acknowledged_at


def shift_name(state: RoomState, now: datetime) -> str:
    """« Cette vacation » and why it begins where it does, for a legend or a picture (which
    write its start beside it)."""
    h = shift_relieve(state, now)
    if h is None:
        return f"{SHIFT_LABEL} (aucune relève depuis 24 h : les {SHIFT_HOURS} dernières heures)"
    by = f" par {h.incoming}" if h.incoming else ""
    return f"{SHIFT_LABEL}, depuis la relève prise en compte{by}"
