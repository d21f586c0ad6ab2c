"""Composition root: the Qt application, the qasync loop, the room, its services, the window."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scop.config import Config
from scop.errors import Exit, OutputError, ScopError, WrongMode, cannot_write
from scop.protocols.pp_service import start_pp_services
from scop.protocols.services import LinkStatus, ServiceHost, ServiceStarter

if TYPE_CHECKING:
    from scop.procedures.runner import ProcedureRunner
    from scop.room import Room

log = logging.getLogger("scop")


def prepare_environment(headless: bool) -> None:
    """Qt's and Chromium's own variables (not scop's configuration: that is ``Config``).
    Must run before Qt is imported."""
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # As root, Chromium's sandbox kills QtWebEngine (HOUSE_STYLE).
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    # The room has no internet: keep Chromium from trying to reach Google's services.
    os.environ.setdefault(
        "QTWEBENGINE_CHROMIUM_FLAGS",
        "--disable-background-networking --disable-component-update --disable-sync --no-first-run",
    )


def start_crew_feed(
    host: ServiceHost, window: LinkStatus, config: Config
) -> list[asyncio.Task[None]]:
    """The crew position feed: ``config.feed_url`` (``SCOP_FEED_URL``) if set; in DÉMO without
    one, the crew simulator on a loopback port and the real feed client reading it. Not in
    --screenshot mode, where crews stay where the journal placed them."""
    if config.headless or host.room.store.readonly:  # a replay records nothing
        return []
    if room_has_gateway(host):
        return []  # the gateway records the positions; RoomStatus shows its feed's state
    url = config.feed_url or ""
    simulate = host.room.mode == "demo" and not url and not config.no_sim
    if not url and not simulate:
        window.set_link_state("feed", "Flux équipages non configuré", "off")
        return []
    return [asyncio.get_event_loop().create_task(_crew_feed(host, window, url, simulate))]


def room_has_gateway(host: ServiceHost) -> bool:
    """A room with a gateway (alive or not) gets its links from it only: a console opening
    its own would send the PP the same message twice and record every position twice."""
    status = host.services.get("room_status")
    return bool(getattr(status, "has_gateway", False))


async def _crew_feed(host: ServiceHost, window: LinkStatus, url: str, simulate: bool) -> None:
    from scop.protocols.crew_feed import CrewFeedClient, FeedStats

    def show(state: str, text: str, _stats: FeedStats) -> None:
        window.set_link_state("feed", text, state)

    tasks: list[asyncio.Future[None]] = []
    try:
        if simulate:
            from scop.geo.streets import default_network
            from scop.protocols.feed_sim import CrewSimulator, FeedSimulatorServer

            streets = await asyncio.get_running_loop().run_in_executor(
                None, lambda: default_network().prepare()
            )
            server = FeedSimulatorServer(host.room, simulator=CrewSimulator(streets))
            url = await server.start()
            host.services["feed_sim"] = server
            tasks.append(asyncio.ensure_future(server.run()))
        client = CrewFeedClient(host.room, url, on_state=show)
        host.services["crew_feed"] = client
        show("degraded", "Flux équipages : connexion…", client.stats)
        tasks.append(asyncio.ensure_future(client.run()))
        await asyncio.gather(*tasks)
    except ValueError as exc:  # a refused URL (plain ws:// off loopback…)
        log.error("%s", exc)
        window.set_link_state("feed", "Flux équipages : URL refusée", "down")
        host.notices.error(str(exc))
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


SERVICE_STARTERS: list[ServiceStarter] = [
    start_pp_services,
    start_crew_feed,
]


async def _wait_ready_and_grab(window: Any, out: Path, timeout: float = 60.0) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not window.all_docks_ready():
        if loop.time() > deadline:
            print(
                "scop --screenshot : panneaux jamais prêts : " + ", ".join(window.unready_docks()),
                file=sys.stderr,
            )
            return 1
        await asyncio.sleep(0.1)
    print("Tous les panneaux sont peints.", flush=True)  # bench/startup.py waits for this line
    await asyncio.sleep(0.5)  # one more frame: grab() right after an update can be stale
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(out, exc, "--screenshot") from exc
    if not window.grab().save(str(out)):  # Qt says no more than that
        raise OutputError(
            f"Impossible d'écrire la capture {out}",
            "Choisir un fichier .png dans un dossier accessible en écriture (--screenshot).",
        )
    print(f"Capture enregistrée : {out}")
    return 0


def check_display(headless: bool, env: Any = os.environ) -> None:
    """Without a display Qt aborts the process with an English line and no exit code that
    means anything; say it first, in French."""
    if headless or sys.platform != "linux":
        return
    if env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return
    raise ScopError(
        "Aucun écran : la console a besoin d'une session graphique",
        "Lancer « scop » depuis le bureau, ou « scop --screenshot capture.png » sans écran.",
        code=Exit.NO_DISPLAY,
    )


def load_translations(app: Any) -> list[Any]:
    """Qt's own dialogs (Annuler, Oui, Non…) in French: the catalogues PySide6 ships."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    kept = []
    for name in ("qtbase_fr", "qt_fr"):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            kept.append(translator)
    if not kept:
        log.warning("traductions françaises de Qt introuvables dans %s", folder)
    app.setProperty("scop_translators", len(kept))
    return kept


def qt_application(headless: bool) -> Any:
    check_display(headless)
    prepare_environment(headless)
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    import PySide6.QtWebEngineWidgets  # noqa: F401  (must precede the QApplication)

    from scop.ui.map.tiles import register_scheme

    register_scheme()  # the map's MBTiles scheme: before the QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from scop.ui.gui_gc import install_gui_gc

    # Cycles are collected on this thread only, never in a worker that happens to allocate
    # (the address loader, asyncio.to_thread…): a PySide6 wrapper finalized there deletes its
    # QObject off the GUI thread, and the console segfaults (scop/ui/gui_gc.py).
    install_gui_gc()
    app.setApplicationName("SCOP")
    app.setOrganizationName("VilleDeParis")
    app.setApplicationDisplayName("SCOP")
    if not app.property("scop_translators"):
        load_translations(app)
    from scop.ui.style import APP_STYLE

    app.setStyleSheet(APP_STYLE)  # every window and dialog: tabs that keep their accents
    return app


def show_error_dialog(err: ScopError) -> None:
    """The start-up failure in a dialog, for a console launched with no terminal."""
    try:
        app = qt_application(headless=False)
        from scop.ui.error_dialog import error_dialog

        error_dialog(err).exec()
        del app
    except Exception:  # no display after all: the message is already on stderr and in the log
        log.exception("dialogue d'erreur impossible")


def identify(config: Config, mode: str, store: Any = None) -> Any:
    """The person of this session: an account authenticated by the login dialog (or, in
    DÉMO, the one-click demo account). ``--operator``/``--role`` name a person only in a
    DÉMO or EXERCICE room; in a real room the identity comes from the account."""
    from PySide6.QtWidgets import QDialog

    from scop.demo import DEMO_ACCOUNT
    from scop.models.entries import Operator

    if config.operator and mode in ("demo", "exercise"):
        return Operator(config.operator, config.role, f"{mode}:{config.operator}")
    if config.headless:
        if mode == "demo":
            return DEMO_ACCOUNT
        # a capture reads and writes nothing but its own session
        return Operator("Capture d'écran", "observer", "service:capture")
    dialog = make_login_dialog(config, mode, store)
    if config.operator:
        dialog.login.setText(config.operator)
        dialog.password.setFocus()
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.operator()


def make_login_dialog(config: Config, mode: str, store: Any, title: str = "Prise de poste") -> Any:
    from scop.demo import DEMO_ACCOUNT, EXERCISE_TRAINER
    from scop.ui.login import LoginDialog

    accounts = None
    if store is not None:
        from scop.accounts.directory import directory_check
        from scop.accounts.store import Accounts

        accounts = Accounts(store, directory=directory_check(store))
        if not accounts.list() and accounts.directory is None:
            accounts = None
    one_click = {"demo": DEMO_ACCOUNT, "exercise": EXERCISE_TRAINER}.get(mode)
    return LoginDialog(
        config.workstation,
        mode,
        accounts,
        demo_operator=one_click if accounts is None or mode == "demo" else None,
        title=title,
    )


def start_idle_lock(ctx: Any, window: Any, config: Config) -> Any:
    """The idle lock over this console (not for a capture or a read-only replay)."""
    if config.headless or ctx.room.store.readonly:
        return None
    from datetime import timedelta

    from PySide6.QtWidgets import QDialog

    from scop.accounts.directory import directory_check
    from scop.accounts.settings import idle_minutes
    from scop.accounts.store import Accounts
    from scop.demo import DEMO_ACCOUNT
    from scop.ui.lock import IdleLock

    store = ctx.room.store

    def login() -> Any:
        dialog = make_login_dialog(config, ctx.room.mode, store, "Changer d'opérateur")
        return dialog.operator() if dialog.exec() == QDialog.DialogCode.Accepted else None

    lock = IdleLock(
        ctx,
        window,
        Accounts(store, directory=directory_check(store)),
        timedelta(minutes=idle_minutes(store)),
        login=login,
        demo_operator=DEMO_ACCOUNT if ctx.room.mode == "demo" else None,
    )
    lock.operator_changed.connect(window.show_operator)
    return lock


def procedure_runner(room: Room, config: Config) -> ProcedureRunner:
    """The fiches réflexes of this console: the library of ``config.fiches_dir`` (broken files
    listed in the dock, never fatal) run against the room."""
    from scop.procedures.loader import load_library
    from scop.procedures.runner import ProcedureRunner

    return ProcedureRunner(room, load_library(config.fiches_dir))


def run_window(
    app: Any,
    room: Any,
    config: Config,
    configure: Callable[[Any, Any], None] | None = None,
    starters: Sequence[ServiceStarter] | None = None,
) -> int:
    """Show the console over ``room`` until it is closed (or, with --screenshot, until every
    dock has painted and the PNG is written). ``configure(ctx, window)`` lets a launcher
    (replay, exercise) add its own docks or controls before the window shows; ``starters``
    replace ``SERVICE_STARTERS`` (a replay starts none)."""
    import qasync

    from scop.ui.context import Notices, RoomBridge, Selection, UiContext
    from scop.ui.error_dialog import ErrorHook
    from scop.ui.main_window import MainWindow

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    ctx = UiContext(
        room,
        RoomBridge(room),
        Notices(),
        Selection(),
        config=config,
        procedures=procedure_runner(room, config),
    )
    window = MainWindow(ctx)
    window.ask_before_quit = not config.headless
    if configure is not None:
        configure(ctx, window)
    if config.layout:
        window.apply_layout(config.layout)
    idle_lock = start_idle_lock(ctx, window, config)
    # From here on an exception in a slot (or a task) is one French message over the window,
    # its traceback in the log file, never on screen: the console stays up.
    error_hook = ErrorHook(lambda: window).install()
    loop.set_exception_handler(error_hook.asyncio_handler)

    tasks: list[asyncio.Task[None]] = []
    for starter in SERVICE_STARTERS if starters is None else starters:
        tasks += starter(ctx, window, config)

    code = 0
    try:
        if config.screenshot is not None:
            window.resize(*config.size)
            window.show()
            code = loop.run_until_complete(_wait_ready_and_grab(window, config.screenshot))
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
        error_hook.uninstall()
        if idle_lock is not None:
            idle_lock.teardown()
        if window.isVisible():
            window.close()
        window.deleteLater()  # before the loop closes: qasync + WebEngine (HOUSE_STYLE)
        app.processEvents()
        # processEvents() does not run deferred deletes: the map's page must go before the
        # web profile does, or Chromium warns (and may crash) at exit
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        loop.close()
    return code


def open_console_store(config: Config, clock: Any) -> Any:
    """The room's store for the console. The DÉMO base is made on first launch; any other
    ``--db`` must already hold a room (``scop room init``): it is looked at read-only first,
    so that a mistyped address creates neither a file nor a table, and no live room."""
    from scop.journal.store import JournalStore
    from scop.room_admin import open_held_room

    if config.wants_demo:
        return JournalStore.open(config.database, clock)
    return open_held_room(config.database, clock)


def settle_console_heap() -> None:
    """Freeze the heap once the journal is folded (``scop.room.settle_heap``), and again once
    the address base, loading in its worker from now on (the events dock finds it started),
    is in memory: else every full collection on the GUI thread walked its 158,000 addresses.
    After ``qt_application``, whose collector does the second freeze."""
    from scop.geo import addresses
    from scop.room import settle_heap
    from scop.ui.gui_gc import settle_after

    settle_heap()
    settle_after(addresses.start_loading())


def run_console(config: Config) -> int:
    """The console over the room's database. The database is opened before Qt starts: a
    wrong ``--db`` fails fast, with its French message (see :mod:`scop.errors`)."""
    check_display(config.headless)

    from scop.clock import SystemClock
    from scop.demo import seed_demo
    from scop.room import open_room

    clock = SystemClock()
    store = open_console_store(config, clock)
    try:
        mode = store.meta("mode") or ("demo" if config.wants_demo else "live")
        if mode == "exercise":
            raise WrongMode(
                "Cette base est une base d'exercice",
                "L'ouvrir avec « scop exercise SCENARIO --db URL » ; la console réelle ne "
                "l'ouvre pas.",
            )
        app = qt_application(config.headless)
        operator = identify(config, mode, store)
        if operator is None:
            print("scop : identification annulée.", file=sys.stderr)
            return Exit.CANCELLED
        label = "Salle de démonstration" if mode == "demo" else "Salle de commandement"
        room = open_room(
            store, clock, operator, mode=mode, label=label, workstation=config.workstation
        )
        if mode == "demo" and not room.state.crews:
            seed_demo(room, config.fiches_dir)
        room.login()
        settle_console_heap()
        try:
            return run_window(app, room, config)
        finally:
            with contextlib.suppress(Exception):
                room.logout()
    finally:
        store.close()
