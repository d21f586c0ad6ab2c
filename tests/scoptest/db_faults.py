"""A database that refuses some writes, as a full disk or a lost server would, by triggers on
the real SQLite or PostgreSQL base: for the tests that one change and its journal entry
commit together, or not at all."""

from __future__ import annotations

from sqlalchemy import text

from scop.journal.store import JournalStore


def refuse_writes(store: JournalStore, table: str = "journal_entries") -> None:
    """Make the database refuse every INSERT and UPDATE on ``table``."""
    with store.engine.begin() as conn:
        if store.backend == "sqlite":
            for op in ("INSERT", "UPDATE"):
                conn.execute(
                    text(
                        f"CREATE TRIGGER test_no_{op.lower()} BEFORE {op} ON {table}"
                        " BEGIN SELECT RAISE(ABORT, 'disque plein'); END"
                    )
                )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION test_no_write() RETURNS trigger LANGUAGE plpgsql AS"
                    " $$ BEGIN RAISE EXCEPTION 'disque plein'; END $$"
                )
            )
            conn.execute(
                text(
                    f"CREATE TRIGGER test_no_write BEFORE INSERT OR UPDATE ON {table}"
                    " FOR EACH ROW EXECUTE FUNCTION test_no_write()"
                )
            )


def allow_writes(store: JournalStore, table: str = "journal_entries") -> None:
    """Undo :func:`refuse_writes`."""
    with store.engine.begin() as conn:
        if store.backend == "sqlite":
            conn.execute(text("DROP TRIGGER test_no_insert"))
            conn.execute(text("DROP TRIGGER test_no_update"))
        else:
            conn.execute(text(f"DROP TRIGGER test_no_write ON {table}"))
            conn.execute(text("DROP FUNCTION test_no_write()"))
