"""Tableau de bord and barometer speed.

1. Dashboard refresh: a 24 h generated shift (~50,000 entries; positions sparse, they are
   not read by the dashboard), refreshed as the dock does at 1 Hz: the figures computed from
   the journal up to the instant (scop.reports.dashboard.compute). Reports p50/p99 in ms.
   Goal p99 <= 50 ms.
2. Barometer over a quarter: DAYS days of journal at the generator's usual daily volume;
   ``scop barometre``'s computation (read the counted kinds, fold into periods) against one
   SQL GROUP BY over the same rows, in the same run, as a ratio. Goal <= 3x.

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from scop.clock import ManualClock, to_iso
from scop.journal.store import JournalStore
from scop.models.projection import Projection
from scop.replay.generate import generate_shift, write_sqlite
from scop.reports import dashboard
from scop.reports.barometre import KINDS, Step, date_range
from scop.reports.cli import barometer_of

START = datetime(2026, 10, 1, 4, 0, tzinfo=UTC)


def bench_refresh(folder: Path, refreshes: int) -> dict[str, float]:
    path = folder / "shift.sqlite"
    n, _ = write_sqlite(path, generate_shift(START, hours=24, fix_period=3600, seed=3))
    store = JournalStore.open(f"sqlite:///{path}", ManualClock(), readonly=True)
    entries = store.read()
    proj = Projection()
    for e in entries:
        proj.apply(e)
    end = entries[-1].ts
    times = []
    for i in range(refreshes):
        t = end - timedelta(seconds=refreshes - i)  # the instant moves, as live
        t0 = time.perf_counter()
        dashboard.compute(entries, proj.state, t - timedelta(hours=24), t)
        times.append((time.perf_counter() - t0) * 1000)
    store.close()
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"refresh: {n} entries, {refreshes} refreshes, p50 {statistics.median(times):.1f} ms,"
          f" p99 {p99:.1f} ms (goal <= 50 ms)")  # fmt: skip
    return {"entries": n, "refresh_p50_ms": statistics.median(times), "refresh_p99_ms": p99}


def bench_quarter(folder: Path, days: int) -> dict[str, float]:
    path = folder / "quarter.sqlite"
    t0 = time.perf_counter()
    n, _ = write_sqlite(
        path, generate_shift(START, hours=24 * days, crews=120, fix_period=86400, seed=5)
    )
    print(f"quarter: {n} entries over {days} days generated in {time.perf_counter() - t0:.0f} s")
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
    print(f"barometer {baro * 1000:.0f} ms ({b.total.missions} missions, {len(b.periods)} days)"
          f" vs SQL GROUP BY {sql * 1000:.0f} ms ({len(rows)} groups): ×{baro / sql:.2f}"
          " (goal <= 3×)")  # fmt: skip
    return {"quarter_entries": n, "barometer_ms": baro * 1000, "group_by_ms": sql * 1000,
            "ratio": baro / sql}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--refreshes", type=int, default=120)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="scop-bench-dash-") as tmp:
        out = {**bench_refresh(Path(tmp), args.refreshes), **bench_quarter(Path(tmp), args.days)}
    out["days"] = args.days
    print(json.dumps(out))


if __name__ == "__main__":
    main()
