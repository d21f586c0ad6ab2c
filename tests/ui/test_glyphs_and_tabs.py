"""Every symbol the screens use has a glyph in the UI font, and tab titles keep their
accents when the tab is behind another."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QApplication, QTabBar

ROOT = Path(__file__).resolve().parents[2]


def _symbols() -> dict[str, str]:
    """Characters beyond Latin Extended in the code's strings and the map's script, with a
    place each is used."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "scop").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for ch in node.value:
                    if ord(ch) > 0x24F:
                        found.setdefault(ch, f"{path.relative_to(ROOT)}:{node.lineno}")
    js = ROOT / "resources" / "web" / "scop_map.js"
    for lineno, line in enumerate(js.read_text(encoding="utf-8").splitlines(), 1):
        for ch in line:
            if ord(ch) > 0x24F:
                found.setdefault(ch, f"{js.relative_to(ROOT)}:{lineno}")
    return found


def test_every_symbol_in_labels_has_a_glyph_in_the_ui_font(qapp: Any) -> None:
    symbols = _symbols()
    assert "●" in symbols  # the scan sees the status bar's link dot
    metrics = QFontMetrics(QApplication.font())
    missing = [
        f"{ch} U+{ord(ch):04X} {unicodedata.name(ch, '?')} ({where})"
        for ch, where in sorted(symbols.items())
        if not metrics.inFontUcs4(ord(ch))
    ]
    assert missing == [], f"glyphes absents de {QApplication.font().family()} : {missing}"


def _top_ink(bar: QTabBar, index: int) -> int:
    """The first pixel row of the tab's title (dark pixels, away from the borders)."""
    image = bar.grab().toImage()
    rect = bar.tabRect(index)
    for y in range(rect.top(), rect.bottom()):
        for x in range(rect.left() + 4, rect.right() - 4):
            if QColor(image.pixel(x, y)).lightness() < 110:
                return y
    raise AssertionError(f"onglet {bar.tabText(index)!r} sans texte")


def test_a_tab_behind_keeps_the_accent_of_its_capital(window: Any, qtbot: Any) -> None:
    window.apply_layout("chef")  # « Équipages » behind « Messages PP »

    def tab_bar() -> QTabBar | None:
        return next(
            (
                b
                for b in window.findChildren(QTabBar)
                if b.isVisible()
                and {"Équipages", "Messages PP"} <= {b.tabText(i) for i in range(b.count())}
            ),
            None,
        )

    qtbot.waitUntil(lambda: tab_bar() is not None)
    bar = tab_bar()
    assert bar is not None
    texts = [bar.tabText(i) for i in range(bar.count())]
    crews, messages = texts.index("Équipages"), texts.index("Messages PP")
    qtbot.waitUntil(lambda: bar.currentIndex() == messages)
    # the accent of É rises above the capitals of « Messages PP »
    assert _top_ink(bar, crews) < _top_ink(bar, messages) - 1
