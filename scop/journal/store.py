"""The append-only journal on SQLite (WAL, ``synchronous=FULL``) or PostgreSQL."""

from __future__ import annotations

import json
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
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from scop.clock import Clock, from_iso, to_iso
from scop.journal.tables import crew_positions, journal_entries, journal_head, metadata, room_meta
from scop.journal.verify import VerifyReport, verify_chain
from scop.models.entities import PositionFix
from scop.models.entries import GENESIS_HASH, SYSTEM, Draft, Entry, Operator, seal


class JournalError(Exception):
    pass


# Built once: an append is on every operator keystroke's path, statement building is not free.
_SELECT_HEAD_FOR_UPDATE = (
    select(journal_head.c.position, journal_head.c.hash)
    .where(journal_head.c.id == 1)
    .with_for_update()
)
_INSERT_HEAD = insert(journal_head).values(id=1)
_INSERT_ENTRY = insert(journal_entries)
_UPDATE_HEAD = (
    update(journal_head)
    .where(journal_head.c.id == 1)
    .values(position=bindparam("new_position"), hash=bindparam("new_hash"))
)


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
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
            mode = "IMMEDIATE" if conn.get_execution_options().get("scop_write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    engine = create_engine(u, pool_pre_ping=True)
    if readonly:

        @event.listens_for(engine, "begin")
        def _ro(conn: Connection) -> None:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def entry_row(e: Entry) -> dict[str, object]:
    """An entry as its ``journal_entries`` row."""
    return {
        "position": e.position,
        "ts": e.ts_iso,
        "author": e.author,
        "role": e.role,
        "source": e.source,
        "kind": e.kind,
        "payload": json.dumps(e.payload, ensure_ascii=False, sort_keys=True),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def _row_to_entry(r: Row[Any]) -> Entry:
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
    )


def _row_to_fix(r: Row[Any]) -> tuple[int, PositionFix]:
    return int(r.id), PositionFix(r.call_sign, from_iso(r.ts), r.lon, r.lat, r.heading, r.speed)


class WriteTxn:
    """What a decision sees inside the journal's write transaction."""

    def __init__(self, conn: Connection, head_position: int) -> None:
        self._conn = conn
        self.head_position = head_position

    def read(self, after: int) -> list[Entry]:
        """The entries beyond ``after``: what other workstations appended since."""
        if after >= self.head_position:
            return []
        q = (
            select(journal_entries)
            .where(journal_entries.c.position > after)
            .order_by(journal_entries.c.position)
        )
        return [_row_to_entry(r) for r in self._conn.execute(q)]


Decision = Callable[[WriteTxn], Sequence[Draft]]


class JournalStore:
    def __init__(self, engine: Engine, clock: Clock, *, readonly: bool = False) -> None:
        self.engine = engine
        self.clock = clock
        self.readonly = readonly
        self._write_engine = engine.execution_options(scop_write=True)

    @classmethod
    def open(cls, url: str, clock: Clock, *, readonly: bool = False) -> JournalStore:
        engine = make_engine(url, readonly=readonly)
        if not readonly:
            metadata.create_all(engine)
        return cls(engine, clock, readonly=readonly)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    def close(self) -> None:
        self.engine.dispose()

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
        """
        if self.readonly:
            raise JournalError("journal ouvert en lecture seule")
        for attempt in range(5):
            try:
                return self._append_once(decide, author)
            except (IntegrityError, OperationalError):
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _append_once(self, decide: Decision, author: Operator) -> list[Entry]:
        with self._write_engine.begin() as conn:
            head = conn.execute(_SELECT_HEAD_FOR_UPDATE).first()
            if head is None:
                position, prev = 0, GENESIS_HASH
                conn.execute(_INSERT_HEAD, {"position": 0, "hash": GENESIS_HASH})
            else:
                position, prev = int(head.position), head.hash
            drafts = decide(WriteTxn(conn, position))
            if not drafts:
                return []
            now = self.clock.now()
            sealed: list[Entry] = []
            for d in drafts:
                position += 1
                e = seal(position, now, d.author or author, d, prev)
                sealed.append(e)
                prev = e.hash
            conn.execute(_INSERT_ENTRY, [entry_row(e) for e in sealed])
            conn.execute(_UPDATE_HEAD, {"new_position": position, "new_hash": prev})
        return sealed

    def append_positions(self, fixes: Sequence[PositionFix]) -> None:
        if self.readonly:
            raise JournalError("journal ouvert en lecture seule")
        if not fixes:
            return
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

    def set_meta(self, key: str, value: str) -> None:
        with self._write_engine.begin() as conn:
            if conn.execute(select(room_meta.c.key).where(room_meta.c.key == key)).first():
                conn.execute(update(room_meta).where(room_meta.c.key == key).values(value=value))
            else:
                conn.execute(insert(room_meta).values(key=key, value=value))

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
