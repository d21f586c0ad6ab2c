"""RETEX: the debrief of what is replayed or exercised, previewed and exported.

The preview is the HTML export itself, so what the trainer reads here is what is printed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from scop.models.entries import Entry
from scop.replay.debrief import Debrief, build_debrief, to_html, write
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock


class DebriefDock(ScopDock):
    dock_id = "debrief"
    title = "RETEX"

    def __init__(
        self,
        ctx: UiContext,
        entries: Callable[[], Sequence[Entry]],
        source: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self._entries = entries
        self.source = source
        self.debrief: Debrief | None = None
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.refresh_button = QPushButton("Actualiser le RETEX")
        self.pdf_button = QPushButton("Exporter en PDF…")
        self.html_button = QPushButton("Exporter en HTML…")
        self.summary = QLabel()
        self.summary.setWordWrap(True)  # unwrapped, it made the dock wider than a 1366 screen
        for b in (self.refresh_button, self.pdf_button, self.html_button):
            bar.addWidget(b)
        bar.addWidget(self.summary, 1)
        lay.addLayout(bar)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        lay.addWidget(self.view, 1)
        self.set_content(w)
        self.refresh_button.clicked.connect(self.refresh)
        self.pdf_button.clicked.connect(lambda: self._ask_export(".pdf"))
        self.html_button.clicked.connect(lambda: self._ask_export(".html"))
        self.summary.setText("Le RETEX se construit à l'affichage de ce panneau.")

    def showEvent(self, event: Any) -> None:
        # Built when first shown: a 24-hour shift's RETEX takes a few seconds to lay out.
        super().showEvent(event)
        if self.debrief is None:
            self.refresh()

    def refresh(self) -> None:
        self.debrief = build_debrief(self._entries(), source=self.source)
        d = self.debrief
        self.view.setHtml(to_html(d))
        self.summary.setText(
            f"{d.entries} entrées — {len(d.fiches)} fiche(s) — {len(d.messages)} message(s) — "
            f"{len(d.engagements)} engagement(s)"
        )

    def export(self, path: Path) -> None:
        self.refresh()
        assert self.debrief is not None
        write(self.debrief, path)
        self.ctx.notices.info(f"RETEX exporté : {path}")

    def _ask_export(self, suffix: str) -> None:
        prefix = "EXERCICE — " if self.ctx.room.mode == "exercise" else ""
        kind = "PDF (*.pdf)" if suffix == ".pdf" else "HTML (*.html)"
        name, _ = QFileDialog.getSaveFileName(
            self, f"{prefix}Exporter le RETEX", f"retex{suffix}", kind
        )
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        try:
            self.export(path)
        except OSError as exc:
            self.ctx.notices.error(f"Export du RETEX impossible : {exc}")
