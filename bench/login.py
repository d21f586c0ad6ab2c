"""Login cost: argon2id verification at the room's parameters, and a full login round trip
(account read, verification, session entry in the journal) on SQLite and on PostgreSQL.

The baseline, measured in the same run, is the verification alone: a login should cost the
hash and little more. A failed login (counted in the database, journaled) is measured too.

    .venv/bin/python bench/login.py [--n 10] [--pg postgresql+psycopg://…]

PostgreSQL is measured when --pg or SCOP_TEST_PG_URL is given. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from scop.accounts.passwords import ROOM_COST, Hasher
from scop.accounts.store import Accounts, LoginRefused
from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models.entries import SYSTEM
from scop.room import open_room

PASSWORD = "un mot de passe de banc d'essai"


def timed(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def round_trip(url: str, hasher: Hasher, n: int) -> tuple[float, float]:
    """(median successful login + session entry, median failed login) in seconds."""
    store = JournalStore.open(url, SystemClock())
    try:
        room = open_room(store, SystemClock(), SYSTEM, label="Banc")
        acc = Accounts(store, hasher)
        if acc.get("banc") is None:
            acc.add("banc", "Banc d'essai", "operator", PASSWORD, SYSTEM)

        def ok() -> None:
            room.operator = acc.authenticate("banc", PASSWORD, "poste-banc")
            room.login()

        def ko() -> None:
            with contextlib.suppress(LoginRefused):
                acc.authenticate("inconnu", PASSWORD, "poste-banc")

        return timed(ok, n), timed(ko, n)
    finally:
        store.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--pg", default=os.environ.get("SCOP_TEST_PG_URL"))
    a = p.parse_args()
    hasher = Hasher(ROOM_COST)
    hashed = hasher.hash(PASSWORD)
    verify = timed(lambda: hasher.verify(hashed, PASSWORD), a.n)
    figures: dict[str, object] = {
        "argon2id": f"t={ROOM_COST.time_cost} m={ROOM_COST.memory_kib // 1024}MiB "
        f"p={ROOM_COST.parallelism}",
        "verify_s": round(verify, 4),
        "n": a.n,
    }
    print(f"argon2id ({figures['argon2id']}) : vérification {verify * 1000:.0f} ms (médiane)")
    with tempfile.TemporaryDirectory() as d:
        ok, ko = round_trip(f"sqlite:///{Path(d) / 'banc.sqlite'}", hasher, a.n)
    figures.update(
        sqlite_login_s=round(ok, 4),
        sqlite_failed_login_s=round(ko, 4),
        ratio_sqlite_login_vs_verify=round(ok / verify, 3),
    )
    print(
        f"SQLite : connexion réussie + entrée de session {ok * 1000:.0f} ms "
        f"(ratio {ok / verify:.2f} × la vérification) ; échec journalisé {ko * 1000:.0f} ms"
    )
    if a.pg:
        import uuid

        from sqlalchemy import create_engine, text

        schema = f"banc_{uuid.uuid4().hex[:8]}"
        admin = create_engine(a.pg)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        sep = "&" if "?" in a.pg else "?"
        try:
            ok, ko = round_trip(f"{a.pg}{sep}options=-csearch_path%3D{schema}", hasher, a.n)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
        figures.update(
            pg_login_s=round(ok, 4),
            pg_failed_login_s=round(ko, 4),
            ratio_pg_login_vs_verify=round(ok / verify, 3),
        )
        print(
            f"PostgreSQL : connexion réussie + entrée de session {ok * 1000:.0f} ms "
            f"(ratio {ok / verify:.2f}) ; échec journalisé {ko * 1000:.0f} ms"
        )
    else:
        print("PostgreSQL : non mesuré (donnez --pg URL ou SCOP_TEST_PG_URL)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
