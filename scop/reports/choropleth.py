"""Les cartes de l'observatoire: events counted by arrondissement or quartier, for a period
and a category, from the geodata the console already ships (resources/geo/map, the same
polygons the map draws), so it works offline.

Pure: point-in-polygon by ray casting on the shipped polygons. The map's layer and the PNG
export both paint what :func:`layer_payload` and :func:`count` give; neither counts by itself.
An event is placed once (its position at creation never changes), when first counted:
:class:`Tally` remembers each placement, so a live refresh or a replay seek only filters by
period and category.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from itertools import chain

from scop.clock import local
from scop.models.entries import Entry
from scop.models.nomenclatures import categories, category_label
from scop.resources import resource_path

Ring = tuple[tuple[float, float], ...]  # (lon, lat)
SOURCES_TEXT = (
    "Sources : main courante de la SCOP ; limites administratives © Ville de Paris (ODbL)"
)
# One ramp for the map's layer and the exported picture: the same count has the same colour.
RAMP = ("#fde0c5", "#facba6", "#f59e72", "#e4694d", "#b83b3b")
EMPTY = "#f4f1ea"
# From this zoom of the live map on, the layer counts by quartier. All of Paris fits a map
# 1920 px wide at zoom 13 but not at 13.5: the whole city always shows arrondissements.
QUARTIER_ZOOM = 13.5


class Level(StrEnum):
    ARRONDISSEMENT = "arrondissement"
    QUARTIER = "quartier"


@dataclass(frozen=True, slots=True)
class Area:
    key: int
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each: outer ring, then holes
    bbox: tuple[float, float, float, float]
    at: tuple[float, float]  # (lon, lat) where its count is written

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        return any(
            _in_ring(poly[0], lon, lat) and not any(_in_ring(h, lon, lat) for h in poly[1:])
            for poly in self.polygons
        )


def _in_ring(ring: Ring, x: float, y: float) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _decode(flat: Sequence[int], scale: float) -> Ring:
    out = []
    x = y = 0
    for i in range(0, len(flat), 2):
        x += flat[i]
        y += flat[i + 1]
        out.append((x / scale, y / scale))
    return tuple(out)


def _geo(name: str, key: str) -> object:
    text = resource_path("geo", "map", f"{name}.js").read_text(encoding="utf-8")
    marker = f'SCOP_GEO["{key}"]='
    body = text[text.index(marker) + len(marker) :].rstrip().rstrip(";")
    return json.loads(body)


def _centroid(ring: Ring) -> tuple[float, float, float]:
    """(area, lon, lat) of a ring's surface, by the shoelace formula."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if a == 0:
        return 0.0, ring[0][0], ring[0][1]
    return abs(a) / 2, cx / (3 * a), cy / (3 * a)


def _area(
    key: int,
    name: str,
    poly: list[list[list[int]]],
    scale: float,
    at: tuple[float, float] | None = None,
) -> Area:
    polygons = tuple(tuple(_decode(r, scale) for r in rings) for rings in poly)
    xs = [p[0] for rings in polygons for p in rings[0]]
    ys = [p[1] for rings in polygons for p in rings[0]]
    if at is None:  # the centre of its largest part (the 12e's is not in the Bois)
        _, lon, lat = max(_centroid(rings[0]) for rings in polygons)
        at = (lon, lat)
    return Area(key, name, polygons, (min(xs), min(ys), max(xs), max(ys)), at)


@cache
def areas(level: Level) -> tuple[Area, ...]:
    meta = _geo("meta", "meta")
    scale = float(meta.get("scale", 100000)) if isinstance(meta, dict) else 100000.0
    if level == Level.ARRONDISSEMENT:
        admin = _geo("arrondissements", "admin")
        assert isinstance(admin, dict)
        return tuple(
            _area(int(a["n"]), f"{a['label']} — {a['name']}", a["poly"], scale)
            for a in admin["arrondissements"]
        )
    qs = _geo("quartiers", "quartiers")
    assert isinstance(qs, list)
    return tuple(
        _area(int(q["n"]), str(q["name"]), q["poly"], scale, (float(q["at"][0]), float(q["at"][1])))
        for q in qs
    )


@dataclass(frozen=True, slots=True)
class Choropleth:
    level: Level
    start: datetime
    end: datetime
    category: str  # "" for every category
    counts: dict[int, int]  # area key -> events
    outside: int  # events with no position, or outside Paris's areas
    period_name: str = ""  # what the period is (« Cette vacation, depuis la relève… »), if named

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def matches(category: str, wanted: str) -> bool:
    """« ASB » takes ASB and its subcategories (ASB/ABV)."""
    return not wanted or category == wanted or category.startswith(wanted + "/")


CELL = 0.005  # degrees: a grid over Paris (~40 × 20 cells) says which areas to try


@cache
def _grid(level: Level) -> dict[tuple[int, int], tuple[Area, ...]]:
    """Each cell's areas (those whose box meets it), in the areas' order: a point tries one
    to four polygons rather than all 80 quartiers."""
    cells: dict[tuple[int, int], list[Area]] = {}
    for a in areas(level):
        x0, y0, x1, y1 = a.bbox
        for i in range(int(x0 // CELL), int(x1 // CELL) + 1):
            for j in range(int(y0 // CELL), int(y1 // CELL) + 1):
                cells.setdefault((i, j), []).append(a)
    return {cell: tuple(found) for cell, found in cells.items()}


def locate(lon: float, lat: float, level: Level) -> int | None:
    """The key of the area holding the point, or None outside Paris's areas."""
    tried = _grid(level).get((int(lon // CELL), int(lat // CELL)), ())
    return next((a.key for a in tried if a.contains(lon, lat)), None)


@dataclass(frozen=True, slots=True)
class Created:
    ts: datetime
    category: str
    point: tuple[float, float] | None  # (lon, lat) at creation
    key: str  # the entry's hash: where its point fell is remembered under it


def _created(entries: Iterable[Entry]) -> Iterator[Created]:
    for e in entries:
        if e.kind != "event.created":
            continue
        p = e.payload
        lon, lat = p.get("lon"), p.get("lat")
        point = None
        if isinstance(lon, int | float) and isinstance(lat, int | float):
            point = (float(lon), float(lat))
        yield Created(e.ts, str(p.get("category", "")), point, e.hash)


class Tally:
    """The events created in the journal, each placed in its areas when first counted.

    ``add`` takes entries as they come (live, or a replay's whole journal); ``count`` filters
    by period and category and only then places what it counts, once: switching the layer on
    over a long journal places the period's events, not all of them. ``clear`` forgets the
    events but not where each point fell, so reading the journal again after a replay seek
    costs no point-in-polygon.
    """

    def __init__(self, levels: Sequence[Level] = tuple(Level)) -> None:
        self.levels = tuple(levels)
        self.created: list[Created] = []
        self._where: dict[str, tuple[int | None, ...]] = {}

    def clear(self) -> None:
        self.created = []

    def add(
        self, entries: Iterable[Entry], placed: Mapping[str, tuple[int | None, ...]] | None = None
    ) -> None:
        """``placed``: where events fall, found ahead by :meth:`placements` (in a worker)."""
        self._where.update(placed or {})
        self.created.extend(_created(entries))

    def placements(
        self, entries: Sequence[Entry], start: datetime, end: datetime
    ) -> dict[str, tuple[int | None, ...]]:
        """Where the events of ``[start, end)`` not yet placed fall, among those counted and
        ``entries``: the point-in-polygon work of the next :meth:`count`, done ahead and
        changing nothing here, so a worker thread can run it while the GUI thread reads
        this tally (then :meth:`add` takes both)."""
        out: dict[str, tuple[int | None, ...]] = {}
        for c in chain(list(self.created), _created(entries)):
            if c.point is None or not start <= c.ts < end or c.key in self._where:
                continue
            out[c.key] = tuple(locate(c.point[0], c.point[1], lv) for lv in self.levels)
        return out

    def _place(self, c: Created, point: tuple[float, float]) -> tuple[int | None, ...]:
        where = self._where.get(c.key)
        if where is None:
            where = tuple(locate(point[0], point[1], lv) for lv in self.levels)
            self._where[c.key] = where
        return where

    def count(
        self, start: datetime, end: datetime, category: str, level: Level, period_name: str = ""
    ) -> Choropleth:
        """Events created in ``[start, end)`` of ``category``, by the area holding their place."""
        i = self.levels.index(level)
        counts = dict.fromkeys((a.key for a in areas(level)), 0)
        outside = 0
        for c in self.created:
            if not start <= c.ts < end or not matches(c.category, category):
                continue
            key = None if c.point is None else self._place(c, c.point)[i]
            if key is None:
                outside += 1
            else:
                counts[key] += 1
        return Choropleth(level, start, end, category, counts, outside, period_name)

    def categories(self, start: datetime, end: datetime) -> set[str]:
        return {c.category for c in self.created if start <= c.ts < end}


def count(
    entries: Iterable[Entry], start: datetime, end: datetime, category: str, level: Level
) -> Choropleth:
    """Events created in ``[start, end)`` of ``category``, by the area holding their place."""
    tally = Tally((level,))
    tally.add(entries)
    return tally.count(start, end, category, level)


def classes(maximum: int, n: int = 5) -> list[tuple[int, int]]:
    """Legend classes: ``n`` equal steps from 1 to the maximum (0 is its own class)."""
    if maximum <= 0:
        return []
    step = max(1, -(-maximum // n))
    return [(lo, min(maximum, lo + step - 1)) for lo in range(1, maximum + 1, step)]


def colour_of(n: int, steps: list[tuple[int, int]]) -> str:
    for i, (lo, hi) in enumerate(steps):
        if lo <= n <= hi:
            return RAMP[min(i, len(RAMP) - 1)]
    return EMPTY


def legend_rows(steps: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """(colour, text) from 0 up, as the map's legend and the picture write them."""
    return [(EMPTY, "0")] + [
        (RAMP[min(i, len(RAMP) - 1)], f"{lo} – {hi}" if lo != hi else f"{lo}")
        for i, (lo, hi) in enumerate(steps)
    ]


def category_text(category: str) -> str:
    """« Comportement antisocial (ASB) »; a subcategory names its family too."""
    if not category:
        return "toutes catégories"
    c = categories().get(category)
    if c is None:
        return category
    label = f"{c.parent_label} › {c.label}" if c.parent_label else category_label(category)
    return f"{label} ({category})"


def title(c: Choropleth, mode: str = "live") -> str:
    level = "arrondissement" if c.level == Level.ARRONDISSEMENT else "quartier"
    mark = {"exercise": " — EXERCICE", "demo": " — DÉMO"}.get(mode, "")
    return f"Événements par {level} — {category_text(c.category)}{mark}"


def period_text(c: Choropleth) -> str:
    text = (
        (f"{c.period_name} : " if c.period_name else "")
        + f"du {local(c.start):%d/%m/%Y %H:%M} au {local(c.end):%d/%m/%Y %H:%M} — "
        f"{c.total} événement(s) placé(s)"
        + (f", {c.outside} hors des limites ou sans position" if c.outside else "")
    )
    if c.total == 0:
        text += " — aucun événement sur la période : carte à zéro"
    return text


def layer_payload(by_level: dict[Level, Choropleth], mode: str = "live") -> dict[str, object]:
    """What the map page is sent: per level, each area's count, colour and label point, with
    the legend's rows and texts. The page only draws it."""
    out: dict[str, object] = {"quartier_zoom": QUARTIER_ZOOM, "sources": SOURCES_TEXT}
    for level, c in by_level.items():
        steps = classes(max(c.counts.values(), default=0))
        out[level.value] = {
            "title": title(c, mode),
            "period": period_text(c),
            "total": c.total,
            "outside": c.outside,
            "legend": [[colour, text] for colour, text in legend_rows(steps)],
            "areas": [
                {
                    "k": a.key,
                    "name": a.name,
                    "n": c.counts.get(a.key, 0),
                    "c": colour_of(c.counts.get(a.key, 0), steps),
                    "at": [a.at[1], a.at[0]],
                }
                for a in areas(level)
            ],
        }
    return out


def csv_rows(c: Choropleth) -> list[list[str]]:
    names = {a.key: a.name for a in areas(c.level)}
    return [["Zone", "Événements"]] + [[names[k], str(n)] for k, n in c.counts.items()]
