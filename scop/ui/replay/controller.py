"""Replay in the console: the room's clock and state follow the timeline.

A seek sets the room's :class:`ManualClock` to T, replaces the projection's state with the
engine's state at T and emits ``bridge.reset``: every dock refreshes from state, as it does
after an exercise fork. Playback folds forward in place and emits ``bridge.changed`` with
the entries and fixes of the step, exactly as live sync would have.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from scop.clock import ManualClock
from scop.replay.engine import ReplayEngine
from scop.room import Change
from scop.ui.context import UiContext

SPEEDS: tuple[tuple[str, float | None], ...] = (
    ("×1", 1.0),
    ("×2", 2.0),
    ("×5", 5.0),
    ("×10", 10.0),
    ("×30", 30.0),
    ("×60", 60.0),
    ("Au plus vite", None),
)
FAST_STEP = 25  # entries per tick "as fast as possible": the docks keep up, the eye follows


class ReplayController(QObject):
    time_changed = Signal(object)  # datetime
    playing_changed = Signal(bool)

    def __init__(
        self,
        ctx: UiContext,
        engine: ReplayEngine,
        clock: ManualClock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.engine = engine
        self.clock = clock
        self.speed: float | None = 10.0
        self.playing = False
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.last_seek_ms = 0.0

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def seek(self, t: datetime) -> None:
        started = time.perf_counter()
        t = self.engine.clamp(t)
        self.clock.set(t)
        self.ctx.room.projection.state = self.engine.state_at(t)
        self.ctx.bridge.reset.emit()
        self.last_seek_ms = (time.perf_counter() - started) * 1000
        self.time_changed.emit(t)

    def step_next(self) -> None:
        nxt = self.engine.next_entry_time(self.now)
        if nxt is not None:
            self._advance_to(nxt)

    def set_speed(self, speed: float | None) -> None:
        self.speed = speed

    def play(self) -> None:
        if self.playing:
            return
        if self.now >= self.engine.end:
            self.seek(self.engine.start)
        self.playing = True
        self._last = time.monotonic()
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self.playing = False
        self._timer.stop()
        self.playing_changed.emit(False)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def _tick(self) -> None:
        now_real = time.monotonic()
        dt, self._last = now_real - self._last, now_real
        if self.speed is None:
            p = self.ctx.room.state.position + FAST_STEP
            target = self.engine.entry_time(p) if p <= len(self.engine.entries) else self.engine.end
        else:
            target = self.now + timedelta(seconds=dt * self.speed)
        self.advance_to(target)

    def advance_to(self, t: datetime) -> None:
        self._advance_to(t)

    def _advance_to(self, t: datetime) -> None:
        t = self.engine.clamp(t)
        if t < self.now:
            self.seek(t)
            return
        self.clock.set(t)
        entries, fixes = self.engine.advance(self.ctx.room.projection, t)
        if entries or fixes:
            self.ctx.bridge.changed.emit(Change(entries, fixes))
        self.time_changed.emit(t)
        if t >= self.engine.end:
            self.pause()

    def stop(self) -> None:
        self._timer.stop()
