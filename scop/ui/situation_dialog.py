"""Le point de situation, as the chief writes it: what the room knows of the event (verified
information only, with how many items were left out), the EMSI update to the PP and the short
text for the astreintes, both editable, then sent through the messages' own path.

The EMSI update is drafted and validated by the outbox's commands (the role table decides who
may do which: an operator drafts, the chief validates and sends), so it is journaled like every
message under the person at the keyboard. Opened from a fiche's « point de situation » step,
the same dialog completes that step, whose draft carries the fiche as its origin.

The astreintes have no gateway in the room: their SMS and e-mail are copied for the phone or
the mail client, and what was handed to them is written to the main courante.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
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
from scop.models.entities import GRAVITIES
from scop.models.permissions import allowed
from scop.models.vocabulary import EXERCISE_MARK, MessageState
from scop.procedures import situation
from scop.protocols import outbox
from scop.protocols.edxl import Identity
from scop.room import CommandRefused
from scop.ui.context import UiContext

log = logging.getLogger(__name__)

EXERCISE_STYLE = "background:#6a1b9a; color:white; font-weight:bold; padding:4px 8px;"
READONLY_STYLE = "background:#eceff1; color:#37474f; font-weight:bold; padding:4px 8px;"
LEFT_OUT_STYLE = "background:#fff3e0; color:#8a4b00; font-weight:bold; padding:3px 6px;"
ALL_VERIFIED_STYLE = "color:#1b5e20; padding:3px 6px;"
BIG = "min-height: 30px; font-weight: bold; padding: 2px 10px;"
CHIEF_ONLY = "Réservé au chef de salle : il valide et envoie les messages à la PP."


def pp_identity(ctx: UiContext) -> Identity:
    """The identity the room's PP link signs with (the default one when no link runs here)."""
    link = ctx.services.get("pp_link")
    return link.config.identity if link is not None else Identity()


class SituationDialog(QDialog):
    """``origin``: the fiche's run and step when opened from a « point de situation » step;
    ``prefill``: what the step's inputs already hold (the chief's typing wins over the room's
    facts)."""

    def __init__(
        self,
        ctx: UiContext,
        event_id: str,
        parent: QWidget | None = None,
        *,
        origin: tuple[str, str] | None = None,
        prefill: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.event_id = event_id
        self.origin = origin
        self.prefill = dict(prefill or {})
        self.sent_key: str | None = None  # the draft this dialog deposited (then validated)
        room = ctx.room
        self.exercise = room.mode == "exercise"
        ev = room.state.events[event_id]
        now = room.clock.now()
        self.facts = situation.situation_of(room.state, event_id, now)
        known = situation.template_fields(room.state, event_id, now)
        mark = " — EXERCICE" if self.exercise else ""
        self.setWindowTitle(f"Point de situation — {ev.id}{mark}")
        self.setObjectName("situation_dialog")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        self.exercise_banner = QLabel(
            f"{EXERCISE_MARK} — ce point de situation est un exercice : "
            "le message et les textes le disent."
        )
        self.exercise_banner.setStyleSheet(EXERCISE_STYLE)
        self.exercise_banner.setVisible(self.exercise)
        lay.addWidget(self.exercise_banner)
        self.readonly_banner = QLabel(ctx.read_only_reason + " Rien ne peut être envoyé d'ici.")
        self.readonly_banner.setStyleSheet(READONLY_STYLE)
        self.readonly_banner.setVisible(bool(ctx.read_only_reason))
        lay.addWidget(self.readonly_banner)

        self.header = QLabel(
            f"<span style='font-size:15px'><b>{html.escape(ev.id)}</b> — "
            f"{html.escape(ev.title)}</span> — {html.escape(ev.address or 'adresse non précisée')}"
            f" — gravité {ev.gravity} ({html.escape(GRAVITIES.get(ev.gravity, ''))}) — "
            f"point établi à {local(now):%H:%M}"
        )
        self.header.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.header)
        if origin is not None:
            self.origin_label = QLabel(self._origin_text(origin))
            self.origin_label.setStyleSheet("color:#0d47a1;")
            lay.addWidget(self.origin_label)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self._sources_column())
        split.addWidget(self._emsi_column(known))
        split.addWidget(self._astreintes_column())
        split.setSizes([330, 470, 420])
        lay.addWidget(split, 1)

        bottom = QHBoxLayout()
        self.status = QLabel()
        self.status.setWordWrap(True)
        bottom.addWidget(self.status, 1)
        self.close_button = QPushButton("Fermer")
        self.close_button.clicked.connect(self.reject)
        bottom.addWidget(self.close_button)
        lay.addLayout(bottom)

        self._update_preview()
        self._update_counter()
        self._update_actions()
        self.resize(1240, 640)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self._on_change)
        self._listening = True
        self.finished.connect(self._disconnect)

    # -- building -------------------------------------------------------------------------------

    def _origin_text(self, origin: tuple[str, str]) -> str:
        runner = self.ctx.procedures
        run_id, step_id = origin
        title, step_title = run_id, step_id
        if runner is not None:
            try:
                v = runner.view(run_id)
                title = v.run.fiche_title
                step_title = v.step(step_id).step.title
            except (CommandRefused, StopIteration):
                pass
        return f"Depuis la fiche « {title} », étape « {step_title} » : l'envoi la marque faite."

    def _sources_column(self) -> QWidget:
        box = QGroupBox("Ce que la salle sait")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(4, 4, 4, 4)
        self.left_out_label = QLabel()
        self.left_out_label.setObjectName("situation_left_out")
        self.left_out_label.setWordWrap(True)
        lay.addWidget(self.left_out_label)
        self.sources = QTextBrowser()
        self.sources.setOpenLinks(False)
        lay.addWidget(self.sources, 1)
        self.reload_button = QPushButton("Reprendre ce que la salle sait")
        self.reload_button.setToolTip(
            "Remplace la situation et les moyens saisis par ce que la salle sait maintenant."
        )
        self.reload_button.clicked.connect(self.reload_facts)
        lay.addWidget(self.reload_button)
        self._show_sources()
        return box

    def _show_sources(self) -> None:
        n = self.facts.left_out
        self.left_out_label.setText(
            f"⚠ {n} information(s) non vérifiée(s) laissée(s) de côté : vérifiez-les dans "
            "la fiche événement avant de les reprendre."
            if n
            else "Toutes les informations de l'événement sont vérifiées."
        )
        self.left_out_label.setStyleSheet(LEFT_OUT_STYLE if n else ALL_VERIFIED_STYLE)
        self.sources.setHtml(self._sources_html())

    def _sources_html(self) -> str:
        s, e = self.facts, html.escape

        def section(title: str, items: tuple[str, ...], empty: str) -> str:
            rows = "".join(f"<li>{e(i)}</li>" for i in items) or f"<li><i>{e(empty)}</i></li>"
            return f"<p style='margin:4px 0 0 0'><b>{e(title)}</b></p><ul>{rows}</ul>"

        return "".join(
            (
                section(f"Informations vérifiées ({len(s.facts)})", s.facts, "aucune à ce stade"),
                section(f"Sur les lieux ({len(s.on_scene)})", s.on_scene, "aucun équipage"),
                section(f"En route ({len(s.engaged)})", s.engaged, "aucun équipage"),
                section("Fiches en cours (étapes faites)", s.fiches, "aucune fiche en cours"),
                section("Messages échangés avec la PP", s.messages, "aucun message"),
            )
        )

    def _emsi_column(self, known: Mapping[str, str]) -> QWidget:
        box = QGroupBox("Mise à jour EMSI à la Préfecture de Police")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(4, 4, 4, 4)
        form = QFormLayout()
        self.situation_edit = QPlainTextEdit()
        self.situation_edit.setObjectName("situation_text")
        self.situation_edit.setPlainText(
            str(self.prefill.get("situation") or "").strip() or known["situation"]
        )
        self.means_edit = QPlainTextEdit(
            str(self.prefill.get("moyens_ville") or "").strip() or known["moyens_ville"]
        )
        self.means_edit.setMaximumHeight(52)
        self.trend_box = QComboBox()
        for code, label in situation.TRENDS.items():
            self.trend_box.addItem(label, code)
        form.addRow("Situation :", self.situation_edit)
        form.addRow("Moyens de la Ville :", self.means_edit)
        form.addRow("Tendance :", self.trend_box)
        lay.addLayout(form, 2)
        lay.addWidget(QLabel("<b>Texte que la PP recevra</b> (message EMSI de mise à jour) :"))
        self.emsi_preview = QTextBrowser()
        self.emsi_preview.setObjectName("situation_emsi_preview")
        lay.addWidget(self.emsi_preview, 1)
        self.role_label = QLabel()
        self.role_label.setWordWrap(True)
        self.role_label.setStyleSheet("color:#8a4b00;")
        lay.addWidget(self.role_label)
        row = QHBoxLayout()
        self.draft_button = QPushButton("Déposer en brouillon")
        self.draft_button.setToolTip(
            "Le brouillon attend la validation du chef de salle (panneau Messages PP)."
        )
        self.send_button = QPushButton("Valider et envoyer à la PP")
        self.send_button.setObjectName("situation_send")
        self.send_button.setStyleSheet(BIG)
        row.addWidget(self.draft_button)
        row.addWidget(self.send_button, 1)
        lay.addLayout(row)
        self.situation_edit.textChanged.connect(self._update_preview)
        self.means_edit.textChanged.connect(self._update_preview)
        self.trend_box.currentIndexChanged.connect(self._update_preview)
        self.draft_button.clicked.connect(lambda: self.send(validate=False))
        self.send_button.clicked.connect(lambda: self.send(validate=True))
        return box

    def _astreintes_column(self) -> QWidget:
        room = self.ctx.room
        st, now = room.state, room.clock.now()
        box = QGroupBox("Texte court pour les astreintes")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(QLabel("<b>SMS</b>"))
        self.sms_edit = QPlainTextEdit(situation.sms_text(st, self.event_id, now, self.exercise))
        self.sms_edit.setObjectName("situation_sms")
        self.sms_edit.setMaximumHeight(78)
        lay.addWidget(self.sms_edit)
        self.sms_counter = QLabel()
        self.sms_counter.setObjectName("situation_sms_counter")
        self.sms_counter.setWordWrap(True)
        self.sms_counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        lay.addWidget(self.sms_counter)
        lay.addWidget(QLabel("<b>E-mail</b>"))
        subject, body = situation.email_text(st, self.event_id, now, self.exercise)
        self.mail_subject = QLineEdit(subject)
        lay.addWidget(self.mail_subject)
        self.mail_body = QPlainTextEdit(body)
        lay.addWidget(self.mail_body, 1)
        for edit in (self.sms_edit, self.mail_body):
            edit.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        row = QHBoxLayout()
        self.copy_sms_button = QPushButton("Copier le SMS")
        self.copy_mail_button = QPushButton("Copier l'e-mail")
        self.log_button = QPushButton("Consigner en main courante")
        self.log_button.setToolTip(
            "Écrit en main courante, sur l'événement, le texte remis aux astreintes."
        )
        for b in (self.copy_sms_button, self.copy_mail_button, self.log_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.sms_edit.textChanged.connect(self._update_counter)
        self.copy_sms_button.clicked.connect(self.copy_sms)
        self.copy_mail_button.clicked.connect(self.copy_mail)
        self.log_button.clicked.connect(self.log_astreintes)
        return box

    # -- what the chief sees --------------------------------------------------------------------

    def edits(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "situation": self.situation_edit.toPlainText().strip(),
            "moyens_ville": self.means_edit.toPlainText().strip(),
            "tendance": str(self.trend_box.currentData() or ""),
        }
        out.update(self._fiche_counts())
        return out

    def _fiche_counts(self) -> dict[str, Any]:
        """The counts the fiche collected (evacuated, at the C.A.RE…), said in the update."""
        runner = self.ctx.procedures
        if self.origin is None or runner is None:
            return {}
        try:
            v = runner.view(self.origin[0])
            step = v.step(self.origin[1]).step
        except (CommandRefused, StopIteration):
            return {}
        fields = runner.message_fields(v.run, step, self._step_inputs())
        return {
            k: fields[k]
            for k in situation.COUNT_LABELS
            if str(fields.get(k, "")).strip() not in ("", "None")
        }

    def _step_inputs(self) -> dict[str, Any]:
        return {k: v for k, v in self.prefill.items() if k not in ("situation", "moyens_ville")}

    def message_fields(self) -> dict[str, Any]:
        room = self.ctx.room
        return outbox.situation_fields(room.state, self.event_id, room.clock.now(), self.edits())

    def _update_preview(self) -> None:
        room = self.ctx.room
        try:
            text = outbox.preview(
                room.state,
                self.event_id,
                situation.TEMPLATE,
                self.message_fields(),
                now=room.clock.now(),
                exercise=self.exercise,
                identity=pp_identity(self.ctx),
            )
        except CommandRefused as exc:
            self.emsi_preview.setPlainText(str(exc))
            return
        trend = str(self.trend_box.currentData() or "")
        if trend:
            text += f"\n\n[Tendance transmise : {situation.TRENDS[trend]}]"
        self.emsi_preview.setPlainText(text)

    def _update_counter(self) -> None:
        typed = self.sms_edit.toPlainText().strip()
        marked = situation.mark_sms(typed, self.exercise)
        added = self.exercise and situation.EXERCISE_WORD not in typed.upper()
        n = len(typed) + (len(situation.EXERCISE_WORD) + 1 if added else 0)
        over = n > situation.SMS_LENGTH
        self.sms_counter.setText(
            f"{n} / {situation.SMS_LENGTH} caractères"
            + (" — « EXERCICE » ajouté" if added else "")
            + (" — TROP LONG : coupé à l'envoi" if over else "")
        )
        self.sms_counter.setToolTip(marked)
        self.sms_counter.setStyleSheet(
            "color:#b71c1c; font-weight:bold;" if over else "color:#1b5e20;"
        )

    def _update_actions(self) -> None:
        role = self.ctx.room.operator.role
        reason = self.ctx.read_only_reason
        can_draft = not reason and allowed("message.draft", role)
        can_send = not reason and allowed("message.validate", role)
        self.draft_button.setEnabled(can_draft)
        self.send_button.setEnabled(can_send)
        self.log_button.setEnabled(not reason and allowed("note", role))
        if reason:
            why = reason
        elif not can_send and can_draft:
            why = CHIEF_ONLY + " Déposez le brouillon : le chef de salle le validera."
        elif not can_send:
            why = CHIEF_ONLY
        else:
            why = ""
        self.role_label.setText(why)
        self.role_label.setVisible(bool(why))
        for b in (self.draft_button, self.send_button, self.log_button):
            if not b.isEnabled():
                b.setToolTip(why or CHIEF_ONLY)

    def _on_change(self, *_args: object) -> None:
        """What the room knows moves while the chief writes: the left column follows (the
        texts being edited do not; « Reprendre » brings the news in)."""
        room = self.ctx.room
        if self.event_id not in room.state.events:
            return
        self.facts = situation.situation_of(room.state, self.event_id, room.clock.now())
        self._show_sources()
        self._update_preview()
        self._update_actions()

    def reload_facts(self) -> None:
        room = self.ctx.room
        known = situation.template_fields(room.state, self.event_id, room.clock.now())
        self.situation_edit.setPlainText(known["situation"])
        self.means_edit.setPlainText(known["moyens_ville"])

    def _disconnect(self) -> None:
        if self._listening:
            self._listening = False
            self.ctx.bridge.changed.disconnect(self._on_change)
            self.ctx.bridge.reset.disconnect(self._on_change)

    # -- acting ---------------------------------------------------------------------------------

    def send(self, validate: bool = True) -> str | None:
        """Draft the update (completing the fiche's step when opened from one), then validate
        it when asked: each is the room's command, refused to a role the table does not
        allow. Returns the draft's key."""
        if self.ctx.read_only_reason:
            return None
        try:
            key = self._draft()
        except CommandRefused as exc:
            self._say(str(exc), error=True)
            return None
        self.sent_key = key
        if not validate:
            self._say("Brouillon déposé : le chef de salle le valide dans le panneau Messages PP.")
            self.accept()
            return key
        try:
            outbox.validate_draft(self.ctx.room, key, pp_identity(self.ctx))
        except CommandRefused as exc:
            self._say(f"Brouillon déposé mais non validé : {exc}", error=True)
            return key
        self._say("Point de situation validé : envoi à la Préfecture de Police.")
        self.accept()
        return key

    def _draft(self) -> str:
        room = self.ctx.room
        if self.origin is None:
            entry = outbox.draft_situation(room, self.event_id, self.edits())
            return str(entry.payload["draft_id"])
        runner = self.ctx.procedures
        if runner is None:
            raise CommandRefused("Les fiches réflexes ne sont pas chargées sur ce poste.")
        run_id, step_id = self.origin
        inputs = {
            **self._step_inputs(),
            "situation": self.situation_edit.toPlainText().strip(),
            "moyens_ville": self.means_edit.toPlainText().strip(),
        }
        runner.complete(run_id, step_id, inputs, message=self.message_fields())
        for m in reversed(list(room.state.messages.values())):
            if (
                m.origin is not None
                and m.origin.get("run_id") == run_id
                and m.origin.get("step_id") == step_id
                and m.state == MessageState.BROUILLON
            ):
                return m.key
        raise CommandRefused("Brouillon de la fiche introuvable après l'étape.")

    def sms(self) -> str:
        return situation.mark_sms(self.sms_edit.toPlainText(), self.exercise)

    def email(self) -> tuple[str, str]:
        subject = self.mail_subject.text().strip()
        body = self.mail_body.toPlainText().strip()
        if self.exercise and situation.EXERCISE_WORD not in subject.upper():
            subject = f"[{situation.EXERCISE_WORD}] {subject}"
        if self.exercise and EXERCISE_MARK not in body:
            body = f"{EXERCISE_MARK}\n\n{body}\n\n{EXERCISE_MARK}"
        return subject, body

    def copy_sms(self) -> None:
        clipboard = QApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.sms())
        self._say("SMS copié : collez-le dans le téléphone d'astreinte.")

    def copy_mail(self) -> None:
        subject, body = self.email()
        clipboard = QApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(f"{subject}\n\n{body}")
        self._say("E-mail copié (objet puis corps).")

    def log_astreintes(self) -> None:
        """What the astreintes were told goes to the main courante, on the event."""
        if self.ctx.read_only_reason:
            return
        subject, _body = self.email()
        text = (
            f"Point de situation remis aux astreintes — SMS : « {self.sms()} » — "
            f"e-mail : « {subject} »"
        )
        try:
            self.ctx.room.note(text, event_id=self.event_id)
        except CommandRefused as exc:
            self._say(str(exc), error=True)
            return
        self._say("Texte des astreintes consigné en main courante.")

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color:#b71c1c; font-weight:bold;" if error else "")
        if error:
            self.ctx.notices.warning(text)
        else:
            self.ctx.notices.info(text)


class SituationWindow:
    """The one point de situation a dock has open: opening another closes the first, and a
    closed one is let go."""

    def __init__(self) -> None:
        self.dialog: SituationDialog | None = None

    def show(self, dialog: SituationDialog) -> SituationDialog:
        self.close()
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()

    def _closed(self, dialog: SituationDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
