"""The issue's "done when": in the real console window, create an event by right-clicking the
map, engage the suggested crew with the single action, and check both the main courante and
what the map page itself draws (read back from the page)."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from scoptest.map_page import wait_page

from scop import operations as ops
from scop.geo import addresses

SHOTS = os.environ.get("SCOP_SHOTS")


def test_right_click_create_then_engage_the_suggested_crew(window: Any, qtbot: Any) -> None:
    addresses.get_index()
    room = window.ctx.room
    map_dock = window.docks["map"]
    card = window.docks["event_card"]
    before = room.state.position
    lon, lat = 2.37285, 48.86466  # 52 rue Oberkampf

    with qtbot.waitSignal(map_dock.context_requested, timeout=30000):
        map_dock.simulate_context_click(lon, lat)
    map_dock.context_action("Créer un événement ici").trigger()
    dlg = window.docks["events"].intake
    assert dlg is not None
    qtbot.waitUntil(dlg.isVisible, timeout=30000)
    # The page reports the click pixel-rounded, so the point (and which side of the street is
    # nearest) depends on the map's size on screen: the nearest address of the point clicked.
    nearest = addresses.get_index().reverse(*map_dock.context_point)
    assert dlg.address.text() == nearest.label
    assert nearest.street == "Rue Oberkampf"
    assert nearest.postcode == "75011"
    qtbot.waitUntil(lambda: dlg.focusWidget() is dlg.category)
    qtbot.keyClicks(dlg.category, "incendie")
    popup = dlg.category.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=30000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # Enter picks "Incendie (FIR)"…
    qtbot.keyClick(dlg.category, Qt.Key.Key_Return)  # …Enter again moves on
    assert dlg.focusWidget() is dlg.gravity
    qtbot.keyClicks(dlg.gravity, "4")
    qtbot.keyClick(dlg.gravity, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=30000)

    [created] = room.store.read(after=before)
    ev_id = created.payload["id"]
    assert created.kind == "event.created"
    # The point the page reports for the click (pixel-rounded), kept exactly as clicked.
    clicked = map_dock.context_point
    assert (created.payload["lon"], created.payload["lat"]) == clicked
    # within the pixel the page rounds to: at zoom z a pixel is 360 / (256 * 2**z) degrees of
    # longitude wide (and less of latitude tall), so how close depends on the layout's map size
    zoom = float(wait_page(qtbot, map_dock, lambda s: "zoom" in s)["zoom"])
    pixel = 360 / (256 * 2**zoom)
    assert abs(clicked[0] - lon) < pixel
    assert abs(clicked[1] - lat) < pixel
    assert (created.payload["category"], created.payload["gravity"]) == ("FIR", 4)
    assert card.event_id == ev_id

    state = wait_page(qtbot, map_dock, lambda s: ev_id in s.get("events", {}), timeout=10000)
    drawn = state["events"][ev_id]
    assert abs(drawn["lon"] - clicked[0]) < 1e-9
    assert abs(drawn["lat"] - clicked[1]) < 1e-9
    assert drawn["gravity"] == 4
    assert drawn["status"] == "nouveau"
    assert drawn["visible"]

    suggested = ops.rank_crews(room.state, room.state.events[ev_id], room.clock.now())[0]
    assert card.suggestions.item(0, 0).text() == suggested.call_sign
    mark = room.state.position
    qtbot.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)  # the one action

    entries = room.store.read(after=mark)
    assert [(e.kind, dict(e.payload)) for e in entries] == [
        (
            "crew.engaged",
            {
                "call_sign": suggested.call_sign,
                "event_id": ev_id,
                "eta_s": round(suggested.eta_s),  # for the safety watch (scop.safety)
            },
        ),
        ("event.status_changed", {"id": ev_id, "status": "pris_en_compte"}),
    ]
    crew = suggested.call_sign
    state = wait_page(
        qtbot,
        map_dock,
        lambda s: (
            s["crews"].get(crew, {}).get("status") == "engage"
            and s["events"].get(ev_id, {}).get("status") == "pris_en_compte"
        ),
        timeout=10000,
    )
    assert state["crews"][crew]["event_id"] == ev_id
    if SHOTS:
        qtbot.wait(300)
        window.grab().save(os.path.join(SHOTS, "operations_e2e.png"))
