"""L'activité de la SCOP: the four figures the Observatoire de la tranquillité publique
publishes, and the counts a chief expects beside them, over any period.

Pure: :func:`compute` is the figures as a function of journal entries and a period (the
definition, in Python); :func:`assemble` makes them from the activity it reduces the entries
to, which ``scop barometre`` has the database count by hour instead (reports.cli: a quarter
is millions of rows). The definitions (which entries count, from when to when) are in the
README, « Baromètres »; change them together.

Periods are cut in Paris time (a day is a Paris day, a week starts on Monday, a month on the
1st); each period is half-open ``[start, end)``, so a figure summed over the periods is the
figure of the whole range. Crews on duty are not additive (a crew on duty all week is counted
once in the week and once in each day), so the total counts each call sign once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol

from scop.clock import PARIS
from scop.models.fold_core import CREW_ENGAGED, CREW_REGISTERED, EVENT_CREATED, EVENT_STATUS
from scop.models.fold_duty import CREW_DUTY_ENDED
from scop.models.fold_operations import CREW_REROUTED
from scop.models.vocabulary import EventStatus, Source

# The kinds the barometer reads: a store may read only these (bench/dashboard.py).
KINDS = (
    EVENT_CREATED,
    EVENT_STATUS,
    CREW_ENGAGED,
    CREW_REROUTED,
    CREW_REGISTERED,
    CREW_DUTY_ENDED,
)
SOURCE_3975 = Source.APPEL_3975.value
SOURCE_DMR = Source.DANSMARUE.value


class Step(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


STEP_LABELS = {Step.DAY: "jour", Step.WEEK: "semaine", Step.MONTH: "mois"}

# The CSV's and the PDF's columns, in order: (key, French header).
FIGURES: tuple[tuple[str, str], ...] = (
    ("missions", "Missions"),
    ("appels_3975", "Appels reçus au 3975"),
    ("deroulements", "Déroulements"),
    ("dansmarue_traites", "Signalements DansMaRue traités"),
    ("evenements", "Événements créés"),
    ("equipages_en_service", "Équipages en service"),
)
ADDITIVE = ("missions", "appels_3975", "deroulements", "dansmarue_traites", "evenements")


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


class Counted(Protocol):
    """What the barometer reads of an entry (a whole :class:`Entry` will do)."""

    @property
    def ts(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


class PeriodError(ValueError):
    """A period that cannot be computed; the message is French, for the person who asked."""


@dataclass(frozen=True, slots=True)
class Figures:
    missions: int = 0
    appels_3975: int = 0
    deroulements: int = 0
    dansmarue_traites: int = 0
    evenements: int = 0
    equipages_en_service: int = 0
    by_category: Mapping[str, int] = field(default_factory=dict)

    def value(self, key: str) -> int:
        v: int = getattr(self, key)
        return v

    @property
    def empty(self) -> bool:
        return all(self.value(k) == 0 for k, _ in FIGURES)


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime  # aware, UTC
    end: datetime  # exclusive
    label: str


@dataclass(frozen=True, slots=True)
class Barometre:
    start: datetime
    end: datetime
    step: Step
    periods: tuple[tuple[Period, Figures], ...]
    total: Figures
    categories: tuple[str, ...]  # every category seen in the range, most frequent first

    @property
    def empty(self) -> bool:
        return self.total.empty


def day_start(d: date) -> datetime:
    """Midnight in Paris, as UTC."""
    return datetime.combine(d, time(0), tzinfo=PARIS).astimezone(UTC)


def date_range(first: date, last: date) -> tuple[datetime, datetime]:
    """``--from`` and ``--to`` are days, both included."""
    if last < first:
        raise PeriodError(
            f"période inversée : du {first:%d/%m/%Y} au {last:%d/%m/%Y} "
            "(la date de fin précède la date de début)"
        )
    return day_start(first), day_start(last + timedelta(days=1))


def _next(d: date, step: Step) -> date:
    if step == Step.DAY:
        return d + timedelta(days=1)
    if step == Step.WEEK:
        return d + timedelta(days=7 - d.weekday())
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _label(d: date, step: Step) -> str:
    if step == Step.DAY:
        return f"{d:%d/%m/%Y}"
    if step == Step.WEEK:
        iso = d.isocalendar()
        return f"semaine {iso.week:02d}-{iso.year} (du {d:%d/%m})"
    return f"{MONTHS[d.month - 1]} {d.year}"


def periods(start: datetime, end: datetime, step: Step) -> list[Period]:
    """The periods of ``[start, end)`` in Paris time; the first and last are clipped."""
    if end <= start:
        raise PeriodError("période vide ou inversée : la fin doit suivre le début")
    out: list[Period] = []
    d = start.astimezone(PARIS).date()
    while True:
        nxt = _next(d, step)
        p_start = max(start, day_start(d))
        p_end = min(end, day_start(nxt))
        if p_end > p_start:
            out.append(Period(p_start, p_end, _label(d, step)))
        if p_end >= end:
            return out
        d = nxt


@dataclass
class _Tally:
    missions: int = 0
    appels_3975: int = 0
    deroulements: int = 0
    dansmarue_traites: int = 0
    evenements: int = 0
    by_category: Counter[str] = field(default_factory=Counter)


# One line of activity: (when, kind, source, category, how many). The journal's entries give
# one each (compute); the command line reads them grouped by hour from SQL (reports.cli).
Count = tuple[datetime, str, str, str, int]
# A crew's time on duty: (call sign, from, to).
Duty = tuple[str, datetime, datetime]


def compute(entries: Iterable[Counted], start: datetime, end: datetime, step: Step) -> Barometre:
    """The barometer of ``[start, end)``. ``entries`` must include those before ``start``
    (a DansMaRue event created last month and closed today counts today; a crew on duty
    since yesterday is on duty today); entries at or after ``end`` are ignored.

    This is the definition: reports.cli reads the same figures grouped in SQL, and
    tests/unit/test_barometre.py holds both to counts made from the raw rows."""
    fold = Fold()
    for e in entries:
        if e.ts < end:
            fold.add(e)
    return fold.barometre(start, end, step)


class Fold:
    """What :func:`compute` keeps of the entries, kept between calls: the Tableau de bord
    adds what arrives each second instead of reading the whole journal again (journal order;
    entries at or after the period's end are not to be added)."""

    def __init__(self) -> None:
        self.counts: list[Count] = []
        self.dmr_events: set[str] = set()
        self.closed: set[str] = set()
        self.dmr_closed: list[datetime] = []
        self.duty: list[tuple[datetime, str, str]] = []
        self.last: datetime | None = None  # the last entry's time added

    def add(self, e: Counted) -> None:
        ts = self.last = e.ts
        kind, p = e.kind, e.payload
        if kind in (CREW_REGISTERED, CREW_DUTY_ENDED):
            self.duty.append((ts, kind, str(p.get("call_sign"))))
        elif kind == EVENT_CREATED:
            if e.source == SOURCE_DMR:
                self.dmr_events.add(str(p.get("id")))
            self.counts.append((ts, kind, e.source, str(p.get("category", "?")), 1))
        elif kind == EVENT_STATUS and p.get("status") == EventStatus.CLOS:
            ev = str(p.get("id"))
            if ev not in self.closed:  # closed again after a reopening: its first closure
                self.closed.add(ev)
                if ev in self.dmr_events:
                    self.dmr_closed.append(ts)
        elif kind in (CREW_ENGAGED, CREW_REROUTED):
            self.counts.append((ts, kind, e.source, "", 1))

    def barometre(self, start: datetime, end: datetime, step: Step) -> Barometre:
        return assemble(start, end, step, self.counts, self.dmr_closed, on_duty(self.duty, end))


def on_duty(rows: Iterable[tuple[datetime, str, str]], end: datetime) -> list[Duty]:
    """Each crew's spells on duty from its ``crew.registered`` and ``crew.duty_ended``
    (time, kind, call sign; in journal order); one still on duty is so until ``end``."""
    since: dict[str, datetime] = {}
    out: list[Duty] = []
    for ts, kind, cs in rows:
        if kind == CREW_REGISTERED:
            since.setdefault(cs, ts)
        elif (t := since.pop(cs, None)) is not None:
            out.append((cs, t, ts))
    out.extend((cs, t, end) for cs, t in since.items())
    return out


def assemble(  # noqa: PLR0917
    start: datetime,
    end: datetime,
    step: Step,
    counts: Iterable[Count],
    dmr_closed: Iterable[datetime],
    duty: Sequence[Duty],
) -> Barometre:
    """The figures of each period from the activity: ``counts`` of any kind (those out of
    ``[start, end)`` are left out), the first closure of each DansMaRue event, the crews'
    spells on duty. A count stamped at an hour's start stands for that hour: the periods
    start at Paris midnights, whole UTC hours, so an hour never straddles two."""
    cuts = periods(start, end, step)
    starts = [p.start for p in cuts]
    tallies = [_Tally() for _ in cuts]
    total = _Tally()
    for ts, kind, source, category, n in counts:
        if not start <= ts < end:
            continue
        t = tallies[bisect_right(starts, ts) - 1]
        for tally in (t, total):
            if kind == EVENT_CREATED:
                tally.evenements += n
                tally.by_category[category] += n
                if source == SOURCE_3975:
                    tally.appels_3975 += n
            elif kind == CREW_ENGAGED:
                tally.missions += n
            elif kind == CREW_REROUTED:
                tally.missions += n
                tally.deroulements += n
    for ts in dmr_closed:
        if start <= ts < end:
            tallies[bisect_right(starts, ts) - 1].dansmarue_traites += 1
            total.dansmarue_traites += 1

    def crews(a: datetime, b: datetime) -> int:
        return len({cs for cs, since, until in duty if since < b and until > a})

    def figures(t: _Tally, a: datetime, b: datetime) -> Figures:
        return Figures(
            t.missions,
            t.appels_3975,
            t.deroulements,
            t.dansmarue_traites,
            t.evenements,
            crews(a, b),
            dict(t.by_category),
        )

    cats = tuple(c for c, _ in sorted(total.by_category.items(), key=lambda kv: (-kv[1], kv[0])))
    return Barometre(
        start,
        end,
        step,
        tuple((p, figures(t, p.start, p.end)) for p, t in zip(cuts, tallies, strict=True)),
        figures(total, start, end),
        cats,
    )
