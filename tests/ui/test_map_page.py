"""The map page: drawn offline from shipped assets, fed by batches, never rebuilt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scoptest.map_page import js_value, page_state, wait_page

from scop.config import Config
from scop.models.entities import PositionFix
from scop.models.entries import SYSTEM


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
    assert st["layers"]["arr"]
    assert st["layers"]["qu"]
    assert st["layers"]["water"]
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


def test_time_filter_uses_the_room_clock(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any, clock: Any
) -> None:
    from scop.clock import to_iso
    from scop.models import fold_core as k

    old = clock.now() - timedelta(hours=3)
    demo_room.acting_as(SYSTEM).record(
        k.EVENT_CREATED,
        {
            "id": "EV-OLD",
            "category": "FIR",
            "title": "Feu de poubelle",
            "gravity": 1,
            "lon": 2.34,
            "lat": 48.86,
            "created_at": to_iso(old),
        },
    )
    dock = make_map(make_ctx(demo_room))
    st = page_state(qtbot, dock)
    assert st["events"]["EV-OLD"]["visible"] is True
    dock.time_filter.setCurrentIndex(dock.time_filter.findData(1))  # last hour
    st = wait_page(qtbot, dock, lambda s: s["time_filter_h"] == 1)
    assert st["events"]["EV-OLD"]["visible"] is False
    assert st["events"]["EV-0001"]["visible"] is True
    dock.time_filter.setCurrentIndex(dock.time_filter.findData(6))
    st = wait_page(qtbot, dock, lambda s: s["time_filter_h"] == 6)
    assert st["events"]["EV-OLD"]["visible"] is True


def test_reset_sends_the_whole_replaced_state(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    from scop.models import fold_core as k

    ctx = make_ctx(demo_room)
    dock = make_map(ctx)
    snapshot = demo_room.state.copy()
    demo_room.acting_as(SYSTEM).record(
        k.EVENT_CREATED,
        {"id": "EV-NEW", "category": "HLT", "title": "Malaise", "lon": 2.3, "lat": 48.85},
    )
    wait_page(qtbot, dock, lambda s: "EV-NEW" in s["events"])
    demo_room.projection.state = snapshot  # as replay does when it seeks back in time
    ctx.bridge.reset.emit()
    st = wait_page(qtbot, dock, lambda s: "EV-NEW" not in s["events"])
    assert set(st["events"]) == set(snapshot.events)
    assert len(st["crews"]) == len(snapshot.crews)


def _png_tile() -> bytes:
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage

    img = QImage(256, 256, QImage.Format.Format_RGB32)
    img.fill(QColor("#88aa66"))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(buf.data().data())


def test_mbtiles_base_layer_served_through_scheme(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any, tmp_path: Any
) -> None:
    import sqlite3

    from PySide6.QtCore import QSettings

    path = tmp_path / "paris.mbtiles"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute(
        "CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)"
    )
    con.executemany(
        "INSERT INTO metadata VALUES (?, ?)", [("name", "Plan test"), ("format", "png")]
    )
    # tile z=12 x=2074 y=1409 (XYZ) is stored at TMS row 4095-1409
    con.execute("INSERT INTO tiles VALUES (12, 2074, ?, ?)", (4095 - 1409, _png_tile()))
    con.commit()
    con.close()
    settings = QSettings("VilleDeParis", "SCOP")
    settings.setValue("map/mbtiles", str(path))
    settings.sync()
    try:
        dock = make_map(make_ctx(demo_room))
    finally:
        settings.remove("map/mbtiles")
        settings.sync()
    names = js_value(
        qtbot, dock, "document.querySelector('.leaflet-control-layers-base').textContent"
    )
    assert "MBTiles local — Plan test" in names
    assert "Plan hors ligne" in names
    probe = (
        "window._tile = 'pending'; var i = new Image();"
        "i.onload = function () { window._tile = i.naturalWidth; };"
        "i.onerror = function () { window._tile = 'error'; }; i.src = '%s'; true"
    )
    dock.page.runJavaScript(probe % "scoptiles:12/2074/1409")
    qtbot.waitUntil(lambda: js_value(qtbot, dock, "window._tile") != "pending", timeout=30000)
    assert js_value(qtbot, dock, "window._tile") == 256
    dock.page.runJavaScript(probe % "scoptiles:12/1/1")
    qtbot.waitUntil(lambda: js_value(qtbot, dock, "window._tile") != "pending", timeout=30000)
    assert js_value(qtbot, dock, "window._tile") == "error"


def test_bad_tile_url_is_refused_with_a_message(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    ctx = make_ctx(demo_room)
    ctx.config = Config.load(environ={"SCOP_TILE_URL": "ftp://tuiles.example/{z}/{x}.png"})
    notices: list[tuple[str, str]] = []
    ctx.notices.posted.connect(lambda level, text: notices.append((level, text)))
    dock = make_map(ctx)
    assert any("Source de tuiles ignorée" in t for _, t in notices)
    names = js_value(
        qtbot, dock, "document.querySelector('.leaflet-control-layers-base').textContent"
    )
    assert "Fond de carte configuré" not in names


def test_points_of_means_are_drawn(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    from scop.models import fold_map as km

    dock = make_map(make_ctx(demo_room))
    demo_room.acting_as(SYSTEM).record(
        km.MEANS_PLACED,
        {
            "id": "CARE-1",
            "means": "CARE",
            "label": "Mairie du 11e",
            "lon": 2.3795,
            "lat": 48.8585,
            "event_id": "EV-0001",
        },
    )
    demo_room.acting_as(SYSTEM).record(
        km.MEANS_PLACED, {"id": "VPU-1", "means": "VPU", "label": "", "lon": 2.37, "lat": 48.86}
    )
    st = wait_page(qtbot, dock, lambda s: len(s["means"]) == 2)
    assert st["means"]["CARE-1"] == {
        "lat": 48.8585,
        "lon": 2.3795,
        "means": "CARE",
        "label": "Mairie du 11e",
    }
    demo_room.acting_as(SYSTEM).record(km.MEANS_REMOVED, {"id": "VPU-1"})
    st = wait_page(qtbot, dock, lambda s: set(s["means"]) == {"CARE-1"})


def test_configured_tile_url_is_offered_not_fetched(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    ctx = make_ctx(demo_room)
    ctx.config = Config.load(
        environ={"SCOP_TILE_URL": "https://tuiles.paris.local/{z}/{x}/{y}.png"}
    )
    dock = make_map(ctx)
    names = js_value(
        qtbot, dock, "document.querySelector('.leaflet-control-layers-base').textContent"
    )
    assert "Fond de carte configuré" in names
    # offered only: the offline plan stays the selected base layer, no tile is requested
    assert js_value(qtbot, dock, "document.querySelectorAll('img.leaflet-tile').length") == 0


def test_crew_symbol_is_painted_in_its_status_colour(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    from PySide6.QtGui import QColor

    from scop.ui.docks.crews_dock import STATUS_COLOURS

    dock = make_map(make_ctx(demo_room))
    crew = demo_room.state.crews["V12-1"]  # engagé: an orange triangle
    assert crew.status == "engage"
    js_value(qtbot, dock, f"ScopMap.view({crew.lat}, {crew.lon}, 17)")
    x, y = js_value(
        qtbot,
        dock,
        f"(function(){{var p=ScopMap._map().latLngToContainerPoint([{crew.lat},{crew.lon}]);"
        "return [Math.round(p.x), Math.round(p.y)];})()",
    )
    want = QColor(STATUS_COLOURS["engage"])

    def painted() -> bool:
        img = dock.view.grab().toImage()
        c = img.pixelColor(int(x), int(y) + 1)
        return abs(c.red() - want.red()) + abs(c.green() - want.green()) < 40

    qtbot.waitUntil(painted, timeout=30000)  # a grab right after an update can be stale


def test_crew_past_its_planned_end_is_flagged_on_the_map(
    qtbot: Any, demo_room: Any, clock: Any, make_ctx: Any, make_map: Any
) -> None:
    """The page compares each crew's planned end with the room's clock it is sent: a crew
    still on duty after it gets a red clock badge (and says so in its tooltip)."""
    dock = make_map(make_ctx(demo_room))
    crew = demo_room.state.crews["V12-1"]
    assert crew.duty_end is not None
    assert js_value(qtbot, dock, "ScopMap.overdueCrews()") == []
    js_value(qtbot, dock, f"ScopMap.view({crew.lat}, {crew.lon}, 17)")
    x, y = js_value(
        qtbot,
        dock,
        f"(function(){{var p=ScopMap._map().latLngToContainerPoint([{crew.lat},{crew.lon}]);"
        "return [Math.round(p.x), Math.round(p.y)];})()",
    )
    red = (0xC6, 0x28, 0x28)

    def badge() -> bool:
        img = dock.view.grab().toImage()
        near = (img.pixelColor(x + dx, y + dy) for dx in range(-12, -4) for dy in range(-12, -4))
        return any(
            abs(c.red() - red[0]) + abs(c.green() - red[1]) + abs(c.blue() - red[2]) < 40
            for c in near
        )

    assert not badge()
    clock.set(crew.duty_end + timedelta(minutes=1))
    dock._refresh_clock()  # the room's clock reaches the page without any other change
    qtbot.waitUntil(lambda: "V12-1" in (js_value(qtbot, dock, "ScopMap.overdueCrews()") or []))
    assert len(js_value(qtbot, dock, "ScopMap.overdueCrews()")) == len(demo_room.state.crews)
    qtbot.waitUntil(badge, timeout=30000)
