"""An account change (or a room setting) and its journal entry are one transaction, on SQLite
and PostgreSQL: when the journal refuses the entry (here a trigger, as a full disk or a lost
server would), the account is left as it was, and a change never lands without its entry."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from scoptest.db_faults import refuse_writes
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from scop.accounts.passwords import TEST_COST, Hasher
from scop.accounts.settings import IDLE_MINUTES, set_setting
from scop.accounts.store import Accounts
from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.journal.tables import accounts
from scop.models.entries import Operator
from scop.room import open_room

ADMIN = Operator("Adm. Roux", "admin", "aroux")
PASSWORD = "correct horse battery"
HASHER = Hasher(TEST_COST)


def accounts_table(store: JournalStore) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(accounts).order_by(accounts.c.login)).all()
    return [tuple(r) for r in rows]


CHANGES: dict[str, Callable[[Accounts], object]] = {
    "add": lambda a: a.add("cdupont", "C. Dupont", "operator", PASSWORD, ADMIN),
    "disable": lambda a: a.set_enabled("blefevre", False, ADMIN),
    "set_role": lambda a: a.set_role("blefevre", "chief", ADMIN),
    "reset_password": lambda a: a.reset_password("blefevre", "another long secret", ADMIN),
    "failed_login": lambda a: a.authenticate("blefevre", "not the password at all", "poste-1"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_account_unchanged_when_its_journal_entry_fails(
    any_store: JournalStore, change: str
) -> None:
    a = Accounts(any_store, HASHER)
    a.add("blefevre", "B. Lefèvre", "operator", PASSWORD, ADMIN)
    a.add("aroux", "Adm. Roux", "admin", PASSWORD, ADMIN)
    before, head = accounts_table(any_store), any_store.head()
    refuse_writes(any_store)
    with pytest.raises(DBAPIError, match="disque plein"):
        CHANGES[change](a)
    assert accounts_table(any_store) == before
    assert any_store.head() == head
    assert any_store.verify().ok


@pytest.mark.parametrize("refused", ["journal_entries", "room_meta"])
def test_room_setting_and_its_entry_commit_together(
    any_store: JournalStore, clock: ManualClock, refused: str
) -> None:
    """Neither a setting changed without its entry, nor an entry saying « changed » for a
    setting that was not written."""
    room = open_room(any_store, clock, ADMIN, label="Salle")
    set_setting(room, IDLE_MINUTES, "20")
    head = any_store.head()
    refuse_writes(any_store, refused)
    with pytest.raises(DBAPIError, match="disque plein"):
        set_setting(room, IDLE_MINUTES, "5")
    assert any_store.meta(IDLE_MINUTES) == "20"
    assert any_store.head() == head
