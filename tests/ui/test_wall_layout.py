"""The wall display: an observer's console shows the room, hides who called, writes nothing."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from scoptest.map_page import js_value

from scop.demo import DEMO_CALLERS
from scop.models.entries import Operator
from scop.room import Room

OBSERVER = Operator("Mur d'images", "observer", "mur")


def _texts(window: Any) -> list[str]:
    """Every text a person can read in the window's showing docks: labels, buttons, fields,
    tooltips and every cell of every list and table."""
    out: list[str] = []
    for dock in window.docks.values():
        if not dock.isVisible():
            continue
        for w in [dock, *dock.findChildren(QWidget)]:
            out.append(w.toolTip())
            if isinstance(w, QLabel | QAbstractButton | QLineEdit):
                out.append(w.text())
            if isinstance(w, QTextEdit | QPlainTextEdit):
                out.append(w.toPlainText())
            if isinstance(w, QAbstractItemView) and w.model() is not None:
                model = w.model()
                for row in range(model.rowCount(QModelIndex())):
                    col = 0
                    while (index := model.index(row, col)).isValid():
                        col += 1
                        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                            value = index.data(role)
                            if value is not None:
                                out.append(str(value))
    return out


def _callers_seen(window: Any, qtbot: Any) -> list[str]:
    """Select each event a demo caller phoned in (the event card shows it), and list the
    callers' names and phone numbers found anywhere in the window's texts."""
    pieces = []
    for caller in DEMO_CALLERS.values():
        name, phone = caller.rsplit(", ", 1)
        pieces += [name, phone, phone.replace(" ", "")]
    seen: set[str] = set()
    card = window.docks["event_card"]
    for event_id in DEMO_CALLERS:
        window.ctx.selection.select_event(event_id)
        qtbot.waitUntil(lambda e=event_id: getattr(card.current_event(), "id", None) == e)
        texts = "\n".join(_texts(window))
        seen |= {p for p in pieces if p in texts}
    return sorted(seen)


def _window(qtbot: Any, room: Room, make_ctx: Any, settings: QSettings) -> Any:
    from scop.ui.main_window import MainWindow

    w = MainWindow(make_ctx(room), settings)
    qtbot.addWidget(w)
    w.resize(1920, 1080)
    w.show()
    qtbot.waitUntil(w.all_docks_ready, timeout=20000)
    return w


def test_an_observer_gets_the_wall_layout_without_callers(
    qtbot: Any, demo_room: Room, make_ctx: Any, settings: QSettings
) -> None:
    settings.setValue("postes/poste-1/layout", "operateur")  # a layout left by an operator
    demo_room.operator = OBSERVER
    w = _window(qtbot, demo_room, make_ctx, settings)
    assert w._layout_key == "mur"
    assert w.layout_actions["mur"].isChecked()
    showing = {k for k, d in w.docks.items() if d.isVisible()}
    assert {"map", "events", "crews", "journal"} <= showing
    assert not showing & {"procedures", "messages"}  # nothing to draft on the wall

    assert _callers_seen(w, qtbot) == []
    card_text = "\n".join(_texts(w))
    assert "appelant masqué" in card_text
    assert "Feu d'appartement" in card_text  # the texts were read: the room is there

    if path := os.environ.get("SCOP_SHOTS_DIR"):
        qtbot.wait(1000)  # one more frame of the map
        w.grab().save(os.path.join(path, "wall-layout.png"))
        w.docks["event_card"].raise_()  # the card of EV-0006, phoned in by a demo caller
        qtbot.wait(300)
        w.grab().save(os.path.join(path, "wall-card.png"))


def test_the_wall_offers_no_control_that_writes(
    qtbot: Any, demo_room: Room, make_ctx: Any, settings: QSettings
) -> None:
    demo_room.operator = OBSERVER
    w = _window(qtbot, demo_room, make_ctx, settings)
    w.ctx.selection.select_event("EV-0001")
    card = w.docks["event_card"]
    qtbot.waitUntil(lambda: card.current_event() is not None)
    journal = w.docks["journal"]
    controls = [
        w.docks["events"].new_button,
        w.docks["events"].new_action,
        card.take_button,
        card.engage_first_button,
        card.add_info_button,
        journal.entry,
        journal.focus_action,
        *w.docks["crews"].menu_actions,
        w.handover_action,
    ]
    for control in controls:
        assert not control.isEnabled(), control
        assert re.search("observateur", control.toolTip()), control


@pytest.mark.parametrize("role", ["operator", "chief"])
def test_the_room_s_staff_see_who_called(
    qtbot: Any, demo_room: Room, make_ctx: Any, settings: QSettings, role: str
) -> None:
    """The counterpart: the demo's callers do reach the screens, so the wall's test above
    would see them if the wall stopped masking them."""
    demo_room.operator = Operator("A. Martin", role)
    w = _window(qtbot, demo_room, make_ctx, settings)
    assert w._layout_key != "mur"
    expected = {piece for c in DEMO_CALLERS.values() for piece in c.rsplit(", ", 1)}
    assert expected <= set(_callers_seen(w, qtbot))


def _view(qtbot: Any, dock: Any) -> tuple[float, float, float]:
    st = js_value(qtbot, dock, "ScopMap.state()")
    return st["zoom"], st["center"]["lat"], st["center"]["lon"]


def test_the_wall_map_shows_all_paris_again_after_a_resize(
    qtbot: Any, demo_room: Room, make_ctx: Any, settings: QSettings
) -> None:
    demo_room.operator = OBSERVER
    w = _window(qtbot, demo_room, make_ctx, settings)
    dock = w.docks["map"]
    zoom, lat, lon = _view(qtbot, dock)  # all of Paris, as the page fitted it
    assert zoom < 13
    js_value(qtbot, dock, "ScopMap.view(48.8867, 2.3431, 16)")  # a visitor clicked Montmartre
    before = dock.refits
    for width in (1800, 1700, 1600, 1500, 1366):  # the window dragged: one refit, at the end
        w.resize(width, 768)  # (the dock resizes at once; the debounce timer restarts)
    qtbot.waitUntil(lambda: dock.refits > before, timeout=5000)
    qtbot.wait(2 * dock.REFIT_DEBOUNCE_MS)
    assert dock.refits == before + 1
    qtbot.waitUntil(lambda: _view(qtbot, dock)[0] < 13, timeout=5000)
    z, la, lo = _view(qtbot, dock)
    assert z <= zoom  # a smaller window: Paris whole needs as much room or less
    assert abs(la - lat) < 0.01
    assert abs(lo - lon) < 0.01
    if path := os.environ.get("SCOP_SHOTS_DIR"):
        qtbot.wait(1000)
        w.grab().save(os.path.join(path, "leftovers-wall-after-resize.png"))

    # an operator's map keeps the view the operator chose
    w.apply_layout("operateur")
    js_value(qtbot, dock, "ScopMap.view(48.8867, 2.3431, 16)")
    w.resize(1920, 1080)
    qtbot.wait(3 * dock.REFIT_DEBOUNCE_MS)
    assert _view(qtbot, dock)[0] == 16
    assert dock.refits == before + 1
