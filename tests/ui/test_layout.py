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


def _centred_on_primary(w: Any) -> bool:
    """Where the project's fallback puts a window from a missing screen: in the middle of the
    primary screen, or flush with its left or top edge where it is wider or taller than the
    screen (Qt alone only clamps it to the nearest edge of some screen)."""
    from PySide6.QtGui import QGuiApplication

    avail = QGuiApplication.primaryScreen().availableGeometry()
    frame = w.frameGeometry()

    def placed(start: int, size: int, avail_start: int, avail_size: int) -> bool:
        if size > avail_size:
            return abs(start - avail_start) <= 2
        return abs(start + size / 2 - (avail_start + avail_size / 2)) <= 8

    return placed(frame.x(), frame.width(), avail.x(), avail.width()) and placed(
        frame.y(), frame.height(), avail.y(), avail.height()
    )


def test_missing_screen_falls_back_to_primary(
    qtbot: Any, demo_room: Room, make_ctx: Any, settings: QSettings, window: Any
) -> None:
    from scop.ui.main_window import MainWindow

    key = f"postes/{demo_room.workstation}"
    window.resize(1100, 600)
    window.move(9000, 9000)  # far away, on the screen that will be unplugged
    window.save_layout()
    settings.setValue(f"{key}/screen", "ECRAN-DEBRANCHE")
    assert isinstance(settings.value(f"{key}/state"), QByteArray)
    assert not _centred_on_primary(window)

    again = MainWindow(make_ctx(demo_room), settings)
    qtbot.addWidget(again)
    again.show()
    assert _centred_on_primary(again)


def test_floating_dock_from_a_missing_screen_comes_back_on_primary(
    qtbot: Any, demo_room: Room, make_ctx: Any, settings: QSettings, window: Any
) -> None:
    from scop.ui.main_window import MainWindow

    key = f"postes/{demo_room.workstation}"
    crews = window.docks["crews"]
    crews.setFloating(True)
    crews.resize(300, 200)
    crews.move(9000, 9000)  # detached and sent to a second screen
    window.save_layout()
    assert settings.value(f"{key}/dock_screen/crews") is not None
    assert settings.value(f"{key}/dock_screen/events") is None  # docked: no screen of its own
    settings.setValue(f"{key}/dock_screen/crews", "ECRAN-DEBRANCHE")  # …since unplugged

    again = MainWindow(make_ctx(demo_room), settings)
    qtbot.addWidget(again)
    again.show()
    dock = again.docks["crews"]
    assert dock.isFloating()
    assert _centred_on_primary(dock)
    assert (dock.width(), dock.height()) == (300, 200)
