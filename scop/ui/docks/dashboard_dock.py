"""Tableau de bord: the shift's activity as charts, live or at the replay's instant.

The figures are computed by :mod:`scop.reports.dashboard` from the journal up to the room's
clock (in replay, the timeline's instant), at most once a second and at once after a seek:
only the entries appended since the last refresh are folded (after a seek back, those of
the instant's hour, the aggregates rewound to its start), and only the tab in view is
redrawn, its items given new data rather than rebuilt (bench/dashboard.py).
Hovering a bar shows its value; clicking a bar selects the events behind it in the
Événements dock. Every chart exports PNG and CSV.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QDateTime, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.errors import cannot_write
from scop.models.entities import GRAVITIES
from scop.models.entries import Entry
from scop.models.vocabulary import CREW_STATUSES
from scop.reports.dashboard import Aggregates, Dashboard, hourly_csv_rows
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock

WINDOWS = (("Cette vacation (12 h)", 12), ("Dernières 24 h", 24), ("Période choisie", 0))
PALETTE = (
    "#1f3a60", "#c62828", "#ef6c00", "#2e7d32", "#6a1b9a", "#00838f", "#8d6e63", "#f9a825",
    "#546e7a", "#ad1457",
)  # fmt: skip


def _label_hours(plot: pg.PlotWidget, ticks: list[str]) -> None:
    """About a dozen labels under a day's bins, whatever the window."""
    step = max(1, len(ticks) // 12)
    plot.getAxis("bottom").setTicks([[(i, t) for i, t in enumerate(ticks) if i % step == 0]])


class BarChart(QWidget):
    """Stacked hourly bars: one series per category (or source); each segment knows the
    events behind it (hover: value, click: selection)."""

    def __init__(self, on_click: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.getPlotItem().hideButtons()
        self.plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 210))
        self.hover = QLabel(" ")
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.hover)
        self.series: dict[str, tuple[int, ...]] = {}
        self.bars: dict[str, tuple[pg.BarGraphItem, tuple[int, ...], tuple[int, ...]]] = {}
        self.ticks: list[str] = []
        self._top = 0.0
        self._on_click = on_click
        self.plot.scene().sigMouseMoved.connect(self._moved)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    def show_series(self, series: dict[str, tuple[int, ...]], ticks: list[str]) -> None:
        """Redraw only what changed: each series keeps its bar item, whose data is replaced
        (clearing and re-adding items and legend each second cost more than the figures)."""
        if list(series) != list(self.bars):
            self.plot.clear()
            legend = self.plot.getPlotItem().legend
            if legend is not None:
                legend.clear()
            self.bars = {}
            for i, name in enumerate(series):
                item = pg.BarGraphItem(
                    x=[], y0=[], height=[], width=0.8,
                    brush=pg.mkBrush(PALETTE[i % len(PALETTE)]), pen=pg.mkPen(None), name=name,
                )  # fmt: skip
                self.plot.addItem(item)
                self.bars[name] = (item, (), ())
        self.series = series
        base: tuple[int, ...] = (0,) * len(ticks)
        for name, values in series.items():
            item, y0, height = self.bars[name]
            if (y0, height) != (base, values):
                item.setOpts(x=list(range(len(values))), y0=list(base), height=list(values))
                self.bars[name] = (item, base, values)
            base = tuple(b + v for b, v in zip(base, values, strict=True))
        if ticks != self.ticks:
            self.ticks = ticks
            _label_hours(self.plot, ticks)
            self.plot.setXRange(-0.6, max(len(ticks), 1) - 0.4)
        top = max([*base, 1]) * 1.1
        if top != self._top:
            self._top = top
            self.plot.setYRange(0, top)

    def at(self, scene_pos: Any) -> tuple[int, str, int] | None:
        """The bin, series and value under a point of the scene."""
        vb = self.plot.getPlotItem().vb
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        i = round(p.x())
        if not 0 <= i < len(self.ticks) or abs(p.x() - i) > 0.4 or p.y() < 0:
            return None
        base = 0
        for name, values in self.series.items():
            if base <= p.y() < base + values[i]:
                return i, name, values[i]
            base += values[i]
        return None

    def _moved(self, pos: Any) -> None:
        hit = self.at(pos)
        self.hover.setText(f"{self.ticks[hit[0]]} — {hit[1]} : {hit[2]}" if hit else " ")

    def _clicked(self, ev: Any) -> None:
        hit = self.at(ev.scenePos())
        if hit is not None:
            self._on_click(hit[1], hit[0])


def _table(headers: tuple[str, ...]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return t


def _fill(t: QTableWidget, rows: list[list[str]]) -> None:
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            t.setItem(r, c, QTableWidgetItem(text))


def _text(t: QTableWidget, r: int, c: int) -> str:
    item = t.item(r, c)
    return item.text() if item is not None else ""


def _header(t: QTableWidget, c: int) -> str:
    item = t.horizontalHeaderItem(c)
    return item.text() if item is not None else ""


def _mmss(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    return f"{s // 60} min {s % 60:02d} s"


class DashboardDock(ScopDock):
    dock_id = "dashboard"
    title = "Tableau de bord"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.dashboard: Dashboard | None = None
        self.entries: list[Entry] = []
        self.aggregates = Aggregates()
        self.crew_lines: dict[str, tuple[pg.PlotDataItem, tuple[int, ...]]] = {}
        self._crew_ticks: list[str] = []
        self._rows: dict[int, list[list[str]]] = {}
        self._drawn: set[int] = set()  # the tabs showing self.dashboard (by id)
        self.events_dock: Any = None
        self._dirty = True

        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.window_box = QComboBox()
        for label, hours in WINDOWS:
            self.window_box.addItem(label, hours)
        self.from_edit = QDateTimeEdit()
        self.to_edit = QDateTimeEdit()
        for e in (self.from_edit, self.to_edit):
            e.setDisplayFormat("dd/MM/yyyy HH:mm")
            e.setCalendarPopup(True)
            e.setEnabled(False)
            e.setDateTime(QDateTime.fromSecsSinceEpoch(int(ctx.room.clock.now().timestamp())))
        self.png_button = QPushButton("Exporter PNG…")
        self.csv_button = QPushButton("Exporter CSV…")
        # Two short rows rather than one long one: the dock shares a 1366 px screen with the map.
        bar.addWidget(QLabel("Période :"))
        bar.addWidget(self.window_box)
        bar.addStretch(1)
        bar.addWidget(self.png_button)
        bar.addWidget(self.csv_button)
        lay.addLayout(bar)
        span = QHBoxLayout()
        span.addWidget(QLabel("Du"))
        span.addWidget(self.from_edit)
        span.addWidget(QLabel("au"))
        span.addWidget(self.to_edit)
        span.addStretch(1)
        lay.addLayout(span)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)

        self.tabs = QTabWidget()
        self.by_category = BarChart(self.select_bin)
        self.by_source = BarChart(self.select_bin)
        self.gravity = BarChart(lambda _s, i: self.select_gravity(sorted(GRAVITIES)[i]))
        self.crews = pg.PlotWidget(background="w")
        self.crews.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 210))
        self.crews.setMenuEnabled(False)
        self.delays = _table(
            ("Catégorie", "Événements", "Engagement médian", "Engagement p90", "Sur place médian",
             "Sur place p90")
        )  # fmt: skip
        self.overdue = _table(("Fiche", "Étape en retard", "Événement"))
        self.acks = _table(("Message", "Envoyé à", "Délai d'accusé PP"))
        for page, label in (
            (self.by_category, "Par catégorie"),
            (self.by_source, "Par source"),
            (self.gravity, "Ouverts par gravité"),
            (self.crews, "Équipages par statut"),
            (self.delays, "Délais"),
            (self.overdue, "Étapes en retard"),
            (self.acks, "Accusés PP"),
        ):
            self.tabs.addTab(page, label)
        lay.addWidget(self.tabs, 1)
        self.set_content(w)

        self.window_box.currentIndexChanged.connect(self._window_changed)
        self.from_edit.dateTimeChanged.connect(self.mark_dirty)
        self.to_edit.dateTimeChanged.connect(self.mark_dirty)
        self.tabs.currentChanged.connect(lambda _i: self._show_tab())
        self.png_button.clicked.connect(lambda: self.ask_export("png"))
        self.csv_button.clicked.connect(lambda: self.ask_export("csv"))
        ctx.bridge.changed.connect(self.mark_dirty)
        ctx.bridge.reset.connect(self._reset)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)  # live: the window's end moves with the clock
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.refresh()

    def wire(self, docks: dict[str, ScopDock]) -> None:
        self.events_dock = docks.get("events")

    def teardown(self) -> None:
        self.timer.stop()
        for signal, slot in (
            (self.ctx.bridge.changed, self.mark_dirty),
            (self.ctx.bridge.reset, self._reset),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)

    # -- window and refresh ----------------------------------------------------------------

    def mark_dirty(self, *_args: Any) -> None:
        self._dirty = True

    def _reset(self) -> None:
        """A seek moves the instant (the aggregates are rewound if it went back, in refresh);
        a fork replaces the journal, and everything is read again."""
        if self.entries:
            last = self.entries[-1]
            again = self.ctx.room.store.read(last.position - 1, limit=1)
            if not again or again[0].hash != last.hash:
                self.entries = []
                self.aggregates = Aggregates()
        self.refresh()

    def _window_changed(self) -> None:
        chosen = self.window_box.currentData() == 0
        now = self.ctx.room.clock.now()
        if chosen:
            self.to_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(now.timestamp())))
            self.from_edit.setDateTime(
                QDateTime.fromSecsSinceEpoch(int((now - timedelta(hours=24)).timestamp()))
            )
        self.from_edit.setEnabled(chosen)
        self.to_edit.setEnabled(chosen)
        self.refresh()

    def _tick(self) -> None:
        if self._dirty or not self.ctx.room.store.readonly:
            self.refresh()

    def period(self) -> tuple[datetime, datetime]:
        now = self.ctx.room.clock.now()
        hours = self.window_box.currentData()
        if hours:
            return now - timedelta(hours=hours), now
        a = datetime.fromtimestamp(self.from_edit.dateTime().toSecsSinceEpoch(), UTC)
        b = datetime.fromtimestamp(self.to_edit.dateTime().toSecsSinceEpoch(), UTC)
        return a, min(b, now)

    def refresh(self) -> None:
        self._dirty = False
        room = self.ctx.room
        after = self.entries[-1].position if self.entries else 0
        self.entries.extend(room.store.read(after))
        start, end = self.period()
        if end <= start:
            self.summary.setText("Période vide ou inversée : choisir un début avant la fin.")
            return
        overdue: list[tuple[str, str, str]] = []
        runner = self.ctx.procedures
        if runner is not None:
            for run in runner.runs():
                if run.is_closed:
                    continue
                try:
                    v = runner.view(run.run_id)
                except Exception:  # a fiche missing from the library: nothing to time
                    continue
                overdue += [(v.fiche.title, s.step.title, run.event_id) for s in v.overdue]
        if self.aggregates.behind(end):  # back in time: a seek back, an earlier period
            self.aggregates.rewind(self.entries, end)
        self.aggregates.fold(self.entries, end)  # only what came since the last second
        d = self.aggregates.dashboard(room.state, start, end, overdue)
        self.dashboard = d
        self._show(d)

    def _show(self, d: Dashboard) -> None:
        """The summary, and the tab in view; the others are drawn when they are shown."""
        self._drawn.clear()
        self._show_tab()
        period = f"du {local(d.start):%d/%m %H:%M} au {local(d.end):%d/%m %H:%M}"
        if d.empty:
            self.summary.setText(f"{period} : aucune activité sur la période (tout est à zéro).")
        else:
            open_n = sum(len(v) for v in d.open_by_gravity.values())
            self.summary.setText(
                f"{period} : {d.created} événement(s) créé(s), {open_n} ouvert(s), "
                f"{len(d.overdue)} étape(s) de fiche en retard."
            )

    def _show_tab(self) -> None:
        d, tab = self.dashboard, self.tabs.currentWidget()
        if d is None or id(tab) in self._drawn:
            return
        self._drawn.add(id(tab))
        ticks = [f"{local(h):%H:%M}" for h in d.hours]
        if tab is self.by_category:
            self.by_category.show_series(dict(d.by_category), ticks)
        elif tab is self.by_source:
            self.by_source.show_series(dict(d.by_source), ticks)
        elif tab is self.gravity:
            gravities = sorted(GRAVITIES)
            self.gravity.show_series(
                {"Ouverts": tuple(len(d.open_by_gravity.get(g, ())) for g in gravities)},
                [GRAVITIES[g] for g in gravities],
            )
        elif tab is self.crews:
            self._show_crews(d.crews_by_status, ticks)
        elif tab is self.delays:
            self._fill(
                self.delays,
                [
                    [r.category, str(r.events), _mmss(r.engage_median), _mmss(r.engage_p90),
                     _mmss(r.scene_median), _mmss(r.scene_p90)]
                    for r in d.delays
                ],
            )  # fmt: skip
        elif tab is self.overdue:
            self._fill(self.overdue, [list(o) for o in d.overdue])
        elif tab is self.acks:
            self._fill(
                self.acks,
                [
                    [a.distribution_id, f"{local(a.sent):%d/%m %H:%M:%S}",
                     _mmss(a.delay) if a.delay is not None else "non accusé"]
                    for a in d.acks
                ],
            )  # fmt: skip

    def _show_crews(self, series: Mapping[str, tuple[int, ...]], ticks: list[str]) -> None:
        """One line per status, kept and given new data (not cleared and re-added); the
        axis says the hour, as the bars' does."""
        if ticks != self._crew_ticks:
            self._crew_ticks = ticks
            _label_hours(self.crews, ticks)
        if list(series) != list(self.crew_lines):
            self.crews.clear()
            legend = self.crews.getPlotItem().legend
            if legend is not None:
                legend.clear()
            self.crew_lines = {
                status: (self.crews.plot([], [], pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=2),
                                         name=CREW_STATUSES.get(status, status)), ())
                for i, status in enumerate(series)
            }  # fmt: skip
        for status, values in series.items():
            line, shown = self.crew_lines[status]
            if values != shown:
                line.setData(list(range(len(values))), list(values))
                self.crew_lines[status] = (line, values)

    def _fill(self, t: QTableWidget, rows: list[list[str]]) -> None:
        if self._rows.get(id(t)) != rows:  # unchanged since the last second: no new cells
            self._rows[id(t)] = rows
            _fill(t, rows)

    # -- interaction -----------------------------------------------------------------------

    def select_bin(self, series: str, i: int) -> list[str]:
        if self.dashboard is None:
            return []
        ids = list(self.dashboard.events_by_bin.get((series, i), ()))
        self._select(ids)
        return ids

    def select_gravity(self, gravity: int) -> list[str]:
        if self.dashboard is None:
            return []
        ids = list(self.dashboard.open_by_gravity.get(gravity, ()))
        self._select(ids)
        return ids

    def _select(self, ids: list[str]) -> None:
        if not ids:
            return
        self.ctx.selection.select_event(ids[0])  # the card shows the first
        if self.events_dock is not None and hasattr(self.events_dock, "select_events"):
            self.events_dock.select_events(ids)

    # -- exports ---------------------------------------------------------------------------

    def chart_csv(self) -> list[list[str]]:
        d = self.dashboard
        if d is None:
            return []
        tab = self.tabs.currentWidget()
        if tab is self.by_category:
            return hourly_csv_rows(d.by_category, d.hours)
        if tab is self.by_source:
            return hourly_csv_rows(d.by_source, d.hours)
        if tab is self.crews:
            return hourly_csv_rows(d.crews_by_status, d.hours)
        if tab is self.gravity:
            return [["Gravité", "Événements ouverts"]] + [
                [GRAVITIES.get(g, str(g)), str(len(ids))] for g, ids in d.open_by_gravity.items()
            ]
        t = tab if isinstance(tab, QTableWidget) else self.delays
        head = [_header(t, c) for c in range(t.columnCount())]
        rows = [[_text(t, r, c) for c in range(t.columnCount())] for r in range(t.rowCount())]
        return [head, *rows]

    def export(self, path: Path, fmt: str) -> None:
        try:
            if fmt == "png":
                if not self.tabs.currentWidget().grab().save(str(path), "PNG"):
                    raise OSError(13, "refused", str(path))
            else:
                with path.open("w", encoding="utf-8-sig", newline="") as f:
                    csv.writer(f, delimiter=";").writerows(self.chart_csv())
        except OSError as exc:
            raise cannot_write(path, exc) from exc

    def ask_export(self, fmt: str) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Exporter le graphique", f"tableau_de_bord.{fmt}", f"*.{fmt}"
        )
        if not name:
            return
        try:
            self.export(Path(name), fmt)
        except Exception as exc:  # a French message, never a traceback
            self.ctx.notices.error(str(exc))
            return
        self.ctx.notices.info(f"Graphique exporté : {name}")
