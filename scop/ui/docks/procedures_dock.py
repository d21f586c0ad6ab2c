"""Fiches réflexes: the fiches running per event, and one step at a time with its countdown.

Everything shown is recomputed from the room's state and clock (``run_view``); the one-second
timer only repaints, so a replay seek or an exercise fork shows the procedures as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.models.fold_procedures import CALL_OUTCOMES
from scop.models.nomenclatures import category_label
from scop.procedures.loader import load_library
from scop.procedures.model import Library
from scop.procedures.runner import ProcedureRunner, RunView, StepView, format_remaining
from scop.room import Change, CommandRefused
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock

OVERDUE_BG = "#d50000"  # solid red, white bold text: nobody misses it
STATUS_COLOURS = {
    "fait": ("#e8f5e9", "#1b5e20"),
    "saute": ("#eceff1", "#546e7a"),
    "en_cours": ("#e3f2fd", "#0d47a1"),
    "a_faire": ("#ffffff", "#212121"),
    "hors_parcours": ("#fafafa", "#9e9e9e"),
}
STATUS_ICONS = {"fait": "✔", "saute": "↷", "en_cours": "▶", "a_faire": "○", "hors_parcours": "–"}
RUN_ROLE = Qt.ItemDataRole.UserRole + 10
STEP_ROLE = Qt.ItemDataRole.UserRole + 11
BIG = "min-height: 44px; font-size: 14px; font-weight: bold; padding: 2px 10px;"


def _hhmm(t: datetime) -> str:
    return local(t).strftime("%H:%M")


def _highlight(view: QWidget, overdue: bool) -> None:
    """The selected row keeps the alarm colour: selecting a late step must not hide it."""
    palette = view.palette()
    colour = QColor("#8e0000" if overdue else "#1565c0")
    if palette.color(QPalette.ColorRole.Highlight) != colour:
        palette.setColor(QPalette.ColorRole.Highlight, colour)
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor("white"))
        view.setPalette(palette)


class LaunchDialog(QDialog):
    """Suggested fiches for the event's category first, then all fiches; type to filter."""

    def __init__(
        self,
        library: Library,
        events: list[Any],
        event_id: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.setWindowTitle("Lancer une fiche réflexe")
        self.resize(620, 520)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.event_box = QComboBox()
        for ev in events:
            self.event_box.addItem(f"{ev.id} — {category_label(ev.category)} — {ev.title}", ev.id)
        if event_id is not None:
            self.event_box.setCurrentIndex(max(0, self.event_box.findData(event_id)))
        form.addRow("Événement :", self.event_box)
        self.search = QLineEdit(placeholderText="Rechercher une fiche (titre, catégorie)…")
        self.search.setClearButtonEnabled(True)
        form.addRow("Recherche :", self.search)
        lay.addLayout(form)
        self.list = QListWidget()
        self.list.setStyleSheet("QListWidget::item { min-height: 30px; font-size: 14px; }")
        lay.addWidget(self.list, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Lancer la fiche")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.events = {ev.id: ev for ev in events}
        self.search.textChanged.connect(self.refill)
        self.event_box.currentIndexChanged.connect(self.refill)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        self.search.returnPressed.connect(self.accept)
        self.refill()
        self.search.setFocus()

    def refill(self) -> None:
        ev = self.events.get(str(self.event_box.currentData()))
        needle = self.search.text().strip().lower()
        suggested = self.library.suggested(ev.category) if ev else []
        others = sorted(
            (f for f in self.library.fiches.values() if f not in suggested), key=lambda f: f.title
        )
        self.list.clear()

        def header(text: str) -> None:
            item = QListWidgetItem(text)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            font = QFont()
            font.setBold(True)
            item.setFont(font)
            item.setForeground(QBrush(QColor("#37474f")))
            self.list.addItem(item)

        first = True
        for title, group in (
            (
                f"Suggérées pour {category_label(ev.category)} ({ev.category})"
                if ev
                else "Suggérées",
                suggested,
            ),
            ("Toutes les fiches", others),
        ):
            shown = [
                f
                for f in group
                if not needle
                or needle in f.title.lower()
                or needle in f.id
                or any(needle in c.lower() for c in f.categories)
            ]
            if not shown:
                continue
            header(title)
            for f in shown:
                item = QListWidgetItem(f"   {f.title}   (v{f.version}, {len(f.steps)} étapes)")
                item.setData(Qt.ItemDataRole.UserRole, f.id)
                item.setToolTip(f.summary)
                self.list.addItem(item)
                if first:
                    self.list.setCurrentItem(item)
                    first = False

    def keyPressEvent(self, event: Any) -> None:
        """Up and Down move through the fiches while typing in the search field."""
        step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(event.key())
        if step is None:
            super().keyPressEvent(event)
            return
        row = self.list.currentRow() + step
        while 0 <= row < self.list.count():
            if self.list.item(row).data(Qt.ItemDataRole.UserRole):
                self.list.setCurrentRow(row)
                return
            row += step

    def fiche_ids(self) -> list[str]:
        return [
            str(self.list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.list.count())
            if self.list.item(i).data(Qt.ItemDataRole.UserRole)
        ]

    def chosen(self) -> tuple[str | None, str | None]:
        item = self.list.currentItem()
        fiche = item.data(Qt.ItemDataRole.UserRole) if item else None
        return (str(fiche) if fiche else None, self.event_box.currentData())


class ProceduresDock(ScopDock):
    dock_id = "procedures"
    title = "Fiches réflexes"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        library = ctx.services.get("fiches")
        self.library: Library = (
            library if isinstance(library, Library) else load_library(ctx.config.fiches_dir)
        )
        self.runner = ProcedureRunner(ctx.room, self.library)
        self.run_id: str | None = None
        self.step_id: str | None = None
        self._input_widgets: dict[str, Any] = {}
        self._branch_buttons: list[QPushButton] = []

        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.launch_button = QPushButton("Lancer une fiche…  (Ctrl+Maj+F)")
        self.launch_button.setStyleSheet(BIG)
        top.addWidget(self.launch_button)
        self.summary = QLabel()
        top.addWidget(self.summary, 1)
        outer.addLayout(top)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split, 1)

        self.tree = QTreeWidget()
        # one column, two lines per fiche (title; progress and next deadline): readable in
        # the narrow column the chef layout gives this dock
        self.tree.setColumnCount(1)
        self.tree.setHeaderLabels(["Fiches en cours — avancement, prochaine échéance"])
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setUniformRowHeights(False)
        self.tree.setStyleSheet("QTreeWidget::item { min-height: 26px; }")
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.tree)
        split.addWidget(left)

        panel = QWidget()
        pl = QVBoxLayout(panel)
        pl.setContentsMargins(4, 0, 4, 0)
        self.header = QLabel("Aucune fiche sélectionnée.")
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.header.setMinimumHeight(44)
        pl.addWidget(self.header)
        self.steps = QListWidget()
        self.steps.setStyleSheet("QListWidget::item { min-height: 30px; font-size: 13px; }")
        self.steps.setWordWrap(True)
        left.addWidget(self.steps)
        left.setSizes([260, 440])

        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(6, 0, 0, 0)
        self.step_title = QLabel()
        self.step_title.setWordWrap(True)
        self.step_title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.step_meta = QLabel()
        self.step_meta.setWordWrap(True)
        self.countdown = QLabel()
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown.setMinimumHeight(40)
        self.instructions = QLabel()
        self.instructions.setWordWrap(True)
        self.instructions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.instructions.setStyleSheet("background:#fffde7; padding:6px; font-size:13px;")
        self.contacts = QLabel()
        self.contacts.setWordWrap(True)
        self.contacts.setTextFormat(Qt.TextFormat.RichText)
        self.contacts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.record_label = QLabel()
        self.record_label.setWordWrap(True)
        self.record_label.setStyleSheet("color:#37474f;")
        for w in (
            self.step_title,
            self.step_meta,
            self.countdown,
            self.instructions,
            self.contacts,
            self.record_label,
        ):
            dl.addWidget(w)

        self.form_box = QFrame()
        self.form = QFormLayout(self.form_box)
        dl.addWidget(self.form_box)

        self.call_box = QFrame()
        cl = QGridLayout(self.call_box)
        self.call_contact = QComboBox()
        self.call_outcome = QComboBox()
        for key, label in CALL_OUTCOMES.items():
            self.call_outcome.addItem(label, key)
        for box in (self.call_contact, self.call_outcome):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(16)
        self.call_note = QLineEdit(placeholderText="Note de l'appel (ce qui a été convenu)")
        self.call_button = QPushButton("Consigner l'appel  (Ctrl+L)")
        self.call_button.setStyleSheet(BIG)
        cl.addWidget(QLabel("Appelé :"), 0, 0)
        cl.addWidget(self.call_contact, 0, 1)
        cl.addWidget(QLabel("Issue :"), 1, 0)
        cl.addWidget(self.call_outcome, 1, 1)
        cl.addWidget(self.call_note, 2, 0, 1, 2)
        cl.addWidget(self.call_button, 3, 0, 1, 2)
        dl.addWidget(self.call_box)

        self.mairie_box = QComboBox()
        self.mairie_box.addItem(
            "Adresse de l'événement (VPU) / mairie de l'arrondissement (C.A.RE)", None
        )
        self.mairie_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.mairie_box.setMinimumContentsLength(16)
        for m in self.library.mairies:
            self.mairie_box.addItem(f"{m.name} — {m.address}", m.code)
        self.mairie_row = QWidget()
        mr = QHBoxLayout(self.mairie_row)
        mr.setContentsMargins(0, 0, 0, 0)
        mr.addWidget(QLabel("Lieu :"))
        mr.addWidget(self.mairie_box, 1)
        dl.addWidget(self.mairie_row)

        self.branch_box = QWidget()
        self.branch_layout = QVBoxLayout(self.branch_box)
        self.branch_layout.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.branch_box)

        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("background:#eef3fb; padding:6px; font-family:monospace;")
        dl.addWidget(self.preview)
        dl.addStretch(1)

        actions = QVBoxLayout()
        skip_row = QHBoxLayout()
        self.skip_reason = QLineEdit(
            placeholderText="Motif pour sauter l'étape (Ctrl+S), puis Entrée"
        )
        skip_row.addWidget(self.skip_reason, 1)
        actions.addLayout(skip_row)
        buttons = QGridLayout()
        self.back_button = QPushButton("◀ Précédente\nAlt+←")
        self.start_button = QPushButton("Commencer\nCtrl+D")
        self.done_button = QPushButton("✔ Fait\nCtrl+Entrée")
        self.skip_button = QPushButton("Sauter…\nCtrl+S")
        self.next_button = QPushButton("Suivante ▶\nAlt+→")
        for b, r, c, span in (
            (self.done_button, 0, 0, 2),
            (self.start_button, 0, 2, 1),
            (self.skip_button, 0, 3, 1),
            (self.back_button, 1, 0, 2),
            (self.next_button, 1, 2, 2),
        ):
            b.setStyleSheet(BIG)
            buttons.addWidget(b, r, c, 1, span)
        self.done_button.setStyleSheet(BIG + "background:#2e7d32; color:white;")
        actions.addLayout(buttons)
        self.close_button = QPushButton(
            "Clore la fiche (motif ci-dessus si elle n'est pas terminée)"
        )
        actions.addWidget(self.close_button)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(detail)
        pl.addWidget(scroll, 1)
        pl.addLayout(actions)
        split.addWidget(panel)
        split.setSizes([340, 560])
        self.set_content(root)

        self.launch_button.clicked.connect(self.open_launch_dialog)
        self.tree.currentItemChanged.connect(self._on_tree_current)
        self.steps.currentRowChanged.connect(self._on_step_row)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.start_button.clicked.connect(self.start_step)
        self.done_button.clicked.connect(self.mark_done)
        self.skip_button.clicked.connect(self.skip_step)
        self.skip_reason.returnPressed.connect(self.skip_step)
        self.call_button.clicked.connect(self.log_call)
        self.close_button.clicked.connect(self.close_run)

        self._shortcuts = []
        for keys, slot in (
            ("Ctrl+Return", self.mark_done),
            ("Ctrl+Enter", self.mark_done),
            ("Ctrl+D", self.start_step),
            ("Ctrl+S", self.focus_skip),
            ("Alt+Left", self.go_back),
            ("Alt+Right", self.go_next),
            ("Ctrl+L", self.log_call),
        ):
            sc = QShortcut(QKeySequence(keys), root)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
            self._shortcuts.append(sc)
        for n in range(1, 10):
            sc = QShortcut(QKeySequence(f"Alt+{n}"), root)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda n=n: self.choose_branch(n - 1))
            self._shortcuts.append(sc)
        launch = QShortcut(QKeySequence("Ctrl+Shift+F"), self)
        launch.setContext(Qt.ShortcutContext.ApplicationShortcut)
        launch.activated.connect(self.open_launch_dialog)
        self._shortcuts.append(launch)

        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self.refresh)
        ctx.selection.event_selected.connect(self._on_event_selected)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self.repaint_times)
        self._tick.start(1000)
        self.refresh()

    # -- data ---------------------------------------------------------------------------------

    @property
    def readonly(self) -> bool:
        return bool(self.ctx.room.store.readonly)

    def _now(self) -> datetime:
        return self.ctx.room.clock.now()

    def _views(self) -> list[RunView]:
        out = []
        now = self._now()
        for run in self.runner.runs():
            fiche = self.library.fiches.get(run.fiche_id)
            if fiche is not None:
                from scop.procedures.runner import run_view

                out.append(run_view(fiche, run, now))
        return out

    def current_view(self) -> RunView | None:
        if self.run_id is None:
            return None
        try:
            return self.runner.view(self.run_id)
        except CommandRefused:
            return None

    def _on_change(self, change: Change) -> None:
        if any(e.kind.startswith(("procedure.", "event.", "pp.message")) for e in change.entries):
            self.refresh()

    def refresh(self) -> None:
        """Rebuild everything from the state (new entries, replay seek, exercise fork)."""
        runs = {r.run_id for r in self.runner.runs()}
        if self.run_id not in runs:
            self.run_id = None
            self.step_id = None
        self._fill_tree()
        self._show_run()

    def repaint_times(self) -> None:
        """Once a second: countdowns and overdue colours move with the clock, nothing else."""
        self._fill_tree(rebuild=False)
        v = self.current_view()
        if v is not None:
            self._paint_steps(v)
            self._paint_countdown(v)

    # -- the tree of runs --------------------------------------------------------------------

    def _run_items(self) -> dict[str, QTreeWidgetItem]:
        out: dict[str, QTreeWidgetItem] = {}
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            for j in range(head.childCount() if head is not None else 0):
                child = head.child(j) if head is not None else None
                run_id = child.data(0, RUN_ROLE) if child is not None else None
                if child is not None and run_id:
                    out[str(run_id)] = child
        return out

    def _fill_tree(self, rebuild: bool = True) -> None:
        now = self._now()
        views = self._views()
        items = self._run_items()
        if rebuild or set(items) != {v.run.run_id for v in views}:
            items = self._build_tree(views)
            self._add_orphans({v.run.run_id for v in views})
        for v in views:
            self._style_run_item(items[v.run.run_id], v, now)
        running = sum(1 for v in views if not v.run.is_closed)
        overdue_total = sum(len(v.overdue) for v in views if not v.run.is_closed)
        text = f"{running} fiche(s) en cours"
        if overdue_total:
            text += (
                f" — <span style='color:{OVERDUE_BG}'><b>{overdue_total} étape(s) en retard"
                "</b></span>"
            )
        if self.library.broken:
            text += f" — {len(self.library.broken)} fichier(s) en erreur"
        self.summary.setText(text)

    def _add_orphans(self, shown: set[str]) -> None:
        """Runs whose fiche no longer loads stay visible: the journal still holds them."""
        orphans = [r for r in self.runner.runs() if r.run_id not in shown]
        if not orphans:
            return
        head = QTreeWidgetItem([f"Fiches non chargées ({len(orphans)})"])
        head.setForeground(0, QBrush(QColor("#c62828")))
        for r in orphans:
            child = QTreeWidgetItem([f"{r.fiche_title} — {r.event_id}"])
            child.setToolTip(
                0,
                f"La fiche « {r.fiche_id} » lancée à {_hhmm(r.launched_at)} "
                "n'est plus chargée (fichier absent ou en erreur).",
            )
            head.addChild(child)
        self.tree.insertTopLevelItem(0, head)

    def _build_tree(self, views: list[RunView]) -> dict[str, QTreeWidgetItem]:
        self.tree.blockSignals(True)
        self.tree.clear()
        by_event: dict[str, list[RunView]] = {}
        for v in views:
            by_event.setdefault(v.run.event_id, []).append(v)
        items: dict[str, QTreeWidgetItem] = {}
        for event_id, vs in by_event.items():
            ev = self.ctx.room.state.events.get(event_id)
            head = QTreeWidgetItem([f"{event_id} — {ev.title if ev else ''}"])
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            self.tree.addTopLevelItem(head)
            for v in vs:
                item = QTreeWidgetItem([""])
                item.setData(0, RUN_ROLE, v.run.run_id)
                head.addChild(item)
                items[v.run.run_id] = item
                if v.run.run_id == self.run_id:
                    self.tree.setCurrentItem(item)
            head.setExpanded(True)
        if self.library.broken:
            bad = QTreeWidgetItem([f"Fiches en erreur ({len(self.library.broken)})"])
            bad.setForeground(0, QBrush(QColor("#c62828")))
            for b in self.library.broken:
                child = QTreeWidgetItem([b.name])
                child.setText(0, f"{b.name} — {len(b.problems)} erreur(s)")
                child.setForeground(0, QBrush(QColor("#c62828")))
                child.setToolTip(0, b.path)
                for p in b.problems:
                    line = QTreeWidgetItem([f"ligne {p.line}, col. {p.column} : {p.message}"])
                    line.setToolTip(0, str(p))
                    child.addChild(line)
                bad.addChild(child)
            self.tree.addTopLevelItem(bad)
            bad.setExpanded(True)
        self.tree.blockSignals(False)
        return items

    def _style_run_item(self, item: QTreeWidgetItem, v: RunView, now: datetime) -> None:
        late = [] if v.run.is_closed else v.overdue
        if v.run.run_id == self.run_id:
            _highlight(self.tree, bool(late))
        nd = v.next_deadline
        if v.run.is_closed:
            when = f"close à {_hhmm(v.run.closed_at)}" if v.run.closed_at else "close"
        elif nd is None:
            when = "terminée" if v.finished else "—"
        elif nd <= now:
            when = f"{_hhmm(nd)} (retard {format_remaining(now - nd)})"
        else:
            when = f"{_hhmm(nd)} (dans {format_remaining(nd - now)})"
        title = f"⚠ {v.fiche.title} — {len(late)} EN RETARD" if late else v.fiche.title
        for c, text in enumerate((f"{title}\n   {v.done_count}/{v.total} étapes — {when}",)):
            item.setText(c, text)
            font = item.font(c)
            font.setBold(bool(late))
            item.setFont(c, font)
            if late:
                item.setBackground(c, QBrush(QColor(OVERDUE_BG)))
                item.setForeground(c, QBrush(QColor("white")))
            else:
                item.setBackground(c, QBrush())
                item.setForeground(c, QBrush(QColor("#9e9e9e" if v.run.is_closed else "#212121")))
        item.setToolTip(
            0, f"{v.fiche.title} — lancée à {_hhmm(v.run.launched_at)} par {v.run.launched_by}"
        )

    def _on_tree_current(self, current: QTreeWidgetItem | None, _prev: Any) -> None:
        if current is None:
            return
        run_id = current.data(0, RUN_ROLE)
        if run_id:
            self.select_run(str(run_id))

    def select_run(self, run_id: str, step_id: str | None = None) -> None:
        self.run_id = run_id
        v = self.current_view()
        self.step_id = step_id or (v.current if v else None) or (v.steps[0].step.id if v else None)
        self._show_run()

    # -- the step panel ----------------------------------------------------------------------

    def _show_run(self) -> None:
        v = self.current_view()
        enabled = v is not None
        for w in (self.steps, self.back_button, self.next_button):
            w.setEnabled(enabled)
        if v is None:
            self.header.setText(
                "Aucune fiche sélectionnée : lancez une fiche sur un événement "
                "(Ctrl+Maj+F) ou choisissez-en une à gauche."
            )
            self.steps.clear()
            self._show_step(None, None)
            return
        ev = self.ctx.room.state.events.get(v.run.event_id)
        self.header.setToolTip(f"{v.run.event_id} — {ev.title if ev else ''}")
        self.header.setText(
            f"{v.fiche.title} — {v.run.event_id} — lancée à "
            f"{_hhmm(v.run.launched_at)} par {v.run.launched_by} — {v.done_count}/{v.total}"
            + (" — CLOSE" if v.run.is_closed else " — TERMINÉE" if v.finished else "")
        )
        if self.step_id is None or v.fiche.step(self.step_id) is None:
            self.step_id = v.current or v.steps[0].step.id
        self._paint_steps(v)
        self._show_step(v, v.step(self.step_id))

    def _paint_steps(self, v: RunView) -> None:
        self.steps.blockSignals(True)
        if self.steps.count() != len(v.steps):
            self.steps.clear()
            for _ in v.steps:
                self.steps.addItem(QListWidgetItem())
        for i, sv in enumerate(v.steps):
            item = self.steps.item(i)
            item.setData(STEP_ROLE, sv.step.id)
            label = f"{STATUS_ICONS[sv.status]} {i + 1}. {sv.step.title}"
            if sv.overdue:
                label = f"⚠ {i + 1}. {sv.step.title} — EN RETARD"
            elif sv.step.id == v.current:
                label += "   ◀ en cours de fiche"
            item.setText(label)
            bg, fg = (OVERDUE_BG, "#ffffff") if sv.overdue else STATUS_COLOURS[sv.status]
            item.setBackground(QBrush(QColor(bg)))
            item.setForeground(QBrush(QColor(fg)))
            font = item.font()
            font.setBold(sv.overdue or sv.step.id == v.current)
            font.setStrikeOut(sv.status == "hors_parcours")
            item.setFont(font)
            if sv.step.id == self.step_id:
                self.steps.setCurrentRow(i)
                _highlight(self.steps, sv.overdue)
        self.steps.blockSignals(False)

    def _paint_countdown(self, v: RunView) -> None:
        if self.step_id is None:
            return
        sv = v.step(self.step_id)
        now = self._now()
        style = "font-size: 20px; font-weight: bold; padding: 4px;"
        if sv.overdue and sv.deadline is not None:
            self.countdown.setText(
                f"⚠ EN RETARD de {format_remaining(now - sv.deadline)} "
                f"(échéance {_hhmm(sv.deadline)})"
            )
            self.countdown.setStyleSheet(style + f"background:{OVERDUE_BG}; color:white;")
        elif sv.is_open and sv.deadline is not None:
            self.countdown.setText(
                f"Échéance {_hhmm(sv.deadline)} — reste {format_remaining(sv.deadline - now)}"
            )
            self.countdown.setStyleSheet(style + "background:#fff3e0; color:#e65100;")
        elif sv.is_open and sv.timer_end is not None:
            left = sv.timer_end - now
            text = (
                "Minuteur écoulé"
                if left.total_seconds() <= 0
                else f"Minuteur : reste {format_remaining(left)}"
            )
            self.countdown.setText(text)
            self.countdown.setStyleSheet(style + "background:#e3f2fd; color:#0d47a1;")
        elif sv.is_open and sv.step.deadline is not None:
            self.countdown.setText(f"Échéance : {sv.step.deadline.describe()}")
            self.countdown.setStyleSheet(style + "color:#546e7a; font-size: 14px;")
        else:
            self.countdown.setText("")
            self.countdown.setStyleSheet("")
        self.countdown.setVisible(bool(self.countdown.text()))

    def _show_step(self, v: RunView | None, sv: StepView | None) -> None:
        self._input_widgets = {}
        while self.form.rowCount():
            self.form.removeRow(0)
        for old in self._branch_buttons:
            old.deleteLater()
        self._branch_buttons = []
        if v is None or sv is None:
            for label in (
                self.step_title,
                self.step_meta,
                self.instructions,
                self.contacts,
                self.record_label,
                self.preview,
                self.countdown,
            ):
                label.setText("")
            for box in (
                self.call_box,
                self.mairie_row,
                self.form_box,
                self.preview,
                self.instructions,
                self.contacts,
            ):
                box.setVisible(False)
            for b in (
                self.start_button,
                self.done_button,
                self.skip_button,
                self.skip_reason,
                self.close_button,
            ):
                b.setEnabled(False)
            return
        step = sv.step
        idx = v.fiche.index(step.id) + 1
        self.step_title.setText(f"{idx}. {step.title}")
        self.step_meta.setText(
            f"{step.kind_label} — rôle : {step.role_label} — état : <b>{sv.status_label}</b>"
        )
        self.instructions.setText(step.instructions)
        self.instructions.setVisible(bool(step.instructions))
        self._paint_countdown(v)

        lines = []
        self.call_contact.clear()
        for cid, oc in self.runner.contacts_now(step, v.run.event_id):
            if oc is None:
                lines.append(f"<b>{cid}</b> : aucune astreinte connue")
                continue
            lines.append(
                f"<b>{oc.contact.name}</b><br>&nbsp;&nbsp;d'astreinte maintenant : "
                f"{oc.person.name} — <b>{oc.person.phone}</b> <i>({oc.label})</i>"
                f" — standard {oc.contact.switchboard}"
            )
            self.call_contact.addItem(
                f"{oc.contact.name} — {oc.person.name} {oc.person.phone}", cid
            )
        if lines and self.library.warning:
            lines.append(f"<span style='color:#757575'>{self.library.warning}</span>")
        self.contacts.setText("<br>".join(lines))
        self.contacts.setVisible(bool(lines))

        rec = sv.record
        facts = []
        if rec is not None:
            if rec.started_at:
                facts.append(f"commencée à {_hhmm(rec.started_at)} par {rec.started_by}")
            if rec.ended_at:
                verb = "faite" if rec.status == "fait" else "sautée"
                facts.append(f"{verb} à {_hhmm(rec.ended_at)} par {rec.ended_by}")
            if rec.reason:
                facts.append(f"motif : {rec.reason}")
            if rec.inputs:
                facts.append(
                    "saisi : " + ", ".join(f"{k} = {val}" for k, val in rec.inputs.items())
                )
            for c in rec.calls:
                facts.append(
                    f"appel {_hhmm(c.ts)} {c.contact_name} ({c.person}) : "
                    f"{c.outcome_label}{' — ' + c.note if c.note else ''}"
                )
        self.record_label.setText("<br>".join(facts))

        open_ = sv.is_open and not v.run.is_closed and not self.readonly
        for spec in step.inputs:
            w: Any
            if spec.kind == "oui_non":
                w = QComboBox()
                w.addItems(["", "oui", "non"])
            elif spec.kind == "choix":
                w = QComboBox()
                w.addItems(["", *spec.choices])
            else:
                w = QLineEdit()
                if spec.kind == "entier":
                    w.setPlaceholderText("nombre")
            w.setMinimumHeight(30)
            w.setEnabled(open_)
            self._input_widgets[spec.id] = w
            self.form.addRow(spec.label + (" *" if spec.required else "") + " :", w)
        self.form_box.setVisible(bool(step.inputs))

        self.call_box.setVisible(step.kind == "appel")
        self.call_button.setEnabled(
            not v.run.is_closed and not self.readonly and sv.status != "hors_parcours"
        )
        self.mairie_row.setVisible(step.kind == "carte")
        if step.kind == "carte":
            m = self.runner.default_mairie(v.run.event_id)
            if step.means == "VPU":
                self.mairie_box.setCurrentIndex(0)  # the event's address
            elif m is not None:
                self.mairie_box.setCurrentIndex(max(0, self.mairie_box.findData(m.code)))
            self.mairie_box.setEnabled(open_)
        for i, branch in enumerate(step.branches):
            btn = QPushButton(f"Alt+{i + 1} — {branch.label}")
            btn.setStyleSheet(BIG + "text-align:left;")
            btn.setEnabled(open_)
            btn.clicked.connect(lambda _=False, i=i: self.choose_branch(i))
            self.branch_layout.addWidget(btn)
            self._branch_buttons.append(btn)
        if step.kind == "message" and step.template in self.library.templates:
            fields = self.runner.message_fields(v.run, step, {})
            subject, body = self.runner.render(step.template, fields)
            done_note = ""
            if sv.status == "fait":
                done_note = (
                    "<br><i>Brouillon déposé en main courante : le chef de salle le "
                    "valide et l'envoie (panneau Messages).</i>"
                )
                for state in self._draft_states(v.run.run_id, step.id):
                    done_note += f"<br><b>État du message : {state}</b>"
                subject, body = "Message préparé", ""
            self.preview.setText(f"<b>{subject}</b><br>{body.replace(chr(10), '<br>')}" + done_note)
            self.preview.setVisible(True)
        else:
            self.preview.setVisible(False)
        self.start_button.setEnabled(open_ and sv.status == "a_faire")
        self.done_button.setEnabled(open_ and step.kind != "decision")
        self.done_button.setText(
            {
                "message": "✔ Préparer le message\nCtrl+Entrée",
                "carte": "✔ Placer sur la carte\nCtrl+Entrée",
            }.get(step.kind, "✔ Fait\nCtrl+Entrée")
        )
        self.skip_button.setEnabled(open_)
        self.skip_reason.setEnabled(open_)
        self.close_button.setEnabled(not v.run.is_closed and not self.readonly)
        self.launch_button.setEnabled(not self.readonly)

    def _draft_states(self, run_id: str, step_id: str) -> list[str]:
        """The PP link's view of the drafts of this step, when the room folds messages."""
        messages = getattr(self.ctx.room.state, "messages", None)
        if not isinstance(messages, dict):
            return []
        out = []
        for m in messages.values():
            origin = getattr(m, "origin", None)
            if (
                isinstance(origin, dict | Mapping)
                and origin.get("run_id") == run_id
                and origin.get("step_id") == step_id
            ):
                label = getattr(m, "state_label", None) or getattr(m, "state", "?")
                out.append(f"{label} ({getattr(m, 'key', '')})")
        return out

    def _on_event_selected(self, event_id: str) -> None:
        """The map or the events list picked an event: show its most recent fiche."""
        runs = [r for r in self.runner.runs(event_id) if not r.is_closed]
        if runs and (self.run_id is None or self.runner.view(self.run_id).run.event_id != event_id):
            self.select_run(runs[-1].run_id)
            self._fill_tree()

    def _on_step_row(self, row: int) -> None:
        item = self.steps.item(row)
        if item is None:
            return
        self.step_id = str(item.data(STEP_ROLE))
        v = self.current_view()
        if v is not None:
            self._paint_steps(v)
            self._show_step(v, v.step(self.step_id))

    # -- actions -----------------------------------------------------------------------------

    def _act(self, fn: Any, *args: Any, **kw: Any) -> bool:
        try:
            fn(*args, **kw)
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return False
        return True

    def _advance(self) -> None:
        """After a transition, follow the fiche: show its next step."""
        v = self.current_view()
        if v is not None and v.current is not None:
            self.step_id = v.current
        self._show_run()

    def open_launch_dialog(self) -> None:
        if self.readonly:
            return
        events = [e for e in self.ctx.room.state.events.values() if e.status != "clos"]
        if not events:
            self.ctx.notices.warning("Aucun événement ouvert sur lequel lancer une fiche.")
            return
        dialog = LaunchDialog(self.library, events, self.ctx.selection.event_id, self)
        self._dialog: LaunchDialog | None = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted:
            fiche_id, event_id = dialog.chosen()
            if fiche_id and event_id:
                self.launch(fiche_id, str(event_id))
        self._dialog = None

    def launch(self, fiche_id: str, event_id: str) -> str | None:
        try:
            run_id = self.runner.launch(fiche_id, event_id)
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return None
        self.select_run(run_id)
        self.refresh()
        self.show()
        self.raise_()
        self.steps.setFocus()
        return run_id

    def _inputs(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, w in self._input_widgets.items():
            out[key] = w.currentText() if isinstance(w, QComboBox) else w.text()
        return out

    def start_step(self) -> None:
        if self.run_id and self.step_id and self.start_button.isEnabled():
            self._act(self.runner.start, self.run_id, self.step_id)
            self._show_run()

    def mark_done(self) -> None:
        if not (self.run_id and self.step_id and self.done_button.isEnabled()):
            return
        mairie = None
        if self.mairie_row.isVisible():
            mairie = self.mairie_box.currentData()
        if self._act(
            self.runner.complete, self.run_id, self.step_id, self._inputs(), mairie=mairie
        ):
            self._advance()

    def focus_skip(self) -> None:
        if self.skip_reason.isEnabled():
            self.skip_reason.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def skip_step(self) -> None:
        if not (self.run_id and self.step_id and self.skip_button.isEnabled()):
            return
        if not self.skip_reason.text().strip():
            self.ctx.notices.warning("Indiquez le motif pour sauter l'étape, puis Entrée.")
            self.focus_skip()
            return
        if self._act(self.runner.skip, self.run_id, self.step_id, self.skip_reason.text()):
            self.skip_reason.clear()
            self._advance()

    def choose_branch(self, index: int) -> None:
        if (
            not (self.run_id and self.step_id)
            or index >= len(self._branch_buttons)
            or not self._branch_buttons[index].isEnabled()
        ):
            return
        if self._act(self.runner.choose, self.run_id, self.step_id, index):
            self._advance()

    def log_call(self) -> None:
        if not (
            self.run_id
            and self.step_id
            and self.call_box.isVisible()
            and self.call_button.isEnabled()
        ):
            return
        contact = self.call_contact.currentData()
        outcome = self.call_outcome.currentData()
        if contact is None:
            return
        v = self.current_view()
        sv = v.step(self.step_id) if v else None
        done = outcome == "joint" and sv is not None and sv.is_open and not sv.step.inputs
        if self._act(
            self.runner.log_call,
            self.run_id,
            self.step_id,
            str(contact),
            str(outcome),
            self.call_note.text(),
            done=done,
        ):
            self.call_note.clear()
            if done:
                self._advance()
            else:
                self._show_run()

    def close_run(self) -> None:
        if self.run_id and self._act(self.runner.close, self.run_id, self.skip_reason.text() or ""):
            self.skip_reason.clear()
            self.refresh()

    def go_back(self) -> None:
        row = self.steps.currentRow()
        if row > 0:
            self.steps.setCurrentRow(row - 1)

    def go_next(self) -> None:
        row = self.steps.currentRow()
        if 0 <= row < self.steps.count() - 1:
            self.steps.setCurrentRow(row + 1)

    def teardown(self) -> None:
        self._tick.stop()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self.refresh)
        self.ctx.selection.event_selected.disconnect(self._on_event_selected)
