"""A click on a dashboard bar lists only its events, under a banner, until « Tout afficher »
or Échap gives the list back with the filters it had: in a live console over a real SQLite
demo room, events created an hour apart so that the hourly bars hold different ones."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt

from scop import operations as ops
from scop.clock import ManualClock, local
from scop.room import Room
from scop.ui.qt_models.keyed_table import KEY_ROLE

SHOTS = os.environ.get("SCOP_SHOTS")  # a directory: save screenshots there to look at them


def _create(room: Room, category: str, gravity: int, n: int) -> list[str]:
    return [
        ops.create_event(
            room,
            source="appel_3975",
            category=category,
            gravity=gravity,
            address="52 Rue Oberkampf, 75011 Paris",
            lon=2.37282,
            lat=48.864649,
            title=f"{category} n° {k}",
        )
        for k in range(n)
    ]


@dataclass
class Console:
    window: Any
    asb_hour: str  # the bars' labels (Paris time) of the hours of the two batches of events
    fir_hour: str


@pytest.fixture
def console(window: Any, demo_room: Room, clock: ManualClock) -> Console:
    """The live console after two more hours: the hour after the demo's events, six ASB
    events (two of gravity 1, two closed since); the hour after, three FIR events; the
    dashboard shows its hourly bars."""
    asb_hour = f"{local(clock.advance(minutes=70)):%H}:00"
    asb = _create(demo_room, "ASB", 2, 4) + _create(demo_room, "ASB", 1, 2)
    for ev in asb[:2]:
        ops.close_event(demo_room, ev, "Traité sur place")
    fir_hour = f"{local(clock.advance(minutes=60)):%H}:00"
    _create(demo_room, "FIR", 3, 3)
    dock = window.docks["dashboard"]
    dock.show()
    dock.raise_()
    dock.tabs.setCurrentWidget(dock.by_category)
    dock.refresh()
    return Console(window, asb_hour, fir_hour)


def _bar(window: Any, qtbot: Any, category: str, hour: str) -> list[str]:
    """Click the segment of ``category`` in the bar of ``hour`` (« 08:00 ») with the mouse;
    returns the events the dashboard says that segment holds."""
    dock = window.docks["dashboard"]
    chart = dock.by_category
    qtbot.waitExposed(chart)
    i = chart.ticks.index(hour)
    base = 0
    for name, values in chart.series.items():
        if name == category:
            break
        base += values[i]
    value = chart.series[category][i]
    scene = chart.plot.getPlotItem().vb.mapViewToScene(QPointF(i, base + value / 2))
    assert chart.at(scene) == (i, category, value)
    pos = chart.plot.mapFromScene(scene)
    qtbot.mouseClick(chart.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    return list(dock.dashboard.events_by_bin[(category, i)])


def _listed(events: Any) -> set[str]:
    """The rows the list shows (through its filters), not the model's."""
    p = events.proxy
    return {str(p.index(r, 0).data(KEY_ROLE)) for r in range(p.rowCount())}


def _selected(events: Any) -> set[str]:
    return {str(ix.data(KEY_ROLE)) for ix in events.view.selectionModel().selectedRows()}


def _filters(events: Any) -> tuple[str, str, str]:
    return (
        events.search.text(),
        events.status_box.currentText(),
        events.gravity_box.currentText(),
    )


def _expected(room: Room, search: str, statuses: tuple[str, ...], gravity: int) -> set[str]:
    """What the list shows under these filters, recounted from the room's state and the
    table's cells as displayed (the search matches any column's text)."""
    out = set()
    for e in room.state.events.values():
        text = f"{e.id} {e.title} {e.address}".lower()
        if e.status in statuses and e.gravity >= gravity and search.lower() in text:
            out.add(e.id)
    return out


def test_a_click_lists_exactly_its_events_and_tout_afficher_gives_back_the_filters(
    console: Console, demo_room: Room, qtbot: Any
) -> None:
    events = console.window.docks["events"]
    events.search.setText("rue")
    events.gravity_box.setCurrentIndex(events.gravity_box.findData(2))
    before = _filters(events)
    assert before == ("rue", "Ouverts", "Gravité ≥ 2")
    shown_before = _listed(events)
    open_statuses = ("nouveau", "pris_en_compte", "en_cours")
    assert shown_before == _expected(demo_room, "rue", open_statuses, 2)
    assert not events.pin_banner.isVisible()

    ids = _bar(console.window, qtbot, "ASB", console.asb_hour)
    assert len(ids) == 6
    assert len(set(ids) & shown_before) == 2
    assert _listed(events) == set(ids)  # those six, none other, closed ones included
    assert _selected(events) == set(ids)
    assert events.isVisible()  # brought to the front of its tabs
    assert events.pin_banner.isVisible()
    assert "Sélection du tableau de bord</b> : 6 événements" in events.pin_label.text()
    assert f"{console.asb_hour}–" in events.pin_origin.toolTip()  # which bar: the hour
    assert "Comportement antisocial (ASB)" in events.pin_origin.toolTip()
    assert not events.pin_news.isVisible()
    assert _filters(events) == ("", "Tous", "Toutes gravités")  # the bar does not contradict

    qtbot.mouseClick(events.show_all_button, Qt.MouseButton.LeftButton)
    assert not events.pin_banner.isVisible()
    assert _filters(events) == before
    assert _listed(events) == shown_before
    assert _selected(events) == set(ids) & shown_before  # what the filters let through


def test_escape_in_the_list_ends_the_selection_and_the_events_stay_selected(
    console: Console, demo_room: Room, qtbot: Any
) -> None:
    events = console.window.docks["events"]
    shown_before = _listed(events)
    ids = _bar(console.window, qtbot, "ASB", console.asb_hour)
    assert _listed(events) == set(ids) != shown_before
    events.view.setFocus()
    qtbot.keyClick(events.view, Qt.Key.Key_Escape)
    assert not events.pin_banner.isVisible()
    assert _filters(events) == ("", "Ouverts", "Toutes gravités")
    assert _listed(events) == shown_before
    assert _selected(events) == set(ids[2:])  # the four still open, still selected
    qtbot.keyClick(events.view, Qt.Key.Key_Escape)  # nothing to end: the list stays
    assert _listed(events) == shown_before


def test_a_second_click_replaces_the_first_and_keeps_the_filters_to_give_back(
    console: Console, qtbot: Any
) -> None:
    events = console.window.docks["events"]
    events.status_box.setCurrentIndex(events.status_box.findText("Nouveaux"))
    shown_before = _listed(events)
    first = _bar(console.window, qtbot, "ASB", console.asb_hour)
    second = _bar(console.window, qtbot, "FIR", console.fir_hour)
    assert len(second) == 3
    assert not set(first) & set(second)
    assert _listed(events) == set(second)
    assert _selected(events) == set(second)
    assert "3 événements" in events.pin_label.text()
    assert f"{console.fir_hour}–" in events.pin_origin.toolTip()
    events.show_all()
    assert _filters(events) == ("", "Nouveaux", "Toutes gravités")  # of before the first
    assert _listed(events) == shown_before | set(second)  # all three new, in « Nouveaux »


def test_an_event_created_under_the_selection_is_counted_not_listed(
    console: Console, demo_room: Room, clock: ManualClock, qtbot: Any
) -> None:
    events = console.window.docks["events"]
    ids = _bar(console.window, qtbot, "ASB", console.asb_hour)
    clock.advance(minutes=2)
    [new] = _create(demo_room, "ASB", 4, 1)
    qtbot.waitUntil(events.pin_news.isVisible, timeout=5000)
    assert new in demo_room.state.events
    assert new not in _listed(events)
    assert _listed(events) == set(ids)
    assert "1 nouvel événement hors sélection" in events.pin_news.text()
    assert "6 événements" in events.pin_label.text()
    assert _selected(events) == set(ids)
    if SHOTS:
        events.grab().save(str(Path(SHOTS) / "dashsel-events-new-arrived.png"))
    events.show_all()
    assert new in _listed(events)


def test_changing_a_filter_ends_the_selection_with_the_filter_bar_as_it_reads(
    console: Console, demo_room: Room, qtbot: Any
) -> None:
    events = console.window.docks["events"]
    _bar(console.window, qtbot, "ASB", console.asb_hour)
    events.gravity_box.setCurrentIndex(events.gravity_box.findData(3))
    assert not events.pin_banner.isVisible()
    assert _listed(events) == _expected(demo_room, "", tuple(
        s for s in ("nouveau", "pris_en_compte", "en_cours", "clos")), 3)  # fmt: skip
    _bar(console.window, qtbot, "ASB", console.asb_hour)
    events.search.setText("FIR")
    assert not events.pin_banner.isVisible()
    assert events.gravity_box.currentIndex() == 0  # as the click left it
    assert _listed(events) == _expected(demo_room, "FIR", (
        "nouveau", "pris_en_compte", "en_cours", "clos"), 1)  # fmt: skip


def test_the_banner_fits_the_chief_layout_at_1366_by_768(console: Console, qtbot: Any) -> None:
    w = console.window
    w.apply_layout("chef")
    w.resize(1366, 768)
    dock = w.docks["dashboard"]
    dock.show()
    dock.raise_()
    dock.tabs.setCurrentWidget(dock.by_category)
    dock.refresh()
    qtbot.wait(200)  # the docks settle at their size
    events = w.docks["events"]
    assert events.visibleRegion().isEmpty()  # tabbed behind the map in this layout
    ids = _bar(w, qtbot, "ASB", console.asb_hour)
    qtbot.wait(100)
    assert not events.visibleRegion().isEmpty()  # the click brought the list to the front
    assert events.pin_banner.isVisible()
    assert w.width() <= 1366
    assert w.height() <= 768
    banner = events.pin_banner
    assert banner.geometry().right() <= events.widget().width()
    assert events.show_all_button.isVisible()
    button = events.show_all_button.geometry()
    assert button.right() <= banner.width()
    assert button.height() >= 20
    rows = events.view.viewport().height() // events.view.verticalHeader().defaultSectionSize()
    assert rows >= len(ids)  # the six events in sight at once, under the banner
    if SHOTS:
        w.grab().save(str(Path(SHOTS) / "dashsel-chef-1366-click.png"))
        events.grab().save(str(Path(SHOTS) / "dashsel-events-dock.png"))
