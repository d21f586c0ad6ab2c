"""The map and the operator: shared selection, right-click menu, perimeters, no network."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWebEngineCore import QWebEngineUrlRequestInterceptor
from scoptest.map_page import page_state, wait_page

from scop.models.entities import PositionFix
from scop.models.fold_map import PERIMETER_DRAWN
from scop.ui.map import MapDock


def js(qtbot: Any, dock: MapDock, script: str) -> Any:
    box: list[Any] = []
    dock.page.runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5000)
    return box[0]


def test_click_on_crew_in_page_selects_it(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    ctx = make_ctx(demo_room)
    dock = make_map(ctx)
    crew = demo_room.state.crews["V12-1"]
    js(qtbot, dock, f"ScopMap.view({crew.lat}, {crew.lon}, 16); true")
    x, y = json.loads(
        js(
            qtbot,
            dock,
            "JSON.stringify((function(){var m=ScopMap._map();"
            f"var p=m.latLngToContainerPoint([{crew.lat},{crew.lon}]);return [p.x,p.y];}})())",
        )
    )
    with qtbot.waitSignal(ctx.selection.crew_selected, timeout=5000) as sig:
        qtbot.mouseClick(
            dock.view.focusProxy(), Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(y))
        )
    assert sig.args == ["V12-1"]
    assert ctx.selection.call_sign == "V12-1"
    assert page_state(qtbot, dock)["selected"]["crew"] == "V12-1"


def test_selection_in_lists_highlights_and_pans_in_page(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    ctx = make_ctx(demo_room)
    dock = make_map(ctx)
    js(qtbot, dock, "ScopMap.view(48.88, 2.30, 16); true")  # far from EV-0005
    ctx.selection.select_event("EV-0005")
    ev = demo_room.state.events["EV-0005"]
    st = wait_page(qtbot, dock, lambda s: s["selected"]["event"] == "EV-0005")
    assert abs(st["center"]["lat"] - ev.lat) < 0.01
    assert abs(st["center"]["lon"] - ev.lon) < 0.01
    ctx.selection.select_crew("B03-1")
    st = wait_page(qtbot, dock, lambda s: s["selected"]["crew"] == "B03-1")
    # follow the selected crew: its next move pans the map along
    dock.follow_box.setChecked(True)
    demo_room.clock.advance(3)
    demo_room.record_positions([PositionFix("B03-1", demo_room.clock.now(), 2.3000, 48.8400)])
    st = wait_page(qtbot, dock, lambda s: abs(s["center"]["lon"] - 2.30) < 1e-3)
    assert st["follow"] is True
    assert abs(st["center"]["lat"] - 48.84) < 1e-3


def test_right_click_perimeter_is_journaled_and_drawn(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    ctx = make_ctx(demo_room)
    dock = make_map(ctx)
    ctx.selection.select_event("EV-0001")
    before = demo_room.state.position
    with qtbot.waitSignal(dock.context_requested, timeout=5000) as sig:
        dock.simulate_context_click(2.3748, 48.8649)
    lon, lat = sig.args
    assert abs(lon - 2.3748) < 1e-4
    assert abs(lat - 48.8649) < 1e-4
    assert dock.context_menu is not None
    texts = [a.text() for a in dock.context_menu.actions()]
    assert texts[0] == "Créer un événement ici"
    assert "Mesurer une distance" in texts
    assert any(t.startswith("Tracer un périmètre autour de EV-0001") for t in texts)
    dock.context_action("Cercle de 200 m").trigger()

    entries = demo_room.store.read(after=before)
    drawn = [e for e in entries if e.kind == PERIMETER_DRAWN]
    assert len(drawn) == 1
    p = drawn[0].payload
    assert p["shape"] == "circle"
    assert p["radius_m"] == 200.0
    assert p["event_id"] == "EV-0001"
    assert abs(p["lon"] - 2.3748) < 1e-4
    st = wait_page(qtbot, dock, lambda s: len(s["perimeters"]) == 1)
    assert st["perimeters"][0]["id"] == p["id"]
    assert st["perimeters"][0]["radius"] == 200.0
    assert st["perimeters"][0]["event_id"] == "EV-0001"

    # right-click inside it again: the menu offers to lift it, which is journaled too
    with qtbot.waitSignal(dock.context_requested, timeout=5000):
        dock.simulate_context_click(2.3750, 48.8650)
    dock.context_action(f"Lever le périmètre {p['id']}").trigger()
    assert demo_room.store.read(after=before)[-1].kind == "map.perimeter_removed"
    wait_page(qtbot, dock, lambda s: s["perimeters"] == [])


def test_polygon_perimeter_by_clicks_in_page(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    ctx = make_ctx(demo_room)
    dock = make_map(ctx)
    with qtbot.waitSignal(dock.context_requested, timeout=5000):
        dock.simulate_context_click(2.35, 48.86)
    dock.context_action("Polygone").trigger()
    wait_page(qtbot, dock, lambda s: s["mode"] == "polygon")
    js(qtbot, dock, "ScopMap.addVertex(48.861, 2.352); ScopMap.addVertex(48.859, 2.353); true")
    js(qtbot, dock, "ScopMap.finishDrawing(); true")
    qtbot.waitUntil(lambda: len(demo_room.state.perimeters) == 1, timeout=5000)
    (per,) = demo_room.state.perimeters.values()
    assert per.shape == "polygon"
    assert len(per.points) == 3
    assert per.event_id is None
    st = wait_page(qtbot, dock, lambda s: len(s["perimeters"]) == 1)
    assert st["perimeters"][0]["points"][1] == [2.352, 48.861]


def test_perimeter_outside_paris_is_refused_with_a_message(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    ctx = make_ctx(demo_room)
    dock = make_map(ctx)
    notices: list[tuple[str, str]] = []
    ctx.notices.posted.connect(lambda level, text: notices.append((level, text)))
    before = demo_room.state.position
    dock.draw_circle(2.60, 48.86, 100)
    assert demo_room.state.position == before
    assert notices
    assert notices[0][0] == "warning"
    assert "hors de Paris" in notices[0][1]


def test_create_event_here_emits_coordinates(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    dock = make_map(make_ctx(demo_room))
    with qtbot.waitSignal(dock.context_requested, timeout=5000):
        dock.simulate_context_click(2.33, 48.85)
    with qtbot.waitSignal(dock.create_event_requested, timeout=2000) as sig:
        dock.context_action("Créer un événement ici").trigger()
    assert abs(sig.args[0] - 2.33) < 1e-4
    assert abs(sig.args[1] - 48.85) < 1e-4


class Recorder(QWebEngineUrlRequestInterceptor):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def interceptRequest(self, info: Any) -> None:
        self.urls.append(info.requestUrl().toString())


def test_no_network_request_leaves_the_page(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    from PySide6.QtWebEngineCore import QWebEngineProfile

    rec = Recorder()
    profile = QWebEngineProfile.defaultProfile()
    profile.setUrlRequestInterceptor(rec)
    try:
        ctx = make_ctx(demo_room)
        dock = make_map(ctx)
        # zoom in so the streets and quartier labels are drawn too, then push updates
        js(qtbot, dock, "ScopMap.view(48.857, 2.352, 17); true")
        demo_room.clock.advance(2)
        demo_room.record_positions(
            [PositionFix("V11-1", demo_room.clock.now(), 2.352, 48.857, 45.0)]
        )
        st = wait_page(qtbot, dock, lambda s: s["crews"]["V11-1"]["lon"] == 2.352)
        assert st["layers"]["streets"] is True
        qtbot.wait(300)
    finally:
        profile.setUrlRequestInterceptor(None)
    assert any(u.endswith("leaflet.js") for u in rec.urls), rec.urls  # the recorder works
    allowed = ("file:", "data:", "qrc:", "scoptiles:", "about:")
    leaving = [u for u in rec.urls if not u.startswith(allowed)]
    assert leaving == []


def test_measure_a_distance_from_the_menu(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    dock = make_map(make_ctx(demo_room))
    with qtbot.waitSignal(dock.context_requested, timeout=5000):
        dock.simulate_context_click(2.35, 48.86)
    dock.context_action("Mesurer une distance").trigger()
    wait_page(qtbot, dock, lambda s: s["mode"] == "measure")
    # 0.01° of latitude northwards: about 1,112 m
    js(qtbot, dock, "ScopMap.measureTo(48.87, 2.35, true); true")
    st = page_state(qtbot, dock)
    assert 1100 < st["measure_m"] < 1125
    before = demo_room.state.position
    js(qtbot, dock, "ScopMap.finishDrawing(); true")
    assert page_state(qtbot, dock)["mode"] is None
    assert demo_room.state.position == before  # measuring writes nothing
