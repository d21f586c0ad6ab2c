"""The replay and exercise windows: the live console's window, configured.

Same room, same projection, same docks as live; a replay room reads a read-only store and
its clock is the timeline's, an exercise room writes its own exercise database and its clock
is the runner's.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolBar

from scop.clock import ManualClock
from scop.models.entries import Operator
from scop.replay.engine import ReplayEngine
from scop.replay.exercise import ExerciseRunner
from scop.replay.source import MemoryJournal, OpenedSource
from scop.room import Room
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.replay.controller import ReplayController
from scop.ui.replay.debrief_dock import DebriefDock
from scop.ui.replay.exercise_dock import ExerciseDock
from scop.ui.replay.timeline_dock import TimelineDock

REPLAY_COLOUR = "#1565c0"

_DEFAULTS: dict[str, Any] = {
    "screenshot": None,
    "size": (1920, 1080),
    "operator": None,
    "role": "trainer",
    "layout": None,
    "no_sim": True,
}


def _complete(args: argparse.Namespace) -> argparse.Namespace:
    for key, value in _DEFAULTS.items():
        if not hasattr(args, key):
            setattr(args, key, value)
    if not hasattr(args, "workstation"):
        args.workstation = socket.gethostname()
    return args


@contextlib.contextmanager
def _no_services() -> Iterator[None]:
    """A replay starts no service: no crew feed, no PP link, no simulator. The journal is
    read-only and nothing may leave the room because a past shift is being watched."""
    from scop import app

    saved = list(app.SERVICE_STARTERS)
    app.SERVICE_STARTERS.clear()
    try:
        yield
    finally:
        app.SERVICE_STARTERS[:] = saved


def add_dock(window: Any, dock: ScopDock) -> None:
    window.docks[dock.dock_id] = dock
    window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, dock)
    window.view_menu.insertAction(window.view_menu.actions()[0], dock.toggleViewAction())


def _banner(window: Any, text: str, colour: str) -> QLabel:
    bar = QToolBar("Relecture", window)
    bar.setObjectName("replay_banner")
    bar.setMovable(False)
    bar.setFloatable(False)
    bar.toggleViewAction().setEnabled(False)
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet(
        f"background:{colour}; color:white; font-weight:bold; font-size:15px; padding:4px;"
    )
    bar.addWidget(label)
    bar.setStyleSheet(f"QToolBar {{ background:{colour}; border:0; }}")
    window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return label


def install_replay(ctx: UiContext, window: Any, controller: ReplayController, source: str) -> None:
    """Make a console window a replay window: persistent RELECTURE banner, read-only main
    courante, the timeline and the debrief docks, the trainer's layout."""
    window.replay_banner = _banner(
        window,
        f"RELECTURE — {source} — lecture seule : rien n'est écrit, aucun message n'est envoyé",
        REPLAY_COLOUR,
    )
    window.setWindowTitle(f"SCOP — RELECTURE — {source}")
    journal = window.docks.get("journal")
    if journal is not None:
        journal.entry.setEnabled(False)
        journal.entry.setPlaceholderText("Relecture : la main courante est en lecture seule")
    add_dock(window, TimelineDock(ctx, controller, window))
    add_dock(window, DebriefDock(ctx, lambda: controller.engine.entries, source, window))
    window.replay = controller
    window.apply_layout("formateur")


def install_exercise(ctx: UiContext, window: Any, runner: ExerciseRunner) -> None:
    add_dock(window, ExerciseDock(ctx, runner, window))
    add_dock(
        window,
        DebriefDock(
            ctx,
            runner.room.store.read,  # the fold needs the journal from its start
            runner.room.store.url,
            window,
        ),
    )
    window.runner = runner
    window.apply_layout("formateur")


def replay_room(src: OpenedSource, engine: ReplayEngine, operator: Operator, at: Any) -> Room:
    t = engine.clamp(at) if at is not None else engine.start
    clock = ManualClock(t)
    room = Room(MemoryJournal(src.store, engine.entries), clock, operator, "relecture")
    room.projection.state = engine.state_at(t)
    return room


def run_replay(args: argparse.Namespace, src: OpenedSource) -> int:
    from scop.app import qt_application, run_window

    args = _complete(args)
    args.no_sim = True
    app = qt_application(args.screenshot is not None)
    engine = ReplayEngine.from_store(src.store)
    room = replay_room(src, engine, Operator(args.operator or "Relecture", "trainer"), args.at)
    clock = room.clock
    assert isinstance(clock, ManualClock)

    def configure(ctx: UiContext, window: Any) -> None:
        controller = ReplayController(ctx, engine, clock, window)
        controller.set_speed(getattr(args, "speed", 10.0))
        install_replay(ctx, window, controller, src.name)
        if getattr(args, "play", False) and args.screenshot is None:
            controller.play()

    with _no_services():
        code: int = run_window(app, room, args, configure)
    return code


def run_exercise(args: argparse.Namespace, runner: ExerciseRunner) -> int:
    from scop.app import identify, qt_application, run_window

    args = _complete(args)
    headless = args.screenshot is not None
    app = qt_application(headless)
    operator = identify(args, "exercise", headless)
    if operator is None:
        return 1
    room = runner.room
    room.operator = operator
    room.workstation = args.workstation
    room.login()

    def configure(ctx: UiContext, window: Any) -> None:
        install_exercise(ctx, window, runner)
        if getattr(args, "start", False):
            runner.start()

    try:
        code: int = run_window(app, room, args, configure)
    finally:
        with contextlib.suppress(Exception):
            room.logout()
    return code
