"""Messages with the Préfecture de Police: one thread per event, each message's state at a
glance, the PP's own messages impossible to miss, composing from templates, the chief's
validation, and an alarm when the PP does not acknowledge.

Everything shown is recomputed from the room's state and clock, so a replay seek or an
exercise fork shows the messages as they were; the timer only repaints the ages and alarms.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.models.fold_messages import ANSWER_LABELS, TEMPLATE_LABELS, PPMessage
from scop.models.vocabulary import EventStatus, MessageKind, MessageState
from scop.protocols import outbox
from scop.protocols.edxl import TEMPLATES, Identity
from scop.protocols.pp_service import NOT_CONFIGURED
from scop.room import Change, CommandRefused
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.situation_dialog import SituationDialog, SituationWindow

KEY_ROLE = Qt.ItemDataRole.UserRole + 20
PP_ASKS_SITUATION = MessageKind.DEMANDE_POINT_DE_SITUATION
UNACKED_ALARM_S = 120  # an outgoing message without RECU for this long raises the alarm
STATE_COLOURS = {
    MessageState.BROUILLON: ("#fff8e1", "#6d4c00"),
    MessageState.VALIDE: ("#ffe0b2", "#8a4b00"),
    MessageState.ENVOYE: ("#ffe0b2", "#8a4b00"),
    MessageState.RECU: ("#e8f5e9", "#1b5e20"),
    MessageState.INTEGRE: ("#e8f5e9", "#1b5e20"),
    MessageState.CONSULTE: ("#e8f5e9", "#1b5e20"),
    MessageState.ERREUR: ("#d50000", "#ffffff"),
    MessageState.EXPIRE: ("#d50000", "#ffffff"),
    MessageState.ABANDONNE: ("#eceff1", "#607d8b"),
}
INCOMING_BG = "#0d47a1"  # the PP's messages: white on deep blue, bold
STATE_ICONS = {
    MessageState.BROUILLON: "✎",
    MessageState.VALIDE: "◷",
    MessageState.ENVOYE: "→",
    MessageState.RECU: "✓",
    MessageState.INTEGRE: "✓✓",
    MessageState.CONSULTE: "✓✓✓",
    MessageState.ERREUR: "✖",
    MessageState.EXPIRE: "⚠",
    MessageState.ABANDONNE: "–",
}
BIG = "min-height: 32px; font-weight: bold; padding: 2px 10px;"
HEADERS = ("Heure", "Sens", "Message", "État", "Détail")


def _hhmm(t: datetime | None) -> str:
    return local(t).strftime("%H:%M:%S") if t else ""


class MessagesDock(ScopDock):
    dock_id = "messages"
    title = "Messages PP"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)

        top = QHBoxLayout()
        self.link_label = QLabel("Lien PP : —")
        self.link_label.setObjectName("pp_link_state")
        top.addWidget(self.link_label, 1)
        if ctx.room.mode == "exercise":
            ex = QLabel("EXERCICE — messages marqués Exercise")
            ex.setStyleSheet("background:#6a1b9a; color:white; font-weight:bold; padding:2px 6px;")
            top.addWidget(ex)
        lay.addLayout(top)

        self.incoming_banner = QLabel()
        self.incoming_banner.setObjectName("pp_incoming_banner")
        self.incoming_banner.setStyleSheet(
            f"background:{INCOMING_BG}; color:white; font-weight:bold; font-size:14px;padding:6px;"
        )
        self.incoming_banner.setWordWrap(True)
        self.incoming_banner.hide()
        lay.addWidget(self.incoming_banner)
        self.alarm_banner = QLabel()
        self.alarm_banner.setObjectName("pp_alarm_banner")
        self.alarm_banner.setStyleSheet(
            "background:#d50000; color:white; font-weight:bold; font-size:14px; padding:6px;"
        )
        self.alarm_banner.setWordWrap(True)
        self.alarm_banner.hide()
        lay.addWidget(self.alarm_banner)

        split = QSplitter(Qt.Orientation.Vertical)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(HEADERS))
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        for col, width in enumerate((118, 50, 250, 210)):
            self.tree.setColumnWidth(col, width)
        split.addWidget(self.tree)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        split.addWidget(self.detail)
        split.setSizes([300, 160])
        lay.addWidget(split, 1)

        actions = QHBoxLayout()
        self.validate_btn = QPushButton("Valider et envoyer à la PP")
        self.validate_btn.setStyleSheet(BIG)
        self.discard_btn = QPushButton("Abandonner le brouillon")
        self.situation_btn = QPushButton("Point de situation…")
        self.situation_btn.setToolTip(
            "Rédiger le point de situation de l'événement du message choisi (ou de celui "
            "choisi ci-dessous) : mise à jour EMSI et texte des astreintes."
        )
        actions.addWidget(self.validate_btn, 1)
        actions.addWidget(self.discard_btn)
        actions.addWidget(self.situation_btn)
        lay.addLayout(actions)

        compose = QHBoxLayout()
        self.event_combo = QComboBox()
        self.event_combo.setMinimumWidth(160)
        self.template_combo = QComboBox()
        for key, label in TEMPLATES.items():
            self.template_combo.addItem(label, key)
        self.quantity = QSpinBox()
        self.quantity.setRange(0, 99)
        self.quantity.setPrefix("Qté ")
        self.quantity.setToolTip("Nombre de moyens demandés (0 : non précisé)")
        self.text = QLineEdit(placeholderText="Texte du message (pré-rempli depuis l'événement)")
        self.compose_btn = QPushButton("Rédiger")
        compose.addWidget(self.event_combo, 2)
        compose.addWidget(self.template_combo, 1)
        compose.addWidget(self.quantity)
        compose.addWidget(self.compose_btn)
        lay.addLayout(compose)
        lay.addWidget(self.text)
        self.set_content(w)

        self._items: dict[str, QTreeWidgetItem] = {}
        self._current: str | None = None
        self._link_state: tuple[str, str] | None = None
        self.tree.currentItemChanged.connect(self._on_current)
        self.validate_btn.clicked.connect(self.validate_current)
        self.discard_btn.clicked.connect(self.discard_current)
        self.compose_btn.clicked.connect(self.compose)
        self.situation_btn.clicked.connect(self.open_situation)
        self.situation = SituationWindow()
        self.event_combo.currentIndexChanged.connect(self._suggest_text)
        self.event_combo.currentIndexChanged.connect(self._update_actions)
        self.template_combo.currentIndexChanged.connect(self._suggest_text)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self.refresh)
        ctx.selection.event_selected.connect(self._select_event)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(2000)
        self.refresh()

    # -- reading state -------------------------------------------------------------------------

    def _messages(self) -> list[PPMessage]:
        return list(self.ctx.room.state.messages.values())

    def _now(self) -> datetime:
        return self.ctx.room.clock.now()

    def unacked_too_long(self) -> list[PPMessage]:
        now = self._now()
        return [
            m
            for m in self._messages()
            if m.awaiting_ack
            and (now - (m.sent_at or m.updated_at)).total_seconds() > UNACKED_ALARM_S
        ]

    # -- painting ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild from the room's state (also after a replay reset)."""
        st = self.ctx.room.state
        heads = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        expanded = {h.data(0, KEY_ROLE) for h in heads if h is not None and h.isExpanded()}
        first = not self._items
        self.tree.blockSignals(True)
        self.tree.clear()
        self._items.clear()
        threads: dict[str, list[PPMessage]] = {}
        for m in self._messages():
            threads.setdefault(m.event_id, []).append(m)
        order = sorted(threads, key=lambda ev: max(x.updated_at for x in threads[ev]), reverse=True)
        bold = QFont()
        bold.setBold(True)
        late = {m.key for m in self.unacked_too_long()}
        for ev_id in order:
            msgs = sorted(threads[ev_id], key=lambda x: x.created_at)
            ev = st.events.get(ev_id)
            title = ev.title if ev else next((x.event_name for x in msgs if x.event_name), "")
            unread = sum(1 for x in msgs if x.direction == "in" and not x.consulted_by)
            head = QTreeWidgetItem(
                [
                    "",
                    "",
                    f"{ev_id} — {title}" if title else ev_id,
                    f"{len(msgs)} message(s)" + (f" — {unread} NON LU(S)" if unread else ""),
                    "",
                ]
            )
            head.setData(0, KEY_ROLE, ev_id)
            head.setFirstColumnSpanned(False)
            for col in range(len(HEADERS)):
                head.setFont(col, bold)
            if unread:
                for col in range(len(HEADERS)):
                    head.setBackground(col, QBrush(QColor(INCOMING_BG)))
                    head.setForeground(col, QBrush(QColor("#ffffff")))
            self.tree.addTopLevelItem(head)
            for m in msgs:
                item = QTreeWidgetItem(self._row(m))
                item.setData(0, KEY_ROLE, m.key)
                self._paint(item, m, bold, m.key in late)
                head.addChild(item)
                self._items[m.key] = item
            head.setExpanded(
                first
                or ev_id in expanded
                or bool(unread)
                or any(
                    x.state in (MessageState.BROUILLON, MessageState.ERREUR, MessageState.EXPIRE)
                    for x in msgs
                )
            )
        self.tree.blockSignals(False)
        if self._current in self._items:
            self.tree.setCurrentItem(self._items[self._current])
        self._refresh_events()
        self._tick()
        self._update_actions()
        self._show_detail()

    def _row(self, m: PPMessage) -> list[str]:
        incoming = m.direction == "in"
        detail = (
            m.error
            or m.text
            or str(m.fields.get("texte") or "")
            or ", ".join(f"{k} : {v}" for k, v in m.fields.items())
        )
        state = f"{STATE_ICONS.get(m.state, '')} {m.state_label}"
        if m.answer and not incoming:
            state += f" — {ANSWER_LABELS.get(m.answer, m.answer)}"
        if incoming and not m.consulted_by:
            state = "NOUVEAU — à lire"
        label = TEMPLATE_LABELS.get(m.template, m.template)
        if incoming and m.answer:
            label += f" : {ANSWER_LABELS.get(m.answer, m.answer)}"
        return [
            _hhmm(m.created_at),
            "◀ de" if incoming else "▶ vers",
            ("PP : " if incoming else "") + label,
            state,
            detail,
        ]

    def _paint(self, item: QTreeWidgetItem, m: PPMessage, bold: QFont, late: bool) -> None:
        if m.direction == "in":
            bg, fg = INCOMING_BG, "#ffffff"
            for col in range(len(HEADERS)):
                item.setFont(col, bold)
        else:
            bg, fg = STATE_COLOURS.get(m.state, ("#ffffff", "#000000"))
            if m.state in (MessageState.ERREUR, MessageState.EXPIRE) or late:
                bg, fg = "#d50000", "#ffffff"
                for col in range(len(HEADERS)):
                    item.setFont(col, bold)
        for col in range(len(HEADERS)):
            item.setBackground(col, QBrush(QColor(bg)))
            item.setForeground(col, QBrush(QColor(fg)))
        if m.answer and m.direction == "out":
            colour = {"ACCEPTE": "#1b5e20", "REFUS": "#b71c1c", "PARTIELLE": "#e65100"}
            item.setForeground(3, QBrush(QColor(colour.get(m.answer, "#000000"))))
            item.setFont(3, bold)
        item.setToolTip(4, m.error or m.text)

    def _tick(self) -> None:
        msgs = self._messages()
        unread = [m for m in msgs if m.direction == "in" and not m.consulted_by]
        if unread:
            last = max(unread, key=lambda m: m.created_at)
            self.incoming_banner.setText(
                f"◀ PRÉFECTURE DE POLICE — {len(unread)} message(s) non lu(s) — dernier à "
                f"{_hhmm(last.created_at)} : {last.label} ({last.event_id})"
            )
            self.incoming_banner.show()
        else:
            self.incoming_banner.hide()
        late = self.unacked_too_long()
        expired = [m for m in msgs if m.state == MessageState.EXPIRE]
        errors = [m for m in msgs if m.state == MessageState.ERREUR]
        parts = []
        if late:
            parts.append(
                f"{len(late)} message(s) sans accusé de la PP depuis plus de "
                f"{UNACKED_ALARM_S // 60} min"
            )
        if expired:
            parts.append(f"{len(expired)} message(s) EXPIRÉ(S) sans accusé")
        if errors:
            parts.append(f"{len(errors)} message(s) en erreur")
        if parts:
            self.alarm_banner.setText("⚠ ALARME LIEN PP — " + " ; ".join(parts))
            self.alarm_banner.show()
        else:
            self.alarm_banner.hide()
        window = self.window()
        if hasattr(window, "set_alarm"):  # the status bar, seen from every layout
            window.set_alarm("pp", "⚠ ALARME LIEN PP — " + " ; ".join(parts) if parts else None)
        link = self.ctx.services.get("pp_link")
        state = getattr(link, "state", None)
        if state is not None and state != self._link_state:
            self._link_state = state
            colour = {"ok": "#1b5e20", "warning": "#e65100", "error": "#b71c1c"}.get(state[0])
            self.link_label.setText(f"● {state[1]}")
            self.link_label.setStyleSheet(f"color:{colour}; font-weight:bold;")
        elif link is None:
            # The room's gateway carries the link: show what its lease says, an alarm when it
            # went silent, never a reassurance nobody stands behind.
            view = getattr(self.ctx.services.get("room_status"), "view", None)
            if view is not None:
                colour = {"ok": "#1b5e20", "degraded": "#e65100"}.get(view.pp[0], "#b71c1c")
                self.link_label.setText(f"● {view.pp[1]}")
                self.link_label.setStyleSheet(f"color:{colour}; font-weight:bold;")
            elif self.ctx.room.mode == "live":
                self.link_label.setText(f"● {NOT_CONFIGURED}")
                self.link_label.setStyleSheet("color:#b71c1c; font-weight:bold;")
            else:
                self.link_label.setText("Lien PP : non démarré")
        bold = QFont()
        bold.setBold(True)
        late_keys = {m.key for m in late}
        for key, item in self._items.items():
            m = self.ctx.room.state.messages.get(key)
            if m is not None and m.awaiting_ack:
                self._paint(item, m, bold, key in late_keys)

    def _refresh_events(self) -> None:
        current = self.event_combo.currentData()
        self.event_combo.blockSignals(True)
        self.event_combo.clear()
        events = sorted(
            (e for e in self.ctx.room.state.events.values() if e.status != EventStatus.CLOS),
            key=lambda e: (-e.gravity, e.id),
        )
        for e in events:
            self.event_combo.addItem(f"{e.id} — {e.title}", e.id)
        idx = self.event_combo.findData(current or self.ctx.selection.event_id)
        self.event_combo.setCurrentIndex(max(idx, 0))
        self.event_combo.blockSignals(False)
        if not self.text.text():
            self._suggest_text()

    def _suggest_text(self) -> None:
        ev = self.ctx.room.state.events.get(str(self.event_combo.currentData()))
        template = str(self.template_combo.currentData())
        if ev is None:
            return
        crews = f" Équipages sur place : {', '.join(ev.crews)}." if ev.crews else ""
        where = f" — {ev.address}" if ev.address else ""
        suggestions = {
            "alerte": f"{ev.title}{where}.{crews}",
            "point_de_situation": f"Point de situation : {ev.title}{where}, "
            f"statut {ev.status_label.lower()}.{crews}",
            "annulation": f"Annulation du message précédent concernant {ev.title}.",
        }
        if template.startswith("demande_"):
            text = f"Demande de {TEMPLATES[template].split(' ', 1)[1]} pour {ev.title}{where}."
        elif template.startswith("compte_rendu_"):
            text = f"{TEMPLATES[template]} — {ev.title}{where}."
        else:
            text = suggestions.get(template, ev.title)
        self.text.setText(text)
        self.quantity.setEnabled(template.startswith(("demande_", "compte_rendu_")))

    def _update_actions(self) -> None:
        ro = self.ctx.room.store.readonly
        m = self._current_message()
        chief = self.ctx.room.operator.role == "chief"
        draft = m is not None and m.state == MessageState.BROUILLON
        self.validate_btn.setEnabled(draft and chief and not ro)
        self.validate_btn.setToolTip("" if chief else "Réservé au chef de salle")
        self.discard_btn.setEnabled(draft and not ro)
        # the PP asked for a point de situation: the answer is one click away, and says so
        asked = m is not None and m.direction == "in" and m.template == PP_ASKS_SITUATION
        self.situation_btn.setText(
            "Répondre par un point de situation…" if asked else "Point de situation…"
        )
        self.situation_btn.setStyleSheet(BIG if asked else "")
        self.situation_btn.setEnabled(self._situation_event() is not None)
        for widget in (
            self.compose_btn,
            self.event_combo,
            self.template_combo,
            self.text,
            self.quantity,
        ):
            widget.setEnabled(not ro)

    def _current_message(self) -> PPMessage | None:
        if self._current is None:
            return None
        m: PPMessage | None = self.ctx.room.state.messages.get(self._current)
        return m

    def _show_detail(self) -> None:
        m = self._current_message()
        if m is None:
            self.detail.setHtml("<i>Choisissez un message pour le lire.</i>")
            return
        e = html.escape
        rows = [
            ("Message", e(m.label)),
            ("Événement", e(m.event_id)),
            (
                "Sens",
                "reçu de la Préfecture de Police"
                if m.direction == "in"
                else "vers la Préfecture de Police",
            ),
            ("État", e(m.state_label)),
        ]
        if m.author:
            rows.append(("Rédigé par" if m.direction == "out" else "Émetteur", e(m.author)))
        if m.origin:
            rows.append(("Origine", f"fiche réflexe {e(str(m.origin.get('run_id', '')))}"))
        if m.validated_by:
            rows.append(("Validé par", e(m.validated_by)))
        if m.sent_at:
            rows.append(("Envoyé à", _hhmm(m.sent_at)))
        if m.expires_at:
            rows.append(("Expire à", _hhmm(m.expires_at)))
        if m.answer:
            rows.append(
                (
                    "Réponse de la PP",
                    f"<b>{e(ANSWER_LABELS.get(m.answer, m.answer))}</b>"
                    + (f" — {e(m.answer_text)}" if m.answer_text else ""),
                )
            )
        if m.error:
            rows.append(("Erreur", f"<b style='color:#b71c1c'>{e(m.error)}</b>"))
        if m.consulted_by:
            rows.append(("Consulté par", e(m.consulted_by)))
        if m.distribution_id:
            rows.append(("Identifiant", f"<small>{e(m.distribution_id)}</small>"))
        body = m.text or "<br>".join(f"{e(str(k))} : {e(str(v))}" for k, v in m.fields.items())
        if m.exercise:
            rows.insert(0, ("", "<b style='color:#6a1b9a'>EXERCICE EXERCICE EXERCICE</b>"))
        table = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
        self.detail.setHtml(
            f"<table cellspacing=2>{table}</table><p>{e(body) if m.text else body}</p>"
        )

    # -- reacting ------------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if any(e.kind.startswith(("pp.", "event.")) for e in change.entries):
            self.refresh()

    def _on_current(self, current: QTreeWidgetItem | None, _previous: Any) -> None:
        key = current.data(0, KEY_ROLE) if current is not None else None
        if key in self._items:
            self._current = str(key)
            m = self._current_message()
            if m is not None:
                self.ctx.selection.select_event(m.event_id)
                if m.direction == "in" and not m.consulted_by:
                    outbox.consult(self.ctx.room, m.key)  # refreshes through the bridge
        self._update_actions()
        self._show_detail()

    def _select_event(self, event_id: str) -> None:
        idx = self.event_combo.findData(event_id)
        if idx >= 0 and idx != self.event_combo.currentIndex():
            self.event_combo.setCurrentIndex(idx)

    def select_message(self, key: str) -> None:
        item = self._items.get(key)
        if item is not None:
            self.tree.setCurrentItem(item)

    def _identity(self) -> Identity:
        link = self.ctx.services.get("pp_link")
        return link.config.identity if link is not None else Identity()

    def compose(self) -> str | None:
        event_id = self.event_combo.currentData()
        template = str(self.template_combo.currentData())
        if not event_id:
            self.ctx.notices.warning("Choisissez l'événement sur lequel porte le message.")
            return None
        fields: dict[str, Any] = {"texte": self.text.text().strip()}
        if self.quantity.isEnabled() and self.quantity.value():
            fields["quantite"] = self.quantity.value()
        try:
            entry = outbox.draft_message(self.ctx.room, str(event_id), template, fields)
        except CommandRefused as e:
            self.ctx.notices.warning(str(e))
            return None
        key = str(entry.payload["draft_id"])
        self.text.clear()
        self._suggest_text()
        self._current = key
        self.refresh()
        return key

    def _situation_event(self) -> str | None:
        m = self._current_message()
        ev = m.event_id if m is not None else self.event_combo.currentData()
        return str(ev) if ev and str(ev) in self.ctx.room.state.events else None

    def open_situation(self) -> SituationDialog | None:
        event_id = self._situation_event()
        if event_id is None:
            self.ctx.notices.warning(
                "Cet événement n'est pas dans la main courante de la salle : pas de point "
                "de situation à en tirer."
            )
            return None
        return self.situation.show(SituationDialog(self.ctx, event_id, self))

    def validate_current(self) -> None:
        m = self._current_message()
        if m is None:
            return
        try:
            outbox.validate_draft(self.ctx.room, m.key, self._identity())
        except CommandRefused as e:
            self.ctx.notices.warning(str(e))
            return
        self.ctx.notices.info(f"{m.label} validé : envoi à la Préfecture de Police.")

    def discard_current(self) -> None:
        m = self._current_message()
        if m is None:
            return
        try:
            outbox.discard_draft(self.ctx.room, m.key, "abandonné depuis le panneau Messages PP")
        except CommandRefused as e:
            self.ctx.notices.warning(str(e))

    def teardown(self) -> None:
        self._timer.stop()
        self.situation.close()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self.refresh)
        self.ctx.selection.event_selected.disconnect(self._select_event)
