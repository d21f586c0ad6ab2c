"""Layouts: named ones from the menu, saved per workstation, restored on the screens there are."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt

from scop.room import Room


def test_named_layouts_place_the_docks(window: Any) -> None:
    window.apply_layout("chef")
    assert window.layout_actions["chef"].isChecked()
    assert window.dockWidgetArea(window.docks["journal"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    window.apply_layout("operateur")
    area = window.dockWidgetArea(window.docks["crews"])
    assert area == Qt.DockWidgetArea.RightDockWidgetArea
    assert all(d.isVisible() for d in window.docks.values())


def test_layout_is_saved_and_restored_per_workstation(
    qtbot: Any, demo_room: Room, make_ctx: Any, settings: QSettings, window: Any
) -> None:
    from scop.ui.main_window import MainWindow

    window.apply_layout("operateur")
    crews = window.docks["crews"]
    crews.setFloating(True)
    crews.move(120, 140)
    window.docks["events"].hide()
    window.close()  # saves

    again = MainWindow(make_ctx(demo_room), settings)
    qtbot.addWidget(again)
    again.show()
    assert again.docks["crews"].isFloating()
    assert not again.docks["events"].isVisible()

    demo_room.workstation = "poste-voisin"  # another workstation: its own (default) layout
    other = MainWindow(make_ctx(demo_room), settings)
    qtbot.addWidget(other)
    other.show()
    assert not other.docks["crews"].isFloating()
    assert other.docks["events"].isVisible()


def test_missing_screen_falls_back_to_primary(
    qtbot: Any, demo_room: Room, make_ctx: Any, settings: QSettings, window: Any
) -> None:
    from PySide6.QtGui import QGuiApplication

    from scop.ui.main_window import MainWindow

    window.save_layout()
    key = f"postes/{demo_room.workstation}"
    settings.setValue(f"{key}/screen", "ECRAN-DEBRANCHE")
    # A geometry saved far away on the missing screen.
    window.move(9000, 9000)
    settings.setValue(f"{key}/geometry", window.saveGeometry())
    assert isinstance(settings.value(f"{key}/state"), QByteArray)

    again = MainWindow(make_ctx(demo_room), settings)
    qtbot.addWidget(again)
    again.show()
    primary = QGuiApplication.primaryScreen().geometry()
    assert primary.contains(again.frameGeometry().center())
