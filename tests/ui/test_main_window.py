from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt


def test_window_shows_demo_room_with_all_docks(window: Any) -> None:
    assert window.banner is not None
    assert "DÉMO" in window.banner.text()
    assert set(window.docks) >= {"journal", "crews", "events"}
    assert window.docks["crews"].model.rowCount() == 48
    assert window.docks["events"].model.rowCount() == 8


def test_free_entry_from_keyboard_alone(window: Any, qtbot: Any) -> None:
    dock = window.docks["journal"]
    before = window.ctx.room.state.position
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(dock.entry.hasFocus)
    qtbot.keyClicks(dock.entry, "Appel du 3975 : tapage rue de la Roquette")
    qtbot.keyClick(dock.entry, Qt.Key.Key_Return)
    last = window.ctx.room.store.read(after=before)
    assert [e.kind for e in last] == ["log.note"]
    assert last[0].payload["text"] == "Appel du 3975 : tapage rue de la Roquette"
    assert last[0].author == "A. Martin"
    assert dock.model.rowCount() == before + 1
