"""``scop room init --admin`` and ``scop room grant`` as a person runs them (SQLite and
PostgreSQL): exit codes, French messages, what the base holds, and no secret in it."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scop.accounts.store import Accounts
from scop.cli import main
from scop.clock import ManualClock
from scop.errors import Exit
from scop.journal.store import JournalStore
from scop.models import fold_accounts as ka

SECRET = "le mot de passe de l'admin"


def scop(argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


def test_room_init_with_first_admin(
    new_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["room", "init", "--db", new_url, "--mode", "live", "--name", "SCOP Paris"]
    admin = ["--admin", "ARoux", "--admin-name", "Adm. Roux", "--password-stdin"]
    assert scop([*argv, *admin], SECRET + "\n", monkeypatch) == 0
    out = capsys.readouterr().out
    assert "Administrateur créé : aroux — Adm. Roux" in out
    assert "comptes : 1" in out
    store = JournalStore.open(new_url, ManualClock())
    try:
        [a] = Accounts(store).list()
        assert (a.login, a.name, a.role, a.enabled) == ("aroux", "Adm. Roux", "admin", True)
        assert Accounts(store).authenticate("aroux", SECRET, "poste-1").role == "admin"
        kinds = [e.kind for e in store.read()]
        assert kinds[:2] == ["room.opened", ka.ACCOUNT_CREATED]
    finally:
        store.close()
    if new_url.startswith("sqlite"):
        data = Path(make_url(new_url).database or "").read_bytes()
        assert SECRET.encode() not in data


def test_room_init_short_admin_password_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "salle.sqlite"
    argv = ["room", "init", "--db", f"sqlite:///{path}", "--mode", "live", "--name", "S"]
    assert scop([*argv, "--admin", "aroux", "--password-stdin"], "court\n", monkeypatch) == 1
    err = capsys.readouterr().err
    assert "administrateur : Le mot de passe doit compter au moins 12 caractères" in err
    assert not path.exists()
    # without a terminal and without --password-stdin: said, nothing created
    assert scop([*argv, "--admin", "aroux"], SECRET + "\n", monkeypatch) == 1
    assert "--password-stdin" in capsys.readouterr().err
    assert not path.exists()


@pytest.mark.parametrize("refused", ["accounts", "journal_entries"])
def test_room_init_admin_is_one_transaction_with_the_room(
    refused: str,
    new_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The room and its first administrator commit together: a base that refuses the account
    (or the entries) leaves neither a room without an administrator nor an account without a
    room, and the next init makes both."""
    from scoptest.db_faults import allow_writes, refuse_writes

    from scop.room_admin import existing_mode

    argv = ["room", "init", "--db", new_url, "--mode", "live", "--name", "SCOP Paris"]
    admin = ["--admin", "aroux", "--password-stdin"]
    store = JournalStore.open(new_url, ManualClock())  # the tables, no room yet
    try:
        refuse_writes(store, refused)
        assert scop([*argv, *admin], SECRET + "\n", monkeypatch) == Exit.DB_UNREACHABLE
        err = capsys.readouterr().err
        assert err.startswith("scop room init : "), err
        assert "Traceback" not in err, err
        assert store.head()[0] == 0
        assert existing_mode(store) is None
        assert Accounts(store).list() == []
        allow_writes(store, refused)
        assert scop([*argv, *admin], SECRET + "\n", monkeypatch) == 0
        assert [a.login for a in Accounts(store).list()] == ["aroux"]
        assert [e.kind for e in store.read()] == ["room.opened", ka.ACCOUNT_CREATED]
    finally:
        store.close()


@pytest.mark.postgres
def test_room_grant_cli_creates_the_console_role(
    pg_room_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["room", "init", "--db", pg_room_url, "--mode", "live", "--name", "S"]
    assert scop(argv, "", monkeypatch) == 0
    role = f"console_{uuid.uuid4().hex[:8]}"
    grant = ["room", "grant", "--db", pg_room_url, "--role", role, "--password-stdin"]
    try:
        assert scop(grant, "mot de passe des consoles\n", monkeypatch) == 0
        out = capsys.readouterr().out
        assert f"rôle {role} créé" in out
        assert "journal_entries : SELECT, INSERT" in out
        # a second run completes the grants of the existing role, without a password
        assert scop(grant[:-1], "", monkeypatch) == 0
        assert "créé" not in capsys.readouterr().out
        bad = ["room", "grant", "--db", pg_room_url, "--role", "Pas Bon"]
        assert scop(bad, "", monkeypatch) == 2  # an invalid option (README's table)
        assert "nom de rôle invalide" in capsys.readouterr().err
    finally:
        admin = create_engine(make_url(pg_room_url))
        with admin.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def test_room_grant_on_sqlite_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    # an option this command cannot use (the README's 2), said before any file is made
    assert scop(["room", "grant", "--db", url, "--role", "consoles"], "", monkeypatch) == 2
    assert "ne concerne que PostgreSQL" in capsys.readouterr().err
    assert not (tmp_path / "s.sqlite").exists()
