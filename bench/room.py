"""Many workstations, one room: how fast a change reaches the other consoles, how many
commands the room takes per second, and (from the gateway's bench) what a failover costs.

    .venv/bin/python bench/room.py [--pg-url URL] [--seconds 15] [--consoles 5]

- Propagation console → console: ``--consoles`` processes on one room, each a headless
  console (a ``Room`` and the store's change watch, asked every 50 ms as ``RoomBridge``
  does), each writing a note about twice a second; each measures, for the entries of the
  others, the wall time from the entry's seal (just before its commit) to the moment it
  folded it. On PostgreSQL (NOTIFY) and on SQLite (``data_version``), p50 and p99.
  Baseline in the same run: the same consoles without the watch, reading every 400 ms as
  the console did before.
- Commands per second on PostgreSQL: 1 writer, then 3 writers at once, each engaging and
  releasing crews of its own (each command checked inside the write transaction).
- Failover: ``failover_figures`` (the gateway's part); null when not measured.

Without ``--pg-url`` it starts its own PostgreSQL on loopback (as ``./dev test`` does) and
stops it at the end. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CTX = multiprocessing.get_context("spawn")


# -- a throwaway PostgreSQL on loopback ------------------------------------------------------


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def own_postgres() -> Iterator[str]:
    """initdb + pg_ctl start on 127.0.0.1 in a temporary directory, as ./dev does."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    if not found:
        raise SystemExit("PostgreSQL introuvable : installez-le ou passez --pg-url")
    bin_ = found[-1]
    d = Path(tempfile.mkdtemp(prefix="scop-bench-pg."))
    d.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(d, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def run(cmd: list[str]) -> None:
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    run(_as_postgres([str(bin_ / "initdb"), "-D", str(d / "data"), "-U", "postgres", "-A",
                      "trust", "-E", "UTF8", "--locale=C.UTF-8"]))  # fmt: skip
    opts = f"-p {port} -k {d} -c listen_addresses=127.0.0.1 -c max_connections=200"
    run(_as_postgres([str(bin_ / "pg_ctl"), "-D", str(d / "data"), "-l", str(d / "log"),
                      "-w", "-o", opts, "start"]))  # fmt: skip
    try:
        run([str(bin_ / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
             "scop_bench"])  # fmt: skip
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/scop_bench"
    finally:
        subprocess.run(
            _as_postgres([str(bin_ / "pg_ctl"), "-D", str(d / "data"), "-m", "immediate",
                          "stop"]), capture_output=True, check=False)  # fmt: skip
        shutil.rmtree(d, ignore_errors=True)


def fresh_room(url: str) -> None:
    """Empty the room's tables (a PostgreSQL database is reused between parts) and open a
    demo room: crews and events to command."""
    from sqlalchemy import create_engine

    from scop.clock import SystemClock
    from scop.demo import demo_drafts
    from scop.journal.store import JournalStore
    from scop.journal.tables import metadata
    from scop.models.entries import Operator
    from scop.room import open_room

    engine = create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()
    store = JournalStore.open(url, SystemClock())
    room = open_room(store, SystemClock(), Operator("Banc"), mode="demo", label="Banc")
    room.record_all(demo_drafts())
    store.close()


# -- consoles ---------------------------------------------------------------------------------


def console(url: str, name: str, seconds: float, use_watch: bool, start: Any) -> list[float]:
    """A headless console: asks its change watch every 50 ms (or, without it, reads every
    400 ms) and writes a note about twice a second. Returns the propagation delays (ms)
    of the others' entries."""
    from scop.clock import SystemClock
    from scop.journal.store import JournalStore
    from scop.journal.watch import CHECK_INTERVAL_S
    from scop.models.entries import Operator
    from scop.room import Change, Room

    store = JournalStore.open(url, SystemClock())
    room = Room(store, SystemClock(), Operator(name), f"poste-{name}")
    room.load()
    delays: list[float] = []

    def heard(change: Change) -> None:
        now = time.time()
        delays.extend((now - e.ts.timestamp()) * 1000 for e in change.entries if e.author != name)

    room.subscribe(heard)
    watch = store.watch() if use_watch else None
    interval = CHECK_INTERVAL_S if use_watch else 0.4
    rng = random.Random(name)
    start.wait(60)
    if watch is not None:
        watch.poll()
    end = time.monotonic() + seconds
    next_note = time.monotonic() + rng.uniform(0, 0.5)
    next_check = time.monotonic()
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_note:
            room.note(f"{name} : point {rng.randint(0, 9999)}")
            next_note = now + rng.uniform(0.25, 0.75)
        if now >= next_check:
            if watch is None or watch.poll():
                room.sync()
            next_check = now + interval
        time.sleep(max(0.0, min(next_note, next_check) - time.monotonic()))
    if watch is not None:
        watch.close()
    store.close()
    return delays


def propagation(url: str, consoles: int, seconds: float, use_watch: bool) -> dict[str, float]:
    fresh_room(url)
    manager = CTX.Manager()
    start = manager.Event()
    with CTX.Pool(consoles) as pool:
        pending = [
            pool.apply_async(console, (url, f"poste{i}", seconds, use_watch, start))
            for i in range(consoles)
        ]
        time.sleep(1.0)
        start.set()
        delays = sorted(d for p in pending for d in p.get(timeout=seconds + 120))
    q = statistics.quantiles(delays, n=100, method="inclusive")
    return {"p50": q[49], "p99": q[98], "n": float(len(delays))}


# -- commands per second ---------------------------------------------------------------------


def writer(url: str, name: str, crews: list[str], seconds: float, start: Any) -> int:
    """Engage a crew of its own on an event, release it, again: commands that read and
    check state, none refused (the crews are this writer's alone)."""
    from scop import operations as ops
    from scop.clock import SystemClock
    from scop.journal.store import JournalStore
    from scop.models.entries import Operator
    from scop.room import Room

    store = JournalStore.open(url, SystemClock())
    room = Room(store, SystemClock(), Operator(name), f"poste-{name}")
    room.load()
    events = sorted(i for i, e in room.state.events.items() if e.status != "clos")
    start.wait(60)
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        crew = crews[n // 2 % len(crews)]
        if n % 2 == 0:
            ops.engage(room, crew, events[n % len(events)])
        else:
            ops.release(room, crew)
        n += 1
    store.close()
    return n


def commands_per_s(url: str, writers: int, seconds: float) -> float:
    from scop.clock import SystemClock
    from scop.journal.store import JournalStore
    from scop.models.projection import fold

    fresh_room(url)
    store = JournalStore.open(url, SystemClock())
    st = fold(store.iter_entries())
    store.close()
    free = sorted(c for c, x in st.crews.items() if x.status == "disponible")
    share = len(free) // writers
    manager = CTX.Manager()
    start = manager.Event()
    with CTX.Pool(writers) as pool:
        pending = [
            pool.apply_async(
                writer, (url, f"w{i}", free[i * share : (i + 1) * share], seconds, start)
            )
            for i in range(writers)
        ]
        time.sleep(1.0)
        start.set()
        total = sum(p.get(timeout=seconds + 120) for p in pending)
    return total / seconds


# -- failover (the gateway's part) -----------------------------------------------------------


def failover_figures(args: argparse.Namespace) -> dict[str, float | int | None]:
    """Seconds without a writable database when the primary dies, and committed entries
    lost (must be 0): bench/room_failover.py, on a primary and synchronous standby of its own
    (whatever ``--pg-url`` says: the primary gets killed)."""
    if args.no_failover:
        return {"failover_unavailable_s": None, "failover_lost_entries": None}
    sys.path.insert(0, str(ROOT / "bench"))
    from room_failover import failover_figures as measure

    f = measure()
    print(
        f"Bascule (primaire tué, secours synchrone promu) : {f['failover_unavailable_s']:.2f} s "
        f"sans base inscriptible (pg_ctl promote seul {f['failover_promote_s']:.2f} s), "
        f"{f['failover_lost_entries']} entrée(s) validée(s) perdue(s) sur {f['failover_entries']}"
    )
    return f


# -- main -----------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg-url", help="PostgreSQL to use (default: start one on loopback)")
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--consoles", type=int, default=5)
    ap.add_argument("--command-seconds", type=float, default=8.0)
    ap.add_argument("--no-failover", action="store_true", help="sans la mesure de bascule")
    args = ap.parse_args()

    with contextlib.ExitStack() as stack:
        pg = args.pg_url or stack.enter_context(own_postgres())
        sqlite_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sqlite = f"sqlite:///{sqlite_dir / 'room.sqlite'}"

        pg_watch = propagation(pg, args.consoles, args.seconds, use_watch=True)
        pg_poll = propagation(pg, args.consoles, args.seconds, use_watch=False)
        sq_watch = propagation(sqlite, args.consoles, args.seconds, use_watch=True)
        one = commands_per_s(pg, 1, args.command_seconds)
        three = commands_per_s(pg, 3, args.command_seconds)

    print(f"Propagation poste → poste, {args.consoles} postes ({args.seconds:g} s chacun) :")
    for label, f in (
        ("PostgreSQL, NOTIFY", pg_watch),
        ("PostgreSQL, lecture toutes les 400 ms (avant)", pg_poll),
        ("SQLite, data_version", sq_watch),
    ):
        print(f"  {label:<46} p50 {f['p50']:7.1f} ms   p99 {f['p99']:7.1f} ms   ({f['n']:.0f})")
    print(
        f"Commandes par seconde (PostgreSQL) : 1 poste {one:7.1f}   3 postes {three:7.1f}"
        f"   (ratio {three / one:.2f})"
    )
    figures: dict[str, Any] = {
        "propagation_p50_ms_postgres": round(pg_watch["p50"], 1),
        "propagation_p99_ms_postgres": round(pg_watch["p99"], 1),
        "propagation_p50_ms_sqlite": round(sq_watch["p50"], 1),
        "propagation_p99_ms_sqlite": round(sq_watch["p99"], 1),
        "propagation_p50_ms_postgres_poll_400ms": round(pg_poll["p50"], 1),
        "propagation_p99_ms_postgres_poll_400ms": round(pg_poll["p99"], 1),
        "propagation_samples_postgres": int(pg_watch["n"]),
        "commands_per_s_1_writer": round(one, 1),
        "commands_per_s_3_writers": round(three, 1),
        "ratio_3_writers_vs_1": round(three / one, 2),
        "consoles": args.consoles,
    }
    figures.update(failover_figures(args))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
