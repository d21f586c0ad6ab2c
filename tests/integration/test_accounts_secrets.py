"""Accounts on real databases: the lockout seen from a second workstation on PostgreSQL, and
no password (nor its hash) in the database file, the logs or an export (their bytes)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from scop.accounts.passwords import TEST_COST, Hasher
from scop.accounts.store import LOCK_DURATION, MAX_FAILURES, Accounts, LoginRefused
from scop.cli import main
from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.journal.tables import accounts
from scop.models import fold_accounts as ka
from scop.models.entries import Operator
from scop.room import open_room

ADMIN = Operator("Adm. Roux", "admin", "aroux")
GOOD = "Secret-Bruno-Correct-1"
TRIED = ["Essai-Faux-Numero-1", "Essai-Faux-Numero-2", "Essai-Faux-Numero-3"]
HASHER = Hasher(TEST_COST)  # dozens of verifications; the cost is a parameter


@pytest.mark.postgres
def test_lockout_across_two_workstations_on_postgresql(
    pg_store: JournalStore, clock: ManualClock
) -> None:
    url = pg_store.engine.url.render_as_string(hide_password=False)
    second = JournalStore.open(url, clock)
    try:
        one, two = Accounts(pg_store, HASHER), Accounts(second, HASHER)
        one.add("blefevre", "B. Lefèvre", "operator", GOOD, ADMIN)
        for i in range(MAX_FAILURES - 1):
            with pytest.raises(LoginRefused, match="incorrect"):
                one.authenticate("blefevre", f"faux {i}", "poste-1")
        with pytest.raises(LoginRefused, match="verrouillé"):
            two.authenticate("BLEFEVRE", "faux 5", "poste-2")  # the fifth, elsewhere
        with pytest.raises(LoginRefused, match="verrouillé"):
            one.authenticate("blefevre", GOOD, "poste-1")  # poste-1 sees poste-2's lock
        clock.advance(LOCK_DURATION.total_seconds() + 1)
        assert two.authenticate("blefevre", GOOD, "poste-2").id == "blefevre"
        entries = second.read()
        failed = [e for e in entries if e.kind == ka.LOGIN_FAILED]
        assert [e.payload["workstation"] for e in failed] == ["poste-1"] * 4 + ["poste-2"] + [
            "poste-1"
        ]
        assert sum(e.kind == ka.ACCOUNT_LOCKED for e in entries) == 1
    finally:
        second.close()


def test_no_password_or_hash_in_database_file_logs_or_export(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    log_file = tmp_path / "scop.log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    db = tmp_path / "salle.sqlite"
    url = f"sqlite:///{db}"
    try:
        store = JournalStore.open(url, clock)
        room = open_room(store, clock, ADMIN, label="Salle")
        acc = Accounts(store, HASHER)
        acc.add("blefevre", "B. Lefèvre", "operator", GOOD, ADMIN)
        acc.reset_password("blefevre", GOOD + "x", ADMIN)
        for pw in TRIED:
            with pytest.raises(LoginRefused) as refused:
                acc.authenticate("blefevre", pw, "poste-1")
            assert pw not in str(refused.value)
            assert pw not in repr(refused.value)
        with pytest.raises(LoginRefused):
            acc.authenticate(TRIED[0], TRIED[1], "poste-1")  # a password typed as a name…
        op = acc.authenticate("blefevre", GOOD + "x", "poste-1")
        room.operator = op
        room.note("Prise de poste")
        with store.engine.connect() as conn:
            hashed = conn.execute(select(accounts.c.password_hash)).scalars().all()
        store.close()
        export = tmp_path / "vacation.jsonl"
        assert main(["journal", "export", "--db", url, "--out", str(export)]) == 0
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()

    secrets = [GOOD, GOOD + "x", TRIED[1], TRIED[2]]
    files = [db, *db.parent.glob("salle.sqlite-*"), log_file, export]
    for f in files:
        data = f.read_bytes()
        for s in secrets:
            assert s.encode() not in data, f"{s!r} in {f.name}"
    logs = log_file.read_bytes() + caplog.text.encode()
    assert hashed
    for h in hashed:
        assert h.startswith("$argon2id$")
        salt_and_hash = h.rsplit("$", 2)[-2:]
        for part in salt_and_hash:
            assert part.encode() not in export.read_bytes()
            assert part.encode() not in logs
    assert b"argon2" not in export.read_bytes()
    # the journal's text itself (the main courante): no secret, no hash
    store = JournalStore.open(f"sqlite:///{make_url(url).database}", clock, readonly=True)
    try:
        text = "\n".join(repr(e) for e in store.read())
    finally:
        store.close()
    assert "argon2" not in text
    assert not any(s in text for s in secrets)
