"""The console hears another workstation's commit through its change watch (NOTIFY on
PostgreSQL, ``data_version`` on SQLite), and reads only when told: no read of the journal
on a tick when nothing was committed."""

from __future__ import annotations

from typing import Any

import pytest

from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.room import Room, open_room


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_store(request: Any) -> JournalStore:
    name = "pg_store" if request.param == "postgresql" else "store"
    store: JournalStore = request.getfixturevalue(name)
    return store


def test_bridge_reads_when_another_workstation_commits(
    qtbot: Any, backend_store: JournalStore, clock: ManualClock, make_ctx: Any, monkeypatch: Any
) -> None:
    open_room(backend_store, clock, Operator("A. Martin"), mode="live", label="Salle")
    other = JournalStore.open(backend_store.engine.url.render_as_string(hide_password=False), clock)
    try:
        writer = Room(other, clock, Operator("C. Petit"), "poste-2")
        writer.load()
        reader = Room(backend_store, clock, Operator("A. Martin"), "poste-1")
        reader.load()
        reads: list[int] = []
        real_sync = reader.sync

        def counting_sync() -> Any:
            reads.append(1)
            return real_sync()

        monkeypatch.setattr(reader, "sync", counting_sync)
        ctx = make_ctx(reader, poll_ms=50)
        qtbot.wait(600)  # a dozen ticks with nothing committed…
        assert reads == []  # …and not one read of the journal
        with qtbot.waitSignal(ctx.bridge.changed, timeout=30000) as got:
            writer.note("Appel d'un riverain, rue Oberkampf")
        assert [e.payload["text"] for e in got.args[0].entries] == [
            "Appel d'un riverain, rue Oberkampf"
        ]
        assert len(reads) == 1
    finally:
        other.close()
