"""The map page: drawn offline from shipped assets, fed by batches, never rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from scop.models.entities import PositionFix
from scop.ui.map import MapDock


@pytest.fixture
def make_map(qtbot: Any) -> Iterator[Any]:
    """Map docks deleted after the test: a page outliving the web profile crashes at exit."""
    made: list[MapDock] = []

    def make(ctx: Any) -> MapDock:
        dock = MapDock(ctx)
        made.append(dock)
        dock.resize(1000, 760)
        dock.show()
        qtbot.waitUntil(dock.is_ready, timeout=20000)
        return dock

    yield make
    for dock in made:
        dock.teardown()
        dock.close()
        dock.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def page_state(qtbot: Any, dock: MapDock) -> dict[str, Any]:
    box: list[dict[str, Any]] = []
    dock.read_page_state(box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5000)
    return box[0]


def wait_page(qtbot: Any, dock: MapDock, predicate: Any, timeout: int = 5000) -> dict[str, Any]:
    """Poll the page's own state until ``predicate(state)`` holds."""
    last: dict[str, Any] = {}

    def check() -> bool:
        last.clear()
        last.update(page_state(qtbot, dock))
        return bool(predicate(last))

    qtbot.waitUntil(check, timeout=timeout)
    return last


def test_page_loads_offline_with_base_map(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    dock = make_map(make_ctx(demo_room))
    st = page_state(qtbot, dock)
    assert st["leaflet"] == "object"
    assert st["ready"] is True
    assert st["drawn"]["arrondissements"] == 20
    assert st["drawn"]["quartiers"] == 80
    assert st["drawn"]["sectors"] == 17  # Paris Centre + 5th..20th
    assert st["drawn"]["mairies"] == 17
    assert st["drawn"]["water"] >= 1
    assert st["drawn"]["streets"] > 5000
    assert st["layers"]["arr"] and st["layers"]["qu"] and st["layers"]["water"]
    # every crew with a position and every event of the demo room is on the page
    assert set(st["crews"]) == {c.call_sign for c in demo_room.state.crews.values()}
    assert set(st["events"]) == set(demo_room.state.events)
    v11 = demo_room.state.crews["V11-1"]
    assert st["crews"]["V11-1"]["status"] == "sur_les_lieux"
    assert abs(st["crews"]["V11-1"]["lat"] - v11.lat) < 1e-9


def test_batch_moves_crews_without_reloading(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any, clock: Any
) -> None:
    ctx = make_ctx(demo_room)
    dock = make_map(ctx)
    loads: list[bool] = []
    dock.page.loadStarted.connect(lambda: loads.append(True))
    before = page_state(qtbot, dock)
    clock.advance(5)
    fixes = [
        PositionFix("V11-1", clock.now(), 2.3500, 48.8600, 90.0),
        PositionFix("B05-1", clock.now(), 2.3400, 48.8450, 180.0),
    ]
    demo_room.record_positions(fixes)
    st = wait_page(qtbot, dock, lambda s: s["crews"]["V11-1"]["lon"] == 2.35)
    assert st["crews"]["V11-1"]["lat"] == 48.86
    assert st["crews"]["V11-1"]["heading"] == 90.0
    assert st["crews"]["B05-1"] == {
        "lat": 48.845,
        "lon": 2.34,
        "status": demo_room.state.crews["B05-1"].status,
        "heading": 180.0,
        "event_id": None,
    }
    assert st["batches"] == before["batches"] + 1
    assert st["crews"]["V12-1"] == before["crews"]["V12-1"]
    assert not loads  # the page was never rebuilt for an update
