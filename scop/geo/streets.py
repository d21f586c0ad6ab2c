"""The street centre lines of Paris (``resources/geo/voies.csv``, ODbL © Ville de Paris),
as polylines a simulated patrol can follow from junction to junction, and as a graph an
engaged crew's route to its event is searched on (A*)."""

from __future__ import annotations

import csv
import heapq
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
SNAP_DEG = 5e-5  # vertices closer than ~4 m are one node of the graph
Node = tuple[int, int]

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

        self._adj: dict[Node, dict[Node, float]] | None = None
        self._nodes: dict[Node, Point] = {}
        self._node_grid: dict[tuple[int, int], list[Node]] = {}

    def __len__(self) -> int:
        return len(self.streets)

    # -- routing ---------------------------------------------------------------------------

    @staticmethod
    def _node(p: Point) -> Node:
        return round(p[0] / SNAP_DEG), round(p[1] / SNAP_DEG)

    def _graph(self) -> dict[Node, dict[Node, float]]:
        if self._adj is None:
            adj: dict[Node, dict[Node, float]] = {}
            for s in self.streets:
                for a, b in zip(s.points, s.points[1:], strict=False):
                    na, nb = self._node(a), self._node(b)
                    if na == nb:
                        continue
                    d = haversine_m(a[0], a[1], b[0], b[1])
                    adj.setdefault(na, {})[nb] = d
                    adj.setdefault(nb, {})[na] = d
                    self._nodes.setdefault(na, a)
                    self._nodes.setdefault(nb, b)
            # Only the main network: a crew must never be routed onto an isolated fragment.
            start = max(adj, key=lambda n: len(adj[n]))
            keep, stack = {start}, [start]
            while stack:
                for m in adj[stack.pop()]:
                    if m not in keep:
                        keep.add(m)
                        stack.append(m)
            self._adj = {n: {m: d for m, d in adj[n].items() if m in keep} for n in keep}
            for n in keep:
                self._node_grid.setdefault(self._cell(self._nodes[n]), []).append(n)
        return self._adj

    def prepare(self) -> StreetNetwork:
        """Build the routing graph now (a second of CPU: call it off the GUI thread)."""
        self._graph()
        return self

    def nearest_node(self, p: Point) -> Node | None:
        self._graph()
        cx, cy = self._cell(p)
        for ring in range(6):
            best: tuple[float, Node] | None = None
            for ix in range(cx - ring, cx + ring + 1):
                for iy in range(cy - ring, cy + ring + 1):
                    if max(abs(ix - cx), abs(iy - cy)) != ring:
                        continue
                    for n in self._node_grid.get((ix, iy), ()):
                        q = self._nodes[n]
                        d = haversine_m(p[0], p[1], q[0], q[1])
                        if best is None or d < best[0]:
                            best = (d, n)
            if best is not None:
                return best[1]
        return None

    def route(self, a: Point, b: Point, max_nodes: int = 60_000) -> list[Point]:
        """The points of a shortest path along the streets from ``a`` to ``b``, ending at
        ``b``; a straight line if either end is off the network."""
        adj = self._graph()
        start, goal = self.nearest_node(a), self.nearest_node(b)
        if start is None or goal is None:
            return [b]
        gx, gy = self._nodes[goal]
        best = {start: 0.0}
        came: dict[Node, Node] = {}
        heap: list[tuple[float, float, Node]] = [(0.0, 0.0, start)]
        done: set[Node] = set()
        while heap and len(done) < max_nodes:
            _f, g, n = heapq.heappop(heap)
            if n == goal:
                break
            if n in done:
                continue
            done.add(n)
            for m, d in adj[n].items():
                ng = g + d
                if ng < best.get(m, math.inf):
                    best[m] = ng
                    came[m] = n
                    mx, my = self._nodes[m]
                    heapq.heappush(heap, (ng + haversine_m(mx, my, gx, gy), ng, m))
        if goal != start and goal not in came:
            return [b]
        path = [goal]
        while path[-1] != start:
            path.append(came[path[-1]])
        return [self._nodes[n] for n in reversed(path)] + [b]

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
