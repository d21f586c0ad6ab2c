"""The console's main window: docks only, layouts per workstation, status bar."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QByteArray, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QWidget,
)

from scop.clock import local
from scop.models.entries import ROLES
from scop.models.permissions import writes_nothing
from scop.ui.context import UiContext
from scop.ui.docks import DOCK_CLASSES
from scop.ui.docks.base import ScopDock
from scop.ui.room_status import RoomStatus
from scop.ui.safety.banner import DangerBanner

log = logging.getLogger(__name__)

Area = Qt.DockWidgetArea

# A layout is two columns (left and right dock areas), each a stack of groups with their share of
# the height; a group is a list of docks tabbed together, the first one in front. Docks not
# named anywhere join the last group. (Docks-only windows size the left and right areas
# reliably; the top and bottom areas ignore resizeDocks without a central widget.)
Group = tuple[float, list[str]]
LAYOUTS: dict[str, tuple[str, float, dict[Area, list[Group]]]] = {
    "operateur": (
        "Opérateur",
        0.58,
        {
            Area.LeftDockWidgetArea: [(0.66, ["map", "events"]), (0.34, ["journal"])],
            Area.RightDockWidgetArea: [
                (0.5, ["events", "event_card"]),
                (0.5, ["crews", "safety", "messages", "procedures", "lookouts"]),
            ],
        },
    ),
    "chef": (
        "Chef de salle",
        0.55,
        {
            Area.LeftDockWidgetArea: [(0.62, ["map", "events"]), (0.38, ["journal", "event_card"])],
            Area.RightDockWidgetArea: [
                (0.55, ["procedures", "events", "safety"]),
                (0.45, ["messages", "crews", "lookouts", "dashboard"]),
            ],
        },
    ),
    "formateur": (
        "Formateur",
        0.6,
        {
            Area.LeftDockWidgetArea: [
                (0.22, ["timeline"]),
                (0.5, ["map", "events"]),
                (0.28, ["journal", "debrief"]),
            ],
            Area.RightDockWidgetArea: [
                (0.5, ["exercise", "events", "crews", "safety"]),
                (0.5, ["procedures", "messages", "event_card", "lookouts", "dashboard"]),
            ],
        },
    ),
    # The wall display: the room as it stands, large, for the wall and visiting partners.
    # Nothing to draft here (no intake, fiches or PP messages): those docks stay hidden.
    "mur": (
        "Mur d'images",
        0.64,
        {
            Area.LeftDockWidgetArea: [(0.7, ["map"]), (0.3, ["journal"])],
            Area.RightDockWidgetArea: [(0.55, ["events", "event_card"]), (0.45, ["crews"])],
        },
    ),
}
# Layouts whose unnamed docks are hidden rather than tabbed into the last group.
SHOWS_ONLY_NAMED = frozenset({"mur"})
ROLE_LAYOUT = {"operator": "operateur", "chief": "chef", "trainer": "formateur", "observer": "mur"}

MODE_BANNERS = {
    "demo": (
        "DÉMO — données fictives, simulateurs intégrés : aucun échange réel avec la "
        "Préfecture de Police ni avec les équipages",
        "#f57c00",
    ),
    "exercise": (
        "EXERCICE EXERCICE EXERCICE — base d'exercice séparée, aucun message réel",
        "#c62828",
    ),
}

LINK_COLOURS = {"ok": "#2e7d32", "degraded": "#ef6c00", "down": "#c62828", "off": "#757575"}


class MainWindow(QMainWindow):
    def __init__(
        self, ctx: UiContext, settings: QSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.settings = settings or QSettings("VilleDeParis", "SCOP")
        self.workstation = ctx.room.workstation
        self.alarm_labels: dict[str, QLabel] = {}  # docks may raise one while being built
        self.source_name = ""  # a replay's export file, shown instead of its temporary base
        self.setObjectName("scop_main_window")
        mode = ctx.room.mode
        suffix = {"demo": " — DÉMO", "exercise": " — EXERCICE"}.get(mode, "")
        self.setWindowTitle(f"SCOP — Salle de Commandement Opérationnel Parisienne{suffix}")
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AnimatedDocks
        )
        self.setTabPosition(Area.AllDockWidgetAreas, QTabWidget.TabPosition.North)

        self.banner: QLabel | None = None
        if mode in MODE_BANNERS:
            text, colour = MODE_BANNERS[mode]
            bar = QToolBar("Mode", self)
            bar.setObjectName("mode_banner")
            bar.setMovable(False)
            bar.setFloatable(False)
            bar.toggleViewAction().setEnabled(False)
            self.banner = QLabel(text)
            self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.banner.setStyleSheet(
                f"background:{colour}; color:white; font-weight:bold;font-size:15px; padding:4px;"
            )
            bar.addWidget(self.banner)
            bar.setStyleSheet(f"QToolBar {{ background:{colour}; border:0; }}")
            self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

        self.docks: dict[str, ScopDock] = {}
        for cls in DOCK_CLASSES:
            dock = cls(ctx, self)
            self.docks[dock.dock_id] = dock
            self.addDockWidget(Area.RightDockWidgetArea, dock)
        for dock in self.docks.values():
            dock.wire(self.docks)
        self.danger_banner = DangerBanner(ctx, self, self.docks)  # over all, on every console

        self._build_status_bar()
        self.room_status = RoomStatus(ctx, self)
        self._build_menus()
        ctx.notices.posted.connect(self._on_notice)
        ctx.notices.cleared.connect(self.statusBar().clearMessage)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._update_clock)
        self._tick.start(1000)
        self._update_clock()
        # The console asks before quitting with work under way; tests and --screenshot don't.
        self.ask_before_quit = False
        self._closed = False
        self.quit_box: QMessageBox | None = None
        self._shown_once = False
        self._restored = False
        self.restore_layout()

    # -- status bar ------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        room = self.ctx.room
        self.clock_label = QLabel()
        self.clock_label.setStyleSheet("font-weight:bold; font-size:14px; padding:0 8px;")
        op = room.operator
        self.operator_label = QLabel(f"{op.name} — {ROLES[op.role]} — {room.workstation}")
        self.db_label = QLabel()
        self.db_label.setToolTip(room.store.url)
        self.set_database_state(True)
        self.link_labels: dict[str, QLabel] = {}
        for w in (self.clock_label, self.operator_label, self.db_label):
            sb.addPermanentWidget(w)
        if room.mode in MODE_BANNERS:
            mode_label = QLabel({"demo": "DÉMO", "exercise": "EXERCICE"}[room.mode])
            mode_label.setStyleSheet(
                f"background:{MODE_BANNERS[room.mode][1]}; color:white;"
                "font-weight:bold; padding:0 8px;"
            )
            sb.addPermanentWidget(mode_label)

    def show_operator(self, op: Any) -> None:
        """After « Changer d'opérateur »: the status bar names who is at the keyboard now."""
        self.operator_label.setText(f"{op.name} — {ROLES[op.role]} — {self.ctx.room.workstation}")

    def set_link_state(self, key: str, text: str, state: str = "ok") -> None:
        """A link (PP, crew feed…) shows its state in the status bar; ``state`` is one of
        ok, degraded, down, off."""
        label = self.link_labels.get(key)
        if label is None:
            label = QLabel()
            self.link_labels[key] = label
            self.statusBar().insertPermanentWidget(2, label)
        label.setText(f"● {text}")
        label.setToolTip(text)
        label.setStyleSheet(f"color:{LINK_COLOURS.get(state, '#000')}; padding:0 6px;")

    def set_alarm(self, key: str, text: str | None) -> None:
        """An alarm every layout sees (the PP link's lives in the Messages PP pane, which a
        layout may hide behind a tab); ``None`` lowers it."""
        label = self.alarm_labels.get(key)
        if label is None:
            if text is None:
                return
            label = QLabel()
            label.setObjectName(f"alarm_{key}")
            label.setStyleSheet(
                f"color:white; background:{LINK_COLOURS['down']}; font-weight:bold; padding:0 6px;"
            )
            self.alarm_labels[key] = label
            self.statusBar().insertPermanentWidget(0, label)
        label.setVisible(text is not None)
        if text is not None:
            label.setText(text)
            label.setToolTip(text)

    def show_source(self, name: str) -> None:
        """What the status bar names as the base: a replay names the export it opened, not
        the temporary database it was loaded into."""
        self.source_name = name
        self.db_label.setToolTip(f"{name} (chargé dans {self.ctx.room.store.url})")
        self.set_database_state(True)

    def set_database_state(self, up: bool) -> None:
        """Connected, or lost (the console keeps reconnecting and catches up by itself)."""
        store = self.ctx.room.store
        where = f"{store.backend} ({_short_url(store.url)})"
        if up and self.source_name:
            self.db_label.setText(f"Relecture : {_short_url(self.source_name)}")
            self.db_label.setStyleSheet("padding:0 6px;")
        elif up:
            self.db_label.setText(f"Base : {where}")
            self.db_label.setStyleSheet("padding:0 6px;")
        else:
            self.db_label.setText("● ALARME : base indisponible, reconnexion…")  # URL: tooltip
            self.db_label.setStyleSheet(
                f"color:white; background:{LINK_COLOURS['down']}; font-weight:bold; padding:0 6px;"
            )

    def _update_clock(self) -> None:
        self.clock_label.setText(local(self.ctx.room.clock.now()).strftime("%d/%m/%Y %H:%M:%S"))

    def _on_notice(self, level: str, text: str) -> None:
        self.statusBar().showMessage(("⚠ " if level != "info" else "") + text, 15000)
        if level == "error" and self.isVisible():
            suffix = {"demo": " — DÉMO", "exercise": " — EXERCICE"}.get(self.ctx.room.mode, "")
            QMessageBox.warning(self, f"SCOP{suffix}", text)

    # -- menus -----------------------------------------------------------------------------

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&Fichier")
        quit_action = self.quit_action = QAction("&Quitter", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.file_menu = file_menu

        journal = mb.addMenu("&Main courante")
        jd = self.docks.get("journal")
        if jd is not None:
            journal.addAction(jd.focus_action)  # type: ignore[attr-defined]
            journal.addAction(jd.correct_action)  # type: ignore[attr-defined]

        operations = mb.addMenu("&Opérations")
        for dock in self.docks.values():
            for act in getattr(dock, "menu_actions", ()):
                operations.addAction(act)
        operations.addSeparator()
        self.handover_action = QAction("&Relève…", self)
        self.handover_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.handover_action.setToolTip(
            "Relève entre chefs de salle : rédiger ou prendre la relève"
        )
        self.handover_action.triggered.connect(self.open_handover)
        self.handover_action.setEnabled(not self.ctx.read_only_reason)
        if self.ctx.read_only_reason:
            self.handover_action.setToolTip(self.ctx.read_only_reason)
        operations.addAction(self.handover_action)
        self.addAction(self.handover_action)

        view = mb.addMenu("&Affichage")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        layouts = view.addMenu("&Dispositions")
        group = QActionGroup(self)
        self.layout_actions: dict[str, QAction] = {}
        for key, (label, _split, _spec) in LAYOUTS.items():
            act = QAction(label, self, checkable=True)
            act.triggered.connect(lambda _=False, k=key: self.apply_layout(k))
            group.addAction(act)
            layouts.addAction(act)
            self.layout_actions[key] = act
        layouts.addSeparator()
        save = QAction("Enregistrer la disposition de ce poste", self)
        save.triggered.connect(self.save_layout)
        layouts.addAction(save)
        self.view_menu = view

    def open_handover(self) -> Any:
        """« Relève »: the outgoing chief drafts it, the incoming chief takes it."""
        from scop.ui.handover import HandoverDialog

        procedures = self.docks.get("procedures")
        library = getattr(procedures, "library", None) or self.ctx.services.get("fiches")
        dialog = HandoverDialog(self.ctx.room, library, self)
        self.handover_dialog = dialog
        dialog.open()
        return dialog

    # -- layouts ---------------------------------------------------------------------------

    def apply_layout(self, key: str) -> None:
        _label, split, spec = LAYOUTS[key]
        placed: set[str] = set()
        for dock in self.docks.values():
            dock.setFloating(False)
            self.removeDockWidget(dock)
        last_front: ScopDock | None = None
        columns: list[list[tuple[float, ScopDock]]] = []
        tabs: list[tuple[ScopDock, list[ScopDock]]] = []
        for area, groups in spec.items():
            column: list[tuple[float, ScopDock]] = []
            for weight, group in groups:
                members = [self.docks[d] for d in group if d in self.docks and d not in placed]
                if not members:
                    continue
                front = members[0]
                if not column:
                    self.addDockWidget(area, front)
                else:
                    self.splitDockWidget(column[-1][1], front, Qt.Orientation.Vertical)
                # tabify after every split: Qt splits a tabbed dock by adding a tab instead
                tabs.append((front, members[1:]))
                for m in members:
                    m.show()
                    placed.add(m.dock_id)
                column.append((weight, front))
                last_front = front
            if column:
                columns.append(column)
        for front, others in tabs:
            for other in others:
                self.tabifyDockWidget(front, other)
            front.raise_()
        for dock_id, dock in self.docks.items():
            if dock_id not in placed:
                if last_front is None:
                    self.addDockWidget(Area.RightDockWidgetArea, dock)
                    last_front = dock
                else:
                    self.tabifyDockWidget(last_front, dock)
                dock.setVisible(key not in SHOWS_ONLY_NAMED)
        self._columns = (split, columns)
        self._size_docks()
        if key in self.layout_actions:
            self.layout_actions[key].setChecked(True)
        self._layout_key = key
        for dock in self.docks.values():
            dock.layout_applied(key)

    def _size_docks(self) -> None:
        """Give the columns and the groups in them their share of the window."""
        split, columns = getattr(self, "_columns", (0.5, []))
        width, height = max(self.width(), 800), max(self.height(), 600)
        if len(columns) == 2:
            self.resizeDocks(
                [columns[0][0][1], columns[1][0][1]],
                [int(width * split), int(width * (1 - split))],
                Qt.Orientation.Horizontal,
            )
        for column in columns:
            total = sum(w for w, _ in column)
            self.resizeDocks(
                [d for _, d in column],
                [int(height * w / total) for w, _ in column],
                Qt.Orientation.Vertical,
            )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if not self._restored:
                # Sizes given before the first show are relative to a window not yet sized.
                QTimer.singleShot(0, self._size_docks)

    def _key(self, name: str) -> str:
        return f"postes/{self.workstation}/{name}"

    def save_layout(self) -> None:
        s = self.settings
        s.setValue(self._key("geometry"), self.saveGeometry())
        s.setValue(self._key("state"), self.saveState())
        screen = self.screen()
        s.setValue(self._key("screen"), screen.name() if screen else "")
        for dock_id, dock in self.docks.items():  # a floating dock may sit on another screen
            dock_screen = dock.screen() if dock.isFloating() else None
            if dock_screen is not None:
                s.setValue(self._key(f"dock_screen/{dock_id}"), dock_screen.name())
            else:
                s.remove(self._key(f"dock_screen/{dock_id}"))
        s.setValue(self._key("layout"), getattr(self, "_layout_key", ""))
        s.sync()

    def restore_layout(self) -> None:
        """The workstation's saved layout, else the role's named layout. A window or dock
        saved on a screen that is no longer there comes back on the primary screen."""
        s = self.settings
        geometry = s.value(self._key("geometry"))
        state = s.value(self._key("state"))
        default_key = ROLE_LAYOUT.get(self.ctx.room.operator.role, "operateur")
        if writes_nothing(self.ctx.room.operator.role):
            # An observer always gets the wall layout: a workstation's saved layout could
            # show the docks that draft (intake, fiches, PP messages).
            self.apply_layout(default_key)
            if isinstance(geometry, QByteArray):
                self.restoreGeometry(geometry)
            return
        self.apply_layout(str(s.value(self._key("layout")) or default_key))
        if isinstance(geometry, QByteArray) and isinstance(state, QByteArray):
            self.restoreGeometry(geometry)
            self._restored = self.restoreState(state)
            saved_screen = str(s.value(self._key("screen")) or "")
            names = {sc.name() for sc in QGuiApplication.screens()}
            if saved_screen not in names or not self._on_some_screen(self):
                self._move_to_primary(self)
            for dock_id, dock in self.docks.items():
                # Qt keeps a floating dock on some screen, but not on the one it was left on.
                dock_screen = str(s.value(self._key(f"dock_screen/{dock_id}"), saved_screen))
                if dock.isFloating() and (
                    dock_screen not in names or not self._on_some_screen(dock)
                ):
                    self._move_to_primary(dock)

    @staticmethod
    def _on_some_screen(w: QWidget) -> bool:
        centre = w.frameGeometry().center()
        return any(sc.geometry().contains(centre) for sc in QGuiApplication.screens())

    @staticmethod
    def _move_to_primary(w: QWidget) -> None:
        primary = QGuiApplication.primaryScreen()
        if primary is None:
            return
        avail = primary.availableGeometry()
        w.resize(min(w.width(), avail.width()), min(w.height(), avail.height()))
        w.move(
            avail.topLeft()
            + QPoint(
                max(0, (avail.width() - w.width()) // 2), max(0, (avail.height() - w.height()) // 2)
            )
        )

    # -- lifecycle -------------------------------------------------------------------------

    def _showing(self, d: ScopDock) -> bool:
        """Visible, and not a tab hidden behind the one showing (it cannot paint)."""
        if not d.isVisible():
            return False
        siblings = self.tabifiedDockWidgets(d)
        return not (
            d.visibleRegion().isEmpty() and any(not s.visibleRegion().isEmpty() for s in siblings)
        )

    def all_docks_ready(self) -> bool:
        return all(d.is_ready() for d in self.docks.values() if self._showing(d))

    def unready_docks(self) -> list[str]:
        return [d.title for d in self.docks.values() if self._showing(d) and not d.is_ready()]

    def dock(self, dock_id: str) -> Any:
        return self.docks[dock_id]

    def unfinished_work(self) -> list[str]:
        """What quitting now would leave behind, as the question lists it."""
        st = self.ctx.room.state
        out: list[str] = []
        runner = getattr(self, "runner", None)  # an exercise console
        if runner is not None and runner.started and not runner.finished:
            out.append("un exercice est en cours")
        runs = [r for r in getattr(st, "procedures", {}).values() if not r.is_closed]
        if runs:
            out.append(f"{len(runs)} fiche(s) réflexe(s) en cours")
        drafts = [
            m
            for m in getattr(st, "messages", {}).values()
            if m.direction == "out" and str(m.state) == "brouillon"
        ]
        if drafts:
            out.append(f"{len(drafts)} message(s) PP en attente de validation")
        return out

    def confirm_quit(self) -> bool:
        if not self.ask_before_quit or self.ctx.room.store.readonly:
            return True
        pending = self.unfinished_work()
        if not pending:
            return True
        suffix = {"demo": " — DÉMO", "exercise": " — EXERCICE"}.get(self.ctx.room.mode, "")
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(f"Quitter la console{suffix}")
        box.setText("Quitter la console maintenant ?")
        box.setInformativeText(
            "En cours : "
            + " ; ".join(pending)
            + ".\nLa fin de session est inscrite à la main courante ; le travail reste dans "
            "la salle pour les autres postes."
        )
        quit_button = box.addButton("Quitter", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Rester", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(QMessageBox.StandardButton.NoButton)
        self.quit_box = box
        box.exec()
        self.quit_box = None
        return box.clickedButton() is quit_button

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:  # closed already: docks are torn down once
            super().closeEvent(event)
            return
        if not self.confirm_quit():
            event.ignore()
            return
        if self.ctx.room.in_session:
            try:
                self.ctx.room.logout()
            except Exception:  # the base is gone: the launcher logs it, quitting goes on
                log.exception("fin de session non inscrite")
        self.save_layout()
        self._tick.stop()
        for dock in self.docks.values():
            dock.teardown()
        self.danger_banner.teardown()
        self._closed = True
        super().closeEvent(event)


def _short_url(url: str) -> str:
    return url if len(url) <= 32 else "…" + url[-31:]
