"""Crews' duty after the prise de service (changes of composition, fin de service), and the
relève between chiefs (handover drafted by the outgoing chief, acknowledged by the incoming).

A crew whose duty ended leaves the room's crews: the feed then counts its positions as those
of a crew not on duty, the map and the lists drop it, and a new prise de service may bring
the same call sign back later in the day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from scop.clock import from_iso, local
from scop.models.describe import describes
from scop.models.entries import Entry
from scop.models.projection import handles
from scop.models.state import RoomState

CREW_COMPOSITION = "crew.composition_changed"
CREW_DUTY_ENDED = "crew.duty_ended"
HANDOVER_DRAFTED = "shift.handover_drafted"
HANDOVER_ACKNOWLEDGED = "shift.handover_acknowledged"

# The fields of a crew that a change of composition may set, and how the main courante
# names them.
COMPOSITION_FIELDS: dict[str, str] = {
    "agents": "agents",
    "names": "noms",
    "radio": "radio/TPH",
    "division": "division",
    "duty_end": "fin prévue",
}


@handles(CREW_COMPOSITION)
def _composition(st: RoomState, e: Entry) -> None:
    crew = st.crews.get(str(e.payload.get("call_sign")))
    if crew is None:
        return
    p = e.payload
    changes: dict[str, Any] = {}
    if "agents" in p:
        changes["agents"] = int(p["agents"])
    if "names" in p:
        changes["names"] = tuple(str(n) for n in p["names"] or ())
    if "radio" in p:
        changes["radio"] = str(p["radio"] or "")
    if "division" in p:
        changes["division"] = str(p["division"] or "")
    if "duty_end" in p:
        changes["duty_end"] = from_iso(p["duty_end"]) if p["duty_end"] else None
    st.crews[crew.call_sign] = replace(crew, **changes)


def _show(field: str, value: Any) -> str:
    if field == "names":
        return ", ".join(value) if value else "—"
    if field == "duty_end":
        return f"{local(from_iso(value)):%d/%m %H:%M}" if value else "—"
    return str(value) if value not in (None, "") else "—"


@describes(CREW_COMPOSITION, "Composition d'équipage")
def _d_composition(e: Entry) -> str:
    p = e.payload
    parts = [f"{label} : {_show(f, p[f])}" for f, label in COMPOSITION_FIELDS.items() if f in p]
    reason = f" — {p['reason']}" if p.get("reason") else ""
    return f"{p.get('call_sign')} : " + " ; ".join(parts) + reason


@handles(CREW_DUTY_ENDED)
def _duty_ended(st: RoomState, e: Entry) -> None:
    st.crews.pop(str(e.payload.get("call_sign")), None)


@describes(CREW_DUTY_ENDED, "Fin de service d'équipage")
def _d_duty_ended(e: Entry) -> str:
    reason = f" — {e.payload['reason']}" if e.payload.get("reason") else ""
    return f"Fin de service de {e.payload.get('call_sign')}{reason}"


# -- relève ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Handover:
    """One relève as the journal holds it: the summary is the outgoing chief's snapshot (so
    that it prints the same later, from the journal alone), the acknowledgement the
    incoming chief's."""

    id: str
    drafted_position: int
    drafted_at: datetime
    outgoing: str
    summary: dict[str, Any]
    text: str
    acknowledged_position: int = 0
    acknowledged_at: datetime | None = None
    incoming: str = ""
    comment: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_position > 0


@handles(HANDOVER_DRAFTED)
def _handover_drafted(st: RoomState, e: Entry) -> None:
    hid = str(e.payload.get("id"))
    if hid in st.handovers:
        return
    st.handovers[hid] = Handover(
        id=hid,
        drafted_position=e.position,
        drafted_at=e.ts,
        outgoing=e.author,
        summary=dict(e.payload.get("summary") or {}),
        text=str(e.payload.get("text", "")),
    )


@describes(HANDOVER_DRAFTED, "Relève : compte rendu du chef sortant")
def _d_handover_drafted(e: Entry) -> str:
    s = e.payload.get("summary") or {}
    period = s.get("period") or {}
    when = ""
    if period.get("start") and period.get("end"):
        when = (
            f" ({local(from_iso(period['start'])):%d/%m %H:%M}"
            f" – {local(from_iso(period['end'])):%d/%m %H:%M})"
        )
    return f"Relève {e.payload.get('id')}{when} rédigée par {e.author}"


@handles(HANDOVER_ACKNOWLEDGED)
def _handover_acknowledged(st: RoomState, e: Entry) -> None:
    h = st.handovers.get(str(e.payload.get("id")))
    if h is None or h.acknowledged:
        return
    st.handovers[h.id] = replace(
        h,
        acknowledged_position=e.position,
        acknowledged_at=e.ts,
        incoming=e.author,
        comment=str(e.payload.get("comment", "")),
    )


@describes(HANDOVER_ACKNOWLEDGED, "Relève : prise en compte du chef entrant")
def _d_handover_acknowledged(e: Entry) -> str:
    comment = f" — {e.payload['comment']}" if e.payload.get("comment") else ""
    return f"Relève {e.payload.get('id')} prise en compte par {e.author}{comment}"
