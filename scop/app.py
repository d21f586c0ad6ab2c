"""Composition root: the Qt application, the qasync loop, the room, its services, the window."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

log = logging.getLogger("scop")


def prepare_environment(headless: bool) -> None:
    """Must run before Qt is imported."""
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # As root, Chromium's sandbox kills QtWebEngine (HOUSE_STYLE).
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    # The room has no internet: keep Chromium from trying to reach Google's services.
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS",
                          "--disable-background-networking --disable-component-update "
                          "--disable-sync --no-first-run")


Service = Callable[..., Awaitable[None]]


async def demo_crew_movement(room: object, period: float = 2.0) -> None:
    """Move the demo crews until cancelled."""
    from scop.demo import DemoMover
    from scop.room import Room

    assert isinstance(room, Room)
    mover = DemoMover()
    while True:
        await asyncio.sleep(period)
        try:
            room.record_positions(mover.step(room.state, room.clock.now(), period))
        except Exception:
            log.exception("simulateur d'équipages : pas de mouvement ce tour-ci")


async def _wait_ready_and_grab(window: object, out: Path, timeout: float = 60.0) -> int:
    from scop.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not window.all_docks_ready():
        if loop.time() > deadline:
            print("scop --screenshot : panneaux jamais prêts : "
                  + ", ".join(window.unready_docks()), file=sys.stderr)
            return 1
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # one more frame: grab() right after an update can be stale
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        print(f"scop --screenshot : impossible d'écrire {out}", file=sys.stderr)
        return 1
    print(f"Capture enregistrée : {out}")
    return 0


def run_console(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    headless = args.screenshot is not None
    prepare_environment(headless)

    import qasync
    from PySide6.QtWidgets import QApplication, QDialog

    from scop.cli import default_db_url
    from scop.clock import SystemClock
    from scop.demo import DEMO_OPERATOR, demo_drafts
    from scop.journal.store import JournalStore
    from scop.models.entries import Operator
    from scop.room import open_room
    from scop.ui.context import Notices, RoomBridge, Selection, UiContext
    from scop.ui.login import LoginDialog
    from scop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("SCOP")
    app.setOrganizationName("VilleDeParis")
    app.setApplicationDisplayName("SCOP")

    url = args.db or default_db_url()
    demo = args.demo or args.db is None
    clock = SystemClock()
    store = JournalStore.open(url, clock)
    mode = store.meta("mode") or ("demo" if demo else "live")
    if mode == "exercise":
        print("Cette base est une base d'exercice : ouvrez-la avec « scop exercise ».",
              file=sys.stderr)
        return 2

    if args.operator:
        operator = Operator(args.operator, args.role)
    elif headless:
        operator = DEMO_OPERATOR
    else:
        dialog = LoginDialog(args.workstation, mode)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return 1
        operator = dialog.operator()

    label = "Salle de démonstration" if mode == "demo" else "Salle de commandement"
    room = open_room(store, clock, operator, mode=mode, label=label,
                     workstation=args.workstation)
    if mode == "demo" and not room.state.crews:
        room.record_all(demo_drafts())
    room.login()

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    ctx = UiContext(room, RoomBridge(room), Notices(), Selection())
    window = MainWindow(ctx)
    if args.layout:
        window.apply_layout(args.layout)

    tasks: list[asyncio.Task[None]] = []
    if mode == "demo" and not args.no_sim and not headless:
        tasks.append(loop.create_task(demo_crew_movement(room)))

    code = 0
    try:
        if headless:
            window.resize(*args.size)
            window.show()
            code = loop.run_until_complete(_wait_ready_and_grab(window, args.screenshot))
        else:
            window.show()
            closed = loop.create_future()
            app.lastWindowClosed.connect(lambda: closed.done() or closed.set_result(None))
            loop.run_until_complete(closed)
    finally:
        for t in tasks:
            t.cancel()
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        ctx.bridge.stop()
        with contextlib.suppress(Exception):
            room.logout()
        if window.isVisible():
            window.close()
        window.deleteLater()
        app.processEvents()
        loop.close()
        store.close()
    return code
