"""Rooms, gateway processes and patient waits shared by the gateway and failover tests."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models.entries import SYSTEM, Operator
from scop.room import Room, open_room

CHIEF = Operator("Cdt. Test", "chief")


async def wait_for(cond: Callable[[], bool], timeout: float, what: str) -> float:
    """Generous waits on conditions (a loaded 2-core machine), never fixed sleeps; returns
    how long it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not cond():
        if loop.time() - start > timeout:
            raise AssertionError(f"délai dépassé en attendant : {what}")
        await asyncio.sleep(0.05)
    return loop.time() - start


def open_live_room(url: str, crews: int = 3, events: int = 2) -> Room:
    clock = SystemClock()
    store = JournalStore.open(url, clock)
    room = open_room(store, clock, CHIEF, mode="live", label="Salle de test passerelle")
    given = room.acting_as(SYSTEM)  # what the test takes as given, written as a service
    for i in range(crews):
        given.record(
            k.CREW_REGISTERED,
            {
                "call_sign": f"PM-{i:02d}",
                "division": "Centre",
                "mode": "vehicule",
                "lon": 2.35,
                "lat": 48.86,
            },
            "equipage",
        )
    for i in range(events):
        given.record(
            k.EVENT_CREATED,
            {
                "id": f"EV-{i:04d}",
                "category": "FIR",
                "title": f"Feu n° {i}",
                "gravity": 3,
                "address": f"{i + 1} Rue Oberkampf, 75011 Paris",
                "lon": 2.37,
                "lat": 48.86,
            },
        )
    return room


LOGS = Path(os.environ.get("SCOP_TEST_LOG_DIR", "/tmp"))


async def start_gateway(url: str, name: str, *links: str) -> asyncio.subprocess.Process:
    """Its log goes to a file (``SCOP_TEST_LOG_DIR``) to read when a test fails."""
    log = (LOGS / f"scop-test-{name}-{os.getpid()}.log").open("w")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scop.cli",
        "gateway",
        "--db",
        url,
        "--name",
        name,
        *links,
        stderr=log,
        stdout=log,
    )


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
    await proc.wait()
