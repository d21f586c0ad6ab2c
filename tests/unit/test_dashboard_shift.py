"""« Cette vacation » in the dashboard: since the relève the incoming chief acknowledged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scop.models.fold_duty import Handover
from scop.models.state import RoomState
from scop.reports.dashboard import shift_name, shift_start

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def relieve(state: RoomState, hid: str, drafted: datetime, taken: datetime | None) -> None:
    state.handovers[hid] = Handover(
        id=hid,
        drafted_position=1,
        drafted_at=drafted,
        outgoing="Cdt. Morel",
        summary={},
        text="",
        acknowledged_position=2 if taken else 0,
        acknowledged_at=taken,
        incoming="Cne Lenoir" if taken else "",
    )


def test_the_shift_begins_at_the_last_relieve_taken() -> None:
    state = RoomState()
    assert shift_start(state, NOW) == NOW - timedelta(hours=12)  # no relève: the last 12 h
    relieve(state, "R1", NOW - timedelta(hours=26), NOW - timedelta(hours=25))
    assert shift_start(state, NOW) == NOW - timedelta(hours=12)  # over a day ago: not this one
    taken = NOW - timedelta(hours=13, minutes=30)  # a long shift: its start, not 12 h
    relieve(state, "R2", taken - timedelta(minutes=20), taken)
    assert shift_start(state, NOW) == taken
    relieve(state, "R3", NOW - timedelta(hours=1), None)  # drafted, not yet taken: still R2
    assert shift_start(state, NOW) == taken
    later = NOW - timedelta(hours=2)
    relieve(state, "R4", later - timedelta(minutes=5), later)
    assert shift_start(state, NOW) == later
    assert shift_start(state, later - timedelta(minutes=1)) == taken  # a replay before R4


def test_the_shift_says_why_it_begins_there() -> None:
    """The observatoire map's legend names the period: the relève and who took it, or the
    fallback when there was none in the day."""
    state = RoomState()
    assert shift_name(state, NOW) == (
        "Cette vacation (aucune relève depuis 24 h : les 12 dernières heures)"
    )
    relieve(state, "R1", NOW - timedelta(hours=3), NOW - timedelta(hours=2))
    assert (
        shift_name(state, NOW) == "Cette vacation, depuis la relève prise en compte par Cne Lenoir"
    )
    assert shift_name(state, NOW + timedelta(hours=23)).startswith("Cette vacation (aucune")
