"""The tableau de bord's figures, as a function of the journal up to an instant.

Pure, so that the dock, live or in replay, and the tests compute the same thing: the dock
hands in the entries up to the clock's instant (in replay, the timeline's), and redraws.
Each hourly bar keeps the ids of the events behind it, so that a click on it can select them.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scop.models.entries import Entry
from scop.models.state import RoomState
from scop.models.vocabulary import SOURCES

HOUR = timedelta(hours=1)
ON_SCENE = "sur_les_lieux"
CLOSED = "clos"


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

    @property
    def created(self) -> int:
        return sum(sum(v) for v in self.by_category.values())

    @property
    def empty(self) -> bool:
        return self.created == 0 and not self.open_by_gravity and not self.acks


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile: a delay that some event really had."""
    if not values:
        return None
    s = sorted(values)
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
            status[str(p.get("call_sign"))] = str(p.get("status", "disponible"))
        elif kind == "crew.duty_ended":
            status.pop(str(p.get("call_sign")), None)
        elif kind in ("crew.engaged", "crew.rerouted"):
            cs = str(p.get("call_sign"))
            ev = str(p.get("event_id") or p.get("to_event_id"))
            status[cs] = "engage"
            crew_event[cs] = ev
            if ev in created:
                engaged.setdefault(ev, e.ts)
        elif kind == "crew.status_changed":
            cs = str(p.get("call_sign"))
            if cs in status:
                status[cs] = str(p.get("status"))
            ev = crew_event.get(cs, "")
            if p.get("status") == ON_SCENE and ev in created:
                on_scene.setdefault(ev, e.ts)
        elif kind == "crew.released":
            cs = str(p.get("call_sign"))
            if cs in status:
                status[cs] = "disponible"
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

    rows = []
    for category in sorted(per_cat):
        a = delays(per_cat[category], engaged)
        s = delays(per_cat[category], on_scene)
        rows.append(
            DelayRow(
                category,
                len(per_cat[category]),
                statistics.median(a) if a else None,
                percentile(a, 90),
                statistics.median(s) if s else None,
                percentile(s, 90),
            )
        )
    gravity: dict[int, list[str]] = defaultdict(list)
    for event in state.events.values():
        if event.status != CLOSED:
            gravity[int(event.gravity)].append(event.id)
    acks = tuple(
        AckRow(d, t, (acked[d] - t).total_seconds() if d in acked else None)
        for d, t in sorted(sent.items(), key=lambda kv: kv[1])
    )
    return Dashboard(
        start,
        end,
        hours,
        {k: tuple(v) for k, v in sorted(cat.items())},
        {k: tuple(v) for k, v in sorted(src.items())},
        {k: tuple(v) for k, v in ids.items()},
        {g: tuple(sorted(v)) for g, v in sorted(gravity.items())},
        {k: tuple(v) for k, v in sorted(crews.items())},
        tuple(rows),
        acks,
        tuple(overdue),
    )


def hourly_csv_rows(
    series: Mapping[str, tuple[int, ...]], hours: Sequence[datetime]
) -> list[list[str]]:
    """A chart's CSV: one row per hour, one column per series."""
    names = list(series)
    out = [["Heure", *names]]
    for i, h in enumerate(hours):
        out.append([h.isoformat(timespec="minutes"), *(str(series[k][i]) for k in names)])
    return out
