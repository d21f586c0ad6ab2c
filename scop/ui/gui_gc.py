"""Python's cyclic garbage collector, run on the GUI thread only.

Python runs an automatic collection in whichever thread happens to allocate past the
threshold. Every worker thread of the console allocates (the address base loader, the
executor behind ``asyncio.to_thread``/``run_in_executor``…), so a collection could start
there and finalize PySide6 wrappers caught in reference cycles, deleting their QObjects
(widgets of a closed dialog, a dock's models…) outside the GUI thread: a segmentation fault
in the middle of a shift. In tests/ui a short window test followed by a qasync test
crashed that way 2 times in 3.

The known remedy for PySide/PyQt (pyqtgraph ships the same ``GarbageCollector``): turn the
automatic collector off and collect from a QTimer, i.e. on the GUI thread, with Python's own
thresholds (read at each tick, so ``scop.room.settle_heap``'s tuning still applies). Worker
threads keep freeing their objects by reference counting as before; only cycles wait for
the next tick.
"""

from __future__ import annotations

import gc
import logging
import time
from concurrent.futures import Future
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer

from scop.room import settle_heap

log = logging.getLogger(__name__)

# A young collection at most this long after the threshold is passed. The pause grows with
# the garbage made meanwhile (bench/gui_gc.py: 4x longer tick, ~2x longer worst pause under a
# worker making garbage); an idle check costs microseconds.
TICK_MS = 50
SLOW_MS = 50.0  # a pause this long, and the longest so far, is worth a debug line
FROZEN_MS = 500.0  # a pause a person notices (the console froze): a warning in the log


class GuiGarbageCollector(QObject):
    """Install once per process, after the QApplication exists (``install_gui_gc``)."""

    def __init__(self, interval_ms: int = TICK_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.longest_ms = 0.0  # the longest pause so far, for bench/ and the log
        self.collections = [0, 0, 0]
        self.settled = 0  # heaps frozen again by a tick (settle_after)
        self._settle_pending = False  # raised from a worker thread, honoured by a tick
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def set_interval(self, interval_ms: int) -> None:
        self._timer.setInterval(interval_ms)

    def stop(self) -> None:
        """Give the automatic collector back (tests that install their own, shutdown)."""
        self._timer.stop()
        gc.enable()

    def settle_after(self, future: Future[Any]) -> None:
        """Freeze the heap again (``scop.room.settle_heap``) once ``future`` is done: what a
        worker loads after start-up's freeze and keeps for the process's life (the address
        base, 158,000 addresses) was otherwise walked by every full collection, ~30 ms each
        (bench/gui_gc.py). The done callback runs in the worker and only raises a flag; the
        next tick freezes, here, since the collection before the freeze may finalize Qt
        wrappers and must not run in the worker."""
        future.add_done_callback(self._loaded)

    def _loaded(self, _future: Future[Any]) -> None:
        self._settle_pending = True

    def check(self) -> int:
        """One tick: the generations Python would have collected by now, oldest first (a full
        collection and a freeze if a load given to ``settle_after`` has finished)."""
        if self._settle_pending:
            self._settle_pending = False
            started = time.perf_counter()
            settle_heap()
            pause = (time.perf_counter() - started) * 1000
            self.settled += 1
            self.collections[2] += 1
            log.debug("tas figé de nouveau après un chargement : pause de %.0f ms", pause)
            self.longest_ms = max(self.longest_ms, pause)
            return 2
        young, middle, old = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        if count0 <= young:
            return -1
        generation = 0  # as CPython decides: the oldest generation past its threshold
        if count1 > middle:
            generation = 2 if count2 > old else 1
        started = time.perf_counter()
        gc.collect(generation)
        pause = (time.perf_counter() - started) * 1000
        self.collections[generation] += 1
        if pause > FROZEN_MS:
            log.warning("ramasse-miettes (génération %d) : pause de %.0f ms", generation, pause)
        elif pause > max(SLOW_MS, self.longest_ms):
            log.debug("ramasse-miettes (génération %d) : pause de %.0f ms", generation, pause)
        self.longest_ms = max(self.longest_ms, pause)
        return generation


_installed: GuiGarbageCollector | None = None


def install_gui_gc(interval_ms: int = TICK_MS) -> GuiGarbageCollector:
    """Collect cycles on the GUI thread from now on (idempotent: one collector per process).
    Call from the GUI thread once the QApplication exists; the timer ticks in any Qt event
    loop (a login dialog's, qasync's, a test's ``qtbot.wait``)."""
    global _installed
    if _installed is None or not shiboken6.isValid(_installed):
        # owned by the application: it goes with it, never after it from a dying interpreter
        _installed = GuiGarbageCollector(interval_ms, QCoreApplication.instance())
    _installed.start()
    return _installed


def settle_after(future: Future[Any]) -> None:
    """Freeze the heap again once ``future`` is done, by the collector installed (the console
    installs one in ``scop.app.qt_application``; without one, nothing to do)."""
    if _installed is not None and shiboken6.isValid(_installed):
        _installed.settle_after(future)
