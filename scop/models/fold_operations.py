"""Entry kinds of live operations beyond the core: information items on an event, event
links (parent and child), and déroulements (re-routing a crew to a more urgent event)."""

from __future__ import annotations

from dataclasses import replace

from scop.models.describe import describes
from scop.models.entities import VERIFICATION_STATES, InfoItem
from scop.models.entries import SOURCES, Entry
from scop.models.projection import handles
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus, EventStatus, Verification

EVENT_INFO_ADDED = "event.info_added"
EVENT_INFO_VERIFICATION = "event.info_verification"
EVENT_LINKED = "event.linked"
EVENT_GRAVITY = "event.gravity_changed"
CREW_REROUTED = "crew.rerouted"


@handles(EVENT_INFO_ADDED)
def _info_added(st: RoomState, e: Entry) -> None:
    ev = st.events.get(str(e.payload.get("event_id")))
    verification = str(e.payload.get("verification", Verification.A_VERIFIER))
    if ev is None or verification not in VERIFICATION_STATES:
        return
    item = InfoItem(
        id=e.position,
        text=str(e.payload.get("text", "")),
        source=str(e.payload.get("source", e.source)),
        verification=Verification(verification),
        ts=e.ts,
        author=e.author,
    )
    st.events[ev.id] = replace(ev, infos=(*ev.infos, item), updated_at=e.ts)


@describes(EVENT_INFO_ADDED, "Information sur un événement")
def _d_info_added(e: Entry) -> str:
    p = e.payload
    src = SOURCES.get(str(p.get("source")), str(p.get("source", "")))
    state = VERIFICATION_STATES.get(str(p.get("verification")), "?")
    return f"{p.get('event_id')} — information ({src}, {state.lower()}) : {p.get('text', '')}"


@handles(EVENT_INFO_VERIFICATION)
def _info_verification(st: RoomState, e: Entry) -> None:
    ev = st.events.get(str(e.payload.get("event_id")))
    verification = str(e.payload.get("verification"))
    if ev is None or verification not in VERIFICATION_STATES:
        return
    info_id = e.payload.get("info_id")
    infos = tuple(
        replace(i, verification=Verification(verification)) if i.id == info_id else i
        for i in ev.infos
    )
    st.events[ev.id] = replace(ev, infos=infos, updated_at=e.ts)


@describes(EVENT_INFO_VERIFICATION, "Vérification d'une information")
def _d_info_verification(e: Entry) -> str:
    p = e.payload
    state = VERIFICATION_STATES.get(str(p.get("verification")), "?")
    return f"{p.get('event_id')} — information n° {p.get('info_id')} : {state.lower()}"


@handles(EVENT_LINKED)
def _event_linked(st: RoomState, e: Entry) -> None:
    ev = st.events.get(str(e.payload.get("id")))
    parent = e.payload.get("parent_id")
    if ev is None or (parent is not None and parent not in st.events) or parent == ev.id:
        return
    st.events[ev.id] = replace(ev, parent_id=parent, updated_at=e.ts)


@describes(EVENT_LINKED, "Rattachement d'événement")
def _d_event_linked(e: Entry) -> str:
    p = e.payload
    if p.get("parent_id") is None:
        return f"Événement {p.get('id')} détaché de son événement principal"
    return f"Événement {p.get('id')} rattaché à {p.get('parent_id')}"


@handles(EVENT_GRAVITY)
def _event_gravity(st: RoomState, e: Entry) -> None:
    ev = st.events.get(str(e.payload.get("id")))
    gravity = e.payload.get("gravity")
    if ev is None or gravity not in (1, 2, 3, 4):
        return
    st.events[ev.id] = replace(ev, gravity=int(gravity), updated_at=e.ts)


@describes(EVENT_GRAVITY, "Gravité d'événement")
def _d_event_gravity(e: Entry) -> str:
    p = e.payload
    return f"Événement {p.get('id')} : gravité {p.get('gravity')}"


@handles(CREW_REROUTED)
def _crew_rerouted(st: RoomState, e: Entry) -> None:
    crew = st.crews.get(str(e.payload.get("call_sign")))
    target = st.events.get(str(e.payload.get("to_event_id")))
    if crew is None or target is None:
        return
    previous = st.events.get(str(e.payload.get("from_event_id")))
    if previous is not None:
        st.events[previous.id] = replace(
            previous, crews=tuple(c for c in previous.crews if c != crew.call_sign), updated_at=e.ts
        )
    st.crews[crew.call_sign] = replace(
        crew, status=CrewStatus.ENGAGE, event_id=target.id, status_since=e.ts, status_by=e.author
    )
    crews = target.crews if crew.call_sign in target.crews else (*target.crews, crew.call_sign)
    status = EventStatus.PRIS_EN_COMPTE if target.status == EventStatus.NOUVEAU else target.status
    st.events[target.id] = replace(target, crews=crews, status=status, updated_at=e.ts)


@describes(CREW_REROUTED, "Déroulement d'équipage")
def _d_crew_rerouted(e: Entry) -> str:
    p = e.payload
    reason = f" — {p['reason']}" if p.get("reason") else ""
    return (
        f"Déroulement : {p.get('call_sign')} quitte {p.get('from_event_id') or '—'} "
        f"pour {p.get('to_event_id')}{reason}"
    )
