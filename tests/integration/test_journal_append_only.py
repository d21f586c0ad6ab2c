"""The database itself refuses to edit or delete a journal entry (triggers on SQLite and
PostgreSQL; on PostgreSQL the consoles' login role also lacks the rights), and the chain
still verifies afterwards."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from scop.accounts.grant import grant_console_role
from scop.cli import main
from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.room import open_room

OP = Operator("A. Martin", "operator", "amartin")


def _fill(store: JournalStore, clock: ManualClock) -> None:
    room = open_room(store, clock, OP, label="Salle")
    room.note("première note")
    room.note("seconde note")


def test_sqlite_refuses_update_and_delete_then_verify_passes(
    store: JournalStore, clock: ManualClock, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(store, clock)
    conn = sqlite3.connect(make_url(db_url).database)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="ne se modifie pas"):
            conn.execute("UPDATE journal_entries SET payload = '{}' WHERE position = 2")
        with pytest.raises(sqlite3.DatabaseError, match="ne se supprime pas"):
            conn.execute("DELETE FROM journal_entries WHERE position = 3")
        conn.rollback()
    finally:
        conn.close()
    assert store.count() == 3
    assert main(["journal", "verify", "--db", db_url]) == 0
    assert "Chaîne intègre : 3 entrées" in capsys.readouterr().out


@pytest.mark.postgres
def test_postgres_console_role_cannot_update_or_delete(
    pg_store: JournalStore, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(pg_store, clock)
    role = f"console_{uuid.uuid4().hex[:8]}"
    done = grant_console_role(pg_store.engine, role, "mot de passe de la console")
    assert "journal_entries : SELECT, INSERT" in done
    owner_url = pg_store.engine.url
    console_url = owner_url.set(username=role, password="mot de passe de la console")
    console = JournalStore.open(console_url.render_as_string(hide_password=False), clock)
    try:
        # the console appends and reads as usual
        room = open_room(console, clock, OP)
        room.note("écrite par le rôle des consoles")
        assert console.count() == 4
        for sql in (
            "UPDATE journal_entries SET payload = '{}' WHERE position = 2",
            "DELETE FROM journal_entries WHERE position = 3",
            "DELETE FROM accounts",
            "DROP TABLE crew_positions",
        ):
            with (
                pytest.raises(DBAPIError, match=r"permission denied|must be owner"),
                console.engine.begin() as conn,
            ):
                conn.execute(text(sql))
        # the owner is refused too: by the trigger
        for sql in (
            "UPDATE journal_entries SET payload = '{}' WHERE position = 2",
            "DELETE FROM journal_entries WHERE position = 3",
            "TRUNCATE journal_entries",
        ):
            with (
                pytest.raises(DBAPIError, match=r"ne se supprime \((UPDATE|DELETE|TRUNCATE)\)"),
                pg_store.engine.begin() as conn,
            ):
                conn.execute(text(sql))
    finally:
        console.close()
        admin = create_engine(owner_url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
    url = owner_url.render_as_string(hide_password=False)
    assert main(["journal", "verify", "--db", url]) == 0
    assert "Chaîne intègre : 4 entrées" in capsys.readouterr().out
