"""The append-only journal on SQLite (WAL, ``synchronous=FULL``) or PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable

from scop.clock import Clock, from_iso, to_iso
from scop.errors import (
    DatabaseMissing,
    NotScopDatabase,
    ScopError,
    damaged,
    database_error,
    safe_url,
    sqlite_path,
)
from scop.journal.tables import crew_positions, journal_entries, journal_head, metadata, room_meta
from scop.journal.verify import VerifyReport, verify_chain
from scop.journal.watch import CHANNEL, ChangeWatch, watch
from scop.models.entities import PositionFix
from scop.models.entries import GENESIS_HASH, SYSTEM, Draft, Entry, Operator, seal_text


class JournalError(Exception):
    pass


class DatabaseUnavailable(JournalError):
    """The database cannot be reached (or lost its primary): nothing was written, the caller
    may try again. Its text is for the operator."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("Base indisponible — réessayez.")
        self.detail = detail


def is_unavailable(exc: BaseException) -> bool:
    """A lost or refused connection, a server shutting down, a read-only standby: an outage,
    not a bug. (A unique-key race is an IntegrityError and is not one of these.)"""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


# Built once: an append is on every operator keystroke's path, statement building is not free.
_SELECT_HEAD_FOR_UPDATE = (
    select(journal_head.c.position, journal_head.c.hash)
    .where(journal_head.c.id == 1)
    .with_for_update()
)
_INSERT_HEAD = insert(journal_head).values(id=1)
_NOTIFY = f"NOTIFY {CHANNEL}"
_INSERT_ENTRY = insert(journal_entries)
_UPDATE_HEAD = (
    update(journal_head)
    .where(journal_head.c.id == 1)
    .values(position=bindparam("new_position"), hash=bindparam("new_hash"))
)


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:" and not readonly:
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(u, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, see _on_begin
            cur = dbapi_conn.cursor()
            if not readonly:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            if readonly:
                cur.execute("PRAGMA query_only=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # A writer takes the write lock at BEGIN, so two workstations never both read
            # the same head and race to extend it.
            # Straight to the driver: through exec_driver_sql this BEGIN cost a quarter of an
            # append (profiled with bench/journal.py).
            sql = "BEGIN IMMEDIATE" if conn.get_execution_options().get("scop_write") else "BEGIN"
            try:
                conn.connection.driver_connection.execute(sql)  # type: ignore[union-attr]
            except sqlite3.Error as exc:
                raise DBAPIError.instance(sql, (), exc, sqlite3.Error) from exc

        return engine
    # A dead server is seen at once (pre-ping); a silent host does not freeze a console for
    # long; with several hosts in the URL, psycopg tries each one in turn.
    connect_args = {} if "connect_timeout" in u.query else {"connect_timeout": 3}
    engine = create_engine(u, pool_pre_ping=True, connect_args=connect_args)
    if readonly:

        @event.listens_for(engine, "begin")
        def _ro(conn: Connection) -> None:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def _check_schema(url: str, tables: set[str], *, readonly: bool, is_file: bool) -> None:
    """A foreign database is named as such, and never gets SCOP's tables added to it; a SCOP
    base missing part of its journal is damaged, which is a different message."""
    shown = safe_url(url)
    if "journal_entries" not in tables:
        if readonly and not tables:
            raise DatabaseMissing(
                f"Aucune salle dans cette base : {shown} est vide",
                "Vérifier l'adresse donnée à --db, ou créer la salle avec « scop room init ».",
            )
        if tables and (readonly or is_file):
            raise NotScopDatabase(
                f"Ce fichier n'est pas une base SCOP : {shown} contient les tables "
                f"d'une autre application ({_some(tables)})",
                "Vérifier le chemin donné à --db.",
            )
        return
    if readonly and not {"journal_head", "room_meta"} <= tables:
        raise damaged(url)


def is_sqlite_file(path: Path) -> bool:
    """A SQLite database by its header, whatever its name (replay and verify take both
    databases and exports)."""
    try:
        with path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _sqlite_tables(path: str) -> set[str]:
    # Not mode=ro: on a WAL base that leaves -wal and -shm files behind; a plain connection
    # that writes nothing changes nothing and, closing last, removes them.
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def _some(names: set[str]) -> str:
    first = sorted(names)[:3]
    return ", ".join(first) + (", …" if len(names) > 3 else "")


def entry_row(e: Entry, payload_text: str | None = None) -> dict[str, object]:
    """An entry as its ``journal_entries`` row; ``payload_text`` is the payload's canonical JSON
    when the caller has it (sealing made it), so that it is not encoded a second time."""
    return {
        "position": e.position,
        "ts": e.ts_iso,
        "author": e.author,
        "role": e.role,
        "source": e.source,
        "kind": e.kind,
        "payload": payload_text
        if payload_text is not None
        else json.dumps(e.payload, ensure_ascii=False, sort_keys=True),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "author_id": e.author_id,
    }


def _row_to_entry(r: Any) -> Entry:
    """A row (SQLAlchemy's, or the driver's read by name) as an entry."""
    return Entry(
        position=int(r.position),
        ts=from_iso(r.ts),
        author=r.author,
        role=r.role,
        source=r.source,
        kind=r.kind,
        payload=json.loads(r.payload),
        prev_hash=r.prev_hash,
        hash=r.hash,
        author_id=r.author_id,
    )


def _row_to_fix(r: Row[Any]) -> tuple[int, PositionFix]:
    return int(r.id), PositionFix(r.call_sign, from_iso(r.ts), r.lon, r.lat, r.heading, r.speed)


# The database itself refuses to edit or delete an entry, whoever asks (a script, a console
# of an older version, someone at the SQL prompt): the code never does, these make sure.
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS journal_entries_no_update BEFORE UPDATE ON journal_entries"
    " BEGIN SELECT RAISE(ABORT, 'main courante : une entrée ne se modifie pas'); END",
    "CREATE TRIGGER IF NOT EXISTS journal_entries_no_delete BEFORE DELETE ON journal_entries"
    " BEGIN SELECT RAISE(ABORT, 'main courante : une entrée ne se supprime pas'); END",
)
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION scop_journal_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'main courante : une entrée ne se modifie ni ne se supprime (%%)', TG_OP;
END $$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE"
    " ON journal_entries FOR EACH STATEMENT EXECUTE FUNCTION scop_journal_append_only()"
)


def ensure_schema(engine: Engine) -> None:
    """Bring an existing room's database up to this version: the author id column, and the
    triggers that make entries append-only."""
    with engine.begin() as conn:
        backend = engine.url.get_backend_name()
        if backend == "sqlite":
            cols = {r[1] for r in conn.exec_driver_sql("PRAGMA table_info(journal_entries)")}
            if "author_id" not in cols:
                conn.exec_driver_sql(
                    "ALTER TABLE journal_entries ADD COLUMN author_id VARCHAR(120)"
                    " NOT NULL DEFAULT ''"
                )
            for sql in _SQLITE_TRIGGERS:
                conn.exec_driver_sql(sql)
        elif backend == "postgresql":
            # Checked first: a console's login role may not ALTER (scop room grant), even
            # with IF NOT EXISTS.
            has_column = conn.exec_driver_sql(
                "SELECT 1 FROM information_schema.columns WHERE table_name = 'journal_entries'"
                " AND column_name = 'author_id' AND table_schema = current_schema()"
            ).first()
            if has_column is None:
                conn.exec_driver_sql(
                    "ALTER TABLE journal_entries ADD COLUMN author_id VARCHAR(120)"
                    " NOT NULL DEFAULT ''"
                )
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_trigger WHERE tgname = 'journal_entries_append_only'"
                " AND tgrelid = 'journal_entries'::regclass"
            ).first()
            if exists is None:
                conn.exec_driver_sql(_PG_FUNCTION)
                conn.exec_driver_sql(_PG_TRIGGER)


# On SQLite an append is a transaction of its own on the driver's connection (one per store,
# kept, under a lock): profiled with bench/journal.py, SQLAlchemy's statement execution, its
# BEGIN, its transaction events and the pool's checkout/checkin were ~80% of an append's CPU.
_ENTRY_COLUMNS = [c.name for c in journal_entries.c]
_SQLITE_HEAD = "SELECT position, hash FROM journal_head WHERE id = 1"
_SQLITE_INSERT_HEAD = "INSERT INTO journal_head (id, position, hash) VALUES (1, 0, ?)"
_SQLITE_INSERT_ENTRY = (
    f"INSERT INTO journal_entries ({', '.join(_ENTRY_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _ENTRY_COLUMNS)})"
)
_SQLITE_UPDATE_HEAD = "UPDATE journal_head SET position = ?, hash = ? WHERE id = 1"
_SQLITE_ENTRIES_AFTER = (
    f"SELECT {', '.join(_ENTRY_COLUMNS)} FROM journal_entries WHERE position > ? ORDER BY position"
)


class _Row:
    """A driver row read by column name, as ``_row_to_entry`` reads SQLAlchemy's."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values[name]


class _DriverSql:
    """Statements on the driver's connection, errors raised as SQLAlchemy's (an
    ``OperationalError`` stays one for the retry and outage handling)."""

    def __init__(self, dbapi_conn: Any) -> None:
        self._dbapi: Any = dbapi_conn

    def _do(self, sql: str, params: Any = (), many: bool = False) -> Any:
        try:
            if many:
                return self._dbapi.executemany(sql, params)
            return self._dbapi.execute(sql, params)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(sql, params, exc, sqlite3.Error) from exc

    def one(self, sql: str) -> Any:
        return self._do(sql).fetchone()

    def run(self, sql: str, rows: Sequence[Any]) -> None:
        if len(rows) == 1:
            self._do(sql, rows[0])
        else:
            self._do(sql, rows, many=True)

    def entries_after(self, after: int) -> list[Entry]:
        cur = self._do(_SQLITE_ENTRIES_AFTER, (after,))
        return [_row_to_entry(_Row(dict(zip(_ENTRY_COLUMNS, r, strict=True)))) for r in cur]

    def statement(self, statement: Executable, dialect: Dialect) -> list[Any]:
        """A SQLAlchemy statement compiled for this driver, its rows read by column name."""
        assert isinstance(statement, ClauseElement)
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        assert isinstance(compiled, SQLCompiler)
        params = compiled.construct_params()
        args = []
        for name in compiled.positiontup or ():
            process = compiled.binds[name].type.bind_processor(dialect)
            args.append(params[name] if process is None else process(params[name]))
        cur = self._do(str(compiled), tuple(args))
        if cur.description is None:
            return []
        names = [d[0] for d in cur.description]
        return [_Row(dict(zip(names, r, strict=True))) for r in cur.fetchall()]


Execute = Callable[[Executable], list[Any]]


class WriteTxn:
    """What a decision sees inside the journal's write transaction."""

    def __init__(
        self,
        read_after: Callable[[int], list[Entry]],
        head_position: int,
        execute: Execute | None = None,
    ) -> None:
        self._read_after = read_after
        self.head_position = head_position
        self._execute = execute

    def execute(self, statement: Executable) -> list[Any]:
        """Run ``statement`` in this same transaction (its rows, read by column name): a
        change to another table (an account) commits with its entries, or neither does."""
        if self._execute is None:
            raise JournalError("no statement runs in this transaction")
        return self._execute(statement)

    def read(self, after: int) -> list[Entry]:
        """The entries beyond ``after``: what other workstations appended since."""
        if after >= self.head_position:
            return []
        return self._read_after(after)


def _entries_after(conn: Connection) -> Callable[[int], list[Entry]]:
    def read(after: int) -> list[Entry]:
        q = (
            select(journal_entries)
            .where(journal_entries.c.position > after)
            .order_by(journal_entries.c.position)
        )
        return [_row_to_entry(r) for r in conn.execute(q)]

    return read


def _statements(conn: Connection) -> Execute:
    def execute(statement: Executable) -> list[Any]:
        result = conn.execute(statement)
        return list(result.all()) if result.returns_rows else []

    return execute


Decision = Callable[[WriteTxn], Sequence[Draft]]


def _write_meta(execute: Execute, key: str, value: str) -> None:
    if execute(select(room_meta.c.key).where(room_meta.c.key == key)):
        execute(update(room_meta).where(room_meta.c.key == key).values(value=value))
    else:
        execute(insert(room_meta).values(key=key, value=value))


class JournalStore:
    def __init__(self, engine: Engine, clock: Clock, *, readonly: bool = False) -> None:
        self.engine = engine
        self.clock = clock
        self.readonly = readonly
        self._write_engine = engine.execution_options(scop_write=True)
        self._postgres = engine.url.get_backend_name() == "postgresql"
        self._sqlite = engine.url.get_backend_name() == "sqlite"
        self._write_lock = threading.Lock()
        self._writer: PoolProxiedConnection | None = None

    @classmethod
    def open(cls, url: str, clock: Clock, *, readonly: bool = False) -> JournalStore:
        """Open the room's journal. Read-only, a missing database is refused (a command that
        only reads never creates a file); either way a file that is not a SCOP base is
        refused before anything is written to it. Failures are :class:`scop.errors.ScopError`
        with a French message for the person who gave ``url``."""
        path = sqlite_path(url)
        if readonly and path is not None and not Path(path).is_file():
            raise DatabaseMissing(
                f"La base {path} n'existe pas",
                "Vérifier le chemin donné à --db (une commande de lecture ne crée jamais de base).",
            )
        engine = None
        try:
            if path is not None and Path(path).is_file():
                # Looked at read-only first: the writer's connection turns WAL on, which
                # rewrites the header of whatever file it was given.
                _check_schema(url, _sqlite_tables(path), readonly=readonly, is_file=True)
            engine = make_engine(url, readonly=readonly)
            tables = set(inspect(engine).get_table_names())
            _check_schema(url, tables, readonly=readonly, is_file=path is not None)
            if not readonly:
                metadata.create_all(engine)
                ensure_schema(engine)
        except Exception as exc:
            if engine is not None:
                engine.dispose()
            if isinstance(exc, ScopError):
                raise
            raise database_error(exc, url) from exc
        return cls(engine, clock, readonly=readonly)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def write_engine(self) -> Engine:
        """Transactions that must not race (the journal head, the gateway lease)."""
        return self._write_engine

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()

    def watch(self) -> ChangeWatch:
        """A cheap way to hear that another connection committed (see scop.journal.watch)."""
        return watch(self.engine.url.render_as_string(hide_password=False))

    # -- writing -------------------------------------------------------------------------

    def append(self, drafts: Sequence[Draft], author: Operator = SYSTEM) -> list[Entry]:
        """Seal and insert ``drafts`` in one transaction; returns them with positions."""
        if not drafts:
            return []
        return self.append_decided(lambda _txn: drafts, author)

    def append_decided(self, decide: Decision, author: Operator = SYSTEM) -> list[Entry]:
        """Run ``decide`` inside the write transaction, then seal and insert what it returns.

        Writers are serialised (``BEGIN IMMEDIATE`` on SQLite, ``journal_head`` locked on
        PostgreSQL) before ``decide`` runs, so what it reads through the :class:`WriteTxn`
        is the whole journal and stays so until commit: a check made there cannot be
        overtaken by another workstation. An exception from ``decide`` rolls back and
        propagates; nothing is written. ``decide`` may run more than once when the
        transaction is retried (a first append racing to create the head row).

        A database that cannot be reached raises :class:`DatabaseUnavailable`: nothing was
        written. A connection lost after COMMIT is checked before trying again, so that a
        transaction that did go through is not written twice.
        """
        if self.readonly:
            raise JournalError("journal ouvert en lecture seule")
        attempt: list[Entry] = []
        for n in range(5):
            try:
                if attempt and self._committed(attempt[-1]):
                    return attempt  # the connection died after COMMIT: it did go through
                attempt = []
                return self._append_once(decide, author, attempt)
            except (IntegrityError, OperationalError, InterfaceError) as exc:
                if n == 4:
                    if is_unavailable(exc):
                        raise DatabaseUnavailable(str(exc).splitlines()[0]) from exc
                    raise
        raise AssertionError("unreachable")

    def _committed(self, last: Entry) -> bool:
        """Whether an append whose COMMIT got no answer was written: the entry's hash seals its
        position and predecessor, so finding it means the whole transaction is there."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(journal_entries.c.hash).where(journal_entries.c.position == last.position)
            ).scalar()
        return found == last.hash

    def _seal(
        self,
        drafts: Sequence[Draft],
        author: Operator,
        position: int,
        prev: str,
        sealed: list[Entry],
    ) -> list[dict[str, object]]:
        now = from_iso(to_iso(self.clock.now()))  # as a re-read gives it: UTC, microseconds
        rows: list[dict[str, object]] = []
        for d in drafts:
            position += 1
            e, text = seal_text(position, now, d.author or author, d, prev)
            sealed.append(e)
            row = entry_row(e, text)
            rows.append(row)
            prev = e.hash
        return rows

    def _append_once(self, decide: Decision, author: Operator, sealed: list[Entry]) -> list[Entry]:
        if self._sqlite:
            return self._append_sqlite(decide, author, sealed)
        with self._write_engine.begin() as conn:
            head = conn.execute(_SELECT_HEAD_FOR_UPDATE).first()
            if head is None:
                position, prev = 0, GENESIS_HASH
                conn.execute(_INSERT_HEAD, {"position": 0, "hash": GENESIS_HASH})
            else:
                position, prev = int(head.position), head.hash
            drafts = decide(WriteTxn(_entries_after(conn), position, _statements(conn)))
            if not drafts:
                return []
            rows = self._seal(drafts, author, position, prev, sealed)
            conn.execute(_INSERT_ENTRY, rows)
            conn.execute(
                _UPDATE_HEAD, {"new_position": sealed[-1].position, "new_hash": sealed[-1].hash}
            )
            self._notify(conn)
        return sealed

    def _append_sqlite(
        self, decide: Decision, author: Operator, sealed: list[Entry]
    ) -> list[Entry]:
        with self._write_lock:
            if self._writer is None:
                self._writer = self._write_engine.raw_connection()
            sql = _DriverSql(self._writer.driver_connection)
            sql.run("BEGIN IMMEDIATE", [()])  # the write lock first: the head cannot move
            done = False
            try:
                head = sql.one(_SQLITE_HEAD)
                if head is None:
                    position, prev = 0, GENESIS_HASH
                    sql.run(_SQLITE_INSERT_HEAD, [(GENESIS_HASH,)])
                else:
                    position, prev = int(head[0]), head[1]
                dialect = self.engine.dialect
                drafts = decide(
                    WriteTxn(sql.entries_after, position, lambda st: sql.statement(st, dialect))
                )
                if drafts:
                    sql.run(
                        _SQLITE_INSERT_ENTRY, self._seal(drafts, author, position, prev, sealed)
                    )
                    sql.run(_SQLITE_UPDATE_HEAD, [(sealed[-1].position, sealed[-1].hash)])
                sql.run("COMMIT", [()])
                done = True
            finally:
                if not done:
                    self._rollback_writer()
        return sealed if drafts else []

    def _rollback_writer(self) -> None:
        """After a failed append the connection goes back to no transaction, or is dropped."""
        assert self._writer is not None
        try:
            if self._writer.driver_connection.in_transaction:  # type: ignore[union-attr]
                self._writer.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]
        except sqlite3.Error:
            self._writer.invalidate()
            self._writer = None

    def _notify(self, conn: Connection) -> None:
        """Tell listening consoles to read (delivered at commit, dropped on rollback)."""
        if self._postgres:
            conn.exec_driver_sql(_NOTIFY)

    def append_positions(self, fixes: Sequence[PositionFix]) -> None:
        if self.readonly:
            raise JournalError("journal ouvert en lecture seule")
        if not fixes:
            return
        try:
            self._append_positions(fixes)
        except (OperationalError, InterfaceError) as exc:
            raise DatabaseUnavailable(str(exc).splitlines()[0]) from exc

    def _append_positions(self, fixes: Sequence[PositionFix]) -> None:
        with self._write_engine.begin() as conn:
            conn.execute(
                insert(crew_positions),
                [
                    {
                        "ts": to_iso(f.ts),
                        "call_sign": f.call_sign,
                        "lon": f.lon,
                        "lat": f.lat,
                        "heading": f.heading,
                        "speed": f.speed,
                    }
                    for f in fixes
                ],
            )
            self._notify(conn)

    def set_meta(self, key: str, value: str, txn: WriteTxn | None = None) -> None:
        """Set a room setting; with ``txn``, inside that append's transaction (a setting and
        the entry that journals it commit together)."""
        if txn is not None:
            _write_meta(txn.execute, key, value)
            return
        with self._write_engine.begin() as conn:
            _write_meta(_statements(conn), key, value)

    # -- reading -------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(room_meta.c.value).where(room_meta.c.key == key)).scalar()

    def head(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(journal_head.c.position, journal_head.c.hash).where(journal_head.c.id == 1)
            ).first()
        return (0, GENESIS_HASH) if row is None else (int(row.position), row.hash)

    def read(
        self, after: int = 0, limit: int | None = None, until: datetime | None = None
    ) -> list[Entry]:
        q = select(journal_entries).where(journal_entries.c.position > after)
        if until is not None:
            q = q.where(journal_entries.c.ts <= to_iso(until))
        q = q.order_by(journal_entries.c.position)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [_row_to_entry(r) for r in conn.execute(q)]

    def iter_entries(self, batch: int = 5000) -> Iterator[Entry]:
        after = 0
        while True:
            chunk = self.read(after, batch)
            if not chunk:
                return
            yield from chunk
            after = chunk[-1].position

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(journal_entries)).scalar_one())

    def read_positions(
        self, after_id: int = 0, limit: int | None = None, until: datetime | None = None
    ) -> list[tuple[int, PositionFix]]:
        q = select(crew_positions).where(crew_positions.c.id > after_id)
        if until is not None:
            q = q.where(crew_positions.c.ts <= to_iso(until))
        q = q.order_by(crew_positions.c.id)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [_row_to_fix(r) for r in conn.execute(q)]

    def latest_positions(self, until: datetime | None = None) -> list[tuple[int, PositionFix]]:
        """The last fix of each crew (at or before ``until``): what a map shows at that time."""
        c = crew_positions.c
        inner = select(c.call_sign, func.max(c.id).label("mid"))
        if until is not None:
            inner = inner.where(c.ts <= to_iso(until))
        sub = inner.group_by(c.call_sign).subquery()
        q = select(crew_positions).join(sub, c.id == sub.c.mid).order_by(c.id)
        with self.engine.connect() as conn:
            return [_row_to_fix(r) for r in conn.execute(q)]

    def last_position_id(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(func.coalesce(func.max(crew_positions.c.id), 0))).scalar_one()
            )

    def verify(self) -> VerifyReport:
        return verify_chain(self.iter_entries(), self.head())
