"""The left side of the dock: the fiches under way grouped by event (with the files that did
not load, so nobody wonders where a fiche went), and the steps of the chosen fiche."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QTreeWidget, QTreeWidgetItem

from scop.models.entities import Event
from scop.models.fold_procedures import ProcedureRun
from scop.models.vocabulary import StepStatus
from scop.procedures.model import BrokenFile
from scop.procedures.runner import RunView
from scop.procedures.texts import hhmm, run_late, run_line, run_tooltip, step_line
from scop.ui.docks.procedures.style import (
    OVERDUE_BG,
    RUN_ROLE,
    STATUS_COLOURS,
    STEP_ROLE,
    highlight,
)

ERROR_RED = "#c62828"


class RunTree(QTreeWidget):
    """One column, two lines per fiche (title; progress and next deadline): readable in the
    narrow column the chef layout gives this dock."""

    run_chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setColumnCount(1)
        self.setHeaderLabels(["Fiches en cours — avancement, prochaine échéance"])
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setUniformRowHeights(False)
        self.setStyleSheet("QTreeWidget::item { min-height: 26px; }")
        self.currentItemChanged.connect(self._on_current)

    def _on_current(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        run_id = current.data(0, RUN_ROLE) if current is not None else None
        if run_id:
            self.run_chosen.emit(str(run_id))

    def run_items(self) -> dict[str, QTreeWidgetItem]:
        out: dict[str, QTreeWidgetItem] = {}
        for i in range(self.topLevelItemCount()):
            head = self.topLevelItem(i)
            for j in range(head.childCount() if head is not None else 0):
                child = head.child(j) if head is not None else None
                run_id = child.data(0, RUN_ROLE) if child is not None else None
                if child is not None and run_id:
                    out[str(run_id)] = child
        return out

    def show_runs(
        self,
        views: Sequence[RunView],
        *,
        orphans: Sequence[ProcedureRun],
        broken: Sequence[BrokenFile],
        events: Mapping[str, Event],
        selected: str | None,
        now: datetime,
        rebuild: bool = True,
    ) -> None:
        """Rebuild the tree when asked or when the set of runs changed; otherwise only
        repaint progress, deadlines and alarms (once a second)."""
        items = self.run_items()
        if rebuild or set(items) != {v.run.run_id for v in views}:
            items = self._build(views, broken, events, selected)
            self._add_orphans(orphans)
        for v in views:
            self._style(items[v.run.run_id], v, now, v.run.run_id == selected)

    def _build(
        self,
        views: Sequence[RunView],
        broken: Sequence[BrokenFile],
        events: Mapping[str, Event],
        selected: str | None,
    ) -> dict[str, QTreeWidgetItem]:
        self.blockSignals(True)
        self.clear()
        by_event: dict[str, list[RunView]] = {}
        for v in views:
            by_event.setdefault(v.run.event_id, []).append(v)
        items: dict[str, QTreeWidgetItem] = {}
        for event_id, vs in by_event.items():
            ev = events.get(event_id)
            head = QTreeWidgetItem([f"{event_id} — {ev.title if ev else ''}"])
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            self.addTopLevelItem(head)
            for v in vs:
                item = QTreeWidgetItem([""])
                item.setData(0, RUN_ROLE, v.run.run_id)
                head.addChild(item)
                items[v.run.run_id] = item
                if v.run.run_id == selected:
                    self.setCurrentItem(item)
            head.setExpanded(True)
        if broken:
            bad = QTreeWidgetItem([f"Fiches en erreur ({len(broken)})"])
            bad.setForeground(0, QBrush(QColor(ERROR_RED)))
            for b in broken:
                child = QTreeWidgetItem([f"{b.name} — {len(b.problems)} erreur(s)"])
                child.setForeground(0, QBrush(QColor(ERROR_RED)))
                child.setToolTip(0, b.path)
                for p in b.problems:
                    line = QTreeWidgetItem([f"ligne {p.line}, col. {p.column} : {p.message}"])
                    line.setToolTip(0, str(p))
                    child.addChild(line)
                bad.addChild(child)
            self.addTopLevelItem(bad)
            bad.setExpanded(True)
        self.blockSignals(False)
        return items

    def _add_orphans(self, orphans: Sequence[ProcedureRun]) -> None:
        """Runs whose fiche no longer loads stay visible: the journal still holds them."""
        if not orphans:
            return
        head = QTreeWidgetItem([f"Fiches non chargées ({len(orphans)})"])
        head.setForeground(0, QBrush(QColor(ERROR_RED)))
        for r in orphans:
            child = QTreeWidgetItem([f"{r.fiche_title} — {r.event_id}"])
            child.setToolTip(
                0,
                f"La fiche « {r.fiche_id} » lancée à {hhmm(r.launched_at)} "
                "n'est plus chargée (fichier absent ou en erreur).",
            )
            head.addChild(child)
        self.insertTopLevelItem(0, head)

    def _style(self, item: QTreeWidgetItem, v: RunView, now: datetime, selected: bool) -> None:
        late = bool(run_late(v))
        if selected:
            highlight(self, late)
        item.setText(0, run_line(v, now))
        font = item.font(0)
        font.setBold(late)
        item.setFont(0, font)
        if late:
            item.setBackground(0, QBrush(QColor(OVERDUE_BG)))
            item.setForeground(0, QBrush(QColor("white")))
        else:
            item.setBackground(0, QBrush())
            item.setForeground(0, QBrush(QColor("#9e9e9e" if v.run.is_closed else "#212121")))
        item.setToolTip(0, run_tooltip(v))


class StepList(QListWidget):
    """The steps of one fiche, coloured by state; the current one of the walk in bold."""

    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet("QListWidget::item { min-height: 30px; font-size: 13px; }")
        self.setWordWrap(True)

    def show_steps(self, v: RunView, selected: str | None) -> None:
        self.blockSignals(True)
        if self.count() != len(v.steps):
            self.clear()
            for _ in v.steps:
                self.addItem(QListWidgetItem())
        for i, sv in enumerate(v.steps):
            item = self.item(i)
            item.setData(STEP_ROLE, sv.step.id)
            item.setText(step_line(i, sv, v.current))
            bg, fg = (OVERDUE_BG, "#ffffff") if sv.overdue else STATUS_COLOURS[sv.status]
            item.setBackground(QBrush(QColor(bg)))
            item.setForeground(QBrush(QColor(fg)))
            font = item.font()
            font.setBold(sv.overdue or sv.step.id == v.current)
            font.setStrikeOut(sv.status == StepStatus.HORS_PARCOURS)
            item.setFont(font)
            if sv.step.id == selected:
                self.setCurrentRow(i)
                highlight(self, sv.overdue)
        self.blockSignals(False)

    def step_at(self, row: int) -> str | None:
        item = self.item(row)
        return str(item.data(STEP_ROLE)) if item is not None else None
