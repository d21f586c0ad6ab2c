"""Core entry kinds: the room itself, the free log, crews and events."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scop.clock import from_iso, local
from scop.models.describe import describes
from scop.models.entities import CREW_MODES, CREW_STATUSES, EVENT_STATUSES, Crew, Event
from scop.models.entries import Entry
from scop.models.nomenclatures import CREW_KINDS, KIND_OF_MODE, CrewKind, crew_kind_label
from scop.models.projection import handles
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus, EventStatus

ROOM_OPENED = "room.opened"
NOTE = "log.note"
CORRECTION = "log.correction"
LOGIN = "session.login"
LOGOUT = "session.logout"
CREW_REGISTERED = "crew.registered"
CREW_STATUS = "crew.status_changed"
CREW_ENGAGED = "crew.engaged"
CREW_RELEASED = "crew.released"
EVENT_CREATED = "event.created"
EVENT_STATUS = "event.status_changed"

KINDS = frozenset(k.value for k in CrewKind)

MODE_LABELS = {"live": "réel", "demo": "DÉMO", "exercise": "EXERCICE"}


def _p(e: Entry) -> dict[str, Any]:
    return dict(e.payload)


@handles(ROOM_OPENED)
def _room_opened(st: RoomState, e: Entry) -> None:
    st.mode = str(e.payload.get("mode", "live"))
    st.label = str(e.payload.get("label", ""))


@describes(ROOM_OPENED, "Ouverture de la main courante")
def _d_room_opened(e: Entry) -> str:
    mode = MODE_LABELS.get(str(e.payload.get("mode")), "?")
    return f"Ouverture de la main courante ({mode}) — {e.payload.get('label', '')}".rstrip(" —")


@describes(NOTE, "Note libre")
def _d_note(e: Entry) -> str:
    text = str(e.payload.get("text", ""))
    event_id = e.payload.get("event_id")
    return f"{event_id} : {text}" if event_id else text


@handles(CORRECTION)
def _correction(st: RoomState, e: Entry) -> None:
    st.corrections[int(e.payload["corrects"])] = e.position


@describes(CORRECTION, "Correction")
def _d_correction(e: Entry) -> str:
    return f"Correction de l'entrée n° {e.payload.get('corrects')} : {e.payload.get('text', '')}"


@handles(LOGIN)
def _login(st: RoomState, e: Entry) -> None:
    st.operators[str(e.payload.get("workstation", ""))] = f"{e.author} ({e.role})"


@handles(LOGOUT)
def _logout(st: RoomState, e: Entry) -> None:
    st.operators.pop(str(e.payload.get("workstation", "")), None)


@describes(LOGIN, "Prise de poste")
def _d_login(e: Entry) -> str:
    return f"Prise de poste sur {e.payload.get('workstation', '?')}"


@describes(LOGOUT, "Fin de poste")
def _d_logout(e: Entry) -> str:
    return f"Fin de poste sur {e.payload.get('workstation', '?')}"


@handles(CREW_REGISTERED)
def _crew_registered(st: RoomState, e: Entry) -> None:
    """Prise de service. A call sign already on duty stays as it is (two workstations
    raced: the first stands; the command layer refuses the second)."""
    p = _p(e)
    status = p.get("status", CrewStatus.DISPONIBLE)
    kind = str(p.get("kind") or "")
    mode = p.get("mode") or (CREW_KINDS[CrewKind(kind)].mode if kind in KINDS else None)
    if status not in CREW_STATUSES or mode not in CREW_MODES or p["call_sign"] in st.crews:
        return
    if not kind:
        kind = KIND_OF_MODE[str(mode)].value
    lon, lat = p.get("lon"), p.get("lat")
    st.crews[p["call_sign"]] = Crew(
        call_sign=p["call_sign"],
        division=p.get("division", ""),
        mode=str(mode),
        status=CrewStatus(status),
        agents=int(p.get("agents", 2)),
        lon=lon,
        lat=lat,
        heading=p.get("heading"),
        position_ts=e.ts if lon is not None else None,
        status_since=e.ts,
        kind=kind,
        names=tuple(str(n) for n in p.get("names") or ()),
        radio=str(p.get("radio") or ""),
        duty_start=from_iso(p["duty_start"]) if p.get("duty_start") else e.ts,
        duty_end=from_iso(p["duty_end"]) if p.get("duty_end") else None,
    )


@describes(CREW_REGISTERED, "Prise de service d'équipage")
def _d_crew_registered(e: Entry) -> str:
    p = e.payload
    kind = (
        crew_kind_label(str(p["kind"])) if p.get("kind") else CREW_MODES.get(p.get("mode", ""), "?")
    )
    end = ""
    if p.get("duty_end"):
        end = f", fin prévue {local(from_iso(p['duty_end'])):%d/%m %H:%M}"
    return (
        f"Équipage {p.get('call_sign')} en service ({kind},"
        f" {p.get('division', '')}, {p.get('agents', 2)} agents{end})"
    )


@handles(CREW_STATUS)
def _crew_status(st: RoomState, e: Entry) -> None:
    crew = st.crews.get(str(e.payload.get("call_sign")))
    status = str(e.payload.get("status"))
    if crew is None or status not in CREW_STATUSES:
        return
    event_id = crew.event_id if status in (CrewStatus.ENGAGE, CrewStatus.SUR_LES_LIEUX) else None
    st.crews[crew.call_sign] = replace(
        crew,
        status=CrewStatus(status),
        status_since=e.ts,
        event_id=event_id,
        status_by=e.author,
    )
    if event_id is None and crew.event_id in st.events:
        _detach(st, crew.event_id, crew.call_sign, e)


@describes(CREW_STATUS, "Statut d'équipage")
def _d_crew_status(e: Entry) -> str:
    p = e.payload
    reason = f" — {p['reason']}" if p.get("reason") else ""
    return f"{p.get('call_sign')} : {CREW_STATUSES.get(str(p.get('status')), '?')}{reason}"


def _detach(st: RoomState, event_id: str, call_sign: str, e: Entry) -> None:
    ev = st.events[event_id]
    st.events[event_id] = replace(
        ev, crews=tuple(c for c in ev.crews if c != call_sign), updated_at=e.ts
    )


@handles(CREW_ENGAGED)
def _crew_engaged(st: RoomState, e: Entry) -> None:
    crew = st.crews.get(str(e.payload.get("call_sign")))
    ev = st.events.get(str(e.payload.get("event_id")))
    if crew is None or ev is None:
        return
    if crew.event_id and crew.event_id != ev.id and crew.event_id in st.events:
        _detach(st, crew.event_id, crew.call_sign, e)
    st.crews[crew.call_sign] = replace(
        crew, status=CrewStatus.ENGAGE, event_id=ev.id, status_since=e.ts, status_by=e.author
    )
    crews = ev.crews if crew.call_sign in ev.crews else (*ev.crews, crew.call_sign)
    status = EventStatus.PRIS_EN_COMPTE if ev.status == EventStatus.NOUVEAU else ev.status
    st.events[ev.id] = replace(ev, crews=crews, status=status, updated_at=e.ts)


@describes(CREW_ENGAGED, "Engagement d'équipage")
def _d_crew_engaged(e: Entry) -> str:
    p = e.payload
    return f"{p.get('call_sign')} engagé sur {p.get('event_id')}"


@handles(CREW_RELEASED)
def _crew_released(st: RoomState, e: Entry) -> None:
    crew = st.crews.get(str(e.payload.get("call_sign")))
    if crew is None:
        return
    if crew.event_id in st.events:
        _detach(st, crew.event_id, crew.call_sign, e)
    st.crews[crew.call_sign] = replace(
        crew, status=CrewStatus.DISPONIBLE, event_id=None, status_since=e.ts, status_by=e.author
    )


@describes(CREW_RELEASED, "Désengagement d'équipage")
def _d_crew_released(e: Entry) -> str:
    return f"{e.payload.get('call_sign')} dégagé, disponible"


@handles(EVENT_CREATED)
def _event_created(st: RoomState, e: Entry) -> None:
    p = _p(e)
    if p["id"] in st.events:
        return  # a second creation under a taken id (two workstations raced): the first stands
    created = from_iso(p["created_at"]) if p.get("created_at") else e.ts
    st.events[p["id"]] = Event(
        id=p["id"],
        category=p.get("category", ""),
        title=p.get("title", ""),
        gravity=int(p.get("gravity", 2)),
        status=EventStatus.NOUVEAU,
        source=p.get("source", e.source),
        created_at=created,
        address=p.get("address", ""),
        lon=p.get("lon"),
        lat=p.get("lat"),
        description=p.get("description", ""),
        parent_id=p.get("parent_id"),
        updated_at=e.ts,
        caller=str(p.get("caller", "")),
        created_position=e.position,
    )


@describes(EVENT_CREATED, "Nouvel événement")
def _d_event_created(e: Entry) -> str:
    p = e.payload
    where = f" — {p['address']}" if p.get("address") else ""
    return f"Événement {p.get('id')} : {p.get('title', '')}{where}"


@handles(EVENT_STATUS)
def _event_status(st: RoomState, e: Entry) -> None:
    ev = st.events.get(str(e.payload.get("id")))
    status = str(e.payload.get("status"))
    if ev is None or status not in EVENT_STATUSES:
        return
    reason = e.payload.get("reason") if status == EventStatus.CLOS else None
    st.events[ev.id] = replace(
        ev, status=EventStatus(status), closing_reason=reason, updated_at=e.ts
    )


@describes(EVENT_STATUS, "Statut d'événement")
def _d_event_status(e: Entry) -> str:
    p = e.payload
    reason = f" — motif : {p['reason']}" if p.get("reason") else ""
    return f"Événement {p.get('id')} : {EVENT_STATUSES.get(str(p.get('status')), '?')}{reason}"
