"""Tableau de bord and barometer speed.

1. Dashboard refresh: a 24 h generated shift of ~50,000 entries (the generator at 240 events
   an hour, 180 crews; positions sparse, the dashboard does not read them), opened in replay
   as the console does, the dock shown (offscreen) on « Par catégorie », window « Dernières
   24 h ». Each second the timeline moves on (×1, then ×60: a minute of shift a second) and the
   dock refreshes as its 1 Hz timer does live (in replay it skips the seconds without entries;
   not here). What is timed is what a person waits for: the dock's whole refresh (read the
   new entries, fold them, assemble the window, update the chart in view, the summary) then
   the event loop until the dock is painted. Reports p50/p99 in ms, goal p99 <= 50 ms,
   and the busy share of each second (the window stays responsive if it is small).
   Baseline in the same run: the figures recomputed from the whole journal at each refresh
   (scop.reports.dashboard.compute, without drawing), as the dock did before. Also the
   time of a seek back (the replay's state at the instant; the dock's aggregates rewound to
   the instant's hour and that hour folded again), the dock painted.
2. Barometer over a quarter: DAYS days of journal at the generator's usual daily volume;
   ``scop barometre``'s computation (the database counts by hour, the DansMaRue closures and
   the duty entries; folded into Paris days) against one SQL GROUP BY over the same rows, in
   the same run, as a ratio. Goal <= 3x.

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from scop.clock import ManualClock, to_iso
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.replay.generate import generate_shift, write_sqlite
from scop.reports import dashboard
from scop.reports.barometre import KINDS, Step, date_range
from scop.reports.cli import barometer_of

START = datetime(2026, 10, 1, 4, 0, tzinfo=UTC)
# The shift: 24 h, ~50,000 entries.
SHIFT = {"hours": 24, "crews": 180, "events_per_hour": 240, "notes_per_hour": 90}


def _journal(folder: Path, name: str, **params: float) -> tuple[Path, int]:
    """A generated journal, reused from ``--cache`` if it was made with the same parameters
    (generation is not what is measured; remove the folder after changing the generator)."""
    key = "-".join(f"{k}{v}" for k, v in sorted(params.items()))
    path = folder / f"{name}-{key}.sqlite"
    if path.exists():
        with sqlite3.connect(path) as con:
            return path, int(con.execute("SELECT max(position) FROM journal_entries").fetchone()[0])
    t0 = time.perf_counter()
    part = path.with_suffix(".part")  # a run stopped halfway leaves nothing to reuse
    part.unlink(missing_ok=True)
    n, _ = write_sqlite(part, generate_shift(START, **params))  # type: ignore[arg-type]
    part.rename(path)
    print(f"{name}: {n} entries generated in {time.perf_counter() - t0:.0f} s")
    return path, n


def _p99(times: list[float]) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, int(len(s) * 0.99))]


def bench_refresh(folder: Path, refreshes: int, tab: str = "by_category") -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from scop.procedures.loader import load_library
    from scop.procedures.runner import ProcedureRunner
    from scop.replay.engine import ReplayEngine
    from scop.replay.source import open_source
    from scop.ui.context import Notices, RoomBridge, Selection, UiContext
    from scop.ui.docks.dashboard_dock import DashboardDock
    from scop.ui.replay.controller import ReplayController
    from scop.ui.replay.launch import replay_room

    app = QApplication.instance() or QApplication(sys.argv[:1])
    path, n = _journal(folder, "shift", fix_period=3600, seed=3, **SHIFT)
    src = open_source(str(path), ManualClock())
    engine = ReplayEngine.from_store(src.store)
    end = engine.end
    speeds = (1, 60)
    t = end - timedelta(seconds=refreshes * sum(speeds) + 60)
    room = replay_room(src, engine, Operator("Banc", "trainer"), t)
    ctx = UiContext(room, RoomBridge(room, poll_ms=0), Notices(), Selection(),
                    procedures=ProcedureRunner(room, load_library()))  # fmt: skip
    assert isinstance(room.clock, ManualClock)
    ctl = ReplayController(ctx, engine, room.clock)
    dock = DashboardDock(ctx)
    dock.timer.stop()  # the bench is the 1 Hz timer
    dock.window_box.setCurrentIndex(1)  # « Dernières 24 h »
    dock.tabs.setCurrentWidget(getattr(dock, tab))  # --tab barometre: the costliest one
    dock.resize(1100, 620)
    dock.show()
    app.processEvents()

    def refresh() -> float:
        t0 = time.perf_counter()
        dock.refresh()  # what the 1 Hz timer runs live (in replay, only when entries came)
        for _ in range(2):  # then the event loop: the scene's updates, the paint
            app.processEvents()
        return (time.perf_counter() - t0) * 1000

    out: dict[str, float] = {"entries": n}
    base: list[float] = []
    for speed in speeds:
        times = []
        for _ in range(refreshes):
            ctl.advance_to(ctl.now + timedelta(seconds=speed))
            times.append(refresh())
            app.processEvents()
        t0 = time.perf_counter()  # baseline: the whole window recomputed, as before
        dashboard.compute(dock.entries, room.state, ctl.now - timedelta(hours=24), ctl.now)
        base.append((time.perf_counter() - t0) * 1000)
        p50, p99 = statistics.median(times), _p99(times)
        busy = sum(times) / (refreshes * 1000) * 100
        print(f"refresh ×{speed}: {n} entries, {refreshes} refreshes of the dock (fold, charts,"
              f" paint), p50 {p50:.1f} ms, p99 {p99:.1f} ms (goal <= 50 ms), busy {busy:.1f} %"
              " of each second")  # fmt: skip
        out |= {f"refresh_x{speed}_p50_ms": p50, f"refresh_x{speed}_p99_ms": p99}
    seeks = []
    for back in (timedelta(hours=6), timedelta(hours=2)):
        target = ctl.now - back
        t0 = time.perf_counter()
        ctl.seek(target)  # the dock rebuilds its aggregates from the journal's start
        app.processEvents()
        seeks.append((time.perf_counter() - t0) * 1000)
        ctl.advance_to(target + back)
        refresh()
    full = statistics.median(base)
    p99 = max(out["refresh_x1_p99_ms"], out["refresh_x60_p99_ms"])
    print(f"baseline (the window recomputed at each refresh, no drawing): {full:.1f} ms;"
          f" dock refresh p99 {p99:.1f} ms, ×{full / p99:.1f} faster; seek back (replay"
          f" state, dock rewound and painted) {max(seeks):.0f} ms")  # fmt: skip
    dock.close()
    ctx.bridge.stop()
    src.close()
    return out | {"refresh_p99_ms": p99, "recompute_ms": full, "seek_back_ms": max(seeks)}


def bench_quarter(folder: Path, days: int) -> dict[str, float]:
    path, n = _journal(folder, "quarter", hours=24 * days, crews=120, fix_period=86400, seed=5)
    print(f"quarter: {n} entries over {days} days")
    first = date(2026, 10, 1)
    last = first + timedelta(days=days - 1)
    start, end = date_range(first, last)
    store = JournalStore.open(f"sqlite:///{path}", ManualClock(), readonly=True)
    t0 = time.perf_counter()
    b = barometer_of(store, first, last, Step.DAY)
    baro = time.perf_counter() - t0
    store.close()
    con = sqlite3.connect(path)
    marks = ",".join("?" * len(KINDS))
    t0 = time.perf_counter()
    rows = con.execute(
        f"SELECT substr(ts, 1, 10), kind, source, count(*) FROM journal_entries"
        f" WHERE kind IN ({marks}) AND ts >= ? AND ts < ? GROUP BY 1, 2, 3",
        (*KINDS, to_iso(start), to_iso(end)),
    ).fetchall()
    sql = time.perf_counter() - t0
    con.close()
    print(f"barometer {baro * 1000:.0f} ms ({b.total.missions} missions including"
          f" {b.total.deroulements} déroulements, {len(b.periods)} days)"
          f" vs SQL GROUP BY {sql * 1000:.0f} ms ({len(rows)} groups): ×{baro / sql:.2f}"
          " (goal <= 3×)")  # fmt: skip
    return {"quarter_entries": n, "barometer_ms": baro * 1000, "group_by_ms": sql * 1000,
            "ratio": baro / sql, "deroulements": b.total.deroulements}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--refreshes", type=int, default=120)
    ap.add_argument("--cache", type=Path, help="keep the generated journals there for next runs")
    ap.add_argument("--tab", default="by_category", help="the dock's tab in view (barometre…)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="scop-bench-dash-") as tmp:
        folder = args.cache or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        out = bench_refresh(folder, args.refreshes, args.tab)
        out |= bench_quarter(folder, args.days)
    out["days"] = args.days
    print(json.dumps(out))


if __name__ == "__main__":
    main()
