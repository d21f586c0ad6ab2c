"""The observatoire's map: a choropleth painted with QPainter from the shipped polygons, with
its title, period, legend, counts and sources on the picture itself, so that an exported PNG
reads alone. No web page, no tiles: it works offline."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from scop.clock import local
from scop.errors import cannot_write
from scop.reports.choropleth import SOURCES_TEXT, Choropleth, Level, areas, classes

RAMP = ("#fde0c5", "#facba6", "#f59e72", "#e4694d", "#b83b3b")
EMPTY = "#f4f1ea"


def colour_of(n: int, steps: list[tuple[int, int]]) -> str:
    for i, (lo, hi) in enumerate(steps):
        if lo <= n <= hi:
            return RAMP[min(i, len(RAMP) - 1)]
    return EMPTY


class ChoroplethView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: Choropleth | None = None
        self.setMinimumSize(320, 120)  # the dock shares a 1366×768 screen

    def show_counts(self, data: Choropleth) -> None:
        self.data = data
        self.update()

    def title(self) -> str:
        d = self.data
        what = f"catégorie {d.category}" if d is not None and d.category else "toutes catégories"
        level = "arrondissement" if d is None or d.level == Level.ARRONDISSEMENT else "quartier"
        return f"Événements par {level} — {what}"

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        self.paint(p, QRectF(self.rect()))
        p.end()

    def paint(self, p: QPainter, rect: QRectF) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(rect, QColor("white"))
        d = self.data
        if d is None:
            return
        shapes = areas(d.level)
        x0 = min(a.bbox[0] for a in shapes)
        y0 = min(a.bbox[1] for a in shapes)
        x1 = max(a.bbox[2] for a in shapes)
        y1 = max(a.bbox[3] for a in shapes)
        kx = math.cos(math.radians((y0 + y1) / 2))
        legend_w = 190.0
        top = 52.0
        area = QRectF(rect.left() + 8, rect.top() + top, rect.width() - legend_w - 16,
                      rect.height() - top - 30)  # fmt: skip
        s = min(area.width() / ((x1 - x0) * kx), area.height() / (y1 - y0))
        ox = area.left() + (area.width() - (x1 - x0) * kx * s) / 2
        oy = area.top() + (area.height() - (y1 - y0) * s) / 2

        def pt(lon: float, lat: float) -> QPointF:
            return QPointF(ox + (lon - x0) * kx * s, oy + (y1 - lat) * s)

        steps = classes(max(d.counts.values(), default=0))
        small = QFont(self.font())
        small.setPointSizeF(7.5 if d.level == Level.QUARTIER else 9)
        for a in shapes:
            path = QPainterPath()
            for poly in a.polygons:
                for ring in poly:
                    path.moveTo(pt(*ring[0]))
                    for q in ring[1:]:
                        path.lineTo(pt(*q))
                    path.closeSubpath()
            n = d.counts.get(a.key, 0)
            p.setPen(QPen(QColor("#5d5348"), 1.0))
            p.setBrush(QBrush(QColor(colour_of(n, steps))))
            p.drawPath(path)
        p.setFont(small)
        p.setPen(QColor("#222"))
        for a in shapes:
            c = pt((a.bbox[0] + a.bbox[2]) / 2, (a.bbox[1] + a.bbox[3]) / 2)
            n = d.counts.get(a.key, 0)
            p.drawText(QRectF(c.x() - 30, c.y() - 8, 60, 16), Qt.AlignmentFlag.AlignCenter, str(n))
        # title, period, legend, sources
        big = QFont(self.font())
        big.setPointSizeF(13)
        big.setBold(True)
        p.setFont(big)
        p.drawText(QRectF(rect.left() + 10, rect.top() + 4, rect.width() - 20, 22),
                   Qt.AlignmentFlag.AlignLeft, self.title())  # fmt: skip
        normal = QFont(self.font())
        normal.setPointSizeF(9)
        p.setFont(normal)
        period = (
            f"du {local(d.start):%d/%m/%Y %H:%M} au {local(d.end):%d/%m/%Y %H:%M} — "
            f"{d.total} événement(s) placé(s)"
            + (f", {d.outside} hors des limites ou sans position" if d.outside else "")
        )
        if d.total == 0:
            period += " — aucun événement sur la période : carte à zéro"
        p.drawText(QRectF(rect.left() + 10, rect.top() + 28, rect.width() - 20, 18),
                   Qt.AlignmentFlag.AlignLeft, period)  # fmt: skip
        lx = rect.right() - legend_w
        ly = rect.top() + top + 10
        p.drawText(QPointF(lx, ly), "Événements")
        rows = [(EMPTY, "0"), *((RAMP[i], f"{lo} – {hi}" if lo != hi else f"{lo}")
                                for i, (lo, hi) in enumerate(steps))]  # fmt: skip
        for i, (colour, text) in enumerate(rows):
            y = ly + 10 + i * 20
            p.setPen(QPen(QColor("#5d5348"), 1))
            p.setBrush(QBrush(QColor(colour)))
            p.drawRect(QRectF(lx, y, 22, 14))
            p.setPen(QColor("#222"))
            p.drawText(QPointF(lx + 30, y + 11), text)
        tiny = QFont(self.font())
        tiny.setPointSizeF(7)
        p.setFont(tiny)
        p.setPen(QColor("#555"))
        p.drawText(QRectF(rect.left() + 10, rect.bottom() - 22, rect.width() - 20, 18),
                   Qt.AlignmentFlag.AlignLeft, SOURCES_TEXT)  # fmt: skip

    def export_png(self, path: Path, size: QSize | None = None) -> None:
        """A picture of its own size (A4-ish landscape by default), not a screen grab."""
        size = size or QSize(1400, 1000)
        img = QImage(size, QImage.Format.Format_ARGB32)
        img.fill(QColor("white"))
        p = QPainter(img)
        self.paint(p, QRectF(0, 0, size.width(), size.height()))
        p.end()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not img.save(str(path), "PNG"):  # type: ignore[call-overload]
                raise OSError(13, "refused", str(path))
        except OSError as exc:
            raise cannot_write(path, exc) from exc
