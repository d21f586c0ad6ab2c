"""Replay determinism: the state replayed at T is the state a live workstation had at T."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scop.clock import ManualClock
from scop.journal.export import export_journal
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.models.state import RoomState
from scop.replay.engine import ReplayEngine
from scop.replay.generate import generate_shift, play_live
from scop.replay.source import SourceError, open_source
from scop.room import Room

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
HOURS = 1.5


class Recorded:
    def __init__(self, tmp: Path) -> None:
        self.url = f"sqlite:///{tmp / 'live.sqlite'}"
        clock = ManualClock(START)
        store = JournalStore.open(self.url, clock)
        room = Room(store, clock, Operator("A. Martin"))
        self.times: list[datetime] = []
        self.states: list[RoomState] = []

        def record() -> None:
            t = clock.now()
            if self.times and self.times[-1] == t:
                self.states[-1] = room.state.copy()
            else:
                self.times.append(t)
                self.states.append(room.state.copy())

        shift = generate_shift(
            START, hours=HOURS, crews=24, events_per_hour=60, fix_period=20, seed=7
        )
        play_live(room, clock, shift, record)
        store.close()

    def live_at(self, t: datetime) -> RoomState:
        return self.states[bisect_right(self.times, t) - 1]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return Recorded(tmp_path_factory.mktemp("shift"))


@pytest.fixture(scope="module")
def engine(recorded: Recorded) -> ReplayEngine:
    src = open_source(recorded.url, ManualClock())
    try:
        return ReplayEngine.from_store(src.store, snapshot_every=37)
    finally:
        src.close()


def test_generated_shift_is_a_real_shift(recorded: Recorded, engine: ReplayEngine) -> None:
    final = recorded.states[-1]
    assert len(engine.entries) == final.position > 300
    assert engine.positions.count > 1500
    assert len(final.crews) == 24
    assert any(ev.status == "clos" for ev in final.events.values())
    assert any(c.position_ts is not None and c.position_ts > START for c in final.crews.values())
    assert {m.lane for m in engine.marks} >= {"evenement"}


offsets = st.integers(min_value=0, max_value=int(HOURS * 3600 * 1_000_000) + 5_000_000)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(us=offsets)
def test_seek_gives_the_live_state(recorded: Recorded, engine: ReplayEngine, us: int) -> None:
    t = START + timedelta(microseconds=us)
    if t < recorded.times[0]:
        return
    assert engine.state_at(t) == recorded.live_at(t)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(offsets, min_size=1, max_size=8))
def test_playback_forward_gives_the_live_state(
    recorded: Recorded, engine: ReplayEngine, steps: list[int]
) -> None:
    """Seek once, then play forward in increments, as the timeline does."""
    steps = sorted(steps)
    t = max(START + timedelta(microseconds=steps[0]), recorded.times[0])
    proj = engine.entries_state(engine.position_at(t))
    engine.advance(proj, t)
    assert proj.state == recorded.live_at(t)
    for us in steps[1:]:
        t2 = max(START + timedelta(microseconds=us), t)
        engine.advance(proj, t2)
        assert proj.state == recorded.live_at(t2)
        t = t2


def test_seek_exactly_on_entries_and_fixes(recorded: Recorded, engine: ReplayEngine) -> None:
    for t in recorded.times[:: max(1, len(recorded.times) // 50)]:
        assert engine.state_at(t) == recorded.live_at(t)
        assert (
            engine.state_at(t - timedelta(microseconds=1))
            == recorded.live_at(t - timedelta(microseconds=1))
            or t == recorded.times[0]
        )


def test_export_file_replays_like_the_database(
    recorded: Recorded, engine: ReplayEngine, tmp_path: Path
) -> None:
    src = open_source(recorded.url, ManualClock())
    out = tmp_path / "vacation.jsonl.gz"
    try:
        export_journal(src.store, out)
    finally:
        src.close()
    from_file = open_source(str(out), ManualClock())
    try:
        assert from_file.store.readonly
        other = ReplayEngine.from_store(from_file.store)
        t = START + timedelta(minutes=47, seconds=3)
        assert other.state_at(t) == engine.state_at(t) == recorded.live_at(t)
    finally:
        from_file.close()
    assert not Path(str(from_file.temp_dir)).exists()


def test_altered_export_is_refused(recorded: Recorded, tmp_path: Path) -> None:
    src = open_source(recorded.url, ManualClock())
    out = tmp_path / "vacation.jsonl"
    try:
        export_journal(src.store, out, with_positions=False)
    finally:
        src.close()
    lines = out.read_text(encoding="utf-8").splitlines()
    lines[5] = (
        lines[5]
        .replace("Prise de service", "Prise  de service")
        .replace('"equipage"', '"operateur"', 1)
    )
    lines[5] = lines[5].replace('"heading":0', '"heading":1')
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match="altéré"):
        open_source(str(out), ManualClock())


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="introuvable"):
        open_source(str(tmp_path / "nope.jsonl"), ManualClock())
