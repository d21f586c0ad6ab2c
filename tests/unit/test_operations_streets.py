"""The street network of the simulator: patrols stay on the streets, engaged crews take a
route along them (A*) at realistic speeds with headings."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from scop import operations as ops
from scop.geo.area import haversine_m
from scop.geo.streets import StreetNetwork, default_network
from scop.protocols.feed_sim import URGENT_SPEED, CrewSimulator
from scop.room import Room


@pytest.fixture(scope="module")
def streets() -> StreetNetwork:
    return default_network().prepare()


def _length(points: list[tuple[float, float]]) -> float:
    return sum(haversine_m(*a, *b) for a, b in itertools.pairwise(points))


def test_route_follows_the_streets(streets: StreetNetwork) -> None:
    a, b = (2.3347, 48.8627), (2.3748, 48.8649)  # Louvre to rue Oberkampf
    route = streets.route(a, b)
    assert route[-1] == b
    assert len(route) > 20  # many street vertices, not a straight line
    crow = haversine_m(*a, *b)
    assert crow < _length([a, *route]) < 1.6 * crow
    for p in route[:-1]:  # every point but the destination is a street vertex
        assert streets.nearest_node(p) is not None


def test_patrol_stays_near_street_vertices(streets: StreetNetwork) -> None:
    rng = random.Random(4)
    _n, leg = streets.next_leg((2.3522, 48.8566), rng)
    assert len(leg) >= 2
    assert haversine_m(*leg[0], 2.3522, 48.8566) < 300


def test_engaged_crew_drives_its_route_and_reports_on_scene(
    demo_room: Room, streets: StreetNetwork
) -> None:
    ev_id = ops.create_event(
        demo_room,
        source="appel_3975",
        category="FIR",
        gravity=4,
        address="52 Rue Oberkampf, 75011 Paris",
        lon=2.37282,
        lat=48.864649,
    )
    ops.engage(demo_room, "V01-1", ev_id)
    sim = CrewSimulator(streets)
    now = demo_room.clock.now()
    crew = demo_room.state.crews["V01-1"]
    start = (crew.lon, crew.lat)
    positions: list[tuple[float, float]] = []
    headings: set[Any] = set()
    seconds = 0
    while True:
        seconds += 1
        assert seconds < 600, "never arrived"
        fixes, reports = sim.step(demo_room.state, now, 1.0)
        fix = next(f for f in fixes if f.call_sign == "V01-1")
        positions.append((fix.lon, fix.lat))
        headings.add(round(fix.heading or 0))
        assert fix.speed == URGENT_SPEED["vehicule"]
        if ("V01-1", "sur_les_lieux") in [(r.call_sign, r.status) for r in reports]:
            break
    travelled = _length([start, *positions])
    # Each second covers the urgent speed, except the last, cut short at the door.
    assert travelled <= URGENT_SPEED["vehicule"] * seconds + 1
    assert travelled >= URGENT_SPEED["vehicule"] * (seconds - 1) * 0.95
    assert travelled > haversine_m(*start, 2.37282, 48.864649)  # streets, not a beeline
    assert len(headings) > 3  # it turned at junctions
