"""Accounts in the room's database: create, disable, change a role, and log in.

Every change to an account is journaled, by whoever made it, in the same transaction as the
change itself (a crash never leaves one without the other). A login that fails is journaled
too, naming the account it tried and never the password; text that names no account of the
room is journaled as « identifiant inconnu », without the text itself: a password typed into
the name field (the field had the focus, Tab was missed) must not reach the journal, which
every chief reads and every export carries. The failure count and the lock live in the
``accounts`` table, so a second workstation sees an account locked on the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, insert, select, update

from scop.accounts.passwords import Hasher, check_policy
from scop.accounts.roles import ACCOUNT_ROLES
from scop.clock import Clock, from_iso, local, to_iso
from scop.journal.store import JournalStore, WriteTxn
from scop.journal.tables import accounts
from scop.models import fold_accounts as ka
from scop.models.entries import ROLES, SYSTEM, Draft, Operator
from scop.models.permissions import allowed, refusal

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
LOGIN_MAX = 80

WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."
DISABLED = "Ce compte est désactivé : adressez-vous à l'administrateur de la salle."


class AccountError(Exception):
    """A refused account operation; the message is for the person at the keyboard."""


class LoginRefused(Exception):
    """A refused login. ``reason`` is for the journal (password, unknown, disabled, locked,
    directory); the message never tells a wrong name from a wrong password."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    login: str
    name: str
    role: str
    enabled: bool
    failures: int
    locked_until: datetime | None
    directory: bool  # authenticated by the city's directory (no local password)

    def operator(self) -> Operator:
        """The identity every entry of this person's session carries."""
        return Operator(self.name, self.role, self.login)

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    @property
    def state_label(self) -> str:
        return "actif" if self.enabled else "désactivé"


def canonical_login(text: str) -> str:
    """Logins are compared case-folded: « BLefevre » and « blefevre » are one account."""
    return text.strip().casefold()


def check_login(login: str) -> str:
    key = canonical_login(login)
    if not key or len(key) > LOGIN_MAX or not all(c.isprintable() and not c.isspace() for c in key):
        raise AccountError(
            f"Identifiant invalide « {login} » : 1 à {LOGIN_MAX} caractères, sans espace."
        )
    return key


def _authorize(command: str, by: Operator) -> None:
    """The room's role table, for the account commands as for every other."""
    if not allowed(command, by.role):
        raise AccountError(refusal(command, by.role))


def _account(r: Row[Any]) -> Account:
    return Account(
        id=int(r.id),
        login=r.login,
        name=r.name,
        role=r.role,
        enabled=bool(r.enabled),
        failures=int(r.failures),
        locked_until=from_iso(r.locked_until) if r.locked_until else None,
        directory=r.password_hash is None,
    )


def _lookup_key(text: str) -> str | None:
    """The key to look up, or None for what cannot be a login (PostgreSQL refuses a NUL in a
    string: such input is an unknown account, not a crash)."""
    key = canonical_login(text)
    if not key or len(key) > LOGIN_MAX or not key.isprintable():
        return None
    return key


# Authenticates a login against the city's directory: (display name, role) or raises
# LoginRefused (reason "password" or "directory").
DirectoryCheck = Callable[[str, str], tuple[str, str]]


def account_creation(
    login: str,
    name: str,
    role: str,
    password: str | None,
    by: Operator,
    *,
    hasher: Hasher,
    clock: Clock,
) -> tuple[Callable[[WriteTxn], list[Draft]], str]:
    """The creation of an account as a step of a journal write transaction (checked, and
    its password hashed, beforehand), and its login. ``scop room init --admin`` runs it in
    the room's own first transaction, so that no room is ever left without its
    administrator. Its entry names ``by``, whoever's transaction it runs in."""
    _authorize("account.create", by)
    key = check_login(login)
    name = " ".join(name.split())
    if not name:
        raise AccountError("Le nom affiché est obligatoire (il signe les entrées).")
    if role not in ACCOUNT_ROLES:
        raise AccountError(f"Rôle inconnu : {role}.")
    hashed = None
    if password is not None:
        check_policy(password)
        hashed = hasher.hash(password)
    created = Draft(ka.ACCOUNT_CREATED, {"login": key, "name": name, "role": role}, "systeme", by)
    return _inserting(key, name, role, hashed, entry=created, clock=clock), key


def _inserting(
    key: str, name: str, role: str, hashed: str | None, *, entry: Draft, clock: Clock
) -> Callable[[WriteTxn], list[Draft]]:
    def change(txn: WriteTxn) -> list[Draft]:
        if txn.execute(select(accounts.c.id).where(accounts.c.login == key)):
            raise AccountError(f"Le compte « {key} » existe déjà.")  # made meanwhile
        txn.execute(
            insert(accounts).values(
                login=key,
                name=name,
                role=role,
                password_hash=hashed,
                enabled=True,
                failures=0,
                locked_until=None,
                created_at=to_iso(clock.now()),
            )
        )
        return [entry]

    return change


class Accounts:
    def __init__(
        self,
        store: JournalStore,
        hasher: Hasher | None = None,
        *,
        directory: DirectoryCheck | None = None,
    ) -> None:
        self.store = store
        self.hasher = hasher or Hasher()
        self.directory = directory
        self._write = store.engine.execution_options(scop_write=True)

    @property
    def clock(self) -> Any:
        return self.store.clock

    # -- reading -------------------------------------------------------------------------

    def get(self, login: str) -> Account | None:
        with self.store.engine.connect() as conn:
            r = conn.execute(
                select(accounts).where(accounts.c.login == canonical_login(login))
            ).first()
        return None if r is None else _account(r)

    def list(self) -> list[Account]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(accounts).order_by(accounts.c.login)).all()
        return [_account(r) for r in rows]

    def count(self) -> int:
        return len(self.list())

    # -- administration ------------------------------------------------------------------

    def add(self, login: str, name: str, role: str, password: str | None, by: Operator) -> Account:
        change, key = account_creation(
            login, name, role, password, by, hasher=self.hasher, clock=self.clock
        )
        if self.get(key) is not None:
            raise AccountError(f"Le compte « {key} » existe déjà.")
        self._journaled(change, by)
        account = self.get(key)
        assert account is not None
        return account

    def _journaled(self, change: Callable[[WriteTxn], Sequence[Draft]], by: Operator) -> None:
        """Run ``change`` on the accounts table inside the journal's write transaction: the
        account and its entries commit together or not at all."""
        self.store.append_decided(change, by)

    def _existing(self, login: str) -> Account:
        account = self.get(login)
        if account is None:
            raise AccountError(f"Compte inconnu : « {canonical_login(login)} ».")
        return account

    def _update(self, account: Account, **values: Any) -> None:
        """A change that is not journaled (the failure count reset by a successful login)."""
        with self._write.begin() as conn:
            conn.execute(update(accounts).where(accounts.c.id == account.id).values(**values))

    def _update_journaled(
        self, account: Account, entries: Sequence[Draft], by: Operator, **values: Any
    ) -> None:
        def change(txn: WriteTxn) -> Sequence[Draft]:
            txn.execute(update(accounts).where(accounts.c.id == account.id).values(**values))
            return entries

        self._journaled(change, by)

    def set_enabled(self, login: str, enabled: bool, by: Operator) -> Account:
        _authorize("account.enable" if enabled else "account.disable", by)
        account = self._existing(login)
        if account.enabled == enabled:
            return account
        if not enabled and account.role == "admin" and self._last_admin(account):
            raise AccountError(
                "C'est le dernier administrateur actif : créez-en un autre avant de le désactiver."
            )
        kind = ka.ACCOUNT_ENABLED if enabled else ka.ACCOUNT_DISABLED
        self._update_journaled(
            account,
            [Draft(kind, {"login": account.login}, "systeme")],
            by,
            enabled=enabled,
            failures=0,
            locked_until=None,
        )
        return self._existing(login)

    def _last_admin(self, account: Account) -> bool:
        others = [a for a in self.list() if a.role == "admin" and a.enabled and a.id != account.id]
        return not others

    def set_role(self, login: str, role: str, by: Operator) -> Account:
        _authorize("account.set_role", by)
        account = self._existing(login)
        if role not in ACCOUNT_ROLES:
            raise AccountError(f"Rôle inconnu : {role}.")
        if account.role == role:
            return account
        if account.role == "admin" and account.enabled and self._last_admin(account):
            raise AccountError(
                "C'est le dernier administrateur actif : nommez-en un autre"
                " avant de changer son rôle."
            )
        self._update_journaled(
            account,
            [
                Draft(
                    ka.ACCOUNT_ROLE,
                    {"login": account.login, "from": account.role, "role": role},
                    "systeme",
                )
            ],
            by,
            role=role,
        )
        return self._existing(login)

    def reset_password(self, login: str, password: str, by: Operator) -> Account:
        _authorize("account.reset_password", by)
        account = self._existing(login)
        check_policy(password)
        hashed = self.hasher.hash(password)  # before the write transaction: it takes ~0.3 s
        self._update_journaled(
            account,
            [Draft(ka.ACCOUNT_PASSWORD, {"login": account.login}, "systeme")],
            by,
            password_hash=hashed,
            failures=0,
            locked_until=None,
        )
        return self._existing(login)

    # -- logging in ----------------------------------------------------------------------

    def authenticate(self, login: str, password: str, workstation: str) -> Operator:
        """The account's identity if ``password`` is its own; else :class:`LoginRefused`,
        with the failure (and the lock it may cause) journaled."""
        key = _lookup_key(login)
        account = None if key is None else self.get(key)
        now = self.clock.now()
        if account is not None and account.locked_at(now):
            self._refuse(workstation, "locked", account)
        if self.directory is not None:
            if key is None:
                self._fail(workstation, None)
            assert key is not None
            return self._authenticate_directory(key, password, workstation, account)
        hashed = self._hash_of(account)
        ok = self.hasher.verify(hashed, password)  # also for an unknown login: same time
        if account is None or not ok:
            self._fail(workstation, account)
        assert account is not None
        if not account.enabled:
            self._refuse(workstation, "disabled", account)
        self._succeed(account, password if hashed and self.hasher.needs_rehash(hashed) else None)
        return account.operator()

    def _authenticate_directory(
        self,
        key: str,
        password: str,
        workstation: str,
        account: Account | None,
    ) -> Operator:
        assert self.directory is not None
        try:
            name, role = self.directory(key, password)
        except LoginRefused as refused:
            if refused.reason in ("directory", "role") or account is None:
                # down, in no group of the room, or never seen here (nothing to count yet).
                # In no group, the directory took the password: the login names a person.
                named = account.login if account is not None else None
                if refused.reason == "role":
                    named = key
                self._journal_failure(named, workstation, refused.reason)
                raise
            self._fail(workstation, account)
        if account is None:
            created = Draft(
                ka.ACCOUNT_CREATED,
                {"login": key, "name": name, "role": role, "directory": True},
                "systeme",
            )
            change = _inserting(key, name, role, None, entry=created, clock=self.clock)
            self._journaled(change, SYSTEM)
            account = self._existing(key)
        elif not account.enabled:
            self._refuse(workstation, "disabled", account)
        elif account.role != role or account.name != name:
            entries = []
            if account.role != role:
                entries.append(
                    Draft(
                        ka.ACCOUNT_ROLE,
                        {"login": key, "from": account.role, "role": role, "directory": True},
                        "systeme",
                    )
                )
            self._update_journaled(account, entries, SYSTEM, role=role, name=name)
            account = self._existing(key)
        self._succeed(account, None)
        return account.operator()

    def _hash_of(self, account: Account | None) -> str | None:
        if account is None:
            return None
        with self.store.engine.connect() as conn:
            hashed: str | None = conn.execute(
                select(accounts.c.password_hash).where(accounts.c.id == account.id)
            ).scalar()
        return hashed

    def _succeed(self, account: Account, rehash_with: str | None) -> None:
        values: dict[str, Any] = {"failures": 0, "locked_until": None}
        if rehash_with is not None:  # the room's cost went up since this hash was made
            values["password_hash"] = self.hasher.hash(rehash_with)
        if account.failures or account.locked_until or rehash_with is not None:
            self._update(account, **values)

    def _journal_failure(self, login: str | None, workstation: str, reason: str) -> None:
        self.store.append([_failure(login, workstation, reason)], SYSTEM)

    def _refuse(self, workstation: str, reason: str, account: Account) -> None:
        self._journal_failure(account.login, workstation, reason)
        if reason == "locked" and account.locked_until is not None:
            until = local(account.locked_until)
            raise LoginRefused(
                f"Compte verrouillé après {MAX_FAILURES} échecs de connexion : "
                f"nouvel essai possible à {until:%H:%M}.",
                reason,
            )
        raise LoginRefused(DISABLED, reason)

    def _fail(self, workstation: str, account: Account | None) -> None:
        """Count the failure in the database (atomically: two workstations failing at once
        both count) and lock the account at the fifth."""
        if account is None:
            self._journal_failure(None, workstation, "unknown")
            raise LoginRefused(WRONG_CREDENTIALS, "unknown")
        now = self.clock.now()
        locked_until: datetime | None = None

        def count(txn: WriteTxn) -> list[Draft]:
            nonlocal locked_until
            locked_until = None
            [row] = txn.execute(
                select(accounts.c.failures, accounts.c.locked_until)
                .where(accounts.c.id == account.id)
                .with_for_update()
            )
            failures = 0
            if row.locked_until and from_iso(row.locked_until) > now:
                locked_until = from_iso(row.locked_until)  # locked meanwhile, elsewhere
                reason = "locked"
            else:
                reason = "password"
                failures = int(row.failures) + 1
                values: dict[str, Any] = {"failures": failures}
                if failures >= MAX_FAILURES:
                    locked_until = now + LOCK_DURATION
                    values = {"failures": 0, "locked_until": to_iso(locked_until)}
                txn.execute(update(accounts).where(accounts.c.id == account.id).values(**values))
            drafts = [_failure(account.login, workstation, reason)]
            if reason == "password" and locked_until is not None:
                drafts.append(
                    Draft(
                        ka.ACCOUNT_LOCKED,
                        {
                            "login": account.login,
                            "failures": failures,
                            "until": f"{local(locked_until):%H:%M}",
                            "workstation": workstation,
                        },
                        "systeme",
                    )
                )
            return drafts

        self._journaled(count, SYSTEM)
        if locked_until is not None:
            raise LoginRefused(
                f"Compte verrouillé après {MAX_FAILURES} échecs de connexion : "
                f"nouvel essai possible à {local(locked_until):%H:%M}.",
                "locked",
            )
        raise LoginRefused(WRONG_CREDENTIALS, "password")


def _failure(login: str | None, workstation: str, reason: str) -> Draft:
    """A failed login for the journal: the account's login, or none at all when the text
    typed names no account (it may be a password)."""
    payload = {"workstation": workstation, "reason": reason}
    if login is not None:
        payload["login"] = login
    return Draft(ka.LOGIN_FAILED, payload, "systeme")


def role_label(role: str) -> str:
    return ROLES.get(role, role)


__all__ = [
    "Account",
    "AccountError",
    "Accounts",
    "LoginRefused",
    "canonical_login",
]
