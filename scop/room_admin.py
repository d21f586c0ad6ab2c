"""Putting a room in service, headless: ``scop room init`` and ``scop room info``.

A room is born once, by a person at a terminal, before any console, gateway or feed opens
it; these functions are what ``scop room init``/``info`` run, kept apart from the argument
parsing so that other steps of the creation (the first administrator account…) extend
:func:`init_room` with more drafts in the same first transaction.

Every failure is a :class:`RoomAdminError` carrying a French message and the exit code the
command documents; the database driver's own text goes to the log, never to the screen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from scop.clock import Clock
from scop.errors import (
    DatabaseMissing,
    DatabaseUnreachable,
    Exit,
    ScopError,
    database_error,
    log_failure,
    no_room,
    sqlite_path,
)
from scop.journal.store import DatabaseUnavailable, Decision, JournalStore, WriteTxn
from scop.models import fold_core as k
from scop.models.entries import SYSTEM, Draft
from scop.models.projection import Projection

log = logging.getLogger("scop.room")

ROOM_MODES: dict[str, str] = {"live": "réel", "exercise": "exercice"}
MODE_NAMES: dict[str, str] = {"live": "réel", "demo": "DÉMO", "exercise": "EXERCICE"}

# Exit codes of ``scop room``: those of every scop command (scop.errors.Exit, README table).
OPEN_ATTEMPTS = 3  # opening a new database: its tables may be created by another init at once
EXIT_OK = Exit.OK
EXIT_REFUSED = Exit.REFUSED  # the room exists already (init)
EXIT_NO_ROOM = Exit.DB_MISSING  # there is no room there (info)
EXIT_URL = Exit.USAGE  # unusable URL, or another option's value (an empty --name…)
EXIT_DATABASE = Exit.DB_UNREACHABLE  # the database cannot be reached


class RoomAdminError(ScopError):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message, code=Exit(code))
        self.code = code


@dataclass(frozen=True, slots=True)
class RoomInfo:
    url: str
    mode: str
    name: str
    head: int
    first_ts: datetime | None
    last_ts: datetime | None
    crews_on_duty: int
    accounts: int | None = None  # None while the room has no accounts table
    extra: tuple[tuple[str, str], ...] = field(default=())

    def lines(self) -> list[str]:
        def when(t: datetime | None) -> str:
            from scop.clock import local

            return "—" if t is None else f"{local(t):%d/%m/%Y %H:%M:%S} (heure de Paris)"

        out = [
            f"base : {self.url}",
            f"mode : {MODE_NAMES.get(self.mode, self.mode)}",
            f"nom : {self.name or '—'}",
            f"position de tête : {self.head}",
            f"première entrée : {when(self.first_ts)}",
            f"dernière entrée : {when(self.last_ts)}",
        ]
        if self.accounts is not None:
            out.append(f"comptes : {self.accounts}")
        out += [f"{label} : {value}" for label, value in self.extra]
        out.append(f"équipages en service : {self.crews_on_duty}")
        return out


def _check_url(url: str) -> str:
    try:
        u = make_url(url)
        u.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        log.info("URL refusée %r: %s", url, exc)
        raise RoomAdminError(
            f"adresse de base invalide : {url!r} (attendu : sqlite:///chemin.sqlite ou "
            "postgresql+psycopg://utilisateur@serveur/base)",
            EXIT_URL,
        ) from None
    return u.get_backend_name()


def _sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _unreachable(url: str, exc: BaseException) -> RoomAdminError:
    """The same French words as every other command (scop.errors), never the exception's
    class name: a person reads this."""
    log_failure(f"base {url} inaccessible", exc)  # the terminal gets the one line below
    err = database_error(exc, url)
    return RoomAdminError(str(err), err.exit_code)


def _no_room(url: str) -> RoomAdminError:
    """The words of every command for a base that holds no room (scop.errors.no_room)."""
    return RoomAdminError(str(no_room(url)), EXIT_NO_ROOM)


def open_store(url: str, clock: Clock, *, readonly: bool) -> JournalStore:
    """The store at ``url``, connected once to surface an unreachable server here."""
    _check_url(url)
    path = _sqlite_path(url)
    if readonly and path is not None and not path.exists():
        raise _no_room(url)
    if path is not None and not readonly and not path.parent.is_dir():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unreachable(url, exc) from None
    store: JournalStore | None = None
    try:
        for attempt in range(OPEN_ATTEMPTS):
            try:
                store = JournalStore.open(url, clock, readonly=readonly)
                store.head()  # one round trip: the server answers, the tables are readable
                break
            except (IntegrityError, OperationalError, DatabaseUnreachable):
                # two `room init` creating the tables of one new database at once: the
                # loser's CREATE fails (or waits on SQLite's lock); the second try finds them
                if store is not None:
                    store.close()
                    store = None
                if readonly or attempt == OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
    except (SQLAlchemyError, OSError) as exc:
        if store is not None:
            store.close()
        if readonly and isinstance(exc, DBAPIError) and _missing_table(exc):
            raise _no_room(url) from None
        raise _unreachable(url, exc) from None
    assert store is not None
    return store


def _missing_table(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "no such table" in text or "does not exist" in text or "undefinedtable" in text


def existing_mode(store: JournalStore) -> str | None:
    """The mode of the room ``store`` holds, or None if it holds none yet."""
    mode = store.meta("mode")
    if mode is None and store.head()[0] > 0:
        first = store.read(limit=1)
        mode = str(first[0].payload.get("mode", "live")) if first else "live"
    return mode


def open_held_room(url: str, clock: Clock) -> JournalStore:
    """The store of the room that ``url`` already holds, opened to write (a console, the
    gateway). Looked at read-only first: a database that holds no room (a file that does not
    exist, an empty base, tables but no room) is refused with :func:`scop.errors.no_room`
    and nothing is created, neither a file nor a table, nor a live room made by a typo in
    --db: rooms are made by ``scop room init``."""
    path = sqlite_path(url)
    if path is not None and not Path(path).exists():
        raise no_room(url)
    if path is None or Path(path).is_file():  # a folder gets the writer's own message
        try:
            probe = JournalStore.open(url, clock, readonly=True)
        except DatabaseMissing:
            raise no_room(url) from None
        try:
            held = existing_mode(probe) is not None
        finally:
            probe.close()
        if not held:
            raise no_room(url)
    return JournalStore.open(url, clock)


def opening_drafts(mode: str, name: str) -> list[Draft]:
    """The first entries of a room. Extended by the caller (accounts…), never reordered:
    ``room.opened`` is entry n° 1 of every journal."""
    return [Draft(k.ROOM_OPENED, {"mode": mode, "label": name}, "systeme", SYSTEM)]


def init_room(
    url: str,
    mode: str,
    name: str,
    clock: Clock,
    *,
    extra_drafts: Sequence[Draft] = (),
    also: Decision | None = None,
) -> RoomInfo:
    """Create the room held by the database at ``url``: its mode and name, and its first
    entries in one transaction. ``also`` runs in that same transaction after them (the
    first administrator's account): it commits with the room, or neither does. Refuses a
    database that already holds a room."""
    if mode not in ROOM_MODES:
        raise RoomAdminError(
            f"mode inconnu : {mode!r} (attendu : {', '.join(ROOM_MODES)})", EXIT_REFUSED
        )
    name = name.strip()
    if not name:
        raise RoomAdminError("le nom de la salle est obligatoire (--name « … »)", EXIT_URL)
    store = open_store(url, clock, readonly=False)
    try:
        if existing_mode(store) is not None:
            raise _exists(store)
        drafts = [*opening_drafts(mode, name), *extra_drafts]

        def decide(txn: WriteTxn) -> list[Draft]:
            # checked again inside the write transaction: of two `room init` at once on one
            # database, the second is refused here and writes nothing
            if txn.head_position > 0:
                raise _RoomExists
            # the mode and the name with the first entries: a room is there whole, or not
            store.set_meta("mode", mode, txn)
            store.set_meta("label", name, txn)
            return [*drafts, *(also(txn) if also is not None else ())]

        try:
            store.append_decided(decide)
        except _RoomExists:
            raise _exists(store) from None
        except (SQLAlchemyError, DatabaseUnavailable) as exc:
            raise _unreachable(url, exc) from None
        return _info(store)
    finally:
        store.close()


class _RoomExists(Exception):
    pass


def _exists(store: JournalStore) -> RoomAdminError:
    held = existing_mode(store) or "live"
    label = store.meta("label") or ""
    if not label:
        first = store.read(limit=1)
        label = str(first[0].payload.get("label", "")) if first else ""
    return RoomAdminError(
        f"refusé : cette base tient déjà une salle en mode {MODE_NAMES.get(held, held)}"
        + (f" (« {label} »)" if label else "")
        + " ; rien n'a été modifié",
        EXIT_REFUSED,
    )


def room_info(url: str, clock: Clock) -> RoomInfo:
    """What the room at ``url`` holds. Reads only: never creates a file or a table."""
    store = open_store(url, clock, readonly=True)
    try:
        if existing_mode(store) is None:
            raise _no_room(url)
        return _info(store)
    except SQLAlchemyError as exc:
        raise _unreachable(url, exc) from None
    finally:
        store.close()


def _info(store: JournalStore) -> RoomInfo:
    projection = Projection()
    first_ts = last_ts = None
    for e in store.iter_entries():
        if first_ts is None:
            first_ts = e.ts
        last_ts = e.ts
        projection.apply(e)
    st = projection.state
    return RoomInfo(
        url=store.url,
        mode=store.meta("mode") or st.mode,
        name=store.meta("label") or st.label,
        head=store.head()[0],
        first_ts=first_ts,
        last_ts=last_ts,
        crews_on_duty=len(st.crews),
        accounts=_count_accounts(store),
    )


def _count_accounts(store: JournalStore) -> int | None:
    from sqlalchemy import func, select

    from scop.journal.tables import accounts

    try:
        with store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(accounts)).scalar_one())
    except SQLAlchemyError:  # a room from before accounts existed, opened read-only
        return None
