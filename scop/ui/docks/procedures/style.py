"""Colours and sizes of the procedures dock: an overdue step is solid red with white bold text,
and every button a chief presses under stress is big."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from scop.models.vocabulary import StepStatus
from scop.procedures.texts import Tone

OVERDUE_BG = "#d50000"  # solid red, white bold text: nobody misses it
STATUS_COLOURS: dict[str, tuple[str, str]] = {  # background, text
    StepStatus.FAIT: ("#e8f5e9", "#1b5e20"),
    StepStatus.SAUTE: ("#eceff1", "#546e7a"),
    StepStatus.EN_COURS: ("#e3f2fd", "#0d47a1"),
    StepStatus.A_FAIRE: ("#ffffff", "#212121"),
    StepStatus.HORS_PARCOURS: ("#fafafa", "#9e9e9e"),
}
COUNTDOWN_BASE = "font-size: 20px; font-weight: bold; padding: 4px;"
COUNTDOWN_STYLES: dict[Tone, str] = {
    Tone.OVERDUE: COUNTDOWN_BASE + f"background:{OVERDUE_BG}; color:white;",
    Tone.DEADLINE: COUNTDOWN_BASE + "background:#fff3e0; color:#e65100;",
    Tone.TIMER: COUNTDOWN_BASE + "background:#e3f2fd; color:#0d47a1;",
    Tone.INFO: COUNTDOWN_BASE + "color:#546e7a; font-size: 14px;",
}
RUN_ROLE = Qt.ItemDataRole.UserRole + 10
STEP_ROLE = Qt.ItemDataRole.UserRole + 11
BIG = "min-height: 38px; font-size: 14px; font-weight: bold; padding: 2px 10px;"
# Styled for both states: a green disabled button still looked like one to press.
DONE_STYLE = (
    f"QPushButton {{ {BIG} background:#2e7d32; color:white; }}"
    "QPushButton:disabled { background:#d6d6d6; color:#8a8a8a; }"
)
READONLY_WHY = "Relecture : lecture seule, rien ne se lance ni ne se coche."
NO_RUN_WHY = (
    "Aucune fiche sélectionnée : choisissez une fiche en cours à gauche, ou lancez-en une "
    "(Ctrl+Maj+F)."
)


def enable(widget: QWidget, enabled: bool, why: str) -> None:
    """A disabled control says why in its tooltip; an enabled one gets its own back."""
    widget.setEnabled(enabled)
    if not enabled:
        if widget.property("scop_tip") is None:
            widget.setProperty("scop_tip", widget.toolTip())
        widget.setToolTip(why)
    elif widget.property("scop_tip") is not None:
        widget.setToolTip(str(widget.property("scop_tip")))


def highlight(view: QWidget, overdue: bool) -> None:
    """The selected row keeps the alarm colour: selecting a late step must not hide it."""
    palette = view.palette()
    colour = QColor("#8e0000" if overdue else "#1565c0")
    if palette.color(QPalette.ColorRole.Highlight) != colour:
        palette.setColor(QPalette.ColorRole.Highlight, colour)
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor("white"))
        view.setPalette(palette)
