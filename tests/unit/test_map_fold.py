"""Perimeters and points of means: commands refuse bad geometry, the fold keeps the rest."""

from __future__ import annotations

from typing import Any

import pytest

from scop import map_commands as mc
from scop.models import fold_map as km
from scop.models.describe import describe
from scop.models.entries import SYSTEM
from scop.room import CommandRefused


def test_circle_around_event_is_journaled_and_folded(demo_room: Any) -> None:
    e = mc.draw_circle(demo_room, 2.3748, 48.8649, 150, event_id="EV-0001", label="BSPP")
    assert e.kind == km.PERIMETER_DRAWN
    per = demo_room.state.perimeters[e.payload["id"]]
    assert (per.shape, per.radius_m, per.event_id, per.label) == (
        "circle",
        150.0,
        "EV-0001",
        "BSPP",
    )
    assert per.author == demo_room.operator.name
    assert describe(e) == f"Périmètre de 150 m autour de EV-0001 ({per.id}) — BSPP"
    second = mc.draw_circle(demo_room, 2.35, 48.86, 50)
    assert second.payload["id"] != e.payload["id"]
    mc.lift_perimeter(demo_room, per.id)
    assert per.id not in demo_room.state.perimeters


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: mc.draw_circle(r, 4.85, 45.76, 100), "hors de Paris"),
        (lambda r: mc.draw_circle(r, 2.35, 48.86, 0), "Rayon"),
        (lambda r: mc.draw_circle(r, 2.35, 48.86, 100, event_id="EV-9999"), "inconnu"),
        (lambda r: mc.draw_polygon(r, [(2.35, 48.86), (2.36, 48.86)]), "trois sommets"),
        (
            lambda r: mc.draw_polygon(r, [(2.35, 48.86), (2.36, 48.86), (2.35, 48.86)]),
            "trois sommets",
        ),
        (lambda r: mc.lift_perimeter(r, "PER-0042"), "inconnu"),
    ],
)
def test_bad_perimeters_are_refused_and_nothing_is_written(
    demo_room: Any, call: Any, message: str
) -> None:
    before = demo_room.state.position
    with pytest.raises(CommandRefused, match=message):
        call(demo_room)
    assert demo_room.state.position == before


def test_polygon_closed_ring_is_kept_open(room: Any) -> None:
    pts = [(2.35, 48.86), (2.36, 48.86), (2.355, 48.87), (2.35, 48.86)]
    e = mc.draw_polygon(room, pts)
    per = room.state.perimeters[e.payload["id"]]
    assert per.points == ((2.35, 48.86), (2.36, 48.86), (2.355, 48.87))
    assert per.to_json()["points"][2] == [2.355, 48.87]


def test_means_placed_and_removed(room: Any) -> None:
    room.acting_as(SYSTEM).record(
        km.MEANS_PLACED,
        {
            "id": "M1",
            "means": "CARE",
            "label": "Mairie du 11e",
            "lon": 2.3795,
            "lat": 48.8585,
            "event_id": None,
        },
    )
    room.acting_as(SYSTEM).record(
        km.MEANS_PLACED, {"id": "M2", "means": "HELICO", "lon": 2.3, "lat": 48.8}
    )
    room.acting_as(SYSTEM).record(
        km.MEANS_PLACED, {"id": "M3", "means": "VPU", "lon": "x", "lat": 48.8}
    )
    assert set(room.state.means) == {"M1"}
    assert room.state.means["M1"].label == "Mairie du 11e"
    room.acting_as(SYSTEM).record(km.MEANS_REMOVED, {"id": "M1"})
    assert room.state.means == {}


def test_snapshot_keeps_map_drawings_apart(room: Any) -> None:
    mc.draw_circle(room, 2.35, 48.86, 80)
    snap = room.state.copy()
    mc.draw_circle(room, 2.36, 48.86, 80)
    assert len(snap.perimeters) == 1
    assert len(room.state.perimeters) == 2


def test_perimeters_at_a_point(room: Any) -> None:
    circle = mc.draw_circle(room, 2.35, 48.86, 100).payload["id"]
    square = mc.draw_polygon(
        room, [(2.30, 48.84), (2.31, 48.84), (2.31, 48.85), (2.30, 48.85)]
    ).payload["id"]
    assert [p.id for p in mc.perimeters_at(room.state, 2.3505, 48.8605)] == [circle]
    assert [p.id for p in mc.perimeters_at(room.state, 2.305, 48.845)] == [square]
    assert mc.perimeters_at(room.state, 2.352, 48.862) == []  # ~250 m from the centre
