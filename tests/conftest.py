"""Shared fixtures. Environment first: Qt reads it when first imported (tests/ui only)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="scop-tests-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault(
    "QTWEBENGINE_CHROMIUM_FLAGS",
    "--disable-background-networking --disable-component-update --no-first-run",
)
# Never touch the user's real demo database or layout settings.
os.environ["XDG_DATA_HOME"] = str(_SESSION_DIR / "data")
os.environ["XDG_CONFIG_HOME"] = str(_SESSION_DIR / "config")

import pytest  # noqa: E402

from scop.clock import ManualClock  # noqa: E402
from scop.journal.store import JournalStore  # noqa: E402
from scop.models.entries import Operator  # noqa: E402
from scop.room import Room, open_room  # noqa: E402


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'room.sqlite'}"


@pytest.fixture
def store(db_url: str, clock: ManualClock) -> Iterator[JournalStore]:
    s = JournalStore.open(db_url, clock)
    yield s
    s.close()


@pytest.fixture
def operator() -> Operator:
    return Operator("A. Martin", "operator")


@pytest.fixture
def room(store: JournalStore, clock: ManualClock, operator: Operator) -> Room:
    return open_room(store, clock, operator, mode="live", label="Salle de test")


@pytest.fixture
def demo_room(store: JournalStore, clock: ManualClock, operator: Operator) -> Room:
    from scop.demo import demo_drafts

    r = open_room(store, clock, operator, mode="demo", label="Salle de démonstration")
    r.record_all(demo_drafts())
    return r


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A real PostgreSQL server, started by ``./dev test`` (never a mock)."""
    url = os.environ.get("SCOP_TEST_PG_URL")
    if not url:
        pytest.fail(
            "SCOP_TEST_PG_URL is not set: run the suite with ./dev test, which starts "
            "PostgreSQL on loopback"
        )
    return url


@pytest.fixture
def pg_store(pg_url: str, clock: ManualClock) -> Iterator[JournalStore]:
    """A fresh schema on the shared test server for each test."""
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in pg_url else "?"
    s = JournalStore.open(f"{pg_url}{sep}options=-csearch_path%3D{schema}", clock)
    yield s
    s.close()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()
