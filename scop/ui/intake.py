"""The intake of a new event, built for a phone call: every field from the keyboard,
Enter moves on, Ctrl+Entrée creates. The address completes against the offline address base
as it is typed; a click on the map fills it by reverse geocoding."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from scop import operations as ops
from scop.geo import addresses
from scop.geo.addresses import Address, AddressNotFound, fold
from scop.geo.area import haversine_m
from scop.models.entities import GRAVITIES
from scop.models.entries import SOURCES
from scop.models.nomenclatures import categories
from scop.models.vocabulary import EventStatus
from scop.room import CommandRefused
from scop.ui.context import UiContext
from scop.ui.safety.places import PlacesPanel

log = logging.getLogger(__name__)

# Words operators use on the phone, found with the EMSI labels they mean.
KEYWORDS: dict[str, str] = {
    "ASB": "rixe bagarre tapage nuisances incivilite agression vol degradation depot sauvage",
    "ASB/ABV": "voiture ventouse epave",
    "ASR": "secours sauvetage",
    "FIR": "feu fumee",
    "FLD": "fuite d eau degat des eaux",
    "HLT": "malaise blesse personne vulnerable detresse",
    "PSW/DEM": "rassemblement",
    "PSW/MIS": "fugue enfant perdu",
    "PSW/PKG": "colis suspect bagage abandonne",
    "PSW/SUS": "squat occupation hall",
    "TRP/COL": "accident accrochage",
}

NEARBY_M = 200  # an open event this close to the new one may be the same

FOLDED_ROLE = Qt.ItemDataRole.UserRole + 20
CODE_ROLE = Qt.ItemDataRole.UserRole + 21


def category_choices() -> list[tuple[str, str]]:
    """(text shown, code): "Incendie (FIR)", "Comportement antisocial › Véhicule abandonné
    (ASB/ABV)"."""
    out = []
    for code, c in categories().items():
        text = f"{c.parent_label} › {c.label}" if c.parent_label else c.label
        out.append((f"{text} ({code})", code))
    return out


class FoldingCompleter(QCompleter):
    """Matches what is typed without accents or case, anywhere in the label."""

    def splitPath(self, path: str) -> list[str]:
        return [fold(path)]

    def pathFromIndex(self, index: Any) -> str:
        return str(index.data(Qt.ItemDataRole.DisplayRole))


class IntakeDialog(QDialog):
    created = Signal(str)  # event id

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Nouvel événement")
        self.setObjectName("intake_dialog")
        self.setMinimumWidth(620)
        self.created_id: str | None = None
        self._point: tuple[float, float] | None = None  # clicked on the map
        self._point_label = ""  # the address reverse-geocoded from the click
        self._resolved: Address | None = None

        self.source = QComboBox()
        for code in ops.INTAKE_SOURCES:
            self.source.addItem(SOURCES[code], code)

        self.category = QLineEdit(placeholderText="Tapez : incendie, rixe, véhicule…")
        cat_model = QStandardItemModel(self)
        self._categories: dict[str, str] = {}
        self._search: dict[str, str] = {}  # code -> folded label and keywords
        for text, code in category_choices():
            item = QStandardItem(text)
            item.setData(f"{fold(text)} {KEYWORDS.get(code, '')}".strip(), FOLDED_ROLE)
            item.setData(code, CODE_ROLE)
            cat_model.appendRow(item)
            self._categories[fold(text)] = code
            self._search[code] = f"{fold(text)} {KEYWORDS.get(code, '')}"
        self._cat_completer = FoldingCompleter(cat_model, self)
        self._cat_completer.setCompletionRole(FOLDED_ROLE)
        self._cat_completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self._cat_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._cat_completer.setMaxVisibleItems(12)
        self.category.setCompleter(self._cat_completer)
        self._cat_completer.activated[str].connect(  # type: ignore[index]
            self._category_chosen
        )

        self.gravity = QComboBox()
        for g, label in GRAVITIES.items():
            self.gravity.addItem(f"{g} — {label}", g)
        self.gravity.setCurrentIndex(1)

        self.address = QLineEdit(placeholderText="52 rue oberk… (ou clic droit sur la carte)")
        self._addr_model = QStringListModel(self)
        self._addr_completer = QCompleter(self._addr_model, self)
        self._addr_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._addr_completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._addr_completer.setMaxVisibleItems(10)
        self.address.setCompleter(self._addr_completer)
        self._addr_completer.activated[str].connect(  # type: ignore[index]
            self._address_chosen
        )
        self.address_state = QLabel()
        self.address_state.setWordWrap(True)
        self.nearby = QLabel()
        self.nearby.setObjectName("intake_nearby")
        self.nearby.setWordWrap(True)
        self.nearby.setStyleSheet("color:#ef6c00; font-weight:bold;")
        self.nearby.hide()
        self.places = PlacesPanel(ctx)  # antécédents and hazard flags at this place

        self.caller = QLineEdit(placeholderText="Nom, qualité, numéro de rappel")
        self.title_edit = QLineEdit(placeholderText="Par défaut : la catégorie")
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("Ce qui est signalé (Maj+Entrée : nouvelle ligne)")
        self.description.setFixedHeight(72)
        self.description.setTabChangesFocus(True)
        self.parent_event = QComboBox()
        self.parent_event.addItem("(aucun)", None)
        for ev in sorted(ctx.room.state.events.values(), key=lambda e: e.created_at, reverse=True):
            if ev.status != EventStatus.CLOS:
                self.parent_event.addItem(f"{ev.id} — {ev.title}", ev.id)

        self.error = QLabel()
        self.error.setObjectName("intake_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color:#c62828; font-weight:bold;")
        self.error.hide()

        form = QFormLayout()
        form.addRow("&Source", self.source)
        form.addRow("&Catégorie", self.category)
        form.addRow("&Gravité", self.gravity)
        form.addRow("&Adresse", self.address)
        form.addRow("", self.address_state)
        form.addRow("", self.nearby)
        form.addRow("", self.places)
        form.addRow("A&ppelant", self.caller)
        form.addRow("&Intitulé", self.title_edit)
        form.addRow("&Description", self.description)
        form.addRow("Événement &lié", self.parent_event)

        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(
            "Créer (Ctrl+Entrée)", QDialogButtonBox.ButtonRole.AcceptRole
        )
        cancel = self.buttons.addButton("Annuler (Échap)", QDialogButtonBox.ButtonRole.RejectRole)
        for b in (self.create_button, cancel):
            b.setAutoDefault(False)
            b.setDefault(False)
        self.create_button.clicked.connect(self.submit)
        cancel.clicked.connect(self.reject)

        lay = QVBoxLayout(self)
        hint = QLabel("Entrée : champ suivant — Ctrl+Entrée : créer — Échap : annuler")
        hint.setStyleSheet("color:#555;")
        lay.addWidget(hint)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)

        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self).activated.connect(self.submit)
        self._order: list[QWidget] = [
            self.source,
            self.category,
            self.gravity,
            self.address,
            self.caller,
            self.title_edit,
            self.description,
            self.parent_event,
            self.create_button,
        ]
        for w in self._order[:-1]:
            w.installEventFilter(self)
        # After the completer's own filter, so this one sees the popup's keys first.
        self._cat_popup = self._cat_completer.popup()
        assert self._cat_popup is not None
        self._cat_popup.installEventFilter(self)
        self.address.textEdited.connect(self._address_edited)
        self._addr_timer = QTimer(self, singleShot=True, interval=120)
        self._addr_timer.timeout.connect(self._update_address_choices)
        self._update_address_state()
        if ctx.room.store.readonly:
            self.create_button.setEnabled(False)
            self._show_error("Main courante en lecture seule : création impossible.")

    # -- keyboard --------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key, mods = event.key(), event.modifiers()
            if watched is self._cat_popup and key in (
                Qt.Key.Key_Return,
                Qt.Key.Key_Enter,
            ):
                self._take_category_completion(
                    submit=bool(mods & Qt.KeyboardModifier.ControlModifier)
                )
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if mods & Qt.KeyboardModifier.ControlModifier:
                    self.submit()
                    return True
                if watched is self.description and mods & Qt.KeyboardModifier.ShiftModifier:
                    return False
                popup = self._popup_for(watched)
                if popup is not None and popup.isVisible():
                    return False  # the completer takes this Enter
                self._move_on(watched)
                return True
        return super().eventFilter(watched, event)

    def _popup_for(self, w: QObject) -> QWidget | None:
        if w is self.category:
            return self._cat_completer.popup()
        if w is self.address:
            return self._addr_completer.popup()
        return None

    def _move_on(self, w: QObject) -> None:
        if w is self.category:
            self._normalise_category()
        if w is self.address:
            self._resolve_address(quiet=False)
        idx = next((n for n, x in enumerate(self._order) if x is w), -1)
        if 0 <= idx < len(self._order) - 1:
            self._order[idx + 1].setFocus(Qt.FocusReason.TabFocusReason)

    # -- category --------------------------------------------------------------------------

    def category_code(self) -> str | None:
        text = self.category.text().strip()
        if not text:
            return None
        key = fold(text)
        if key in self._categories:
            return self._categories[key]
        upper = text.upper()
        if upper in categories():
            return upper
        matches = [code for code, words in self._search.items() if key in words]
        return matches[0] if len(matches) == 1 else None

    def _take_category_completion(self, *, submit: bool) -> None:
        """One Enter in the category popup takes the highlighted completion (or the first
        shown) and moves on: the popup closing alone left « rixe » and cost a second Enter."""
        popup = self._cat_popup
        assert popup is not None
        index = popup.currentIndex()
        text = str(index.data(Qt.ItemDataRole.DisplayRole)) if index.isValid() else ""
        popup.hide()
        if text:
            self.category.setText(text)
        if submit:
            self.submit()
        else:
            self._move_on(self.category)

    def _category_chosen(self, text: str) -> None:
        # The operator's next Enter moves on: moving focus here would race the popup, which
        # hands focus back to the field as it closes.
        self.category.setText(text)

    def _normalise_category(self) -> None:
        code = self.category_code()
        if code is not None:
            for text, c in category_choices():
                if c == code:
                    self.category.setText(text)
                    break
        elif self.category.text().strip():
            # Several matches: take the first the completer shows, as the operator saw it.
            self._cat_completer.setCompletionPrefix(self.category.text())
            if self._cat_completer.completionCount() >= 1:
                self.category.setText(self._cat_completer.currentCompletion())

    # -- address ---------------------------------------------------------------------------

    def set_point(self, lon: float, lat: float) -> None:
        """Prefill from a click on the map: the nearest address, and the clicked point."""
        self._point = (lon, lat)
        self._resolved = None
        index = addresses.loaded_index() or addresses.get_index()
        try:
            addr = index.reverse(lon, lat)
            self._point_label = addr.label
            self.address.setText(addr.label)
        except AddressNotFound as exc:
            self._point_label = ""
            self.address.setText("")
            self._show_error(str(exc))
        self._update_address_state()

    def _address_edited(self, _text: str) -> None:
        self._resolved = None
        if self.address.text() != self._point_label:
            self._point = None
        self._addr_timer.start()
        self._update_address_state()

    def _update_address_choices(self) -> None:
        index = addresses.loaded_index()
        if index is None:
            self.address_state.setText("Base d'adresses en cours de chargement…")
            self._addr_timer.start(300)
            return
        choices = [a.label for a in index.complete(self.address.text(), limit=10)]
        self._addr_model.setStringList(choices)
        if choices and self.address.hasFocus():
            self._addr_completer.complete()

    def _address_chosen(self, text: str) -> None:
        self._point = None
        self.address.setText(text)
        self._resolve_address(quiet=True)

    def _resolve_address(self, quiet: bool) -> Address | None:
        """Geocode what is typed; shows the result (or the reason it fails) under the field."""
        if self._point is not None:
            self._update_address_state()
            return None
        text = self.address.text().strip()
        if not text:
            self._resolved = None
            self._update_address_state()
            return None
        index = addresses.loaded_index() or addresses.get_index()
        try:
            self._resolved = index.geocode(text)
        except AddressNotFound as exc:
            self._resolved = None
            if not quiet:
                self._show_error(str(exc))
            self._update_address_state()
            return None
        self.address.setText(self._resolved.label)
        self.error.hide()
        self._update_address_state()
        return self._resolved

    def point(self) -> tuple[float, float] | None:
        if self._point is not None:
            return self._point
        if self._resolved is not None:
            return self._resolved.lon, self._resolved.lat
        return None

    def _update_nearby(self) -> None:
        """Open events close to the place: the call may be about one already handled."""
        p = self.point()
        self.places.show_place(
            p[0] if p else None, p[1] if p else None, self.address.text() if p else ""
        )
        near = []
        if p is not None:
            for ev in self.ctx.room.state.events.values():
                if ev.status == EventStatus.CLOS or ev.lon is None or ev.lat is None:
                    continue
                d = haversine_m(p[0], p[1], ev.lon, ev.lat)
                if d <= NEARBY_M:
                    near.append((d, ev))
        near.sort(key=lambda t: t[0])
        if near:
            self.nearby.setText(
                "Déjà en cours à proximité : "
                + " ; ".join(f"{ev.id} {ev.title} ({int(d)} m)" for d, ev in near[:3])
                + " — doublon ? rattachez-le comme événement lié."
            )
            self.nearby.show()
        else:
            self.nearby.hide()

    def _update_address_state(self) -> None:
        self._update_nearby()
        if self._point is not None:
            lon, lat = self._point
            self.address_state.setText(f"Point de la carte : {lat:.5f}, {lon:.5f}")
            self.address_state.setStyleSheet("color:#2e7d32;")
        elif self._resolved is not None:
            self.address_state.setText(
                f"✔ {self._resolved.label} ({self._resolved.lat:.5f}, {self._resolved.lon:.5f})"
            )
            self.address_state.setStyleSheet("color:#2e7d32;")
        else:
            self.address_state.setText("Adresse à choisir dans la liste ou à saisir en entier")
            self.address_state.setStyleSheet("color:#757575;")

    # -- submit ----------------------------------------------------------------------------

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def submit(self) -> None:
        if self.created_id is not None:
            return
        code = self.category_code()
        if code is None:
            self._normalise_category()
            code = self.category_code()
        if code is None:
            self._show_error("Catégorie introuvable : choisissez-la dans la liste proposée.")
            self.category.setFocus()
            return
        self._normalise_category()  # show the operator the category that will be recorded
        if self._point is not None:
            lon, lat = self._point
            address = self.address.text().strip()
        else:
            resolved = self._resolved or self._resolve_address(quiet=False)
            if resolved is None:
                if not self.address.text().strip():
                    self._show_error("Indiquez une adresse ou un point sur la carte.")
                self.address.setFocus()
                return
            lon, lat, address = resolved.lon, resolved.lat, resolved.label
        try:
            ev_id = ops.create_event(
                self.ctx.room,
                source=str(self.source.currentData()),
                category=code,
                gravity=int(self.gravity.currentData()),
                address=address,
                lon=lon,
                lat=lat,
                title=self.title_edit.text(),
                caller=self.caller.text(),
                description=self.description.toPlainText(),
                parent_id=self.parent_event.currentData(),
            )
        except CommandRefused as exc:
            self._show_error(str(exc))
            return
        except Exception as exc:  # the database: keep what was typed, say why
            log.exception("création d'événement impossible")
            self._show_error(f"Création impossible ({exc}) : la saisie est conservée, réessayez.")
            return
        self.created_id = ev_id
        self.created.emit(ev_id)
        self.accept()
