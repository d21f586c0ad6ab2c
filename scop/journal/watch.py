"""Hearing that another workstation wrote, within a fraction of a second, without reading.

A console folds what the journal holds beyond its last position (``Room.sync``); the only
question is *when* to look. Reading every 50 ms from five consoles is wasteful, every
400 ms is slow. So:

- PostgreSQL: every commit of entries or positions sends ``NOTIFY scop_journal`` (in the
  same transaction, so it is delivered at commit and only then). A watcher holds one
  connection that ``LISTEN``\\ s; a notification only says "look", and the reader then reads
  from its last position, so a notification lost (a reconnection) loses nothing.
- SQLite: ``PRAGMA data_version`` on a connection of its own changes when another
  connection commits. Asking costs a few microseconds and no read of the tables.

Either way a slow poll (``SAFETY_POLL_S``) stays as the safety net.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "scop_journal"
SAFETY_POLL_S = 2.0  # look anyway at this interval, whatever the watcher says
CHECK_INTERVAL_S = 0.05  # how often a console asks its watcher
MAX_BACKOFF_S = 30.0  # longest wait before listening again after a failure


class ChangeWatch(Protocol):
    def poll(self) -> bool:
        """Whether something may have been committed since the last call (never blocks)."""
        ...

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for a change; whether one may have come."""
        ...

    def close(self) -> None: ...


class _SafetyNet:
    """Says "look" at least every ``SAFETY_POLL_S``, and after any error of the watcher."""

    def __init__(self) -> None:
        self._last = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last >= SAFETY_POLL_S:
            self._last = now
            return True
        return False

    def reset(self) -> None:
        self._last = time.monotonic()


class SqliteWatch:
    def __init__(self, path: str) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self._net = _SafetyNet()

    def _data_version(self) -> int:
        if self._conn is None:
            uri = f"{Path(self._path).resolve().as_uri()}?mode=ro"  # any name, read-only
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def poll(self) -> bool:
        try:
            v = self._data_version()
        except sqlite3.Error:
            log.debug("data_version impossible à lire", exc_info=True)
            self.close()
            return True
        changed = self._version is not None and v != self._version
        self._version = v
        if changed:
            self._net.reset()
            return True
        return self._net.due()

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if self.poll():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(0.01, left))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresWatch:
    def __init__(self, url: str) -> None:
        # The connection arguments as SQLAlchemy's own psycopg dialect builds them: a
        # multi-host URL (primary and standby, target_session_attrs=read-write) becomes
        # host="a,b" port="1,2", which a libpq URI written back from the URL would not be.
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

        dialect = PGDialect_psycopg()  # type: ignore[no-untyped-call]
        _args, self._kwargs = dialect.create_connect_args(make_url(url))  # type: ignore[no-untyped-call]
        self._conn: Any = None
        self._net = _SafetyNet()
        self._retry_at = 0.0  # after a failure, leave the server alone for a while…
        self._backoff = SAFETY_POLL_S  # …longer each time (a console asks from its GUI thread)

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            import psycopg

            kwargs = {"connect_timeout": 2, **self._kwargs}
            self._conn = psycopg.connect(autocommit=True, **kwargs)
            self._conn.execute(f"LISTEN {CHANNEL}")
        return self._conn

    def _drain(self, timeout: float) -> bool:
        if self._conn is None and time.monotonic() < self._retry_at:
            if timeout > 0:
                time.sleep(min(timeout, self._retry_at - time.monotonic()))
            return False
        got = False
        try:
            conn = self._connection()
            for _n in conn.notifies(timeout=timeout, stop_after=1):
                got = True
            if got:  # take whatever else arrived in the same burst
                for _n in conn.notifies(timeout=0.0):
                    pass
        except Exception:
            log.debug("écoute des notifications interrompue", exc_info=True)
            self.close()
            self._retry_at = time.monotonic() + self._backoff
            self._backoff = min(MAX_BACKOFF_S, self._backoff * 2)
            return True  # something may have been missed: read
        return got

    def poll(self) -> bool:
        if self._drain(0.0):
            self._net.reset()
            return True
        return self._net.due()

    def wait(self, timeout: float) -> bool:
        if self._drain(timeout):
            self._net.reset()
            return True
        return self._net.due()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                log.debug("fermeture de l'écoute", exc_info=True)
            self._conn = None


class _NoWatch:
    """An in-memory or unknown database: only the safety net."""

    def __init__(self) -> None:
        self._net = _SafetyNet()

    def poll(self) -> bool:
        return self._net.due()

    def wait(self, timeout: float) -> bool:
        time.sleep(timeout)
        return self._net.due()

    def close(self) -> None:
        pass


def watch(url: str) -> ChangeWatch:
    """The cheapest way to hear of commits on the database at ``url``."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        if u.database and u.database != ":memory:":
            return SqliteWatch(u.database)
        return _NoWatch()
    if backend == "postgresql":
        return PostgresWatch(url)
    return _NoWatch()
