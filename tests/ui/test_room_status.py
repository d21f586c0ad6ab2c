"""What every console's status bar says of the room: which gateway carries the links, since
when, each link's state, an alarm when the gateway went silent (never « assuré »), and the
database's state through a real outage of a real PostgreSQL server."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from scoptest.pgcluster import Cluster, single_cluster

from scop.clock import ManualClock
from scop.journal import lease
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.room import CommandRefused, Room, open_room
from scop.ui.main_window import LINK_COLOURS, MainWindow

# Where the screenshots go for a person to look at (SCOP_TEST_SHOTS_DIR), else a temporary dir.
SHOTS = Path(os.environ.get("SCOP_TEST_SHOTS_DIR") or tempfile.mkdtemp(prefix="scop-shots-"))


def _window(qtbot: Any, room: Room, make_ctx: Any, settings: QSettings) -> MainWindow:
    w = MainWindow(make_ctx(room), settings)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    return w


def test_status_bar_shows_the_gateway_and_alarms_when_it_goes_silent(
    qtbot: Any, room: Room, clock: ManualClock, make_ctx: Any, settings: QSettings
) -> None:
    w = _window(qtbot, room, make_ctx, settings)
    messages = w.docks["messages"]
    messages._tick()
    assert "gateway" not in w.link_labels  # no gateway in this room yet
    assert "assuré" not in messages.link_label.text()
    assert "non configuré" in messages.link_label.text()  # and said in red:
    assert "#b71c1c" in messages.link_label.styleSheet()

    store = room.store
    lease.acquire(store.write_engine, "srv-a", clock.now())
    lease.renew(
        store.write_engine,
        "srv-a",
        1,
        clock.now(),
        {"pp": ("ok", "Lien PP connecté"), "feed": ("ok", "Flux équipages connecté")},
    )
    w.room_status.refresh()
    messages._tick()
    gateway = w.link_labels["gateway"]
    assert "Passerelle srv-a depuis" in gateway.text()
    assert LINK_COLOURS["ok"] in gateway.styleSheet()
    assert "Lien PP connecté" in w.link_labels["pp"].text()
    assert "Flux équipages connecté" in w.link_labels["feed"].text()
    assert "Lien PP connecté" in messages.link_label.text()
    qtbot.wait(300)  # the status bar lays out the new labels
    w.grab().save(str(SHOTS / "gateway11-status-ok.png"))

    clock.advance(8)  # no heartbeat for 8 s: the gateway is gone
    with qtbot.wait_signal(w.ctx.notices.posted) as notice:
        w.room_status.refresh()
    assert notice.args is not None
    assert notice.args[0] == "warning"
    assert "Passerelle de la salle muette" in notice.args[1]
    messages._tick()
    assert "ALARME : aucune passerelle (srv-a muette depuis 08:00:00)" in gateway.text()
    assert LINK_COLOURS["down"] in gateway.styleSheet()
    for key in ("pp", "feed"):
        assert LINK_COLOURS["down"] in w.link_labels[key].styleSheet()
        assert "coupé" in w.link_labels[key].text()
    assert "assuré" not in messages.link_label.text()
    assert "coupé" in messages.link_label.text()
    qtbot.wait(300)
    w.grab().save(str(SHOTS / "gateway11-status-stale.png"))


@pytest.fixture
def pg_cluster() -> Iterator[Cluster]:
    with single_cluster() as c:
        yield c


@pytest.mark.postgres
def test_console_survives_a_database_outage_and_catches_up(
    qtbot: Any, pg_cluster: Cluster, make_ctx: Any, settings: QSettings
) -> None:
    clock = ManualClock()
    store = JournalStore.open(pg_cluster.url(), clock)
    room = open_room(store, clock, Operator("A. Martin", "operator"), mode="live")
    w = _window(qtbot, room, make_ctx, settings)
    bridge = w.ctx.bridge
    assert "ALARME" not in w.db_label.text()

    pg_cluster.kill()
    w.room_status.refresh()  # the status bar's own reading (each second) sees it
    assert "ALARME : base indisponible" in w.db_label.text()
    bridge.poll()  # and the journal's
    assert not bridge.database_up
    with pytest.raises(CommandRefused, match="Base indisponible — réessayez"):
        room.note("pendant la panne")
    w.grab().save(str(SHOTS / "gateway11-db-down.png"))

    pg_cluster.start()
    other = JournalStore.open(pg_cluster.url(), clock)
    open_room(other, clock, Operator("B. Durand", "operator")).note("écrit par un autre poste")
    qtbot.waitUntil(lambda: (bridge.poll(), bridge.database_up)[1], timeout=30000)
    assert "ALARME" not in w.db_label.text()
    texts = [e.payload.get("text") for e in room.store.iter_entries()]
    assert "pendant la panne" not in texts  # refused, never half-written
    assert room.state.position == store.head()[0]  # caught up with the other workstation
    assert any(e.payload.get("text") == "écrit par un autre poste" for e in store.read(0))
    other.close()
    store.close()


def test_a_console_in_a_room_with_a_gateway_opens_neither_link(
    qtbot: Any, room: Room, clock: ManualClock, make_ctx: Any, settings: QSettings
) -> None:
    """Even configured for its own links, a console leaves them to the room's gateway (alive
    or not: two PP links would send every message twice)."""
    from scop.app import start_crew_feed
    from scop.config import Config, PPEndpoint
    from scop.protocols.pp_service import start_pp_services

    lease.acquire(room.store.write_engine, "srv-a", clock.now())
    clock.advance(60)  # and it went silent
    w = _window(qtbot, room, make_ctx, settings)
    config = Config(
        db_url=room.store.url,
        feed_url="ws://127.0.0.1:9/positions",
        pp=PPEndpoint("ws://127.0.0.1:9/pp"),
    )
    assert start_crew_feed(w.ctx, w, config) == []
    assert start_pp_services(w.ctx, w, config) == []
    assert "pp_link" not in w.ctx.services
    assert "crew_feed" not in w.ctx.services
    assert "ALARME" in w.link_labels["gateway"].text()
