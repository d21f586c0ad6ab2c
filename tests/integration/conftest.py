"""Fixtures of the integration tests that run the ``scop`` commands against a fresh room."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from scop.journal.store import JournalStore


@pytest.fixture
def pg_room_url(pg_url: str) -> Iterator[str]:
    """A fresh, empty schema on the test server, as a URL a person would pass to --db."""
    schema = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in pg_url else "?"
    yield f"{pg_url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'salle' / 'salle.sqlite'}"
    url: str = request.getfixturevalue("pg_room_url")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest) -> Iterator[JournalStore]:
    """The room's store on a fresh SQLite file, then on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield request.getfixturevalue("store")
    else:
        yield request.getfixturevalue("pg_store")
