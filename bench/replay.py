"""Replay benchmark: load a 24-hour shift, then seek anywhere in it.

A generated shift (>= 50,000 journal entries, >= 2,000,000 crew positions) is written straight
into SQLite (executemany, hash chain sealed by the journal code). Measured in the same run:

- the raw ``sqlite3`` read of every entry and position row (no parsing): the baseline;
- the replay engine's load (entries parsed and folded with snapshots, positions indexed per
  crew) and its ratio to the baseline;
- seek latency (state of the whole room at T, positions included) at 100 random instants,
  p50 and p99, against ``JournalStore.latest_positions(until=T)`` for a few instants.

Usage: .venv/bin/python bench/replay.py [--small] [--keep FILE]. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scop.clock import ManualClock
from scop.replay.engine import ReplayEngine
from scop.replay.generate import generate_shift, write_sqlite
from scop.replay.source import open_source, raw_sqlite_read

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="a 2-hour shift, for a quick run")
    ap.add_argument("--keep", type=Path, help="keep the generated database at this path")
    ap.add_argument("--seeks", type=int, default=100)
    args = ap.parse_args()
    if args.small:
        params = {
            "hours": 2.0,
            "crews": 40,
            "events_per_hour": 280.0,
            "notes_per_hour": 400.0,
            "fix_period": 10.0,
        }
    else:
        params = {
            "hours": 24.0,
            "crews": 120,
            "events_per_hour": 280.0,
            "notes_per_hour": 400.0,
            "fix_period": 5.0,
        }
    tmp = Path(tempfile.mkdtemp(prefix="scop-bench-replay-"))
    path = args.keep or tmp / "shift.sqlite"
    if path.exists():
        path.unlink()

    t = time.perf_counter()
    n_entries, n_fixes = write_sqlite(path, generate_shift(START, seed=2026, **params))
    gen_s = time.perf_counter() - t
    print(
        f"shift generated: {n_entries} entries, {n_fixes} positions, "
        f"{params['hours']:.0f} h, {params['crews']} crews in {gen_s:.1f} s"
    )

    t = time.perf_counter()
    raw_entries, raw_fixes = raw_sqlite_read(path)
    raw_s = time.perf_counter() - t
    assert (raw_entries, raw_fixes) == (n_entries, n_fixes)
    rows = n_entries + n_fixes
    print(f"raw sqlite3 read: {rows} rows in {raw_s:.2f} s ({rows / raw_s:,.0f} rows/s)")

    src = open_source(str(path), ManualClock())
    try:
        t = time.perf_counter()
        engine = ReplayEngine.from_store(src.store)
        load_s = time.perf_counter() - t
        print(
            f"replay load (parse, fold, snapshots, position index): {load_s:.2f} s "
            f"({rows / load_s:,.0f} rows/s), {load_s / raw_s:.1f}x the raw read"
        )

        rng = random.Random(7)
        span = (engine.end - engine.start).total_seconds()
        instants = [
            engine.start + timedelta(seconds=rng.uniform(0, span)) for _ in range(args.seeks)
        ]
        lat: list[float] = []
        for at in instants:
            t = time.perf_counter()
            st = engine.state_at(at)
            lat.append((time.perf_counter() - t) * 1000)
            assert st.position == engine.position_at(at)
        lat.sort()
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]
        print(
            f"seek (whole room state at T): p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"max {lat[-1]:.1f} ms over {len(lat)} random instants"
        )

        sql_ms = []
        for at in instants[:3]:
            t = time.perf_counter()
            src.store.latest_positions(until=at)
            sql_ms.append((time.perf_counter() - t) * 1000)
        sql_med = statistics.median(sql_ms)
        print(
            f"for comparison, store.latest_positions(until=T) alone: median {sql_med:.0f} ms "
            f"over {len(sql_ms)} instants"
        )
    finally:
        src.close()

    print(
        json.dumps(
            {
                "bench": "replay",
                "small": args.small,
                "entries": n_entries,
                "positions": n_fixes,
                "generate_s": round(gen_s, 2),
                "raw_read_s": round(raw_s, 3),
                "raw_rows_per_s": round(rows / raw_s),
                "load_s": round(load_s, 3),
                "load_rows_per_s": round(rows / load_s),
                "load_vs_raw_ratio": round(load_s / raw_s, 2),
                "seek_p50_ms": round(p50, 2),
                "seek_p99_ms": round(p99, 2),
                "seek_max_ms": round(lat[-1], 2),
                "latest_positions_sql_ms": round(sql_med, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
