"""Cycles of Qt objects die on the GUI thread, even when a worker thread is the one allocating.

A worker (the address base loader, ``asyncio.to_thread``) that allocates past Python's
threshold used to run the cyclic collector itself, and finalize there the PySide6 wrappers
of widgets left in reference cycles: their QObjects deleted off the GUI thread, a segfault."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import weakref
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from scop.ui.gui_gc import GuiGarbageCollector


def _leave_widgets_in_cycles(n: int, died_on_gui_thread: list[bool]) -> None:
    def died() -> None:
        died_on_gui_thread.append(threading.current_thread() is threading.main_thread())

    for _ in range(n):
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(QPushButton("Valider"))
        lay.addWidget(QLineEdit())
        QTimer(w).start(5)
        w.me = w  # type: ignore[attr-defined]  # the cycle: only the cyclic collector frees it
        weakref.finalize(w, died)


def _load_in_a_worker() -> list[list[Any]]:
    """Long-lived allocations, like the address base (kept: freed ones would lower the count
    again): far past the young threshold."""
    base: list[list[Any]] = []

    def load() -> None:
        base.extend([i, str(i)] for i in range(200_000))

    worker = threading.Thread(target=load, name="adresses-test")
    worker.start()
    worker.join()
    return base


def test_cycles_die_on_the_gui_thread_not_in_the_allocating_worker(
    qtbot: Any, gui_gc: GuiGarbageCollector
) -> None:
    assert not gc.isenabled()
    gc.collect()  # start from empty young generations: nothing collects before the worker runs
    died_on_gui_thread: list[bool] = []
    _leave_widgets_in_cycles(20, died_on_gui_thread)

    base = _load_in_a_worker()

    assert died_on_gui_thread == []  # the worker collected nothing
    qtbot.waitUntil(lambda: len(died_on_gui_thread) == 20, timeout=5000)  # the next ticks did
    assert all(died_on_gui_thread)
    assert len(base) == 200_000
    assert sum(gui_gc.collections) > 0


def test_a_tick_collects_only_what_python_would_have(gui_gc: GuiGarbageCollector) -> None:
    gc.collect()
    assert gui_gc.check() == -1  # below the young threshold: no pause at all
    young, middle, _old = gc.get_threshold()
    keep = [[i] for i in range(young + 1)]
    assert gui_gc.check() == 0  # a young collection, not a full one
    for _ in range(middle + 1):
        keep += [[i] for i in range(young + 1)]
        gui_gc.check()
    assert gc.get_count()[1] <= middle  # the middle generation was collected in turn


def _run_fresh(code: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh offscreen Python: its collector, its frozen heap, not this one's."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr
    return out


def test_the_console_start_up_installs_it() -> None:
    """Every mode (live, DÉMO, EXERCICE, replay, --screenshot) builds its QApplication
    through ``qt_application``; a fresh process, since this one's collector is already on."""
    code = (
        "import gc; from scop.app import qt_application; qt_application(headless=True); "
        "print(gc.isenabled())"
    )
    out = _run_fresh(code, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_the_address_base_joins_the_frozen_heap_once_loaded() -> None:
    """The console freezes its heap at start-up (``settle_console_heap``), before the address
    base has loaded in its worker; once loaded, a tick freezes again, so that no full
    collection walks its 158,000 addresses. A fresh process: freezing this one would keep the
    other tests' objects out of the collector."""
    code = """
import gc, time
from scop.app import qt_application, settle_console_heap
from scop.geo import addresses
from scop.ui.gui_gc import install_gui_gc
app = qt_application(headless=True)
settle_console_heap()
frozen = gc.get_freeze_count()
collector = install_gui_gc()
end = time.monotonic() + 50
while collector.settled == 0 and time.monotonic() < end:
    app.processEvents()
    time.sleep(0.01)
index = addresses.loaded_index()
tracked = {id(o) for o in gc.get_objects()}
kept = [index.labels, index._keys, index._grid, index._street_entries]
cells = len(index._grid) + len(index._street_entries)
print(len(index), cells, gc.get_freeze_count() - frozen, sum(id(o) in tracked for o in kept))
"""
    out = _run_fresh(code, timeout=90)
    size, containers, newly_frozen, still_walked = map(int, out.stdout.split()[-4:])
    assert size > 100_000
    # its strings and arrays are no collector's business; its grid's cells and its streets
    # are, and all of them are frozen now
    assert newly_frozen > containers > 1000
    assert still_walked == 0
