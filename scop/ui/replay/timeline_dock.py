"""Chronologie: the shift at a glance, and the replay's transport controls.

Activity (entries per 10 minutes) as bars; events, fiche steps, PP messages and exercise
injects as marks in their own lanes; a cursor at replay time that can be dragged, a click
anywhere seeks there, a click on a mark jumps to it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.replay.engine import MARK_LANES, Mark
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.replay.controller import SPEEDS, ReplayController

LANE_Y = {"evenement": 1.25, "fiche": 1.5, "message": 1.75, "exercice": 2.0}
LANE_COLOURS = {
    "evenement": "#1565c0",
    "fiche": "#6a1b9a",
    "message": "#ef6c00",
    "exercice": "#c62828",
}


BINS_S = (10, 30, 60, 120, 300, 600, 1800, 3600, 7200)


def activity_bin(span_s: float, most: int = 80) -> int:
    """The smallest bin that draws the shift in at most ``most`` bars: a short journal gets
    narrow bars (a demo of a few minutes was one grey bar), a 24-hour one 30-minute bars."""
    return next((b for b in BINS_S if span_s / b <= most), BINS_S[-1])


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _epoch(t: datetime) -> float:
    return t.timestamp()


class TimelineDock(ScopDock):
    dock_id = "timeline"
    title = "Chronologie"

    def __init__(
        self, ctx: UiContext, controller: ReplayController, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self.controller = controller
        engine = controller.engine
        self.engine = engine

        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.play_button = QPushButton("▶ Lecture")
        self.play_button.setToolTip("Lecture / pause (Espace)")
        self.play_button.setShortcut(Qt.Key.Key_Space)
        self.step_button = QPushButton("Entrée suivante ⇥")
        self.speed_box = QComboBox()
        for label, speed in SPEEDS:
            self.speed_box.addItem(label, speed)
        self.speed_box.setCurrentIndex(
            next((i for i, (_l, s) in enumerate(SPEEDS) if s == controller.speed), 3)
        )
        self.marks_box = QComboBox()
        self.marks_box.addItem("Aller à un repère…", None)
        for m in engine.marks[:5000]:
            self.marks_box.addItem(
                f"{local(m.ts).strftime('%H:%M:%S')} — {MARK_LANES[m.lane]} — {m.label}"[:110],
                m.position,
            )
        # sized by a few letters, not by its longest mark: the window fits a 1366 screen
        self.marks_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.marks_box.setMinimumContentsLength(14)
        self.time_label = QLabel()
        self.time_label.setStyleSheet("font-weight:bold; font-size:14px; padding:0 8px;")
        for widget in (self.play_button, self.step_button, QLabel("Vitesse :"), self.speed_box):
            bar.addWidget(widget)
        bar.addWidget(self.marks_box, 1)
        lay.addWidget(self.time_label)  # its own line: beside the controls it overflowed 1366
        lay.addLayout(bar)

        offset = local(engine.start).utcoffset()
        axis = pg.DateAxisItem(
            orientation="bottom", utcOffset=-(offset.total_seconds() if offset else 0)
        )
        self.plot = pg.PlotWidget(axisItems={"bottom": axis}, background="w")
        self.plot.setMinimumHeight(140)
        self.plot.hideAxis("left")
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.getPlotItem().hideButtons()
        span_s = (engine.end - engine.start).total_seconds()
        self.bin_seconds = activity_bin(span_s)
        start, counts = engine.activity(self.bin_seconds)
        self.bars: pg.BarGraphItem | None = None
        if counts:
            peak = max(counts) or 1
            b = self.bin_seconds
            xs = [_epoch(start) + b * i + b / 2 for i in range(len(counts))]
            self.bars = pg.BarGraphItem(
                x=xs,
                height=[c / peak for c in counts],
                width=b * 0.9,
                brush=pg.mkBrush("#78909c"),
                pen=pg.mkPen(None),
            )
            self.plot.addItem(self.bars)
        self._marks_by_lane: dict[str, list[Mark]] = {}
        for m in engine.marks:
            self._marks_by_lane.setdefault(m.lane, []).append(m)
        self.scatters: list[pg.ScatterPlotItem] = []
        for lane, marks in self._marks_by_lane.items():
            sc = pg.ScatterPlotItem(
                x=[_epoch(m.ts) for m in marks],
                y=[LANE_Y[lane]] * len(marks),
                data=[m.position for m in marks],
                size=9,
                symbol="d" if lane == "fiche" else "o",
                brush=pg.mkBrush(LANE_COLOURS[lane]),
                pen=pg.mkPen("w"),
                hoverable=True,
                tip=None,
            )
            sc.sigClicked.connect(self._on_mark_clicked)
            self.plot.addItem(sc)
            self.scatters.append(sc)
            label = pg.TextItem(MARK_LANES[lane], color=LANE_COLOURS[lane], anchor=(0, 0.5))
            label.setPos(_epoch(engine.start), LANE_Y[lane] + 0.12)
            self.plot.addItem(label)
        self.time_line = pg.InfiniteLine(
            pos=_epoch(controller.now),
            angle=90,
            movable=True,
            pen=pg.mkPen("#c62828", width=2),
            hoverPen=pg.mkPen("#ff5252", width=3),
        )
        self.plot.addItem(self.time_line)
        # The axis covers the shift and no more (a short journal once ran to ten minutes).
        x0, x1 = _epoch(engine.start), _epoch(engine.end)
        if x1 - x0 < 60:
            x0, x1 = x0 - 30, x1 + 30
        self.plot.setXRange(x0, x1, padding=0.01)
        self.plot.setYRange(0, 2.3, padding=0)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        lay.addWidget(self.plot, 1)
        legend = QLabel(
            f"Barres : activité de la main courante par {_duration(self.bin_seconds)}. "
            "Cliquez ou faites glisser le curseur rouge pour vous placer ; cliquez un repère "
            "pour y aller."
        )
        legend.setStyleSheet("color:#555;")
        legend.setWordWrap(True)  # unwrapped, it made the window wider than a 1366 screen
        lay.addWidget(legend)
        self.set_content(w)

        self.play_button.clicked.connect(controller.toggle)
        self.step_button.clicked.connect(controller.step_next)
        self.speed_box.currentIndexChanged.connect(
            lambda _i: controller.set_speed(self.speed_box.currentData())
        )
        self.marks_box.activated.connect(self._on_mark_chosen)
        self.time_line.sigPositionChangeFinished.connect(self._on_cursor_dragged)
        controller.time_changed.connect(self._on_time)
        controller.playing_changed.connect(self._on_playing)
        self._on_time(controller.now)

    # -- seeking ---------------------------------------------------------------------------

    def seek_epoch(self, x: float) -> None:
        self.controller.seek(datetime.fromtimestamp(x, UTC))

    def _on_cursor_dragged(self, line: Any) -> None:
        self.seek_epoch(float(line.value()))

    def _on_scene_clicked(self, event: Any) -> None:
        if event.isAccepted() or event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        self.seek_epoch(vb.mapSceneToView(event.scenePos()).x())

    def _on_mark_clicked(self, _scatter: Any, points: Any, *_args: Any) -> None:
        if len(points):
            self.jump_to_position(int(points[0].data()))

    def _on_mark_chosen(self, index: int) -> None:
        position = self.marks_box.itemData(index)
        if position is not None:
            self.jump_to_position(int(position))

    def jump_to_position(self, position: int) -> None:
        self.controller.seek(self.engine.entry_time(position))

    # -- display ---------------------------------------------------------------------------

    def _on_time(self, t: datetime) -> None:
        self.time_line.blockSignals(True)
        self.time_line.setValue(_epoch(t))
        self.time_line.blockSignals(False)
        st = self.ctx.room.state
        self.time_label.setText(
            f"{local(t).strftime('%d/%m/%Y %H:%M:%S')} — entrée n° {st.position} / "
            f"{len(self.engine.entries)}"
        )

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚ Pause" if playing else "▶ Lecture")

    def teardown(self) -> None:
        self.controller.stop()
        self.controller.time_changed.disconnect(self._on_time)
        self.controller.playing_changed.disconnect(self._on_playing)
