"""What the map shows at its default zoom: critical events on top, readable sector labels,
a metric scale, a legend that folds and a one-line attribution."""

from __future__ import annotations

from typing import Any

from scoptest.map_page import page_state, wait_page

from scop.operations import commands as ops


def test_events_are_drawn_by_gravity_critical_last(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    dock = make_map(make_ctx(demo_room))
    fire = demo_room.state.events["EV-0001"]
    assert fire.gravity == 4
    minor = ops.create_event(
        demo_room,
        source="appel_3975",
        category="ASB",
        gravity=1,
        address="52 Rue Oberkampf, 75011 Paris",
        lon=fire.lon + 0.00005,
        lat=fire.lat,
    )
    st = wait_page(qtbot, dock, lambda s: minor in s["draw_order"])
    order = st["draw_order"]
    gravity = {e: st["events"][e]["gravity"] for e in order}
    assert [gravity[e] for e in order] == sorted(gravity[e] for e in order)
    assert order.index("EV-0001") > order.index(minor)  # the new minor event is beneath


def test_labels_scale_attribution_and_legend(
    qtbot: Any, demo_room: Any, make_ctx: Any, make_map: Any
) -> None:
    dock = make_map(make_ctx(demo_room))
    st = wait_page(qtbot, dock, lambda s: s["scale_text"] != "")
    assert st["label_overlaps"] == 0  # no sector label over a mairie or another label
    assert st["labels_hidden"] <= 1  # placed, not dropped, at the default zoom
    assert "km" in st["scale_text"] or " m" in st["scale_text"]
    assert "mi" not in st["scale_text"]
    assert "ft" not in st["scale_text"]
    assert "\n" not in st["attribution"].strip()
    assert "Ville de Paris" in st["attribution"]
    assert st["attribution_height"] <= 18
    dock.page.runJavaScript("ScopMap.setLegendOpen(false)")
    assert wait_page(qtbot, dock, lambda s: s["legend_open"] is False)
    dock.page.runJavaScript("ScopMap.setLegendOpen(true)")
    assert wait_page(qtbot, dock, lambda s: s["legend_open"] is True)
    assert page_state(qtbot, dock)["label_overlaps"] == 0
