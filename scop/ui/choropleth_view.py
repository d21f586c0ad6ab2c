"""The observatoire's map as a picture: the choropleth painted with QPainter from the shipped
polygons, with its title, period, legend, counts and sources on the picture itself, so that an
exported PNG reads alone. No web page, no tiles: it works offline.

The live map shows the same counts as a layer (scop/ui/map); an export of that layer paints
the :class:`Choropleth` the layer was sent, here, rather than grabbing the web view (whose
pixels depend on the dock's size and on what else the operator has switched on).
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen

from scop.errors import cannot_write
from scop.reports.choropleth import (
    SOURCES_TEXT,
    Choropleth,
    Level,
    areas,
    classes,
    colour_of,
    legend_rows,
    period_text,
    title,
)

EXPORT_SIZE = QSize(1400, 1000)


def paint(p: QPainter, rect: QRectF, d: Choropleth, mode: str = "live") -> None:
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillRect(rect, QColor("white"))
    base = QFont("DejaVu Sans")
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
    for a in shapes:
        path = QPainterPath()
        for poly in a.polygons:
            for ring in poly:
                path.moveTo(pt(*ring[0]))
                for q in ring[1:]:
                    path.lineTo(pt(*q))
                path.closeSubpath()
        p.setPen(QPen(QColor("#5d5348"), 1.0))
        p.setBrush(QBrush(QColor(colour_of(d.counts.get(a.key, 0), steps))))
        p.drawPath(path)
    small = QFont(base)
    small.setPointSizeF(7.5 if d.level == Level.QUARTIER else 9)
    p.setFont(small)
    p.setPen(QColor("#222"))
    for a in shapes:
        c = pt(*a.at)
        p.drawText(QRectF(c.x() - 30, c.y() - 8, 60, 16), Qt.AlignmentFlag.AlignCenter,
                   str(d.counts.get(a.key, 0)))  # fmt: skip
    big = QFont(base)
    big.setPointSizeF(13)
    big.setBold(True)
    p.setFont(big)
    p.drawText(QRectF(rect.left() + 10, rect.top() + 4, rect.width() - 20, 22),
               Qt.AlignmentFlag.AlignLeft, title(d, mode))  # fmt: skip
    normal = QFont(base)
    normal.setPointSizeF(9)
    p.setFont(normal)
    p.drawText(QRectF(rect.left() + 10, rect.top() + 28, rect.width() - 20, 18),
               Qt.AlignmentFlag.AlignLeft, period_text(d))  # fmt: skip
    lx = rect.right() - legend_w
    ly = rect.top() + top + 10
    p.drawText(QPointF(lx, ly), "Événements")
    for i, (colour, text) in enumerate(legend_rows(steps)):
        y = ly + 10 + i * 20
        p.setPen(QPen(QColor("#5d5348"), 1))
        p.setBrush(QBrush(QColor(colour)))
        p.drawRect(QRectF(lx, y, 22, 14))
        p.setPen(QColor("#222"))
        p.drawText(QPointF(lx + 30, y + 11), text)
    tiny = QFont(base)
    tiny.setPointSizeF(7)
    p.setFont(tiny)
    p.setPen(QColor("#555"))
    p.drawText(QRectF(rect.left() + 10, rect.bottom() - 22, rect.width() - 20, 18),
               Qt.AlignmentFlag.AlignLeft, SOURCES_TEXT)  # fmt: skip


def export_png(d: Choropleth, path: Path, mode: str = "live", size: QSize | None = None) -> None:
    """A picture of its own size (A4-ish landscape by default), not a screen grab."""
    size = size or EXPORT_SIZE
    img = QImage(size, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    # the texts also as PNG text chunks: a file manager or an archive can index them
    img.setText("Title", title(d, mode))
    img.setText("Description", period_text(d))
    img.setText("Source", SOURCES_TEXT)
    p = QPainter(img)
    paint(p, QRectF(0, 0, size.width(), size.height()), d, mode)
    p.end()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not img.save(str(path), "PNG"):  # type: ignore[call-overload]
            raise OSError(13, "refused", str(path))
    except OSError as exc:
        raise cannot_write(path, exc) from exc
