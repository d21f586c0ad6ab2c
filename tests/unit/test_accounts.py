"""Accounts: storage, passwords, lockout, the journal of what happens to them (SQLite)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from scop.accounts.passwords import TEST_COST, Hasher, PasswordTooShort
from scop.accounts.store import (
    DISABLED,
    LOCK_DURATION,
    MAX_FAILURES,
    WRONG_CREDENTIALS,
    AccountError,
    Accounts,
    LoginRefused,
)
from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models import fold_accounts as ka
from scop.models.entries import Operator

ADMIN = Operator("Adm. Roux", "admin", "aroux")
PASSWORD = "correct horse battery"

# Cheap argon2 parameters: these tests hash and verify hundreds of times; the cost is a
# parameter of the same code path (the console uses ROOM_COST, measured by bench/login.py).
HASHER = Hasher(TEST_COST)


@pytest.fixture
def accounts(store: JournalStore) -> Accounts:
    return Accounts(store, HASHER)


def kinds(store: JournalStore) -> list[str]:
    return [e.kind for e in store.read()]


def test_add_list_and_journal_carry_no_secret(accounts: Accounts, store: JournalStore) -> None:
    a = accounts.add("BLefevre", "B. Lefèvre", "operator", PASSWORD, ADMIN)
    assert (a.login, a.name, a.role, a.enabled) == ("blefevre", "B. Lefèvre", "operator", True)
    assert [x.login for x in accounts.list()] == ["blefevre"]
    [created] = store.read()
    assert created.kind == ka.ACCOUNT_CREATED
    assert (created.author, created.role, created.author_id) == ("Adm. Roux", "admin", "aroux")
    assert created.payload == {"login": "blefevre", "name": "B. Lefèvre", "role": "operator"}
    assert PASSWORD not in repr(created)
    assert "argon2" not in repr(created)
    with pytest.raises(AccountError, match="existe déjà"):
        accounts.add("blefevre", "Autre", "chief", PASSWORD, ADMIN)


def test_short_password_and_bad_login_refused(accounts: Accounts, store: JournalStore) -> None:
    with pytest.raises(PasswordTooShort, match="12 caractères"):
        accounts.add("x", "X", "operator", "onze-carac", ADMIN)
    with pytest.raises(AccountError, match="Identifiant invalide"):
        accounts.add("deux mots", "X", "operator", PASSWORD, ADMIN)
    assert accounts.list() == []
    assert kinds(store) == []


def test_login_wrong_case_name_and_identity(accounts: Accounts) -> None:
    accounts.add("blefevre", "B. Lefèvre", "operator", PASSWORD, ADMIN)
    op = accounts.authenticate("  BLEFEVRE ", PASSWORD, "poste-1")
    assert op == Operator("B. Lefèvre", "operator", "blefevre")


def test_wrong_password_and_unknown_name_read_the_same(
    accounts: Accounts, store: JournalStore
) -> None:
    accounts.add("blefevre", "B. Lefèvre", "operator", PASSWORD, ADMIN)
    with pytest.raises(LoginRefused) as wrong:
        accounts.authenticate("blefevre", "not the password", "poste-1")
    with pytest.raises(LoginRefused) as unknown:
        accounts.authenticate("personne", PASSWORD, "poste-1")
    assert str(wrong.value) == str(unknown.value) == WRONG_CREDENTIALS
    failures = [e for e in store.read() if e.kind == ka.LOGIN_FAILED]
    assert [(e.payload.get("login"), e.payload["reason"]) for e in failures] == [
        ("blefevre", "password"),
        (None, "unknown"),  # text that names no account is not journaled
    ]
    assert all("not the password" not in str(e.payload) for e in failures)


def test_a_password_typed_as_the_login_never_reaches_the_journal(
    accounts: Accounts, store: JournalStore, db_url: str
) -> None:
    """Focus in the name field, Tab missed: the password goes in as the login. A chief still
    reads that a login failed, where and why; never the text."""
    from scop.models.describe import describe

    accounts.add("blefevre", "B. Lefèvre", "operator", PASSWORD, ADMIN)
    typed = "Tr0ub4dor&3-horse"  # a password, in the name field
    for field in (typed, f"  {typed.upper()} ", typed + "\t"):
        with pytest.raises(LoginRefused):
            accounts.authenticate(field, "", "poste-3")
    with pytest.raises(LoginRefused):
        accounts.authenticate("BLefevre", typed, "poste-3")
    failed = [e for e in store.read() if e.kind == ka.LOGIN_FAILED]
    assert [e.payload for e in failed] == [
        {"workstation": "poste-3", "reason": "unknown"},
    ] * 3 + [{"workstation": "poste-3", "reason": "password", "login": "blefevre"}]
    assert describe(failed[0]) == (
        "Échec de connexion d'un identifiant inconnu sur poste-3 : identifiant inconnu"
    )
    assert describe(failed[-1]) == (
        "Échec de connexion de « blefevre » sur poste-3 : mot de passe refusé"
    )
    base = Path(db_url.removeprefix("sqlite:///"))
    raw = b"".join(f.read_bytes() for f in base.parent.glob(base.name + "*"))  # with the WAL
    assert b"blefevre" in raw
    assert typed.encode() not in raw
    assert typed.upper().encode() not in raw
    assert typed.lower().encode() not in raw


def test_disabled_account_refused_then_enabled(accounts: Accounts, store: JournalStore) -> None:
    accounts.add("blefevre", "B. Lefèvre", "operator", PASSWORD, ADMIN)
    accounts.add("aroux", "Adm. Roux", "admin", PASSWORD, ADMIN)
    accounts.set_enabled("blefevre", False, ADMIN)
    with pytest.raises(LoginRefused, match="désactivé") as refused:
        accounts.authenticate("blefevre", PASSWORD, "poste-1")
    assert str(refused.value) == DISABLED
    accounts.set_enabled("blefevre", True, ADMIN)
    assert accounts.authenticate("blefevre", PASSWORD, "poste-1").id == "blefevre"
    assert ka.ACCOUNT_DISABLED in kinds(store)
    assert ka.ACCOUNT_ENABLED in kinds(store)
    with pytest.raises(AccountError, match="dernier administrateur"):
        accounts.set_enabled("aroux", False, ADMIN)


def test_role_change_and_password_reset_are_journaled(
    accounts: Accounts, store: JournalStore
) -> None:
    accounts.add("blefevre", "B. Lefèvre", "operator", PASSWORD, ADMIN)
    accounts.set_role("blefevre", "chief", ADMIN)
    assert accounts.authenticate("blefevre", PASSWORD, "p").role == "chief"
    accounts.reset_password("blefevre", "another long secret", ADMIN)
    with pytest.raises(LoginRefused):
        accounts.authenticate("blefevre", PASSWORD, "p")
    assert accounts.authenticate("blefevre", "another long secret", "p").id == "blefevre"
    role = next(e for e in store.read() if e.kind == ka.ACCOUNT_ROLE)
    assert role.payload == {"login": "blefevre", "from": "operator", "role": "chief"}
    assert ka.ACCOUNT_PASSWORD in kinds(store)


def test_lockout_seen_by_a_second_workstation_and_lifted_after_15_min(
    db_url: str, clock: ManualClock
) -> None:
    s1, s2 = JournalStore.open(db_url, clock), JournalStore.open(db_url, clock)
    try:
        one, two = Accounts(s1, HASHER), Accounts(s2, HASHER)
        one.add("blefevre", "B. Lefèvre", "operator", PASSWORD, ADMIN)
        for i in range(MAX_FAILURES):
            ws = (one, two)[i % 2]
            with pytest.raises(LoginRefused) as refused:
                ws.authenticate("blefevre", f"wrong guess {i}", f"poste-{i % 2 + 1}")
        assert refused.value.reason == "locked"
        assert "verrouillé" in str(refused.value)
        # the right password does not open a locked account, on either workstation
        for ws in (one, two):
            with pytest.raises(LoginRefused, match="verrouillé"):
                ws.authenticate("blefevre", PASSWORD, "poste-2")
        clock.advance((LOCK_DURATION - timedelta(seconds=1)).total_seconds())
        with pytest.raises(LoginRefused, match="verrouillé"):
            two.authenticate("blefevre", PASSWORD, "poste-2")
        clock.advance(2)
        assert two.authenticate("blefevre", PASSWORD, "poste-2").id == "blefevre"
        entries = s1.read()
        assert sum(e.kind == ka.ACCOUNT_LOCKED for e in entries) == 1
        assert sum(e.kind == ka.LOGIN_FAILED for e in entries) == MAX_FAILURES + 3
    finally:
        s1.close()
        s2.close()


def test_room_cost_hash_verifies_and_is_argon2id() -> None:
    h = Hasher()
    hashed = h.hash(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert h.verify(hashed, PASSWORD)
    assert not h.verify(hashed, PASSWORD + "x")
    assert not h.verify(None, PASSWORD)


# -- the command line ----------------------------------------------------------------------


def run_cli(argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch) -> int:
    from scop.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    monkeypatch.setattr("scop.accounts.store.Hasher", lambda: HASHER)
    return main(argv)


@pytest.fixture
def room_url(db_url: str, clock: ManualClock) -> str:
    """A base that holds a room, as ``scop room init`` leaves it: ``scop users`` makes none."""
    from scop.room_admin import init_room

    init_room(db_url, "live", "Salle de commandement", clock)
    return db_url


def test_cli_on_a_base_without_room_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "sale.sqlite"
    assert run_cli(["users", "list", "--db", f"sqlite:///{typo}"], "", monkeypatch) == 4
    assert "scop room init" in capsys.readouterr().err
    assert not typo.exists()


def test_cli_add_list_disable_set_role(
    room_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["users", "add", "blefevre", "--name", "B. Lefèvre", "--role", "chef"]
    assert run_cli([*add, "--password-stdin", "--db", room_url], PASSWORD + "\n", monkeypatch) == 0
    assert run_cli(["users", "list", "--db", room_url], "", monkeypatch) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "blefevre\tB. Lefèvre\tchef\tactif"
    assert run_cli(["users", "disable", "blefevre", "--db", room_url], "", monkeypatch) == 0
    assert (
        run_cli(["users", "set-role", "blefevre", "operateur", "--db", room_url], "", monkeypatch)
        == 0
    )
    run_cli(["users", "list", "--db", room_url], "", monkeypatch)
    assert capsys.readouterr().out.splitlines()[-1] == "blefevre\tB. Lefèvre\toperateur\tdésactivé"


def test_cli_refuses_short_password_and_no_terminal(
    room_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["users", "add", "x", "--name", "X", "--role", "operateur", "--db", room_url]
    assert run_cli([*add, "--password-stdin"], "short\n", monkeypatch) == 1
    assert "12 caractères" in capsys.readouterr().err
    assert run_cli(add, PASSWORD + "\n", monkeypatch) == 1  # stdin is no terminal
    assert "--password-stdin" in capsys.readouterr().err
    assert run_cli(["users", "disable", "nobody", "--db", room_url], "", monkeypatch) == 1
    assert "Compte inconnu" in capsys.readouterr().err
    assert not Path(room_url.removeprefix("sqlite:///")).read_bytes().count(b"short")
