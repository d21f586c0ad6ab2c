"""What the room knows of a place, shown in the intake, the event card and the engagement
confirmation: hazard flags in force nearby, and past events within 50 m over 90 days, each
one click away."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QLabel, QWidget

from scop.clock import local
from scop.models.fold_safety import Hazard, settings_of
from scop.models.nomenclatures import category_label
from scop.safety.places import PastEvent, address_history, hazards_near
from scop.ui.context import UiContext

MAX_SHOWN = 8


def hazard_line(h: Hazard) -> str:
    return f"⚠ {h.category_label} : {h.text} (jusqu'au {local(h.expires_at):%d/%m/%Y})"


def hazards_html(hazards: list[Hazard]) -> str:
    if not hazards:
        return ""
    lines = "<br>".join(escape(hazard_line(h)) for h in hazards)
    return f"<div style='color:#b71c1c; font-weight:bold'>DANGER SIGNALÉ ICI<br>{lines}</div>"


def history_html(past: list[PastEvent], days: float, radius: float) -> str:
    if not past:
        text = f"Aucun antécédent à {radius:.0f} m sur {days:.0f} jours."
        return f"<span style='color:#757575'>{text}</span>"
    rows = []
    for p in past[:MAX_SHOWN]:
        ev = p.event
        dist = f"{p.distance_m:.0f} m" if p.distance_m is not None else "même adresse"
        crews = ", ".join(p.crews) or "—"
        rows.append(
            f"<a href='event:{escape(ev.id)}'>{escape(ev.id)}</a> "
            f"{local(ev.created_at):%d/%m %H:%M} — {escape(category_label(ev.category))} — "
            f"{escape(ev.title)} — {escape(p.outcome)} "
            f"— équipages : {escape(crews)} ({dist})"
        )
    more = f"<br>… et {len(past) - MAX_SHOWN} autres" if len(past) > MAX_SHOWN else ""
    return (
        f"<b>Antécédents ({len(past)}) à {radius:.0f} m sur {days:.0f} jours</b><br>"
        + "<br>".join(rows)
        + more
    )


class PlacesPanel(QLabel):
    """Rich text with links: a click on a past event selects it everywhere."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("places_panel")
        self.setWordWrap(True)
        self.setOpenExternalLinks(False)
        self.linkActivated.connect(self._on_link)
        self.hazards: list[Hazard] = []
        self.past: list[PastEvent] = []
        self.hide()

    def show_place(
        self,
        lon: float | None,
        lat: float | None,
        address: str = "",
        exclude: str | None = None,
    ) -> None:
        st, now = self.ctx.room.state, self.ctx.room.clock.now()
        if lon is None and not address.strip():
            self.hazards, self.past = [], []
            self.hide()
            return
        self.hazards = hazards_near(st, now, lon=lon, lat=lat, address=address)
        self.past = address_history(st, now, lon=lon, lat=lat, address=address, exclude=exclude)
        s = settings_of(st)
        parts = [
            hazards_html(self.hazards),
            history_html(self.past, s.history_days, s.history_radius_m),
        ]
        self.setText("<br>".join(p for p in parts if p))
        self.show()
        window = self.window()
        if isinstance(window, QDialog):  # the intake grows to show every line
            window.adjustSize()

    def _on_link(self, link: str) -> None:
        if link.startswith("event:"):
            self.ctx.selection.select_event(link.removeprefix("event:"))
