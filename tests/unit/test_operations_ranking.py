"""Ranking crews by estimated time of arrival: distance along the streets and mode."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from scop.geo.area import haversine_m, in_paris
from scop.models.entities import Crew, Event
from scop.models.state import RoomState
from scop.operations.ranking import DETOUR_FACTOR, rank_crews, rank_for_reroute

EVENT_AT = (2.3522, 48.8566)  # Hôtel de Ville


def _state(clock: Any, *crews: Crew) -> RoomState:
    st = RoomState()
    st.crews = {c.call_sign: c for c in crews}
    st.events["E1"] = Event(
        "E1",
        "FIR",
        "Feu",
        4,
        "nouveau",
        "appel_3975",
        clock.now(),
        lon=EVENT_AT[0],
        lat=EVENT_AT[1],
    )
    return st


def _crew(cs: str, mode: str, metres_north: float, clock: Any, **kw: Any) -> Crew:
    return Crew(
        cs,
        "Division Centre",
        mode,
        lon=EVENT_AT[0],
        lat=EVENT_AT[1] + metres_north / 111_195.0,
        position_ts=clock.now(),
        **kw,
    )


def test_haversine_matches_a_known_distance() -> None:
    # Notre-Dame to the Arc de Triomphe: about 4.6 km as the crow flies.
    assert haversine_m(2.3499, 48.8530, 2.2950, 48.8738) == pytest.approx(4_630, rel=0.02)
    assert in_paris(2.35, 48.85)
    assert not in_paris(4.83, 45.76)
    assert not in_paris(48.85, 2.35)


def test_a_vehicle_far_away_beats_a_foot_patrol_a_little_less_far(clock: Any) -> None:
    st = _state(
        clock,
        _crew("P1", "pied", 1500, clock),
        _crew("V1", "vehicule", 2500, clock),
        _crew("B1", "velo", 2000, clock),
    )
    ranked = rank_crews(st, st.events["E1"], clock.now())
    assert [s.call_sign for s in ranked] == ["V1", "B1", "P1"]
    foot = ranked[2]
    assert foot.distance_m == pytest.approx(1500 * DETOUR_FACTOR, rel=0.01)
    assert foot.eta_s == pytest.approx(1500 * DETOUR_FACTOR / 1.4, rel=0.01)


def test_a_foot_patrol_next_door_beats_any_vehicle(clock: Any) -> None:
    st = _state(clock, _crew("P1", "pied", 80, clock), _crew("V1", "vehicule", 1500, clock))
    assert rank_crews(st, st.events["E1"], clock.now())[0].call_sign == "P1"


def test_only_available_located_crews_and_stale_positions_last(clock: Any) -> None:
    old = clock.now() - timedelta(minutes=5)
    st = _state(
        clock,
        _crew("V1", "vehicule", 100, clock, status="engage"),
        _crew("V2", "vehicule", 200, clock, status="indisponible"),
        replace(_crew("V3", "vehicule", 300, clock), position_ts=old),
        _crew("V4", "vehicule", 3000, clock),
        Crew("V5", "Division Centre", "vehicule"),
    )
    ranked = rank_crews(st, st.events["E1"], clock.now())
    assert [(s.call_sign, s.stale) for s in ranked] == [("V4", False), ("V3", True)]
    assert ranked[0].eta_label.endswith(" s")
    assert "min" in ranked[0].eta_label


def test_event_without_position_has_no_suggestion(clock: Any) -> None:
    st = _state(clock, _crew("V1", "vehicule", 100, clock))
    st.events["E1"] = replace(st.events["E1"], lon=None, lat=None)
    assert rank_crews(st, st.events["E1"], clock.now()) == []


def test_reroute_candidates_are_engaged_on_less_grave_events(clock: Any) -> None:
    st = _state(
        clock,
        _crew("V1", "vehicule", 500, clock, status="engage", event_id="E2"),
        _crew("V2", "vehicule", 400, clock, status="engage", event_id="E3"),
        _crew("V3", "vehicule", 300, clock, status="sur_les_lieux", event_id="E2"),
    )
    st.events["E2"] = replace(st.events["E1"], id="E2", gravity=2)
    st.events["E3"] = replace(st.events["E1"], id="E3", gravity=4)
    assert [s.call_sign for s in rank_for_reroute(st, st.events["E1"], clock.now())] == ["V1"]
