"""The street centre lines of Paris (``resources/geo/voies.csv``, ODbL © Ville de Paris),
as polylines a simulated patrol can follow from junction to junction."""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scop.geo.area import haversine_m, in_paris
from scop.resources import resource_path

Point = tuple[float, float]  # lon, lat
CELL_DEG = 0.003
JUNCTION_M = 35.0

csv.field_size_limit(10_000_000)


@dataclass(frozen=True, slots=True)
class Street:
    name: str
    points: tuple[Point, ...]


class StreetNetwork:
    def __init__(self, streets: list[Street]) -> None:
        self.streets = [s for s in streets if len(s.points) >= 2]
        self._ends: dict[tuple[int, int], list[tuple[int, bool]]] = {}
        self._vertices: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for n, s in enumerate(self.streets):
            for at_end, p in ((False, s.points[0]), (True, s.points[-1])):
                self._ends.setdefault(self._cell(p), []).append((n, at_end))
            for v, p in enumerate(s.points):
                self._vertices.setdefault(self._cell(p), []).append((n, v))

    def __len__(self) -> int:
        return len(self.streets)

    @staticmethod
    def _cell(p: Point) -> tuple[int, int]:
        return math.floor(p[0] / CELL_DEG), math.floor(p[1] / CELL_DEG)

    def _near(
        self,
        grid: dict[tuple[int, int], list[tuple[int, int]]]
        | dict[tuple[int, int], list[tuple[int, bool]]],
        p: Point,
    ) -> list[tuple[int, int]]:
        cx, cy = self._cell(p)
        out: list[tuple[int, int]] = []
        for ix in (cx - 1, cx, cx + 1):
            for iy in (cy - 1, cy, cy + 1):
                out.extend((a, int(b)) for a, b in grid.get((ix, iy), ()))
        return out

    def next_leg(
        self, p: Point, rng: random.Random, avoid: int | None = None
    ) -> tuple[int, list[Point]]:
        """A street to follow from ``p``: one starting or ending at this junction if any,
        else from the nearest vertex of the nearest street. Returns (street, points)."""
        options = []
        for n, at_end in self._near(self._ends, p):
            s = self.streets[n]
            end = s.points[-1] if at_end else s.points[0]
            if n != avoid and haversine_m(p[0], p[1], end[0], end[1]) <= JUNCTION_M:
                options.append((n, list(reversed(s.points)) if at_end else list(s.points)))
        if options:
            return rng.choice(options)
        best: tuple[float, int, int] | None = None
        for n, v in self._near(self._vertices, p):
            q = self.streets[n].points[v]
            d = haversine_m(p[0], p[1], q[0], q[1])
            if best is None or d < best[0]:
                best = (d, n, v)
        if best is None:
            return -1, []
        _, n, v = best
        pts = list(self.streets[n].points)
        return n, (pts[v:] if rng.random() < 0.5 or v == 0 else list(reversed(pts[: v + 1])))


def read_streets(path: Path) -> list[Street]:
    out: list[Street] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for line, row in enumerate(csv.DictReader(f, delimiter=";"), start=2):
            raw = row.get("Geometry") or ""
            if not raw:
                continue
            try:
                geom = json.loads(raw)
                lines = (
                    [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
                )
            except (ValueError, KeyError, TypeError):
                raise ValueError(f"{path}:{line}: géométrie de voie illisible") from None
            name = row.get("L_LONGMIN") or row.get("L_VOIE") or ""
            for coords in lines:
                pts = tuple((float(x), float(y)) for x, y, *_ in coords)
                if all(in_paris(*pt) for pt in pts):
                    out.append(Street(name, pts))
    return out


@cache
def default_network() -> StreetNetwork:
    return StreetNetwork(read_streets(resource_path("geo", "voies.csv")))
