"""« Relève »: the outgoing chief reads the summary drafted from the journal, adds free text
and records it; the incoming chief, on their own session, reads it and takes the relève.
Either may print it (PDF, the debrief's renderer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.replay.handover import (
    Sheet,
    acknowledge_handover,
    build_summary,
    draft_handover,
    pending_handover,
    procedure_steps,
    to_html,
    write_pdf,
)
from scop.room import CommandRefused, Room
from scop.ui.crew_duty import error_label


class HandoverDialog(QDialog):
    """Drafting (the outgoing chief) or acknowledging (the incoming chief, when a relève
    written by someone else awaits)."""

    def __init__(self, room: Room, library: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self.library = library
        room.sync()
        self.pending = pending_handover(room.state)
        self.acknowledging = (
            self.pending is not None and self.pending.outgoing != room.operator.name
        )
        self.handover_id: str | None = None
        self.setMinimumSize(980, 720)
        lay = QVBoxLayout(self)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-weight:bold; font-size:13px;")
        lay.addWidget(self.header)
        split = QSplitter(Qt.Orientation.Vertical)
        self.summary_view = QTextBrowser()
        split.addWidget(self.summary_view)
        lower = QWidget()
        low = QVBoxLayout(lower)
        low.setContentsMargins(0, 0, 0, 0)
        self.text_label = QLabel()
        low.addWidget(self.text_label)
        self.text = QPlainTextEdit()
        low.addWidget(self.text, 1)
        self.comment = QLineEdit(placeholderText="facultatif : remarque du chef entrant")
        low.addWidget(self.comment)
        split.addWidget(lower)
        split.setSizes([470, 200])
        lay.addWidget(split, 1)
        self.error = error_label()
        lay.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText("Fermer")
        self.ok = QPushButton()
        self.ok.setDefault(False)
        self.print_button = QPushButton("Imprimer (PDF)…")
        self.buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.ok.clicked.connect(self.submit)
        self.print_button.clicked.connect(self._print_clicked)
        lay.addWidget(self.buttons)
        self.text.installEventFilter(self)
        self.comment.installEventFilter(self)
        if self.pending is not None:
            self._show_pending()
        else:
            self._show_draft()

    def eventFilter(self, watched: Any, event: Any) -> bool:
        # Ctrl+Entrée records from inside the text fields too (which keep Entrée for lines).
        if (
            event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            event.accept()
            if event.type() == QEvent.Type.KeyPress and self.ok.isEnabled():
                self.submit()
            return True
        return super().eventFilter(watched, event)

    def _show_draft(self) -> None:
        now = self.room.clock.now()
        self.summary = build_summary(
            self.room.state,
            list(self.room.store.iter_entries()),
            now,
            procedure_steps(self.library) if self.library is not None else None,
        )
        self.setWindowTitle("Relève — compte rendu du chef sortant")
        self.header.setText(
            f"Relève rédigée par {self.room.operator.name} — état de la salle à "
            f"{local(now):%H:%M}, tiré de la main courante"
        )
        self.summary_view.setHtml(to_html(self.summary))
        self.text_label.setText("&Consignes du chef sortant (texte libre) :")
        self.text_label.setBuddy(self.text)
        self.text.setPlaceholderText(
            "Ce que le chef entrant doit savoir : points de vigilance, appels attendus…"
        )
        self.comment.hide()
        self.ok.setText("Enregistrer la relève (Ctrl+Entrée)")
        self.ok.setShortcut("Ctrl+Return")
        self.print_button.setEnabled(False)
        self.text.setFocus()

    def _show_pending(self) -> None:
        h = self.pending
        assert h is not None
        self.summary = h.summary
        self.handover_id = h.id
        self.setWindowTitle(f"Relève {h.id} — prise de relève")
        self.header.setText(
            f"Relève {h.id} rédigée par {h.outgoing} à {local(h.drafted_at):%H:%M} : "
            f"à prendre par {self.room.operator.name}"
        )
        self.summary_view.setHtml(to_html(h.summary))
        self.text_label.setText("Consignes du chef sortant :")
        self.text.setPlainText(h.text)
        self.text.setReadOnly(True)
        if not self.acknowledging:
            # the outgoing chief's own relève, not yet taken: shown (and printable), not
            # written twice
            self.header.setText(
                f"Votre relève {h.id} ({local(h.drafted_at):%H:%M}) attend le chef entrant : "
                "il la prend sur sa propre session (menu Opérations → Relève…)."
            )
            self.comment.hide()
            self.ok.setText("En attente du chef entrant")
            self.ok.setEnabled(False)
            return
        self.ok.setText("Prendre la relève (Ctrl+Entrée)")
        self.ok.setShortcut("Ctrl+Return")
        self.comment.setFocus()

    def submit(self) -> None:
        try:
            if self.acknowledging:
                assert self.handover_id is not None
                acknowledge_handover(self.room, self.handover_id, self.comment.text())
                self.header.setText(
                    f"Relève {self.handover_id} prise par {self.room.operator.name}."
                )
            else:
                self.handover_id = draft_handover(self.room, self.text.toPlainText(), self.summary)
                self.header.setText(
                    f"Relève {self.handover_id} enregistrée en main courante : le chef entrant "
                    "la prend sur son poste (menu Opérations → Relève…)."
                )
                self.text.setReadOnly(True)
        except CommandRefused as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.hide()
        self.ok.setEnabled(False)
        self.print_button.setEnabled(True)

    def _print_clicked(self) -> None:
        self.print_pdf()

    def print_pdf(self, path: Path | None = None) -> Path | None:
        """The relève as journaled, in PDF (from the journal, as ``scop releve print``)."""
        if self.handover_id is None:
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Relève en PDF", f"{self.handover_id}.pdf", "PDF (*.pdf)"
            )
            if not name:
                return None
            path = Path(name)
        self.room.sync()
        h = self.room.state.handovers[self.handover_id]
        write_pdf(Sheet(h, self.room.mode == "exercise"), path)
        return path
