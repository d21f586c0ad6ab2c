"""Qt fixtures: the window as a user gets it, over a real SQLite room."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, Qt

# QtWebEngine must be imported, and contexts shared, before the QApplication exists.
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
import PySide6.QtWebEngineWidgets  # noqa: E402, F401
from scoptest.replay import START  # noqa: E402

from scop.clock import ManualClock  # noqa: E402
from scop.models.entries import Operator  # noqa: E402
from scop.procedures.loader import load_library  # noqa: E402
from scop.procedures.model import Library  # noqa: E402
from scop.procedures.runner import ProcedureRunner  # noqa: E402
from scop.replay.engine import ReplayEngine  # noqa: E402
from scop.replay.source import open_source  # noqa: E402
from scop.room import Room  # noqa: E402
from scop.ui.context import Notices, RoomBridge, Selection, UiContext  # noqa: E402
from scop.ui.gui_gc import GuiGarbageCollector, install_gui_gc  # noqa: E402
from scop.ui.replay.controller import ReplayController  # noqa: E402
from scop.ui.replay.launch import install_replay, replay_room  # noqa: E402
from scop.ui.style import APP_STYLE  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def gui_gc(qapp: Any) -> Iterator[GuiGarbageCollector]:
    """As in the console (``scop.app.qt_application``): cycles are collected on the GUI thread
    only. Without it a worker that allocates (the address base loader of a window test still
    reading when the next test runs) collects the previous test's widgets off the GUI thread."""
    collector = install_gui_gc()
    qapp.setStyleSheet(APP_STYLE)  # and the console's own style: its tabs' heights, its layouts
    yield collector
    collector.stop()


@pytest.fixture
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A workstation (or a CI runner) set to UTC: Qt reads the process's zone as it goes,
    so a field that forgets Paris time shows the UTC hour."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def shipped_library() -> Library:
    """The shipped fiches, loaded once (a Library is frozen)."""
    return load_library()


@pytest.fixture
def settings(tmp_path: Any) -> QSettings:
    return QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_ctx(qtbot: Any, shipped_library: Library) -> Iterator[Any]:
    """A context as scop.app builds it: the room's fiches runner is handed in."""
    made: list[UiContext] = []

    def make(room: Room, poll_ms: int = 0) -> UiContext:
        ctx = UiContext(
            room,
            RoomBridge(room, poll_ms=poll_ms),
            Notices(),
            Selection(),
            procedures=ProcedureRunner(room, shipped_library),
        )
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.bridge.stop()


@pytest.fixture
def window(qtbot: Any, demo_room: Room, make_ctx: Any, settings: QSettings) -> Any:
    from scop.ui.main_window import MainWindow

    w = MainWindow(make_ctx(demo_room), settings)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    qtbot.waitUntil(w.all_docks_ready, timeout=20000)
    return w


@pytest.fixture
def make_map(qtbot: Any) -> Iterator[Any]:
    """Map docks deleted after the test: a page outliving the web profile crashes at exit."""
    from PySide6.QtCore import QEvent

    from scop.ui.map import MapDock

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
        if dock.context_menu is not None:
            dock.context_menu.close()
        dock.close()
        dock.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


@pytest.fixture
def replay_window(qtbot: Any, shift_db: Path, make_ctx: Any, settings: Any) -> Any:
    """A replay console one hour into the ``shift_db`` that the test module generates."""
    from scop.ui.main_window import MainWindow

    src = open_source(str(shift_db), ManualClock())
    engine = ReplayEngine.from_store(src.store)
    room = replay_room(src, engine, Operator("Formateur", "trainer"), START + timedelta(hours=1))
    ctx = make_ctx(room)
    w = MainWindow(ctx, settings)
    qtbot.addWidget(w)
    clock = room.clock
    assert isinstance(clock, ManualClock)
    install_replay(ctx, w, ReplayController(ctx, engine, clock, w), "vacation de test")
    w.resize(1600, 1000)
    w.show()
    qtbot.waitUntil(w.all_docks_ready, timeout=30000)
    yield w
    w.replay.stop()
    src.close()
