"""Pauses of the GUI-thread garbage collector (scop/ui/gui_gc.py) in a console at work.

    python bench/gui_gc.py [--seconds S]

Builds the console as ``scop`` does in DÉMO (qt_application, demo room seeded,
settle_console_heap, the main window with every dock, the address base loaded), offscreen, then:
- times young, middle and full collections with 10 000 fresh cyclic objects to collect, first
  before the window exists (the baseline, same process: the room folded and the address base
  loaded, both frozen) and then with the whole console;
- runs the event loop for S seconds while a worker thread keeps allocating (the load the
  collector must absorb) and reports the collector's ticks and its longest pause.
The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def collect_ms(generation: int, reps: int = 5) -> list[float]:
    out = []
    for _ in range(reps):
        junk: list[Any] = []
        for _ in range(10_000):
            a: list[Any] = []
            a.append(a)  # a cycle: only the collector frees it
            junk.append(a)
        del junk
        t = time.perf_counter()
        gc.collect(generation)
        out.append((time.perf_counter() - t) * 1000)
    return out


def pauses() -> dict[str, float]:
    return {f"gen{g}_ms": round(statistics.median(collect_ms(g)), 2) for g in (0, 1, 2)}


def spin(app: Any, seconds: float, until: Any = None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.005)


def run_loop(app: Any, collector: Any, seconds: float, churn: bool) -> dict[str, Any]:
    """The event loop for ``seconds``, optionally with a worker making cyclic garbage (far more
    than the console's own workers do: the worst case for the pause)."""
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            junk: list[Any] = []
            for i in range(1_000):
                x: list[Any] = [i]
                x.append(x)
                junk.append(x)
            time.sleep(0.001)

    collector.longest_ms = 0.0
    collector.collections = [0, 0, 0]
    worker = threading.Thread(target=work, name="churn")
    if churn:
        worker.start()
    spin(app, seconds)
    stop.set()
    if churn:
        worker.join()
    return {
        "young": collector.collections[0],
        "middle": collector.collections[1],
        "full": collector.collections[2],
        "longest_ms": round(collector.longest_ms, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    a = ap.parse_args()

    from scop.app import qt_application

    app = qt_application(headless=True)

    from scop.app import settle_console_heap
    from scop.clock import SystemClock
    from scop.demo import DEMO_ACCOUNT, seed_demo
    from scop.geo import addresses
    from scop.journal.store import JournalStore
    from scop.procedures.loader import load_library
    from scop.procedures.runner import ProcedureRunner
    from scop.room import open_room
    from scop.ui import gui_gc
    from scop.ui.context import Notices, RoomBridge, Selection, UiContext
    from scop.ui.main_window import MainWindow

    collector = gui_gc.install_gui_gc()
    with tempfile.TemporaryDirectory() as d:
        clock = SystemClock()
        store = JournalStore.open(f"sqlite:///{Path(d) / 'demo.sqlite'}", clock)
        room = open_room(store, clock, DEMO_ACCOUNT, mode="demo", label="Salle de démonstration")
        seed_demo(room)
        settle_console_heap()  # as scop does: the address base is frozen too once loaded
        spin(app, 90, lambda: collector.settled > 0)
        print(f"base d'adresses chargée et figée ; objets suivis : {len(gc.get_objects())}")
        base = pauses()
        print(f"sans fenêtre : {base}")

        ctx = UiContext(
            room,
            RoomBridge(room),
            Notices(),
            Selection(),
            procedures=ProcedureRunner(room, load_library()),
        )
        collector.longest_ms = 0.0
        window = MainWindow(ctx)
        window.resize(1920, 1080)
        window.show()
        spin(app, 90, lambda: window.all_docks_ready() and addresses.loaded_index() is not None)
        startup_ms = round(collector.longest_ms, 1)
        print(
            f"démarrage (docks + base d'adresses en thread) : pause la plus longue {startup_ms} ms"
        )
        console = pauses()
        print(f"console (fenêtre + base d'adresses) : {console}")
        print(f"objets suivis par le collecteur : {len(gc.get_objects())}")
        loop = {"idle": run_loop(app, collector, a.seconds, churn=False)}
        print(f"{a.seconds:.0f} s de console au repos : {loop['idle']}")
        for tick in (gui_gc.TICK_MS, 4 * gui_gc.TICK_MS):
            collector.set_interval(tick)
            got = loop[f"worker_tick{tick}"] = run_loop(app, collector, a.seconds, churn=True)
            print(f"{a.seconds:.0f} s, un thread qui alloue, tick {tick} ms : {got}")
        collector.set_interval(gui_gc.TICK_MS)
        ctx.bridge.stop()
        window.close()
        store.close()
    ratio = round(console["gen2_ms"] / base["gen2_ms"], 2) if base["gen2_ms"] else None
    print(
        json.dumps(
            {
                "baseline": base,
                "console": console,
                "full_ratio_console_vs_baseline": ratio,
                "startup_longest_ms": startup_ms,
                "loop": loop,
                "seconds": a.seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
