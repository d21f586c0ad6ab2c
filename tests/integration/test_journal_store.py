"""The store on real SQLite and real PostgreSQL: appends, reads, tampering found by verify,
exports that verify alone, concurrent workstations that never fork the chain."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from scop.clock import ManualClock
from scop.journal.export import export_journal, read_export, verify_export
from scop.journal.store import JournalStore
from scop.models.entities import PositionFix
from scop.models.entries import Draft, Operator
from scop.room import open_room

OP = Operator("A. Martin", "operator")


def drop_append_only_triggers(conn: Connection) -> None:
    """What someone with the owner's rights can do before tampering: the triggers refuse
    edits (tests/integration/test_journal_append_only.py), the hash chain still tells."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TRIGGER journal_entries_no_update"))
        conn.execute(text("DROP TRIGGER journal_entries_no_delete"))
    else:
        conn.execute(
            text("ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_append_only")
        )


def notes(n: int, start: int = 0) -> list[Draft]:
    return [Draft("log.note", {"text": f"entrée {i}"}) for i in range(start, start + n)]


def test_sqlite_runs_in_wal_with_full_sync(store: JournalStore) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_append_read_and_verify(any_store: JournalStore, clock: ManualClock) -> None:
    first = any_store.append(notes(3), OP)
    clock.advance(60)
    second = any_store.append(notes(2, 3), OP)
    assert [e.position for e in first + second] == [1, 2, 3, 4, 5]
    assert second[0].prev_hash == first[-1].hash
    back = any_store.read()
    assert back == first + second
    assert any_store.read(after=3) == second
    assert any_store.read(until=first[0].ts) == first
    assert any_store.head() == (5, second[-1].hash)
    assert any_store.verify().ok


@pytest.mark.parametrize(
    ("sql", "bad", "word"),
    [
        (
            'UPDATE journal_entries SET payload = \'{"text":"autre"}\' WHERE position = 3',
            3,
            "modifié",
        ),
        ("UPDATE journal_entries SET author = 'X' WHERE position = 2", 2, "modifié"),
        ("DELETE FROM journal_entries WHERE position = 4", 4, "supprimée"),
        ("DELETE FROM journal_entries WHERE position = 6", 6, "supprimée"),
        ("UPDATE journal_entries SET position = position + 100 WHERE position = 2", 2, "supprimée"),
    ],
)
def test_tampering_in_the_database_is_named(
    any_store: JournalStore, sql: str, bad: int, word: str
) -> None:
    any_store.append(notes(6), OP)
    with any_store.engine.begin() as conn:
        drop_append_only_triggers(conn)
        conn.execute(text(sql))
    report = any_store.verify()
    assert not report.ok
    assert report.bad_position == bad
    assert word in report.problem


def test_swapped_rows_are_detected(any_store: JournalStore) -> None:
    any_store.append(notes(5), OP)
    with any_store.engine.begin() as conn:
        drop_append_only_triggers(conn)
        rows = {r.position: r for r in conn.execute(text("SELECT * FROM journal_entries"))}
        for a, b in ((2, 4), (4, 2)):
            conn.execute(
                text(
                    "UPDATE journal_entries SET payload = :p, hash = :h, "
                    "prev_hash = :ph WHERE position = :pos"
                ),
                {"p": rows[b].payload, "h": rows[b].hash, "ph": rows[b].prev_hash, "pos": a},
            )
    report = any_store.verify()
    assert (report.ok, report.bad_position) == (False, 2)


def test_positions_and_latest(any_store: JournalStore, clock: ManualClock) -> None:
    t0 = clock.now()
    fixes = [
        PositionFix("V11-1", clock.advance(i), 2.37 + i / 1000, 48.86, 90.0, 5.0)
        for i in range(1, 4)
    ]
    fixes.append(PositionFix("B03-1", clock.advance(1), 2.36, 48.864))
    any_store.append_positions(fixes)
    latest = {f.call_sign: f for _, f in any_store.latest_positions()}
    assert latest["V11-1"].lon == pytest.approx(2.373)
    assert latest["B03-1"].lat == pytest.approx(48.864)
    until = {f.call_sign: f for _, f in any_store.latest_positions(until=fixes[0].ts)}
    assert set(until) == {"V11-1"}
    assert until["V11-1"].ts == fixes[0].ts
    assert len(any_store.read_positions()) == 4
    assert any_store.read_positions()[0][1].ts > t0


def test_two_workstations_share_one_chain(any_store: JournalStore, clock: ManualClock) -> None:
    """Two rooms on one database: each sees the other's entries in one global order."""
    url = any_store.engine.url
    other_store = JournalStore(any_store.engine, clock)
    a = open_room(any_store, clock, OP, workstation="poste-1")
    b = open_room(other_store, clock, Operator("Cdt. Morel", "chief"), workstation="poste-2")
    a.note("depuis le poste 1")
    b.note("depuis le poste 2")
    a.sync()
    assert [e.payload.get("text") for e in a.store.read()][-2:] == [
        "depuis le poste 1",
        "depuis le poste 2",
    ]
    assert a.state.position == b.state.position == 3
    assert url is not None


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_concurrent_writers_never_fork(
    backend: str, request: pytest.FixtureRequest, clock: ManualClock
) -> None:
    base = request.getfixturevalue("store" if backend == "sqlite" else "pg_store")
    url = base.engine.url.render_as_string(hide_password=False)
    stores = [JournalStore.open(url, clock) for _ in range(4)]
    errors: list[BaseException] = []

    def write(s: JournalStore, w: int) -> None:
        try:
            for i in range(25):
                s.append([Draft("log.note", {"text": f"poste {w} n° {i}"})], OP)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s, w)) for w, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert base.count() == 100
    assert base.verify().ok
    for s in stores:
        s.close()


def test_export_verifies_alone_and_detects_tampering(
    any_store: JournalStore, clock: ManualClock, tmp_path: Path
) -> None:
    any_store.append(notes(10), OP)
    any_store.append_positions([PositionFix("V11-1", clock.advance(5), 2.37, 48.86)])
    out = tmp_path / "vacation.jsonl"
    assert export_journal(any_store, out) == 10
    assert verify_export(out).ok
    shift = read_export(out)
    assert len(shift.entries) == 10
    assert len(shift.positions) == 1
    lines = out.read_text(encoding="utf-8").splitlines()
    doc = json.loads(lines[5])
    doc["payload"]["text"] = "réécrit"
    lines[5] = json.dumps(doc, ensure_ascii=False)
    bad = tmp_path / "altere.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = verify_export(bad)
    assert (report.ok, report.bad_position) == (False, 5)
    cut = tmp_path / "tronque.jsonl"
    cut.write_text("\n".join(lines[:4] + lines[-1:]) + "\n", encoding="utf-8")
    assert not verify_export(cut).ok


def test_export_refuses_an_altered_journal(store: JournalStore, tmp_path: Path) -> None:
    from scop.journal.export import ExportError

    store.append(notes(3), OP)
    with store.engine.begin() as conn:
        drop_append_only_triggers(conn)
        conn.execute(text("UPDATE journal_entries SET author = 'Y' WHERE position = 2"))
    with pytest.raises(ExportError, match="n° 2"):
        export_journal(store, tmp_path / "x.jsonl")


def _scop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scop.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_verify_and_export(store: JournalStore, db_url: str, tmp_path: Path) -> None:
    store.append(notes(4), OP)
    ok = _scop("journal", "verify", "--db", db_url)
    assert ok.returncode == 0, ok.stderr
    assert "4 entrées" in ok.stdout
    out = tmp_path / "v.jsonl.gz"
    exp = _scop("journal", "export", "--db", db_url, "--out", str(out))
    assert exp.returncode == 0, exp.stderr
    assert _scop("journal", "verify", str(out)).returncode == 0
    with store.engine.begin() as conn:
        drop_append_only_triggers(conn)
        conn.execute(text("DELETE FROM journal_entries WHERE position = 2"))
    bad = _scop("journal", "verify", "--db", db_url)
    assert bad.returncode == 1
    assert "n° 2" in bad.stderr
