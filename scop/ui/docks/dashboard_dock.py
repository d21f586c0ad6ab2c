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
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
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
from scop.models.nomenclatures import category_label
from scop.models.vocabulary import CREW_STATUSES
from scop.reports import barometre
from scop.reports.barometre import FIGURES, STEP_LABELS, Barometre, Step
from scop.reports.choropleth import category_text
from scop.reports.dashboard import (
    HOUR,
    SHIFT_HINT,
    SHIFT_LABEL,
    Aggregates,
    Dashboard,
    Histogram,
    delay_bin_events,
    delay_samples,
    histogram,
    hourly_csv_rows,
    overall_delays,
    shift_start,
)
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.paris_time import from_qt, paris_edit, to_qt
from scop.ui.save_as import save_as

SHIFT = -1  # the window box's « Cette vacation »: since the relève (reports.dashboard)
WINDOWS = ((SHIFT_LABEL, SHIFT), ("Dernières 24 h", 24), ("Période choisie", 0))
PALETTE = (
    "#1f3a60", "#c62828", "#ef6c00", "#2e7d32", "#6a1b9a", "#00838f", "#8d6e63", "#f9a825",
    "#546e7a", "#ad1457",
)  # fmt: skip


def category_name(code: str) -> str:
    """« Comportement antisocial (ASB) », « Véhicule abandonné (ASB/ABV) »: the leaf's label,
    short enough for a legend, the code in brackets; the family is in the tooltip."""
    label = category_label(code)
    return f"{label} ({code})" if label != code else code


HINT = "Survoler une barre pour lire sa valeur ; cliquer pour sélectionner ses événements."
AXIS_TEXT = "#333333"


def _label_hours(plot: pg.PlotWidget, ticks: list[str], width: int = 1000) -> None:
    """As many hour labels as the plot's width holds side by side (about 46 px each), at
    most a dozen."""
    step = max(1, len(ticks) // 12, -(-len(ticks) * 46 // max(width, 100)))
    plot.getAxis("bottom").setTicks([[(i, t) for i, t in enumerate(ticks) if i % step == 0]])


def _chart_plot() -> pg.PlotWidget:
    """A plot with dark axis text and room above its top tick, whose label pyqtgraph would
    otherwise cut in half at the widget's edge."""
    plot = pg.PlotWidget(background="w")
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    item = plot.getPlotItem()
    item.hideButtons()
    item.layout.setContentsMargins(2, 12, 12, 2)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setTextPen(pg.mkPen(AXIS_TEXT))
        axis.setPen(pg.mkPen("#888888"))
    return plot


def _headroom(top: float) -> float:
    """The y range's top: a tenth above the tallest bar, so the highest tick sits inside."""
    return max(top, 1) * 1.1


class ChartLegend(QWidget):
    """The series' names beside the plot (a column on its right, or rows under it when the
    dock is narrow), where they never cover a bar or a line: a legend inside the plot sat
    over the last hours. The tooltip gives the code, or the family of a category."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(6, 8, 4, 2)
        self._grid.setHorizontalSpacing(12)
        self._grid.setVerticalSpacing(3)
        self.columns = 1
        self.labels: list[QLabel] = []
        self._entries: list[tuple[str, str, str]] = []

    def set_entries(self, entries: list[tuple[str, str, str]]) -> None:
        """(colour, text, tooltip), top to bottom as the bars stack from the top."""
        if entries == self._entries:
            return
        self._entries = entries
        for label in self.labels:
            self._grid.removeWidget(label)
            label.deleteLater()
        self.labels = []
        for colour, text, tip in entries:
            label = QLabel(
                f'<span style="color:{colour}; font-size:15px">&#9632;</span>&nbsp;{escape(text)}'
            )
            label.setToolTip(tip)
            self.labels.append(label)
        self._place()

    def set_columns(self, columns: int) -> None:
        if columns != self.columns:
            self.columns = columns
            self._place()

    def _place(self) -> None:
        for label in self.labels:
            self._grid.removeWidget(label)
        for r in range(self._grid.rowCount()):
            self._grid.setRowStretch(r, 0)
        for i, label in enumerate(self.labels):
            self._grid.addWidget(label, i // self.columns, i % self.columns)
            label.show()  # added after the legend was shown: hidden otherwise
        self._grid.setRowStretch(-(-len(self.labels) // self.columns), 1)

    def texts(self) -> list[str]:
        return [text for _c, text, _t in self._entries]


class _Chart(QWidget):
    """A plot, its legend and a line saying the value under the mouse. Narrower than
    ``NARROW`` and taller than ``TALL``, the legend goes under the plot in as many columns as
    fit; in any case the hour labels thin out with the width rather than overlap (the chief's
    layout shares a 1366×768 screen with the map)."""

    NARROW = 760
    TALL = 400  # under it, the plot needs the height more than the width

    def __init__(self, hint: str, parent: QWidget | None = None, on_click: Any = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.plot = _chart_plot()
        self.legend = ChartLegend()
        self.hover = QLabel(hint)
        self.hover.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(0)
        self.row.addWidget(self.plot, 1)
        self.row.addWidget(self.legend)
        lay.addLayout(self.row, 1)
        lay.addWidget(self.hover)
        self.ticks: list[str] = []
        self._pos: Any = None  # the mouse's last place on the plot
        self.plot.scene().sigMouseMoved.connect(self._moved)
        self._on_click = on_click
        if on_click is not None:
            self.plot.scene().sigMouseClicked.connect(self._clicked)

    def hover_text(self, scene_pos: Any) -> str:
        raise NotImplementedError

    def click_target(self, scene_pos: Any) -> tuple[Any, ...] | None:
        """What ``on_click`` receives for a click there (``None``: nothing to select)."""
        return None

    def _clicked(self, ev: Any) -> None:
        target = self.click_target(ev.scenePos())
        if target is not None:
            self._on_click(*target)

    def _moved(self, pos: Any) -> None:
        self._pos = pos
        self.hover.setText(self.hover_text(pos))

    def _rehover(self) -> None:
        """New figures under a still mouse: the line says them, not the last second's."""
        if self._pos is not None:
            self.hover.setText(self.hover_text(self._pos))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        narrow = self.width() < self.NARROW and self.height() > self.TALL
        self.row.setDirection(
            QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        )
        self.legend.set_columns(max(1, self.width() // 250) if narrow else 1)
        side = 0 if narrow or self.legend.isHidden() else self.legend.sizeHint().width()
        _label_hours(self.plot, self.ticks, self.width() - side - 50)

    def _set_ticks(self, ticks: list[str]) -> None:
        self.ticks = ticks
        self._arrange()


class BarChart(_Chart):
    """Stacked hourly bars: one series per category (or source); each segment knows the
    events behind it (hover: value, click: selection). ``grouped``: side by side instead, for
    figures that do not add up (the barometer's missions include its déroulements)."""

    def __init__(
        self, on_click: Any, parent: QWidget | None = None, *, grouped: bool = False
    ) -> None:
        super().__init__(HINT, parent, on_click)
        self.grouped = grouped
        self.series: dict[str, tuple[int, ...]] = {}
        self.labels: dict[str, str] = {}
        self.totals: tuple[int, ...] = ()
        self.bars: dict[str, tuple[pg.BarGraphItem, tuple[int, ...], tuple[int, ...]]] = {}
        self.zeros: list[pg.TextItem] = []  # « 0 » over an hour with nothing, not a gap
        self.spans: list[str] = []
        self._top = 0.0

    def show_series(
        self,
        series: dict[str, tuple[int, ...]],
        ticks: list[str],
        labels: Mapping[str, str] | None = None,
        tips: Mapping[str, str] | None = None,
        spans: list[str] | None = None,
    ) -> None:
        """Redraw only what changed: each series keeps its bar item, whose data is replaced
        (clearing and re-adding items each second cost more than the figures).
        ``labels``: what the legend and the hover say for a series key (a category code);
        ``tips``: the legend's tooltip; ``spans``: what the hover says for a bin."""
        self.labels = {k: (labels or {}).get(k, k) for k in series}
        self.spans = spans or ticks
        if list(series) != list(self.bars):
            for item, _y0, _h in self.bars.values():
                self.plot.removeItem(item)
            self.bars = {}
            for i, name in enumerate(series):
                item = pg.BarGraphItem(
                    x=[], y0=[], height=[], width=0.8,
                    brush=pg.mkBrush(PALETTE[i % len(PALETTE)]), pen=pg.mkPen(None),
                )  # fmt: skip
                self.plot.addItem(item)
                self.bars[name] = (item, (), ())
        colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
        entries = [
            (colours[k], self.labels[k], (tips or {}).get(k, self.labels[k]))
            for k in (list(series) if self.grouped else reversed(list(series)))
        ]  # in the bars' order: top to bottom of a stack, left to right side by side
        self.legend.set_entries(entries if len(series) > 1 else [])
        self.legend.setVisible(len(series) > 1)
        self.series = series
        base: tuple[int, ...] = (0,) * len(ticks)
        width = 0.8 / max(len(series), 1) if self.grouped else 0.8
        for k, (name, values) in enumerate(series.items()):
            item, y0, height = self.bars[name]
            if self.grouped:  # side by side: each bar from zero, the bin's top is the tallest
                x = [i + (k - (len(series) - 1) / 2) * width for i in range(len(values))]
                item.setOpts(x=x, y0=[0] * len(values), height=list(values), width=width)
                base = tuple(max(b, v) for b, v in zip(base, values, strict=True))
                continue
            if (y0, height) != (base, values):
                item.setOpts(x=list(range(len(values))), y0=list(base), height=list(values))
                self.bars[name] = (item, base, values)
            base = tuple(b + v for b, v in zip(base, values, strict=True))
        if base != self.totals:
            self._show_zeros(base)
        self.totals = base
        if ticks != self.ticks:
            self._set_ticks(ticks)
            self.plot.setXRange(-0.6, max(len(ticks), 1) - 0.4)
        top = _headroom(max([*base, 0]))
        if top != self._top:
            self._top = top
            self.plot.setYRange(0, top, padding=0)
        self._rehover()

    def _show_zeros(self, totals: tuple[int, ...]) -> None:
        while len(self.zeros) < len(totals):
            text = pg.TextItem("0", color="#777777", anchor=(0.5, 1))
            self.plot.addItem(text)
            self.zeros.append(text)
        for i, text in enumerate(self.zeros):
            empty = i < len(totals) and totals[i] == 0
            if empty:
                text.setPos(i, 0)
            text.setVisible(empty)

    def at(self, scene_pos: Any) -> tuple[int, str, int] | None:
        """The bin, series and value under a point of the scene."""
        i, y = self._bin(scene_pos)
        if i is None:
            return None
        if self.grouped:
            x = self.plot.getPlotItem().vb.mapSceneToView(scene_pos).x()
            names = list(self.series)
            k = int((x - i + 0.4) / (0.8 / len(names)))
            if 0 <= k < len(names) and y < self.series[names[k]][i]:
                return i, names[k], self.series[names[k]][i]
            return None
        base = 0
        for name, values in self.series.items():
            if base <= y < base + values[i]:
                return i, name, values[i]
            base += values[i]
        return None

    def _bin(self, scene_pos: Any) -> tuple[int | None, float]:
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None, 0.0
        p = vb.mapSceneToView(scene_pos)
        i = round(p.x())
        if not 0 <= i < len(self.ticks) or abs(p.x() - i) > 0.4 or p.y() < 0:
            return None, 0.0
        return i, p.y()

    def hover_text(self, scene_pos: Any) -> str:
        """A segment: its value (and the hour's total); elsewhere in an hour's column, the
        total, so that an empty hour reads « 0 » rather than nothing."""
        i, _y = self._bin(scene_pos)
        if i is None:
            return HINT
        hit = self.at(scene_pos)
        span = self.spans[i] if i < len(self.spans) else self.ticks[i]
        total = self.totals[i] if i < len(self.totals) else 0
        if hit is None and self.grouped:  # figures that do not add up: each one, no total
            figures = (f"{self.labels.get(k, k)} {v[i]}" for k, v in self.series.items())
            return f"{span} — " + ", ".join(figures)
        if hit is None:
            return f"{span} : {total} au total" if len(self.series) > 1 else f"{span} : {total}"
        text = f"{span} — {self.labels.get(hit[1], hit[1])} : {hit[2]}"
        return text + (f" sur {total}" if len(self.series) > 1 and not self.grouped else "")

    def click_target(self, scene_pos: Any) -> tuple[str, int] | None:
        hit = self.at(scene_pos)
        return None if hit is None else (hit[1], hit[0])


class LineChart(_Chart):
    """Crews per status: one line per status, the legend beside the plot, the hour's counts
    under the mouse. Each point sits at the moment it was counted: the end of its hour, or
    the window's end for the hour in progress."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Survoler le graphique pour lire les effectifs de chaque heure.", parent)
        self.lines: dict[str, tuple[pg.PlotDataItem, tuple[int, ...]]] = {}
        self.series: dict[str, tuple[int, ...]] = {}
        self.labels: dict[str, str] = {}
        self.xs: list[float] = []
        self.moments: list[str] = []
        self._top = 0.0

    def show_series(
        self,
        series: Mapping[str, tuple[int, ...]],
        ticks: list[str],
        xs: list[float],
        moments: list[str],
        labels: Mapping[str, str],
    ) -> None:
        """``ticks``: the hours, at 0, 1, …; ``xs``: where each count is drawn; ``moments``:
        when it was counted, as the hover says it."""
        self.xs, self.moments = xs, moments
        self.labels = {k: labels.get(k, k) for k in series}
        if ticks != self.ticks:
            self._set_ticks(ticks)
            self.plot.setXRange(-0.2, max(len(ticks), 1) + 0.2)
        if list(series) != list(self.lines):
            for line, _v in self.lines.values():
                self.plot.removeItem(line)
            self.lines = {
                status: (self.plot.plot([], [], pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=2),
                                        symbol="o", symbolSize=4,
                                        symbolBrush=PALETTE[i % len(PALETTE)],
                                        symbolPen=None), ())
                for i, status in enumerate(series)
            }  # fmt: skip
        self.legend.set_entries(
            [(PALETTE[i % len(PALETTE)], self.labels[s], self.labels[s]) for i, s in
             enumerate(series)]
        )  # fmt: skip
        self.series = dict(series)
        for status, values in series.items():
            line, shown = self.lines[status]
            if values != shown:
                line.setData(xs[: len(values)], list(values))
                self.lines[status] = (line, values)
        top = _headroom(max([v for values in series.values() for v in values] or [0]))
        if top != self._top:
            self._top = top
            self.plot.setYRange(0, top, padding=0)
        self._rehover()

    def hover_text(self, scene_pos: Any) -> str:
        vb = self.plot.getPlotItem().vb
        if not self.xs or not vb.sceneBoundingRect().contains(scene_pos):
            return self.hover.text()
        x = vb.mapSceneToView(scene_pos).x()
        i = min(range(len(self.xs)), key=lambda k: abs(self.xs[k] - x))
        counts = " · ".join(
            f"{self.labels[s]} : {v[i]}" for s, v in self.series.items() if i < len(v)
        )
        return f"{self.moments[i]} — {counts or 'aucun équipage'}"


MEASURES = (
    (False, "Création → premier équipage engagé"),
    (True, "Création → premier équipage sur les lieux"),
)
ALL = "Toutes catégories"


HISTOGRAM_HINT = (
    "Délais en minutes ; survoler une barre pour lire sa tranche, cliquer pour sélectionner "
    "ses événements."
)


class HistogramChart(_Chart):
    """A delay distribution: one bar per bin of minutes, the median and the p90 drawn as
    labelled vertical lines at their exact value; hovering a bin says its range and count,
    clicking it selects its events (``on_click(bin)``, as the hourly bars do)."""

    def __init__(self, on_click: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(HISTOGRAM_HINT, parent, on_click)
        self.legend.hide()
        self.histogram = Histogram(1, (), None, None)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.9, brush=pg.mkBrush(PALETTE[0]),
                                    pen=pg.mkPen(None))  # fmt: skip
        self.plot.addItem(self.bars)
        self.lines: dict[str, pg.InfiniteLine] = {}
        for key, colour, pos in (("médiane", "#c62828", 0.92), ("p90", "#ef6c00", 0.78)):
            line = pg.InfiniteLine(
                angle=90, pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine),
                label="", labelOpts={"position": pos, "color": colour,
                                     "anchors": [(0, 0.5), (0, 0.5)],
                                     "fill": pg.mkBrush(255, 255, 255, 220)},
            )  # fmt: skip
            line.hide()
            self.plot.addItem(line)
            self.lines[key] = line
        self.empty = pg.TextItem("", color="#555555", anchor=(0.5, 0.5))
        self.plot.addItem(self.empty)
        self._top = 0.0

    def show_histogram(self, h: Histogram, empty: str) -> None:
        """Bins at 0, 1, …: bin ``i`` spans x in [i, i+1), so a delay of s seconds sits at
        s / width and the lines fall where the bars say."""
        if h == self.histogram and self.ticks:
            return
        self.histogram = h
        n = len(h.counts)
        self.bars.setOpts(x=[i + 0.5 for i in range(n)], height=list(h.counts))
        self._set_ticks([_minutes(i * h.width) for i in range(max(n, 1) + 1)])
        self.plot.setXRange(0, max(n, 1), padding=0.02)
        top = _headroom(max(h.counts, default=0))
        if top != self._top:
            self._top = top
            self.plot.setYRange(0, top, padding=0)
        for key, value in (("médiane", h.median), ("p90", h.p90)):
            line = self.lines[key]
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(value / h.width)
                line.label.setFormat(f"{key} {_mmss(value)}")
                # its label on the side with room: past the middle, to the line's left (a
                # p90 near the last bin was cut by the plot's edge)
                side = 1 if value / h.width > max(n, 1) / 2 else 0
                line.label.anchors = [(side, 0.5), (side, 0.5)]
                line.label.updatePosition()
        self.empty.setText("" if n else empty)
        self.empty.setPos(max(n, 1) / 2, top / 2)
        self._rehover()

    def line_seconds(self, key: str) -> float:
        """Where a line is drawn, back in seconds (the test reads the chart, not the data)."""
        return float(self.lines[key].value()) * self.histogram.width

    def bin_at(self, scene_pos: Any) -> int | None:
        """The bin whose column (from the axis up) holds a point of the scene."""
        vb = self.plot.getPlotItem().vb
        if not self.histogram.counts or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        i = math.floor(p.x())
        return i if 0 <= i < len(self.histogram.counts) and p.y() >= 0 else None

    def hover_text(self, scene_pos: Any) -> str:
        h = self.histogram
        i = self.bin_at(scene_pos)
        if i is None:
            return HISTOGRAM_HINT if h.counts else self.hover.text()
        a, b = _minutes(i * h.width), _minutes((i + 1) * h.width)
        click = " — clic : les sélectionner" if h.counts[i] else ""
        return f"De {a} à {b} min : {h.counts[i]} événement(s) sur {h.total}{click}"

    def click_target(self, scene_pos: Any) -> tuple[int] | None:
        i = self.bin_at(scene_pos)
        return None if i is None or not self.histogram.counts[i] else (i,)


class DelaysPage(QWidget):
    """The Délais tab: a line to choose the measure, then the histogram and the table of
    delays. Tall, the histogram sits over the table; short, beside it, at the tab's whole
    height: in the chief's layout (1366×768) the dashboard shares the right column with three
    docks, and stacked there the histogram was some 40 px high, unreadable."""

    SHORT = 320  # under it, a histogram over a table leaves neither readable

    def __init__(self, histogram: HistogramChart, table: QTableWidget) -> None:
        super().__init__()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 4, 0, 0)
        self.pick = QHBoxLayout()
        box.addLayout(self.pick)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(histogram)
        self.split.addWidget(table)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)
        self.split.setSizes([300, 100])
        histogram.plot.setMinimumHeight(40)  # at the least, room for the other tabs'
        table.setMinimumHeight(48)  # header and a row: the splitter gives them more
        box.addWidget(self.split, 1)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        beside = self.height() < self.SHORT
        wanted = Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical
        if self.split.orientation() != wanted:
            self.split.setOrientation(wanted)
            # the histogram first: three fifths of the width beside, three quarters stacked
            self.split.setSizes([600, 400] if beside else [300, 100])


def _table(headers: tuple[str, ...], empty: str, right: tuple[int, ...] = ()) -> QTableWidget:
    """A table of figures: numbers right-aligned (``right``: their columns), and a word
    when it has no row, rather than a blank page."""
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(not right)  # a figure stays by its header
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    note = QLabel(empty, t.viewport())
    note.setObjectName("empty_note")
    note.setStyleSheet("color: #555555;")
    note.move(10, 10)
    note.adjustSize()
    t.setProperty("right_columns", list(right))
    return t


def empty_note(t: QTableWidget) -> QLabel:
    note = t.viewport().findChild(QLabel, "empty_note")
    assert note is not None
    return note


def _fill(t: QTableWidget, rows: list[list[str]], tips: list[str] | None = None) -> None:
    right = set(t.property("right_columns") or ())
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if tips is not None and c == 0:
                item.setToolTip(tips[r])
            t.setItem(r, c, item)
    empty_note(t).setVisible(not rows)


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


def _minutes(seconds: int) -> str:
    """« 2 », « 2,5 »: a bin's edge in minutes, as the axis and the CSV say it."""
    return f"{seconds // 60}" if seconds % 60 == 0 else f"{seconds / 60:.1f}".replace(".", ",")


HEADLINE = FIGURES[:4]  # the Observatoire's four figures (reports.render prints the same)
BARO_FORMATS = "CSV (*.csv);;PDF (*.pdf);;HTML (*.html)"


def barometre_step(start: datetime, end: datetime) -> Step:
    """Days for a shift or a fortnight, weeks up to a quarter, months beyond: a dozen bars
    or so, which the dock's width can label."""
    days = (end - start) / timedelta(days=1)
    return Step.DAY if days <= 14 else Step.WEEK if days <= 92 else Step.MONTH


class BarometrePage(QWidget):
    """L'activité de la SCOP over the dock's period: the Observatoire's four big figures,
    the extra counts, the figures per day/week/month, and an export through reports.render
    (the very functions ``scop barometre`` writes with)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        grid = QGridLayout()
        grid.setVerticalSpacing(0)
        self.values: dict[str, QLabel] = {}
        for i, (key, head) in enumerate(HEADLINE):
            value = QLabel("–")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            value.setStyleSheet("font-size: 20px; font-weight: bold; color: #1a4f8b;")
            caption = QLabel(head)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption.setWordWrap(True)
            grid.addWidget(value, 0, i)
            grid.addWidget(caption, 1, i)
            self.values[key] = value
        lay.addLayout(grid)
        self.extra = QLabel()  # one line (the chart needs the height); whole in the tooltip
        self.extra.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        lay.addWidget(self.extra)
        self.chart = BarChart(lambda _s, _i: None, grouped=True)
        self.chart.plot.setMinimumHeight(40)
        self.chart.hover.setText("Survoler une barre pour lire ses chiffres.")  # no selection
        lay.addWidget(self.chart, 1)
        row = QHBoxLayout()
        self.cut = QLabel()
        self.export_button = QPushButton("Exporter…")
        self.export_button.setToolTip("Le baromètre de la période en CSV, PDF ou HTML.")
        row.addWidget(self.cut, 1)
        row.addWidget(self.export_button)
        lay.addLayout(row)
        self.barometre: Barometre | None = None

    def show_barometre(self, b: Barometre) -> None:
        self.barometre = b
        t = b.total
        for key, label in self.values.items():
            label.setText(f"{t.value(key):,}".replace(",", "\u202f"))
        cats = ", ".join(f"{category_name(c)} {t.by_category.get(c, 0)}" for c in b.categories[:3])
        self.extra.setText(
            f"{t.evenements} événement(s) créé(s), {t.equipages_en_service} équipage(s) en "
            f"service" + (f" — {cats}" if cats else "")
        )
        self.extra.setToolTip(
            "\n".join(f"{category_name(c)} : {t.by_category.get(c, 0)}" for c in b.categories)
        )
        self.cut.setText(f"{len(b.periods)} période(s), par {STEP_LABELS[b.step]}")
        self.chart.show_series(
            {head: tuple(f.value(key) for _p, f in b.periods) for key, head in HEADLINE},
            [p.label for p, _f in b.periods],
            spans=[p.label for p, _f in b.periods],
        )

    def shown(self) -> dict[str, int]:
        """The figures as the page says them (the test reads what a person reads)."""
        return {k: int(v.text().replace("\u202f", "")) for k, v in self.values.items()}


class DashboardDock(ScopDock):
    dock_id = "dashboard"
    title = "Tableau de bord"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.dashboard: Dashboard | None = None
        self.entries: list[Entry] = []
        self.aggregates = Aggregates()
        self._rows: dict[int, list[list[str]]] = {}
        self._drawn: set[int] = set()  # the tabs showing self.dashboard (by id)
        # The barometer's fold of the entries read, kept as the dock reads more (of which
        # list, up to where): a second's refresh adds only the new ones.
        self._baro_read: tuple[list[Entry], int, barometre.Fold] = ([], 0, barometre.Fold())
        self.events_dock: Any = None
        self._dirty = True

        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.window_box = QComboBox()
        for label, hours in WINDOWS:
            self.window_box.addItem(label, hours)
        self.window_box.setItemData(0, SHIFT_HINT, Qt.ItemDataRole.ToolTipRole)
        self.from_edit = QDateTimeEdit()
        self.to_edit = QDateTimeEdit()
        for e in (self.from_edit, self.to_edit):
            e.setDisplayFormat("dd/MM/yyyy HH:mm")
            e.setCalendarPopup(True)
            e.setEnabled(False)
            paris_edit(e)  # as the summary and the axes, whatever the machine's
            e.setToolTip("La période affichée ; modifiable en « Période choisie ».")
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
        self.crews = LineChart()
        self.delays = _table(
            ("Catégorie", "Événements", "Engagement médian", "Engagement p90", "Sur place médian",
             "Sur place p90"),
            "Aucun événement créé sur la période : pas de délai à mesurer.",
            (1, 2, 3, 4, 5),
        )  # fmt: skip
        self.delays.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.delays.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.delays.setToolTip("Cliquer une ligne pour voir la distribution de sa catégorie.")
        self.delay_category: str | None = None  # the table's row shown, None: all of them
        self._delay_codes: list[str | None] = []
        self.measure_box = QComboBox()
        for on_scene, label in MEASURES:
            self.measure_box.addItem(label, on_scene)
        # One line for the choice and the figures (cut, whole in the tooltip), the rest of
        # the height for the histogram and the table: the chief's layout is 768 px high.
        self.delay_title = QLabel()
        self.delay_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.histogram = HistogramChart(self.select_delay_bin)
        self.delays_page = DelaysPage(self.histogram, self.delays)
        pick = self.delays_page.pick
        pick.addWidget(QLabel("Distribution :"))
        pick.addWidget(self.measure_box)
        pick.addWidget(self.delay_title, 1)
        self.overdue = _table(
            ("Fiche", "Étape en retard", "Événement"), "Aucune étape de fiche en retard."
        )
        self.acks = _table(
            ("Message", "Envoyé le", "Délai d'accusé PP"),
            "Aucun message envoyé à la PP sur la période.",
            (2,),
        )
        self.barometre = BarometrePage()
        for page, label in (
            (self.by_category, "Par catégorie"),
            (self.by_source, "Par source"),
            (self.gravity, "Ouverts par gravité"),
            (self.crews, "Équipages par statut"),
            (self.delays_page, "Délais"),
            (self.overdue, "Étapes en retard"),
            (self.acks, "Accusés PP"),
            (self.barometre, "Baromètre"),
        ):
            self.tabs.addTab(page, label)
        lay.addWidget(self.tabs, 1)
        self.set_content(w)

        self.window_box.currentIndexChanged.connect(self._window_changed)
        self.from_edit.dateTimeChanged.connect(self.mark_dirty)
        self.to_edit.dateTimeChanged.connect(self.mark_dirty)
        self.tabs.currentChanged.connect(lambda _i: self._show_tab())
        self.delays.itemSelectionChanged.connect(self._delay_row_chosen)
        self.measure_box.currentIndexChanged.connect(lambda _i: self._show_distribution())
        self.png_button.clicked.connect(lambda: self.ask_export("png"))
        self.csv_button.clicked.connect(lambda: self.ask_export("csv"))
        self.barometre.export_button.clicked.connect(self.ask_export_barometre)
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
        """« Période choisie » starts from the window last shown, which the fields hold."""
        chosen = self.window_box.currentData() == 0
        self.from_edit.setEnabled(chosen)
        self.to_edit.setEnabled(chosen)
        self.refresh()

    def _tick(self) -> None:
        if self._dirty or not self.ctx.room.store.readonly:
            self.refresh()

    def period(self) -> tuple[datetime, datetime]:
        now = self.ctx.room.clock.now()
        hours = self.window_box.currentData()
        if hours == SHIFT:
            return shift_start(self.ctx.room.state, now), now
        if hours:
            return now - timedelta(hours=hours), now
        a, b = from_qt(self.from_edit.dateTime()), from_qt(self.to_edit.dateTime())
        return a, min(b, now)

    def _show_period(self, start: datetime, end: datetime) -> None:
        for edit, t in ((self.from_edit, start), (self.to_edit, end)):
            shown = to_qt(t)
            if edit.dateTime() != shown:
                blocked = edit.blockSignals(True)  # not a change of the period: no refresh
                edit.setDateTime(shown)
                edit.blockSignals(blocked)

    def refresh(self) -> None:
        self._dirty = False
        room = self.ctx.room
        after = self.entries[-1].position if self.entries else 0
        self.entries.extend(room.store.read(after))
        start, end = self.period()
        if self.window_box.currentData():  # the fields say the window shown, live or replay
            self._show_period(start, end)
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
        first = self.entries[0].ts if self.entries else None
        # Empty hours before the journal's first entry are zeros, not a gap in the data.
        before = (
            f" Journal commencé le {local(first):%d/%m à %H:%M} : rien avant."
            if first is not None and d.start < first <= d.end
            else ""
        )
        if d.empty:
            self.summary.setText(f"{period} : aucune activité sur la période (tout est à zéro).")
        else:
            open_n = sum(len(v) for v in d.open_by_gravity.values())
            self.summary.setText(
                f"{period} : {d.created} événement(s) créé(s), {open_n} ouvert(s), "
                f"{len(d.overdue)} étape(s) de fiche en retard.{before}"
            )

    def _show_tab(self) -> None:
        d, tab = self.dashboard, self.tabs.currentWidget()
        if d is None or id(tab) in self._drawn:
            return
        self._drawn.add(id(tab))
        ticks = [f"{local(h):%H:%M}" for h in d.hours]
        spans = [
            f"{local(h):%d/%m %H:%M}–{local(min(h + HOUR, d.end)):%H:%M}"
            + (" (en cours)" if h + HOUR > d.end else "")
            for h in d.hours
        ]
        if tab is self.by_category:
            codes = list(d.by_category)
            self.by_category.show_series(
                dict(d.by_category),
                ticks,
                {c: category_name(c) for c in codes},
                {c: category_text(c) for c in codes},
                spans,
            )
        elif tab is self.by_source:
            self.by_source.show_series(dict(d.by_source), ticks, spans=spans)
        elif tab is self.gravity:
            gravities = sorted(GRAVITIES)
            self.gravity.show_series(
                {"Ouverts": tuple(len(d.open_by_gravity.get(g, ())) for g in gravities)},
                [GRAVITIES[g] for g in gravities],
                {"Ouverts": "événements ouverts"},
            )
        elif tab is self.crews:
            self._show_crews(d, ticks)
        elif tab is self.delays_page:
            self._show_delays(d)
        elif tab is self.overdue:
            self._fill(self.overdue, [list(o) for o in d.overdue])
        elif tab is self.barometre:
            # Only when shown: the refresh of the other tabs never pays for it.
            self.barometre.show_barometre(self.compute_barometre(d.start, d.end))
        elif tab is self.acks:
            self._fill(
                self.acks,
                [
                    [a.distribution_id, f"{local(a.sent):%d/%m %H:%M:%S}",
                     _mmss(a.delay) if a.delay is not None else "non accusé"]
                    for a in d.acks
                ],
            )  # fmt: skip

    def _show_delays(self, d: Dashboard) -> None:
        """The table (a first row pooling every category) and the distribution of the row
        chosen, kept chosen as the figures move."""
        rows = [overall_delays(d), *d.delays] if d.delays else []
        self._delay_codes = [None, *(r.category for r in d.delays)] if rows else []
        if self.delay_category not in self._delay_codes:
            self.delay_category = None
        blocked = self.delays.blockSignals(True)  # refilled, not chosen by the person
        self._fill(
            self.delays,
            [
                [ALL if i == 0 else category_name(r.category), str(r.events),
                 _mmss(r.engage_median), _mmss(r.engage_p90), _mmss(r.scene_median),
                 _mmss(r.scene_p90)]
                for i, r in enumerate(rows)
            ],
            ["Tous les événements créés sur la période"] + [category_text(r.category)
                                                            for r in d.delays],
        )  # fmt: skip
        if rows:
            self.delays.selectRow(self._delay_codes.index(self.delay_category))
        self.delays.blockSignals(blocked)
        self._show_distribution()

    def _delay_row_chosen(self) -> None:
        rows = self.delays.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self._delay_codes):
            self.delay_category = self._delay_codes[rows[0].row()]
            self._show_distribution()

    def _show_distribution(self) -> None:
        d = self.dashboard
        if d is None:
            return
        on_scene = bool(self.measure_box.currentData())
        h = histogram(delay_samples(d, self.delay_category, on_scene))
        what = ALL if self.delay_category is None else category_name(self.delay_category)
        label = self.measure_box.currentText()
        self.delay_title.setText(
            f"{what} : {h.total} délai(s) mesuré(s), médiane {_mmss(h.median)}, "
            f"p90 {_mmss(h.p90)} (tranches de {_minutes(h.width)} min)"
            if h.total
            else f"{what} : aucun délai mesuré sur la période."
        )
        self.delay_title.setToolTip(f"{label} — {self.delay_title.text()}")
        self.histogram.show_histogram(h, "Aucun délai mesuré sur la période.")

    def distribution_csv(self) -> list[list[str]]:
        """The histogram in view, as drawn: one row per bin of minutes."""
        h = self.histogram.histogram
        what = ALL if self.delay_category is None else category_name(self.delay_category)
        return [
            [f"Distribution : {self.measure_box.currentText()} — {what}"],
            ["De (min)", "À (min)", "Événements"],
            *(
                [_minutes(i * h.width), _minutes((i + 1) * h.width), str(c)]
                for i, c in enumerate(h.counts)
            ),
            ["Médiane", _mmss(h.median), ""],
            ["p90", _mmss(h.p90), ""],
        ]

    def _show_crews(self, d: Dashboard, ticks: list[str]) -> None:
        """Each count drawn at the moment it was taken (an hour's end, or the window's end
        for the hour in progress), the axis labelled by hours as the bars' is."""
        first = d.hours[0] if d.hours else d.start
        moments = [min(h + HOUR, d.end) for h in d.hours]
        xs = [(t - first).total_seconds() / 3600 for t in moments]
        said = [
            f"à {local(t):%d/%m %H:%M}" + (" (fin de la période)" if t == d.end else "")
            for t in moments
        ]
        hours = [*d.hours, d.hours[-1] + HOUR] if d.hours else []
        self.crews.show_series(
            d.crews_by_status,
            [f"{local(h):%H:%M}" for h in hours] if hours else ticks,
            xs,
            said,
            {s: CREW_STATUSES.get(s, s) for s in d.crews_by_status},
        )

    def _fill(self, t: QTableWidget, rows: list[list[str]], tips: list[str] | None = None) -> None:
        if self._rows.get(id(t)) != rows:  # unchanged since the last second: no new cells
            self._rows[id(t)] = rows
            _fill(t, rows, tips)

    # -- interaction -----------------------------------------------------------------------

    def select_bin(self, series: str, i: int) -> list[str]:
        if self.dashboard is None:
            return []
        ids = list(self.dashboard.events_by_bin.get((series, i), ()))
        chart = self.tabs.currentWidget()
        if isinstance(chart, BarChart) and i < len(chart.spans):
            self._select(ids, f"{chart.spans[i]}, {chart.labels.get(series, series)}")
        else:
            self._select(ids)
        return ids

    def select_delay_bin(self, i: int) -> list[str]:
        """The events of the histogram's bin ``i``: of the row chosen, for the measure shown."""
        if self.dashboard is None:
            return []
        on_scene = bool(self.measure_box.currentData())
        h = self.histogram.histogram
        ids = delay_bin_events(self.dashboard, self.delay_category, on_scene, h, i)
        measure = "sur les lieux" if on_scene else "premier engagement"
        which = category_name(self.delay_category) if self.delay_category else ALL.lower()
        self._select(
            ids,
            f"délai {measure} de {_minutes(i * h.width)} à {_minutes((i + 1) * h.width)} min, "
            + which,
        )
        return ids

    def select_gravity(self, gravity: int) -> list[str]:
        if self.dashboard is None:
            return []
        ids = list(self.dashboard.open_by_gravity.get(gravity, ()))
        self._select(ids, f"ouverts de gravité {GRAVITIES.get(gravity, str(gravity)).lower()}")
        return ids

    def _select(self, ids: list[str], origin: str = "") -> None:
        if not ids:
            return
        self.ctx.selection.select_event(ids[0])  # the card shows the first
        if self.events_dock is not None and hasattr(self.events_dock, "select_events"):
            self.events_dock.select_events(ids, origin)

    # -- exports ---------------------------------------------------------------------------

    def chart_csv(self) -> list[list[str]]:
        d = self.dashboard
        if d is None:
            return []
        tab = self.tabs.currentWidget()
        if tab is self.by_category:
            rows = hourly_csv_rows(d.by_category, d.hours)
            return [["Heure", *(category_name(c) for c in rows[0][1:])], *rows[1:]]
        if tab is self.by_source:
            return hourly_csv_rows(d.by_source, d.hours)
        if tab is self.crews:
            rows = hourly_csv_rows(d.crews_by_status, d.hours)
            return [["Heure", *(CREW_STATUSES.get(s, s) for s in rows[0][1:])], *rows[1:]]
        if tab is self.gravity:
            return [["Gravité", "Événements ouverts"]] + [
                [GRAVITIES.get(g, str(g)), str(len(ids))] for g, ids in d.open_by_gravity.items()
            ]
        t = tab if isinstance(tab, QTableWidget) else self.delays
        head = [_header(t, c) for c in range(t.columnCount())]
        rows = [[_text(t, r, c) for c in range(t.columnCount())] for r in range(t.rowCount())]
        if t is self.delays:  # the table, then the distribution shown above it
            return [head, *rows, [], *self.distribution_csv()]
        return [head, *rows]

    def compute_barometre(self, start: datetime, end: datetime) -> Barometre:
        """Over the entries the dock has read (all of them up to the instant, in replay):
        barometre.compute's own fold, kept between refreshes, not a second count."""
        entries, done, fold = self._baro_read
        if entries is not self.entries or (fold.last is not None and fold.last >= end):
            entries, done, fold = self.entries, 0, barometre.Fold()  # a fork, a seek back
        kinds = barometre.KINDS
        while done < len(entries) and entries[done].ts < end:
            if entries[done].kind in kinds:
                fold.add(entries[done])
            done += 1
        self._baro_read = (entries, done, fold)
        return fold.barometre(start, end, barometre_step(start, end))

    def export_barometre(self, path: Path) -> None:
        """The barometer of the period shown, written by the CLI's own renderer (format
        from the extension); an unwritable path is the dock's French « Impossible d'écrire »."""
        from scop.reports.render import write  # the PDF kit loads only when asked

        d = self.dashboard
        if d is None:
            return
        b = self.barometre.barometre
        if b is None or (b.start, b.end) != (d.start, d.end):
            b = self.compute_barometre(d.start, d.end)
        try:
            write(b, "Tableau de bord", path, self.ctx.mode)
        except OSError as exc:
            raise cannot_write(path, exc) from exc

    def ask_export_barometre(self) -> None:
        save_as(
            self, self.ctx.notices, title="Exporter le baromètre", default_name="barometre.pdf",
            filters=BARO_FORMATS, export=self.export_barometre, done="Baromètre exporté",
        )  # fmt: skip

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
        save_as(
            self, self.ctx.notices, title="Exporter le graphique",
            default_name=f"tableau_de_bord.{fmt}", filters=f"*.{fmt}",
            export=lambda path: self.export(path, fmt), done="Graphique exporté",
        )  # fmt: skip
