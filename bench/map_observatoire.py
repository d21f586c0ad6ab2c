"""The observatoire layer's first switch-on: how long the GUI thread stops.

A 24 h generated shift (the generator's usual volume, positions sparse) opened in replay at its
end, the map dock shown offscreen and its page ready. Each round starts from a layer never
switched on (a fresh tally: the whole journal to read, the period's events to place) and
measures, with a 5 ms QTimer ticking on the GUI thread, the longest time between two ticks:
what a person sees frozen.
- the layer as it is: the journal read and the period's events placed (point in polygon) in
  the reader thread; on its answer the GUI thread filters, counts and sends;
- in the same run, the former way (baseline): read, placed, counted and sent on the GUI thread
  in one go (``_count_now``, the path an export takes when the layer is off);
- the journal's read alone (``store.read(0)`` on the GUI thread), for scale.
The reader thread holds the GIL while it works: the GUI thread then runs in 5 ms turns, so
the longest gap is not zero. ``--live``: a live room over the SQLite file (the read is SQL);
by default a replay (the read answers from memory, placing is most of the work).

Usage: .venv/bin/python bench/map_observatoire.py [--rounds 5] [--hours 24] [--live]
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# bench/map.py sets the offscreen map up (environment, WebEngine, the tiles' scheme, the
# application) when imported, as it does for itself; its spin() runs the event loop
from map import APP, spin
from PySide6.QtCore import QElapsedTimer, QTimer

from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.replay.engine import ReplayEngine
from scop.replay.generate import generate_shift, write_sqlite
from scop.replay.source import open_source
from scop.reports.choropleth import Tally
from scop.room import open_room
from scop.ui.context import Notices, RoomBridge, Selection, UiContext
from scop.ui.map import MapDock
from scop.ui.replay.launch import replay_room

START = datetime(2026, 10, 1, 4, 0, tzinfo=UTC)


class Gaps:
    """The longest time the GUI thread let a 5 ms timer wait."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.longest = 0.0
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.longest = max(self.longest, self.clock.nsecsElapsed() / 1e6)
        self.clock.restart()

    def start(self) -> None:
        self.longest = 0.0
        self.clock.start()
        self.timer.start()

    def stop(self) -> float:
        self._tick()
        self.timer.stop()
        return self.longest


def fresh(dock: MapDock) -> None:
    """The layer as never switched on: nothing read, nothing placed, nothing sent."""
    dock.show_choropleth(False)
    spin(lambda: dock._choro_read is None or dock._choro_read.done(), 30)
    APP.processEvents()
    dock._choro_read = None
    dock._tally = Tally()
    dock._tally_after = 0
    dock._tally_store = None
    dock.choropleths = {}
    dock._choro_sent = ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--hours", type=float, default=24)
    ap.add_argument("--live", action="store_true", help="a live room over SQLite, not a replay")
    args = ap.parse_args()
    path = Path(tempfile.mkdtemp(prefix="scop-bench-observatoire-")) / "shift.sqlite"
    n, _ = write_sqlite(path, generate_shift(START, hours=args.hours, fix_period=3600, seed=3))
    src = open_source(str(path), ManualClock())
    engine = ReplayEngine.from_store(src.store)
    if args.live:  # a live console: the journal read from SQLite
        clock = ManualClock(engine.end)
        store = JournalStore.open(f"sqlite:///{path}", clock)
        room = open_room(store, clock, Operator("Banc", "operator"), mode="live")
    else:  # a replay: the journal is in memory, read() answers from it
        room = replay_room(src, engine, Operator("Banc", "trainer"), engine.end)
    ctx = UiContext(room, RoomBridge(room, poll_ms=0), Notices(), Selection())
    dock = MapDock(ctx)
    dock.resize(1200, 800)
    dock.show()
    if not spin(dock.is_ready, 60):
        raise SystemExit("la carte n'est jamais prête")
    gaps = Gaps()
    fresh(dock)
    dock._count_now()  # warm-up, not measured: the areas' polygons and grids, loaded once
    read_ms, sync_ms, call_ms, gap_ms, counted_ms = [], [], [], [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        room.store.read(0)
        read_ms.append((time.perf_counter() - t0) * 1000)

        fresh(dock)
        dock.refresh_choropleth = dock._count_now  # type: ignore[method-assign]
        gaps.start()
        dock.show_choropleth(True)  # the former switch-on: read, count, send on the GUI thread
        APP.processEvents()
        sync_ms.append(gaps.stop())
        del dock.refresh_choropleth
        assert dock.choropleths

        fresh(dock)
        gaps.start()
        t0 = time.perf_counter()
        dock.show_choropleth(True)
        call_ms.append((time.perf_counter() - t0) * 1000)
        if not spin(lambda: bool(dock.choropleths), 60):
            raise SystemExit("la couche n'est jamais comptée")
        counted_ms.append((time.perf_counter() - t0) * 1000)
        APP.processEvents()
        gap_ms.append(gaps.stop())
    med = {
        "read_ms": statistics.median(read_ms),
        "former_longest_gap_ms": statistics.median(sync_ms),
        "switch_on_call_ms": statistics.median(call_ms),
        "longest_gap_ms": statistics.median(gap_ms),
        "until_counted_ms": statistics.median(counted_ms),
    }
    ratio = med["longest_gap_ms"] / med["former_longest_gap_ms"]
    print(f"{n} entrées ({args.hours:g} h générées), {args.rounds} tours (médianes)")
    print(f"  lecture de la main courante (fil graphique)  {med['read_ms']:8.1f} ms")
    print(f"  ancien allumage : plus longue attente        {med['former_longest_gap_ms']:8.1f} ms")
    print(f"  allumage : appel show_choropleth             {med['switch_on_call_ms']:8.1f} ms")
    print(f"  allumage : plus longue attente               {med['longest_gap_ms']:8.1f} ms")
    print(f"  allumage : jusqu'aux comptes                 {med['until_counted_ms']:8.1f} ms")
    print(f"rapport plus longue attente / ancienne         {ratio:8.2f}")
    dock.teardown()
    dock.close()
    dock.deleteLater()
    APP.processEvents()
    src.close()
    shutil.rmtree(path.parent, ignore_errors=True)
    print(
        json.dumps(
            {
                "bench": "map_observatoire",
                "entries": n,
                **{k: round(v, 1) for k, v in med.items()},
                "ratio_gap_over_former": round(ratio, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
