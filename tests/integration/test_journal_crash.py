"""A writer killed with SIGKILL at random moments never loses an entry it saw committed.

The child appends notes one at a time and prints each committed position and hash as soon as
``append`` returns; the parent kills it at a random moment, then checks that every reported
entry is in the database with the reported hash, that SQLite's integrity check passes and that
the chain verifies. Fifty rounds on the same database file.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scop.clock import SystemClock
from scop.journal.store import JournalStore

CHILD = """
import sys
from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models.entries import Draft, Operator
store = JournalStore.open(sys.argv[1], SystemClock())
op = Operator("Processus témoin", "operator")
print("ready", flush=True)
i = 0
while True:
    i += 1
    batch = [Draft("log.note", {"text": f"écriture {i}.{k}", "pad": "x" * (i % 300)})
             for k in range(1 + i % 3)]
    for e in store.append(batch, op):
        print(e.position, e.hash, flush=True)
"""

ROUNDS = 50


@pytest.mark.slow
def test_sigkill_never_loses_a_committed_entry(tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite"
    url = f"sqlite:///{db}"
    rng = random.Random(20261123)
    reported: dict[int, str] = {}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for _round in range(ROUNDS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, url], stdout=subprocess.PIPE, text=True, env=env
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit():  # a line cut by the kill is not a report
                reported[int(parts[0])] = parts[1]

        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = dict(conn.execute("SELECT position, hash FROM journal_entries"))
        missing = {p for p in reported if stored.get(p) != reported[p]}
        assert not missing, f"entrées confirmées puis perdues : {sorted(missing)[:10]}"

    assert len(reported) > ROUNDS  # the children did write, not only start
    store = JournalStore.open(url, SystemClock())
    try:
        report = store.verify()
        assert report.ok, report.message()
        assert report.count >= max(reported)
    finally:
        store.close()
