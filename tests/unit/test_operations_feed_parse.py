"""Parsing GEO-POS feed messages: good positions through, each bad one refused with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from scop.models.entities import PositionFix
from scop.protocols.crew_feed import check_url, encode_positions, parse_message, resource_id

KNOWN = {"V11-1", "B03-1"}
T = datetime(2026, 11, 23, 7, 0, 5, tzinfo=UTC)


def _pos(cs: str = "V11-1", lon: float = 2.3748, lat: float = 48.8649, **kw: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "resourceId": resource_id(cs),
        "datetime": "2026-11-23T07:00:05+00:00",
        "coord": {"lat": lat, "lon": lon},
    }
    item.update(kw)
    return item


def _parse(msg: Any) -> Any:
    raw = msg if isinstance(msg, str) else json.dumps(msg)
    return parse_message(raw, KNOWN.__contains__)


def test_round_trip_through_the_geo_pos_encoding() -> None:
    fixes = [
        PositionFix("V11-1", T, 2.3748, 48.8649, 90.0, 5.0),
        PositionFix("B03-1", T, 2.36, 48.864, None, None),
    ]
    result = _parse(encode_positions(fixes))
    assert result.problems == []
    assert result.fixes[0] == PositionFix("V11-1", T, 2.3748, 48.8649, 90.0, pytest.approx(5.0))
    assert result.fixes[1].heading is None
    assert result.fixes[1].speed is None


def test_speed_in_kmh_becomes_metres_per_second() -> None:
    [fix] = _parse({"position": [_pos(speed=36.0, cap=370.0)]}).fixes
    assert fix.speed == pytest.approx(10.0)
    assert fix.heading == pytest.approx(10.0)


def test_one_bad_position_does_not_drop_the_others() -> None:
    result = _parse(
        {
            "position": [
                _pos("V11-1"),
                _pos("X99-9"),
                _pos("B03-1", lon=4.83, lat=45.76),
                _pos("B03-1", datetime="hier"),
                {"resourceId": resource_id("B03-1"), "coord": {"lat": 48.86, "lon": 2.35}},
                _pos("B03-1", lon=2.36),
            ]
        }
    )
    assert [f.call_sign for f in result.fixes] == ["V11-1", "B03-1"]
    assert result.unknown_crew == [
        f"position d'un équipage qui n'est pas en service : X99-9 ({resource_id('X99-9')})"
    ]
    assert "hors de Paris" in result.outside_area[0]
    assert len(result.malformed) == 2
    assert "position n° 4" in result.malformed[0]
    assert "position n° 5" in result.malformed[1]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "JSON invalide"),
        ("[1, 2, 3]", "sans liste"),
        ('{"positions": []}', "sans liste"),
        ('{"position": [], "extra": 1}', "champs inconnus"),
        (b"\xff\xfe", "JSON invalide"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(raw: Any, reason: str) -> None:
    result = parse_message(raw, KNOWN.__contains__)
    assert result.fixes == []
    assert reason in result.malformed[0]


def test_plain_ws_only_on_loopback() -> None:
    assert check_url("ws://127.0.0.1:8765") == "ws://127.0.0.1:8765"
    assert check_url("wss://flux.example.org/geo")
    with pytest.raises(ValueError, match="hors boucle locale"):
        check_url("ws://10.0.0.5:8765")
    with pytest.raises(ValueError, match="websocket"):
        check_url("http://127.0.0.1:8765")


def test_a_position_from_the_future_is_refused() -> None:
    msg = json.dumps({"position": [_pos(datetime="2026-11-23T07:10:00+00:00"), _pos()]})
    result = parse_message(msg, KNOWN.__contains__, now=T)
    assert [f.ts for f in result.fixes] == [T]
    assert "dans le futur" in result.malformed[0]
    assert parse_message(msg, KNOWN.__contains__).problems == []  # without a clock: kept
