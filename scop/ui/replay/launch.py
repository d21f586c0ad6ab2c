"""The replay and exercise windows: the live console's window, configured.

Same room, same projection, same docks as live; a replay room reads a read-only store and
its clock is the timeline's, an exercise room writes its own exercise database and its clock
is the runner's.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolBar

from scop.clock import ManualClock
from scop.config import Config
from scop.models.entries import Operator
from scop.replay.cli import ReplayOptions
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
    window.show_source(source)
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


def run_replay(config: Config, src: OpenedSource, options: ReplayOptions) -> int:
    """A replay starts no service: no crew feed, no PP link, no simulator. The journal is
    read-only and nothing may leave the room because a past shift is being watched."""
    from scop.app import qt_application, run_window

    config = dataclasses.replace(config, no_sim=True)
    app = qt_application(config.headless)
    engine = ReplayEngine.from_store(src.store)
    room = replay_room(src, engine, Operator(config.operator or "Relecture", "trainer"), options.at)
    clock = room.clock
    assert isinstance(clock, ManualClock)

    def configure(ctx: UiContext, window: Any) -> None:
        controller = ReplayController(ctx, engine, clock, window)
        controller.set_speed(options.speed)
        install_replay(ctx, window, controller, src.name)
        if options.play and not config.headless:
            controller.play()

    return run_window(app, room, config, configure, starters=())


def run_exercise(config: Config, runner: ExerciseRunner, start: bool) -> int:
    from scop.app import identify, qt_application, run_window

    app = qt_application(config.headless)
    operator = identify(config, "exercise", runner.room.store)
    if operator is None:
        return 1
    room = runner.room
    room.operator = operator
    room.workstation = config.workstation
    room.login()

    def configure(ctx: UiContext, window: Any) -> None:
        install_exercise(ctx, window, runner)
        if start:
            runner.start()

    try:
        return run_window(app, room, config, configure)
    finally:
        with contextlib.suppress(Exception):
            room.logout()
