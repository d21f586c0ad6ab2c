"""Journal write rates, against the same machine's raw sqlite3 measured in the same run.

    python bench/journal.py [--single N] [--batched N] [--batch-size K]

Prints entries committed per second one by one (SQLite WAL, synchronous=FULL, one transaction
per entry: what an operator's note costs), entries per second in batches, and raw sqlite3
rates for the same rows (one commit per row, and executemany in one transaction), with ratios.
One by one, SCOP and raw sqlite3 take turns so that both see the same disk; the CPU each
spends per entry (process time: fsync waits excluded) shows SCOP's own overhead, and the
sealing (canonical JSON + SHA-256) is measured apart.
The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models.entries import Draft, Operator, canonical_json, seal

OP = Operator("Banc d'essai", "operator")


def draft(i: int) -> Draft:
    return Draft(
        "log.note", {"text": f"Entrée de main courante n° {i}, rue de Rivoli"}, "operateur"
    )


ROUND = 200


def singles(scop_path: Path, raw_path: Path, n: int) -> dict[str, float]:
    """One entry per transaction, SCOP and raw sqlite3 taking turns by rounds of ``ROUND``:
    the disk's fsync speed drifts with the machine's load, and both sides see the same
    drift. Wall time gives the rates; process time, what each costs in CPU (fsync waits
    are not CPU), which is where SCOP's own overhead shows."""
    store = JournalStore.open(f"sqlite:///{scop_path}", SystemClock())
    conn, rows = raw_conn(raw_path), raw_rows(n)
    wall = {"scop": 0.0, "raw": 0.0}
    cpu = {"scop": 0.0, "raw": 0.0}
    for start in range(0, n, ROUND):
        stop = min(n, start + ROUND)
        t, c = time.perf_counter(), time.process_time()
        for i in range(start, stop):
            store.append([draft(i)], OP)
        wall["scop"] += time.perf_counter() - t
        cpu["scop"] += time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        for r in rows[start:stop]:
            conn.execute("BEGIN")
            conn.execute(SQL, r)
            conn.execute("COMMIT")
        wall["raw"] += time.perf_counter() - t
        cpu["raw"] += time.process_time() - c
    assert store.verify().ok
    store.close()
    conn.close()
    return {
        "scop_single_per_s": n / wall["scop"],
        "raw_single_commit_per_s": n / wall["raw"],
        "scop_cpu_us_per_entry": cpu["scop"] / n * 1e6,
        "raw_cpu_us_per_commit": cpu["raw"] / n * 1e6,
    }


def seal_cost(n: int) -> dict[str, float]:
    """Where an entry's own CPU goes before SQL: canonical JSON and SHA-256."""
    now = datetime.now(UTC)
    bodies = [canonical_json([i, "ts", OP.name, OP.role, "operateur", "log.note",
                              draft(i).payload, "0" * 64]).encode() for i in range(n)]  # fmt: skip
    t = time.process_time()
    for i in range(n):
        seal(i, now, OP, draft(i), "0" * 64)
    sealed = time.process_time() - t
    t = time.process_time()
    for b in bodies:
        hashlib.sha256(b).hexdigest()
    sha = time.process_time() - t
    return {"seal_us_per_entry": sealed / n * 1e6, "sha256_us_per_entry": sha / n * 1e6}


def scop_batched(path: Path, n: int, k: int) -> float:
    store = JournalStore.open(f"sqlite:///{path}", SystemClock())
    t = time.perf_counter()
    for start in range(0, n, k):
        store.append([draft(i) for i in range(start, min(n, start + k))], OP)
    dt = time.perf_counter() - t
    store.close()
    return n / dt


def raw_rows(n: int) -> list[tuple[object, ...]]:
    return [
        (
            i,
            "2026-11-23T10:00:00.000000+00:00",
            OP.name,
            OP.role,
            "operateur",
            "log.note",
            json.dumps({"text": f"Entrée de main courante n° {i}, rue de Rivoli"}),
            "0" * 64,
            f"{i:064x}",
        )
        for i in range(1, n + 1)
    ]


def raw_conn(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE e (position INTEGER PRIMARY KEY, ts TEXT, author TEXT, role TEXT,"
        " source TEXT, kind TEXT, payload TEXT, prev_hash TEXT, hash TEXT)"
    )
    return conn


SQL = "INSERT INTO e VALUES (?,?,?,?,?,?,?,?,?)"


def raw_executemany(path: Path, n: int) -> float:
    conn, rows = raw_conn(path), raw_rows(n)
    t = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(SQL, rows)
    conn.execute("COMMIT")
    dt = time.perf_counter() - t
    conn.close()
    return n / dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--single", type=int, default=3000)
    ap.add_argument("--batched", type=int, default=50000)
    ap.add_argument("--batch-size", type=int, default=500)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        figures = {
            **singles(tmp / "a.sqlite", tmp / "b.sqlite", a.single),
            **seal_cost(a.single),
            "scop_batched_per_s": scop_batched(tmp / "c.sqlite", a.batched, a.batch_size),
            "raw_executemany_per_s": raw_executemany(tmp / "d.sqlite", a.batched),
        }
    figures["ratio_single_vs_raw_single"] = (
        figures["scop_single_per_s"] / figures["raw_single_commit_per_s"]
    )
    figures["ratio_cpu_raw_vs_scop"] = (
        figures["raw_cpu_us_per_commit"] / figures["scop_cpu_us_per_entry"]
    )
    figures["ratio_batched_vs_raw_executemany"] = (
        figures["scop_batched_per_s"] / figures["raw_executemany_per_s"]
    )
    figures = {k: round(v, 3) for k, v in figures.items()}
    figures.update(single_n=a.single, batched_n=a.batched, batch_size=a.batch_size)
    print(
        f"SCOP, une entrée par transaction (synchronous=FULL) : "
        f"{figures['scop_single_per_s']:>10.0f} entrées/s"
    )
    print(
        f"sqlite3 brut, une ligne par transaction           : "
        f"{figures['raw_single_commit_per_s']:>10.0f} lignes/s  "
        f"(ratio {figures['ratio_single_vs_raw_single']:.3f})"
    )
    print(
        f"  CPU par entrée : SCOP {figures['scop_cpu_us_per_entry']:.0f} µs, sqlite3 brut "
        f"{figures['raw_cpu_us_per_commit']:.0f} µs (ratio {figures['ratio_cpu_raw_vs_scop']:.3f})"
        f" ; dont scellement {figures['seal_us_per_entry']:.0f} µs "
        f"(SHA-256 {figures['sha256_us_per_entry']:.1f} µs)"
    )
    print(
        f"SCOP, par lots de {a.batch_size}                            : "
        f"{figures['scop_batched_per_s']:>10.0f} entrées/s"
    )
    print(
        f"sqlite3 brut, executemany en une transaction      : "
        f"{figures['raw_executemany_per_s']:>10.0f} lignes/s  "
        f"(ratio {figures['ratio_batched_vs_raw_executemany']:.3f})"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
