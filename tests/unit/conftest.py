"""Fixtures of the fiches réflexes tests (the room, clock and store are in tests/conftest.py)."""

from __future__ import annotations

import pytest
from scoptest.fiches import fire_runner

from scop.procedures.loader import load_library
from scop.procedures.model import Library
from scop.procedures.runner import ProcedureRunner
from scop.room import Room


@pytest.fixture(scope="session")
def library() -> Library:
    """The shipped fiches, loaded once (a Library is frozen)."""
    return load_library()


@pytest.fixture
def runner(room: Room, library: Library) -> ProcedureRunner:
    """The fiches over a room holding a fire (EV-1) and a flood (EV-2)."""
    return fire_runner(room, library)
