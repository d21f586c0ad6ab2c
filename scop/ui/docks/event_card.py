"""The card of the selected event: what it is, its information items and how far each is
checked, its crews, the crews that would arrive first (one action engages the first), the
déroulement of an engaged crew (with confirmation), its lifecycle, and its history from the
main courante."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from scop import operations as ops
from scop.clock import local
from scop.models.describe import describe, kind_label
from scop.models.entities import GRAVITIES, VERIFICATION_STATES, Event
from scop.models.entries import SOURCES, Entry
from scop.models.nomenclatures import category_label
from scop.models.permissions import shows_callers
from scop.models.vocabulary import EventStatus, Verification
from scop.room import Change, CommandRefused
from scop.safety.places import hazards_near
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.docks.crews_dock import STATUS_COLOURS
from scop.ui.qt_models.rows import read_only_rows
from scop.ui.safety.places import PlacesPanel, hazard_line
from scop.ui.situation_dialog import SituationDialog, SituationWindow

log = logging.getLogger(__name__)

GRAVITY_BADGES = {1: "#66bb6a", 2: "#ffb300", 3: "#fb8c00", 4: "#e53935"}
CLOSING_REASONS = (
    "Traité sur place",
    "Levée de doute négative",
    "Relayé à un partenaire",
    "Relayé à la Préfecture de Police",
    "Doublon",
    "Fausse alerte",
)


def _table(headers: tuple[str, ...]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    read_only_rows(t)
    t.verticalHeader().setDefaultSectionSize(22)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[tuple[Any, ...]], key: list[str]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(str(value))
            item.setData(Qt.ItemDataRole.UserRole, key[r])
            table.setItem(r, c, item)


class EventCardDock(ScopDock):
    dock_id = "event_card"
    title = "Fiche événement"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.event_id: str | None = None
        self._history: dict[str, list[Entry]] = {}
        self._indexed_to = 0
        self._history_ready = False  # built from the journal when first needed, not at start
        self.reroute_box: QMessageBox | None = None
        self.situation = SituationWindow()

        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(6, 6, 6, 6)
        self.header = QLabel("Aucun événement sélectionné.")
        self.header.setObjectName("event_card_header")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(False)  # wrapped rich text gets one line in a squeezed dock
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Ignored across: a long header must not widen the card past a 1366-pixel screen's
        # column (its text is also in the tooltip).
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        lay.addWidget(self.header)
        self.places = PlacesPanel(ctx)  # hazard flags and antécédents at the event's place
        lay.addWidget(self.places)

        life = QHBoxLayout()
        self.take_button = QPushButton("Prendre en compte")
        self.start_button = QPushButton("En cours")
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(CLOSING_REASONS)
        self.reason.setCurrentIndex(-1)
        reason_edit = self.reason.lineEdit()
        if reason_edit is not None:
            reason_edit.setPlaceholderText("Motif de clôture")
        self.close_button = QPushButton("Clore")
        for b in (self.take_button, self.start_button):
            life.addWidget(b)
        life.addStretch(1)
        life.addWidget(self.reason, 2)
        life.addWidget(self.close_button)
        lay.addLayout(life)

        link = QHBoxLayout()
        link.addWidget(QLabel("Événement principal :"))
        self.parent_box = QComboBox()
        self.parent_box.setMinimumWidth(160)
        self.link_button = QPushButton("Rattacher")
        link.addWidget(self.parent_box, 1)
        link.addWidget(self.link_button)
        self.situation_button = QPushButton("Point de situation…")
        self.situation_button.setObjectName("situation_button")
        self.situation_button.setToolTip(
            "Rédiger le point de situation de l'événement : mise à jour EMSI à la PP et texte "
            "court pour les astreintes, à partir des seules informations vérifiées."
        )
        link.addWidget(self.situation_button)
        lay.addLayout(link)

        engage_row = QHBoxLayout()
        self.engage_first_button = QPushButton("Engager le premier suggéré (Ctrl+G)")
        self.engage_first_button.setObjectName("engage_first")
        self.engage_first_button.setStyleSheet("font-weight:bold; padding:4px 10px;")
        self.first_label = QLabel()
        engage_row.addWidget(self.engage_first_button)
        engage_row.addWidget(self.first_label, 1)
        lay.addLayout(engage_row)

        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 1)

        # Crews: engaged, suggested, déroulement candidates.
        crews_tab = QWidget()
        cl = QVBoxLayout(crews_tab)
        cl.setContentsMargins(2, 2, 2, 2)
        cl.addWidget(QLabel("<b>Équipages engagés</b>"))
        self.engaged = _table(("Indicatif", "Mode", "Statut", "Depuis"))
        self.engaged.setMaximumHeight(96)
        cl.addWidget(self.engaged)
        row = QHBoxLayout()
        self.on_scene_button = QPushButton("Sur les lieux")
        self.release_button = QPushButton("Dégager")
        row.addWidget(self.on_scene_button)
        row.addWidget(self.release_button)
        row.addStretch(1)
        cl.addLayout(row)
        cl.addWidget(
            QLabel("<b>Suggestions</b> (équipages disponibles, par temps d'arrivée estimé)")
        )
        self.suggestions = _table(
            ("Indicatif", "Mode", "Distance", "Arrivée estimée", "Fraîcheur position")
        )
        self.suggestions.setMinimumHeight(110)
        cl.addWidget(self.suggestions, 1)
        row = QHBoxLayout()
        self.engage_selected_button = QPushButton("Engager la sélection")
        row.addWidget(self.engage_selected_button)
        row.addStretch(1)
        cl.addLayout(row)
        cl.addWidget(QLabel("<b>Déroulement</b> (équipages engagés sur un événement moins grave)"))
        self.reroutes = _table(("Indicatif", "Mode", "Engagé sur", "Gravité", "Arrivée estimée"))
        self.reroutes.setMaximumHeight(110)
        cl.addWidget(self.reroutes)
        row = QHBoxLayout()
        self.reroute_button = QPushButton("Dérouler vers cet événement…")
        row.addWidget(self.reroute_button)
        row.addStretch(1)
        cl.addLayout(row)
        self.tabs.addTab(crews_tab, "Équipages")

        # Information items.
        info_tab = QWidget()
        il = QVBoxLayout(info_tab)
        il.setContentsMargins(2, 2, 2, 2)
        self.infos = _table(("Heure", "Source", "Information", "Vérification"))
        self.infos.setColumnWidth(0, 60)
        self.infos.setColumnWidth(1, 130)
        self.infos.setColumnWidth(2, 320)
        il.addWidget(self.infos, 1)
        row = QHBoxLayout()
        self.verify_box = QComboBox()
        for code, label in VERIFICATION_STATES.items():
            self.verify_box.addItem(label, code)
        self.verify_button = QPushButton("Changer l'état")
        row.addWidget(QLabel("Information sélectionnée :"))
        row.addWidget(self.verify_box)
        row.addWidget(self.verify_button)
        row.addStretch(1)
        il.addLayout(row)
        row = QHBoxLayout()
        self.info_source = QComboBox()
        for code in ops.INTAKE_SOURCES:
            self.info_source.addItem(SOURCES[code], code)
        self.info_text = QLineEdit(placeholderText="Nouvelle information (Entrée pour ajouter)")
        self.add_info_button = QPushButton("Ajouter")
        row.addWidget(self.info_source)
        row.addWidget(self.info_text, 1)
        row.addWidget(self.add_info_button)
        il.addLayout(row)
        self.tabs.addTab(info_tab, "Informations")

        self.history = QListWidget()
        self.history.setWordWrap(True)
        self.history.setAlternatingRowColors(True)
        self.tabs.addTab(self.history, "Historique")
        w.setMinimumHeight(560)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(w)
        self.set_content(scroll)

        self.engage_action = QAction("&Engager le premier équipage suggéré", self)
        self.engage_action.setShortcut(QKeySequence("Ctrl+G"))
        self.engage_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.engage_action.triggered.connect(self.engage_first)
        self.menu_actions = [self.engage_action]

        self.link_button.clicked.connect(
            lambda: self._run(ops.link_event, self.event_id, self.parent_box.currentData())
        )
        self.take_button.clicked.connect(lambda: self._run(ops.take_in_hand, self.event_id))
        self.start_button.clicked.connect(lambda: self._run(ops.start_event, self.event_id))
        self.close_button.clicked.connect(self.close_event)
        self.engage_first_button.clicked.connect(self.engage_first)
        self.engage_selected_button.clicked.connect(self.engage_selected)
        self.suggestions.doubleClicked.connect(lambda _i: self.engage_selected())
        self.reroute_button.clicked.connect(self.ask_reroute)
        self.situation_button.clicked.connect(self.open_situation)
        self.on_scene_button.clicked.connect(
            lambda: self._on_engaged(lambda cs: ops.crew_on_scene(self.ctx.room, cs))
        )
        self.release_button.clicked.connect(
            lambda: self._on_engaged(lambda cs: ops.release(self.ctx.room, cs))
        )
        self.add_info_button.clicked.connect(self.add_info)
        self.info_text.returnPressed.connect(self.add_info)
        self.verify_button.clicked.connect(self.change_verification)

        ctx.selection.event_selected.connect(self.show_event)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self._on_reset)
        self._fix_timer = QTimer(self, singleShot=True, interval=1000)
        self._fix_timer.timeout.connect(self._refresh_suggestions)
        self._age_timer = QTimer(self, interval=30_000)  # "il y a N min" in the header
        self._age_timer.timeout.connect(self._refresh_header)
        self._age_timer.start()
        self.refresh()

    def wire(self, docks: dict[str, ScopDock]) -> None:
        self.window().addAction(self.engage_action)

    # -- state -----------------------------------------------------------------------------

    def current_event(self) -> Event | None:
        # Not a property named ``event``: that would shadow QObject.event() for Qt.
        return self.ctx.room.state.events.get(self.event_id) if self.event_id else None

    def show_event(self, event_id: str) -> None:
        self.event_id = event_id
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if change.entries:
            if self._history_ready:
                self._index(change.entries)
            self.refresh()
        elif change.fixes and self.event_id and not self._fix_timer.isActive():
            self._fix_timer.start()  # positions move the ranking: at most once a second

    def _on_reset(self) -> None:
        self._history_ready = False  # the state was replaced (replay): read it again
        self.refresh()

    def _rebuild_history(self) -> None:
        self._history.clear()
        self._indexed_to = 0
        until = self.ctx.room.state.position
        entries: list[Entry] = []
        for e in self.ctx.room.store.iter_entries():
            if e.position > until:
                break
            entries.append(e)
        self._index(entries)
        self._history_ready = True

    def _index(self, entries: Any) -> None:
        for e in entries:
            if e.position <= self._indexed_to:
                continue
            self._indexed_to = e.position
            for key in ("id", "event_id", "from_event_id", "to_event_id"):
                ev_id = e.payload.get(key)
                if isinstance(ev_id, str):
                    bucket = self._history.setdefault(ev_id, [])
                    if not bucket or bucket[-1].position != e.position:
                        bucket.append(e)

    def history_entries(self, event_id: str) -> list[Entry]:
        if not self._history_ready:
            self._rebuild_history()
        return list(self._history.get(event_id, ()))

    # -- display ---------------------------------------------------------------------------

    def refresh(self) -> None:
        ev = self.current_event()
        reason = self.ctx.read_only_reason
        readonly = bool(reason)
        for b in (
            self.take_button,
            self.start_button,
            self.close_button,
            self.engage_first_button,
            self.engage_selected_button,
            self.reroute_button,
            self.on_scene_button,
            self.release_button,
            self.add_info_button,
            self.verify_button,
            self.link_button,
        ):
            b.setEnabled(ev is not None and not readonly and ev.status != EventStatus.CLOS)
            if readonly:
                b.setToolTip(reason)
        self.engage_action.setEnabled(
            ev is not None and not readonly and ev.status != EventStatus.CLOS
        )
        # readable in a replay too (the RETEX asks what could have been said); sending is not
        self.situation_button.setEnabled(ev is not None)
        if ev is None:
            self.header.setText(
                "Aucun événement sélectionné : choisissez-en un dans la liste "
                "ou sur la carte, ou créez-en un (F2)."
            )
            for t in (self.engaged, self.suggestions, self.reroutes, self.infos):
                t.setRowCount(0)
            self.history.clear()
            self.first_label.setText("")
            self.places.show_place(None, None)
            return
        self.places.show_place(ev.lon, ev.lat, ev.address, exclude=ev.id)
        self.take_button.setEnabled(
            self.take_button.isEnabled() and ev.status == EventStatus.NOUVEAU
        )
        self.start_button.setEnabled(
            self.start_button.isEnabled() and ev.status != EventStatus.EN_COURS
        )
        self.header.setText(self._header_html(ev))
        self.header.setToolTip(ev.description)
        st = self.ctx.room.state
        self._fill_parents(ev)
        engaged = [st.crews[c] for c in ev.crews if c in st.crews]
        _fill(
            self.engaged,
            [
                (
                    c.call_sign,
                    c.mode_label,
                    c.status_label,
                    local(c.status_since).strftime("%H:%M") if c.status_since else "",
                )
                for c in engaged
            ],
            [c.call_sign for c in engaged],
        )
        for r, c in enumerate(engaged):
            item = self.engaged.item(r, 2)
            if item is not None:
                item.setForeground(_colour(STATUS_COLOURS.get(c.status, "#000")))
        infos = list(ev.infos)
        _fill(
            self.infos,
            [
                (
                    local(i.ts).strftime("%H:%M"),
                    SOURCES.get(i.source, i.source),
                    i.text,
                    i.verification_label,
                )
                for i in infos
            ],
            [str(i.id) for i in infos],
        )
        for r, i in enumerate(infos):
            item = self.infos.item(r, 3)
            if item is not None:
                item.setForeground(
                    _colour(
                        {
                            Verification.A_VERIFIER: "#c62828",
                            Verification.EN_VERIFICATION: "#ef6c00",
                            Verification.VERIFIE: "#2e7d32",
                        }[i.verification]
                    )
                )
        self._refresh_suggestions()
        self.history.clear()
        for e in self.history_entries(ev.id):
            if e.position > st.position:
                continue
            self.history.addItem(
                f"{local(e.ts):%H:%M:%S}  {kind_label(e.kind)} — {describe(e)}  ({e.author})"
            )
        self.history.scrollToBottom()

    def _refresh_header(self) -> None:
        ev = self.current_event()
        if ev is not None:
            self.header.setText(self._header_html(ev))

    def _fill_parents(self, ev: Event) -> None:
        self.parent_box.blockSignals(True)
        self.parent_box.clear()
        self.parent_box.addItem("(aucun)", None)
        for other in sorted(self.ctx.room.state.events.values(), key=lambda e: e.created_at):
            if other.id != ev.id and (other.status != EventStatus.CLOS or other.id == ev.parent_id):
                self.parent_box.addItem(f"{other.id} — {other.title}", other.id)
        self.parent_box.setCurrentIndex(max(0, self.parent_box.findData(ev.parent_id)))
        self.parent_box.blockSignals(False)

    def _refresh_suggestions(self) -> None:
        ev = self.current_event()
        if ev is None:
            return
        st = self.ctx.room.state
        now = self.ctx.room.clock.now()
        ranked = ops.rank_crews(st, ev, now, limit=12) if ev.status != EventStatus.CLOS else []
        _fill(
            self.suggestions,
            [
                (
                    s.call_sign,
                    st.crews[s.call_sign].mode_label,
                    s.distance_label,
                    s.eta_label,
                    "ancienne ⚠" if s.stale else "récente",
                )
                for s in ranked
            ],
            [s.call_sign for s in ranked],
        )
        if ranked:
            s = ranked[0]
            self.first_label.setText(
                f"→ <b>{s.call_sign}</b> ({st.crews[s.call_sign].mode_label},"
                f" {s.distance_label}, ~{s.eta_label})"
            )
        else:
            self.first_label.setText("Aucun équipage disponible et localisé.")
            self.engage_first_button.setEnabled(False)
            self.engage_action.setEnabled(False)
        reroutes = (
            ops.rank_for_reroute(st, ev, now, limit=8) if ev.status != EventStatus.CLOS else []
        )
        rows = []
        for s in reroutes:
            cur = st.events.get(st.crews[s.call_sign].event_id or "")
            rows.append(
                (
                    s.call_sign,
                    st.crews[s.call_sign].mode_label,
                    cur.id if cur else "",
                    cur.gravity if cur else "",
                    s.eta_label,
                )
            )
        _fill(self.reroutes, rows, [s.call_sign for s in reroutes])

    def _header_html(self, ev: Event) -> str:
        st = self.ctx.room.state
        e = html.escape
        badge = GRAVITY_BADGES.get(ev.gravity, "#999")
        age = (self.ctx.room.clock.now() - ev.created_at).total_seconds() / 60
        parent = st.events.get(ev.parent_id or "")
        kids = ops.children(self.ctx.room, ev.id)
        lines = [
            f"<span style='font-size:15px'><b>{e(ev.id)}</b> — {e(ev.title)}</span> "
            f"<span style='background:{badge}; color:white; padding:1px 6px'>"
            f"&nbsp;{ev.gravity} — {e(GRAVITIES.get(ev.gravity, ''))}&nbsp;</span> "
            f"<b>{e(ev.status_label)}</b>"
            + (f" — motif : {e(ev.closing_reason)}" if ev.closing_reason else ""),
            f"{e(category_label(ev.category))} ({e(ev.category)}) — source : "
            f"{e(SOURCES.get(ev.source, ev.source))} — créé à "
            f"{local(ev.created_at):%H:%M} (il y a {int(age)} min)",
            f"Lieu : {e(ev.address or 'adresse non précisée')}"
            + (
                f" ({ev.lat:.5f}, {ev.lon:.5f})"
                if ev.lat is not None and ev.lon is not None
                else ""
            ),
        ]
        if ev.caller and shows_callers(self.ctx.room.operator.role):
            lines.append(f"☎ {e(ev.caller)}")
        elif ev.caller:  # the wall display and visiting partners: no caller's name or phone
            lines.append("☎ appelant masqué (affichage observateur)")
        if ev.description:
            text = ev.description if len(ev.description) <= 140 else ev.description[:139] + "…"
            lines.append(f"<i>{e(text)}</i>")
        if parent is not None:
            lines.append(f"Rattaché à {e(parent.id)} — {e(parent.title)}")
        if kids:
            lines.append(
                "Événements liés : " + ", ".join(f"{e(k.id)} ({e(k.title)})" for k in kids)
            )
        return "<br>".join(lines)

    # -- commands --------------------------------------------------------------------------

    def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.event_id is None:
            return None
        try:
            return fn(self.ctx.room, *args)
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
        except Exception as exc:
            log.exception("commande impossible")
            self.ctx.notices.error(f"Commande impossible : {exc}")
        return None

    def engage_first(self) -> str | None:
        """The single action: engage the crew that would arrive first."""
        cs = self._run(ops.engage_first_suggested, self.event_id)
        if isinstance(cs, str):
            self.ctx.notices.info(f"{cs} engagé sur {self.event_id}.")
            self.warn_hazards(cs)
            return cs
        return None

    def warn_hazards(self, call_sign: str) -> str:
        """The engagement confirmation carries the place's hazard flags: the crew is told
        before it arrives."""
        ev = self.current_event()
        if ev is None:
            return ""
        st, now = self.ctx.room.state, self.ctx.room.clock.now()
        hazards = hazards_near(st, now, lon=ev.lon, lat=ev.lat, address=ev.address)
        if not hazards:
            return ""
        text = f"{call_sign} engagé sur {ev.id} — DANGER SIGNALÉ, à passer à l'équipage : " + (
            " ; ".join(hazard_line(h) for h in hazards)
        )
        self.ctx.notices.warning(text)
        return text

    def engage_selected(self) -> None:
        row = self.suggestions.currentRow()
        item = self.suggestions.item(row, 0) if row >= 0 else None
        if item is None:
            self.ctx.notices.warning("Choisissez d'abord un équipage dans les suggestions.")
            return
        if self._run(ops.engage, item.text(), self.event_id) is None:
            crew = self.ctx.room.state.crews.get(item.text())
            if crew is not None and crew.event_id == self.event_id:
                self.warn_hazards(item.text())

    def _on_engaged(self, fn: Callable[[str], None]) -> None:
        row = self.engaged.currentRow()
        if row < 0 and self.engaged.rowCount() == 1:
            row = 0
        item = self.engaged.item(row, 0) if row >= 0 else None
        if item is None:
            self.ctx.notices.warning("Choisissez d'abord un équipage engagé.")
            return
        self._run(lambda _room: fn(item.text()))

    def close_event(self) -> None:
        reason = self.reason.currentText().strip()
        if not reason:
            self.ctx.notices.warning("Indiquez le motif de clôture.")
            self.reason.setFocus()
            return
        self._run(ops.close_event, self.event_id, reason)
        self.reason.setCurrentIndex(-1)
        self.reason.setEditText("")

    def ask_reroute(self) -> QMessageBox | None:
        """Déroulement needs the operator's confirmation: the other event loses its crew."""
        ev = self.current_event()
        row = self.reroutes.currentRow()
        if row < 0 and self.reroutes.rowCount() > 0:
            row = 0
        item = self.reroutes.item(row, 0) if row >= 0 else None
        if ev is None or item is None:
            self.ctx.notices.warning("Aucun équipage à dérouler vers cet événement.")
            return None
        call_sign = item.text()
        crew = self.ctx.room.state.crews.get(call_sign)
        current = self.ctx.room.state.events.get(crew.event_id or "") if crew else None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Déroulement",
            f"Dérouler {call_sign} de {current.id if current else '—'} "
            f"(« {current.title if current else ''} », gravité "
            f"{current.gravity if current else '?'}) vers {ev.id} "
            f"(« {ev.title} », gravité {ev.gravity}) ?\n\n"
            f"{current.id if current else 'L’autre événement'} perd cet équipage.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("Dérouler")
        box.button(QMessageBox.StandardButton.No).setText("Annuler")
        target = ev.id

        def done(result: int) -> None:
            self.reroute_box = None
            if result == QMessageBox.StandardButton.Yes:
                self._run(
                    lambda room: ops.reroute(
                        room, call_sign, target, "déroulement vers un événement plus grave"
                    )
                )
            box.deleteLater()

        box.finished.connect(done)
        self.reroute_box = box
        box.open()
        return box

    def open_situation(self) -> SituationDialog | None:
        """The point de situation of the shown event, in its own window (the card stays
        usable beside it)."""
        ev = self.current_event()
        if ev is None:
            self.ctx.notices.warning("Choisissez d'abord un événement.")
            return None
        return self.situation.show(SituationDialog(self.ctx, ev.id, self))

    def add_info(self) -> None:
        text = self.info_text.text().strip()
        if not text:
            return
        if self._run(ops.add_info, self.event_id, text, self.info_source.currentData()):
            self.info_text.clear()

    def change_verification(self) -> None:
        row = self.infos.currentRow()
        item = self.infos.item(row, 0) if row >= 0 else None
        if item is None:
            self.ctx.notices.warning("Choisissez d'abord une information.")
            return
        info_id = int(item.data(Qt.ItemDataRole.UserRole))
        self._run(ops.set_verification, self.event_id, info_id, self.verify_box.currentData())

    def teardown(self) -> None:
        self._fix_timer.stop()
        self._age_timer.stop()
        if self.reroute_box is not None:
            self.reroute_box.close()
        self.situation.close()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self._on_reset)


def _colour(hex_colour: str) -> QBrush:
    return QBrush(QColor(hex_colour))
