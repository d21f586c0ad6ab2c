"""Every symbol the screens use has a glyph in the UI font, and tab titles keep their
accents when the tab is behind another."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QApplication, QDialog, QTabBar, QTabWidget, QWidget

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


def _accents_drawn(bar: QTabBar) -> list[str]:
    """The unselected tabs of ``bar`` titled with « É », each checked drawn whole: the title
    with its accent differs from the title without, pixel for pixel (Fusion at 9 pt clipped
    the accent away and the two were the same)."""
    checked = []
    for i in range(bar.count()):
        text = bar.tabText(i)
        if not text.startswith("É") or i == bar.currentIndex():
            continue
        rect = bar.tabRect(i)
        shots = []
        for shown in ("E" + text[1:], text):
            bar.setTabText(i, shown)
            shots.append(bar.grab(rect).toImage())
        assert shots[0] != shots[1], f"« {text} » : l'accent n'est pas dessiné"
        checked.append(text)
    return checked


def test_a_tab_behind_keeps_the_accent_of_its_capital(window: Any, qtbot: Any) -> None:
    """In the console's application (its style sheet), every tab bar of the main window, the
    tabbed docks and the tabs inside a dock, and a dialog's, draws « É » whole."""
    from scop.app import qt_application

    QApplication.instance().setStyleSheet("")  # the tests' own copy goes: the console's counts
    qt_application(headless=True)  # the console's application, as a chief sees it
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
    assert "Équipages" in _accents_drawn(bar)

    dashboard = window.docks["dashboard"]  # a dock's own tabs
    dashboard.show()
    dashboard.raise_()
    qtbot.waitUntil(lambda: dashboard.tabs.tabBar().isVisible())
    assert {"Équipages par statut", "Étapes en retard"} <= set(
        _accents_drawn(dashboard.tabs.tabBar())
    )

    dialog = QDialog()  # a window of its own: outside the main window's style
    qtbot.addWidget(dialog)
    tabs = QTabWidget(dialog)
    for title in ("Messages", "Équipages", "Étapes"):
        tabs.addTab(QWidget(), title)
    tabs.resize(400, 200)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert _accents_drawn(tabs.tabBar()) == ["Équipages", "Étapes"]
