"""Many workstations, one room, one truth: commands from several processes at once, on
SQLite and on PostgreSQL. Each command is checked inside the journal's write transaction,
so the journal holds no entry its command should have refused, ids never collide, and every
workstation ends with the state a fresh fold gives."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest
from scoptest import room_traffic as traffic

from scop.clock import ManualClock
from scop.demo import demo_drafts
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models.entries import Operator
from scop.models.projection import fold
from scop.room import invalid_entries, open_room

CTX = multiprocessing.get_context("spawn")  # no engine, lock or thread crosses a fork


def _wait(cond: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + traffic.PATIENCE
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"délai dépassé en attendant : {what}")
        time.sleep(0.1)


def _entries_by(store: JournalStore, author: str) -> int:
    return sum(1 for e in store.iter_entries() if e.author == author)


WORKERS = 3
COMMANDS_EACH = 60


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def room_store(request: Any, clock: ManualClock) -> JournalStore:
    """A demo room (crews registered, events under way) on each backend."""
    name = "pg_store" if request.param == "postgresql" else "store"
    store: JournalStore = request.getfixturevalue(name)
    room = open_room(store, clock, Operator("A. Martin"), mode="demo", label="Salle")
    room.record_all(demo_drafts())
    return store


def _url(store: JournalStore) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_three_workstations_sending_random_commands_leave_no_invalid_entry(
    room_store: JournalStore,
) -> None:
    url = _url(room_store)
    manager = CTX.Manager()
    # every worker starts once all are up (spawning one can take seconds on a loaded machine)
    start, finished = manager.Barrier(WORKERS), manager.Barrier(WORKERS)
    with CTX.Pool(WORKERS) as pool:
        pending = [
            pool.apply_async(
                traffic.run_random, (url, f"op{i}", 1000 + i, COMMANDS_EACH, start, finished)
            )
            for i in range(WORKERS)
        ]
        results = [p.get(timeout=traffic.PATIENCE * 2) for p in pending]

    entries = list(room_store.iter_entries())
    assert room_store.verify().ok
    # Every entry held against the state just before it.
    assert invalid_entries(entries) == []
    # Event ids never collide, and nothing needed correcting.
    created = [e.payload["id"] for e in entries if e.kind == k.EVENT_CREATED]
    assert len(created) == len(set(created))
    assert not [e for e in entries if e.kind == k.CORRECTION]
    # Every workstation's state is the fresh fold.
    fresh = traffic.snapshot(fold(entries))
    for r in results:
        assert r["state"] == fresh
    # The traffic really raced: workstations acted on stale copies and were refused.
    assert sum(r["done"] for r in results) > WORKERS * COMMANDS_EACH // 3
    assert sum(r["refused"] for r in results) > 0


def test_two_simultaneous_engagements_of_one_crew(room_store: JournalStore) -> None:
    url = _url(room_store)
    st = fold(room_store.iter_entries())
    free = sorted(c for c, x in st.crews.items() if x.status == "disponible")
    events = sorted(i for i, e in st.events.items() if e.status != "clos")
    manager = CTX.Manager()
    with CTX.Pool(2) as pool:
        for round_, call_sign in enumerate(free[:4]):
            start = manager.Barrier(2)  # both engage once both are up
            names = (f"Agent {round_}A", f"Agent {round_}B")
            targets = (events[0], events[1])
            pending = [
                pool.apply_async(traffic.engage_at_once, (url, n, call_sign, ev, start))
                for n, ev in zip(names, targets, strict=True)
            ]
            outcomes = [p.get(timeout=traffic.PATIENCE * 2) for p in pending]
            assert sorted(outcomes).count("ok") == 1, outcomes
            winner = names[outcomes.index("ok")]
            refusal = next(o for o in outcomes if o != "ok")
            assert f"{call_sign} est déjà engagé sur" in refusal
            assert f"par {winner}" in refusal
            crew = fold(room_store.iter_entries()).crews[call_sign]
            assert crew.status_by == winner
            assert crew.event_id == targets[outcomes.index("ok")]
    assert invalid_entries(room_store.iter_entries()) == []


def test_a_console_killed_and_restarted_during_traffic_catches_up(
    room_store: JournalStore,
) -> None:
    url = _url(room_store)
    manager = CTX.Manager()
    stop = manager.Event()
    writers = [
        CTX.Process(target=traffic.traffic_until, args=(url, f"op{i}", 10 + i, stop))
        for i in range(2)
    ]
    console = CTX.Process(target=traffic.traffic_until, args=(url, "console", 99, stop))
    for p in (*writers, console):
        p.start()
    try:
        # killed once it is in its traffic (starting a process can take seconds under load)
        _wait(lambda: _entries_by(room_store, "console") >= 20, "trafic du poste")
        assert console.pid is not None
        os.kill(console.pid, signal.SIGKILL)  # mid-traffic, maybe mid-transaction
        console.join(traffic.PATIENCE)
        head_at_kill = room_store.head()[0]
        _wait(lambda: room_store.head()[0] > head_at_kill + 20, "trafic pendant la panne")
        # The restarted console loads what it missed while down, and works on.
        result = traffic.run_random(url, "console", 100, 30)
    finally:
        stop.set()
        for p in writers:
            p.join(30)
    entries = list(room_store.iter_entries())
    assert room_store.head()[0] > head_at_kill
    assert room_store.verify().ok  # no half-written transaction
    assert invalid_entries(entries) == []
    assert result["done"] > 0
    # Its state at the end of its run is the fold of the journal up to where it stopped.
    upto = [e for e in entries if e.position <= result["state"]["position"]]
    assert result["state"] == traffic.snapshot(fold(upto))
