"""Commands of live operations: events, information items, engagement, déroulement.

Each command is a decision (state in, drafts out, or :class:`CommandRefused` with a French
message the operator can act on) that :meth:`Room.execute` runs inside the journal's write
transaction, so that what follows automatically (the crew engagé and the event pris en
compte, crews released when an event closes…) is in the main courante with the act that
caused it, and was checked against what every workstation had written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scop.clock import local
from scop.geo.area import in_paris
from scop.models import fold_core as k
from scop.models import fold_operations as ko
from scop.models.entities import CREW_STATUSES, GRAVITIES, VERIFICATION_STATES, Crew, Event
from scop.models.entries import SOURCES, Draft
from scop.models.ids import next_id
from scop.models.nomenclatures import categories, category_label
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus, EventStatus, Verification
from scop.operations.duty import ENGAGED
from scop.operations.ranking import estimate, rank_crews
from scop.room import CommandRefused, Room, entry_check

# Where an event can come from, in the order the intake offers them.
INTAKE_SOURCES: tuple[str, ...] = (
    "appel_3975",
    "dansmarue",
    "equipage",
    "partenaire",
    "pp",
    "reseaux_sociaux",
)


def _event(st: RoomState, event_id: str) -> Event:
    ev = st.events.get(event_id)
    if ev is None:
        raise CommandRefused(f"Événement inconnu : {event_id}.")
    return ev


def _open_event(st: RoomState, event_id: str) -> Event:
    ev = _event(st, event_id)
    if ev.status == EventStatus.CLOS:
        raise CommandRefused(f"L'événement {ev.id} est clos.")
    return ev


def _crew(st: RoomState, call_sign: str) -> Crew:
    crew = st.crews.get(call_sign)
    if crew is None:
        raise CommandRefused(f"Équipage inconnu : {call_sign}.")
    return crew


def _by(crew: Crew) -> str:
    """Who gave the crew its status, and when: of two operators engaging one crew at once,
    the one refused learns who was first."""
    if not crew.status_by:
        return ""
    when = f" à {local(crew.status_since):%H:%M:%S}" if crew.status_since else ""
    return f" (par {crew.status_by}{when})"


def next_event_id(st: RoomState, now: datetime) -> str:
    """``EV-0042``: one format for every event of the room (the demo's and the operators'),
    short on the radio, unique in the room's journal (computed inside the write transaction,
    so two workstations never pick the same). ``now`` is kept for the command's signature."""
    del now
    return next_id("EV-", st.events)


def create_event(
    room: Room,
    *,
    source: str,
    category: str,
    gravity: int,
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    title: str = "",
    caller: str = "",
    description: str = "",
    parent_id: str | None = None,
) -> str:
    """Create an event; returns its id, chosen against the journal's head."""
    if source not in INTAKE_SOURCES:
        raise CommandRefused(f"Source inconnue : {source}.")
    if category not in categories():
        raise CommandRefused(f"Catégorie inconnue : {category or '(vide)'}.")
    if gravity not in GRAVITIES:
        raise CommandRefused("La gravité va de 1 (faible) à 4 (critique).")
    if (lon is None) != (lat is None):
        raise CommandRefused("Coordonnées incomplètes : longitude et latitude vont ensemble.")
    if lon is not None and lat is not None and not in_paris(lon, lat):
        raise CommandRefused(f"Le point ({lat:.5f}, {lon:.5f}) est hors de Paris.")
    address = address.strip()
    if not address and lon is None:
        raise CommandRefused("Indiquez une adresse ou un point sur la carte.")
    payload: dict[str, Any] = {
        "category": category,
        "title": title.strip() or category_label(category),
        "gravity": gravity,
        "source": source,
        "address": address,
        "lon": lon,
        "lat": lat,
        "caller": caller.strip(),
        "description": description.strip(),
        "parent_id": parent_id or None,
    }
    now = room.clock.now()

    def decide(st: RoomState) -> list[Draft]:
        p = {"id": next_event_id(st, now), **payload}
        check_event_created(st, p)
        return [Draft(k.EVENT_CREATED, p, source)]

    entries = room.execute("event.create", decide)
    return str(entries[0].payload["id"])


@entry_check(k.EVENT_CREATED)
def check_event_created(st: RoomState, p: Mapping[str, Any]) -> None:
    if p.get("id") in st.events:
        raise CommandRefused(f"L'identifiant {p.get('id')} est déjà attribué.")
    if p.get("parent_id"):
        _open_event(st, str(p["parent_id"]))


def _set_status(ev: Event, status: str, reason: str | None = None) -> Draft:
    payload: dict[str, Any] = {"id": ev.id, "status": status}
    if reason:
        payload["reason"] = reason
    return Draft(k.EVENT_STATUS, payload)


@entry_check(k.EVENT_STATUS)
def check_event_status(st: RoomState, p: Mapping[str, Any]) -> None:
    _open_event(st, str(p.get("id")))


def take_in_hand(room: Room, event_id: str) -> None:
    def decide(st: RoomState) -> list[Draft]:
        ev = _open_event(st, event_id)
        if ev.status != EventStatus.NOUVEAU:
            raise CommandRefused(f"L'événement {ev.id} est déjà {ev.status_label.lower()}.")
        return [_set_status(ev, EventStatus.PRIS_EN_COMPTE)]

    room.execute("event.take_in_hand", decide)


def start_event(room: Room, event_id: str) -> None:
    def decide(st: RoomState) -> list[Draft]:
        ev = _open_event(st, event_id)
        if ev.status == EventStatus.EN_COURS:
            raise CommandRefused(f"L'événement {ev.id} est déjà en cours.")
        return [_set_status(ev, EventStatus.EN_COURS)]

    room.execute("event.start", decide)


def close_event(room: Room, event_id: str, reason: str) -> None:
    """Closing releases the crews still on the event: they become available again."""
    reason = reason.strip()
    if not reason:
        raise CommandRefused("Indiquez le motif de clôture.")

    def decide(st: RoomState) -> list[Draft]:
        ev = _open_event(st, event_id)
        drafts = [
            Draft(
                k.CREW_RELEASED,
                {"call_sign": c, "event_id": ev.id, "reason": f"clôture de {ev.id}"},
            )
            for c in ev.crews
        ]
        return [*drafts, _set_status(ev, EventStatus.CLOS, reason)]

    room.execute("event.close", decide)


def change_gravity(room: Room, event_id: str, gravity: int) -> None:
    if gravity not in GRAVITIES:
        raise CommandRefused("La gravité va de 1 (faible) à 4 (critique).")

    def decide(st: RoomState) -> list[Draft]:
        ev = _open_event(st, event_id)
        if gravity == ev.gravity:
            return []
        return [Draft(ko.EVENT_GRAVITY, {"id": ev.id, "gravity": gravity, "was": ev.gravity})]

    room.execute("event.gravity", decide)


@entry_check(ko.EVENT_GRAVITY)
def check_gravity(st: RoomState, p: Mapping[str, Any]) -> None:
    _open_event(st, str(p.get("id")))


def link_event(room: Room, event_id: str, parent_id: str | None) -> None:
    """Attach an event to a parent (the evacuation to its fire), or detach it (``None``)."""

    def decide(st: RoomState) -> list[Draft]:
        payload = {"id": event_id, "parent_id": parent_id}
        check_link(st, payload)
        return [Draft(ko.EVENT_LINKED, payload)]

    room.execute("event.link", decide)


@entry_check(ko.EVENT_LINKED)
def check_link(st: RoomState, p: Mapping[str, Any]) -> None:
    ev = _event(st, str(p.get("id")))
    parent_id = p.get("parent_id")
    if parent_id is not None:
        _event(st, str(parent_id))
        walk: str | None = str(parent_id)
        while walk is not None:
            if walk == ev.id:
                raise CommandRefused("Un événement ne peut pas dépendre de lui-même.")
            walk = st.events[walk].parent_id if walk in st.events else None


def children(room: Room, event_id: str) -> list[Event]:
    return sorted(
        (e for e in room.state.events.values() if e.parent_id == event_id),
        key=lambda e: e.created_at,
    )


# -- information items ----------------------------------------------------------------------


def add_info(
    room: Room, event_id: str, text: str, source: str, verification: str = Verification.A_VERIFIER
) -> int:
    """Returns the item's id (the journal position of its entry)."""
    text = text.strip()
    if not text:
        raise CommandRefused("Une information ne peut pas être vide.")
    if source not in SOURCES:
        raise CommandRefused(f"Source inconnue : {source}.")
    if verification not in VERIFICATION_STATES:
        raise CommandRefused(f"État de vérification inconnu : {verification}.")
    payload = {"event_id": event_id, "text": text, "source": source, "verification": verification}

    def decide(st: RoomState) -> list[Draft]:
        check_info_added(st, payload)
        return [Draft(ko.EVENT_INFO_ADDED, payload)]

    return room.execute("event.add_info", decide)[0].position


@entry_check(ko.EVENT_INFO_ADDED)
def check_info_added(st: RoomState, p: Mapping[str, Any]) -> None:
    _open_event(st, str(p.get("event_id")))


def set_verification(room: Room, event_id: str, info_id: int, verification: str) -> None:
    if verification not in VERIFICATION_STATES:
        raise CommandRefused(f"État de vérification inconnu : {verification}.")

    def decide(st: RoomState) -> list[Draft]:
        ev = _event(st, event_id)
        item = next((i for i in ev.infos if i.id == info_id), None)
        if item is None:
            raise CommandRefused(f"Information n° {info_id} inconnue sur {ev.id}.")
        if verification == item.verification:
            return []
        return [
            Draft(
                ko.EVENT_INFO_VERIFICATION,
                {"event_id": ev.id, "info_id": info_id, "verification": verification},
            )
        ]

    room.execute("event.verify_info", decide)


# -- crews ------------------------------------------------------------------------------------


def engage(room: Room, call_sign: str, event_id: str) -> None:
    """The crew goes engagé, the event is pris en compte (if it was new): one transaction.
    Checked at the journal's head: of two workstations engaging one crew at once, the
    second is refused with the name of the first."""

    now = room.clock.now()

    def decide(st: RoomState) -> list[Draft]:
        payload = {"call_sign": call_sign, "event_id": event_id}
        check_engaged(st, payload)
        payload.update(_eta(st, call_sign, event_id, now))
        ev = st.events[event_id]
        drafts = [Draft(k.CREW_ENGAGED, payload)]
        if ev.status == EventStatus.NOUVEAU:
            drafts.append(_set_status(ev, EventStatus.PRIS_EN_COMPTE))
        return drafts

    room.execute("crew.engage", decide)


def _eta(st: RoomState, call_sign: str, event_id: str, now: datetime) -> dict[str, Any]:
    """The estimated arrival, journaled with the engagement: the safety watch checks on a
    crew that has not arrived some minutes after it (scop.safety.watch)."""
    crew, ev = st.crews.get(call_sign), st.events.get(event_id)
    if crew is None or ev is None or ev.lon is None or ev.lat is None:
        return {}
    s = estimate(crew, ev.lon, ev.lat, now)
    return {"eta_s": round(s.eta_s)} if s is not None else {}


@entry_check(k.CREW_ENGAGED)
def check_engaged(st: RoomState, p: Mapping[str, Any]) -> None:
    ev = _open_event(st, str(p.get("event_id")))
    crew = _crew(st, str(p.get("call_sign")))
    if crew.status in ENGAGED:
        if crew.event_id == ev.id:
            raise CommandRefused(f"{crew.call_sign} est déjà engagé sur {ev.id}{_by(crew)}.")
        raise CommandRefused(
            f"{crew.call_sign} est déjà engagé sur {crew.event_id} : "
            f"utilisez le déroulement pour le réorienter{_by(crew)}."
        )
    if crew.status != CrewStatus.DISPONIBLE:
        raise CommandRefused(
            f"{crew.call_sign} est {crew.status_label.lower()} : il ne peut pas être engagé."
        )


def engage_first_suggested(room: Room, event_id: str) -> str:
    """The single action of the event card: engage the available crew that arrives first."""
    ev = _open_event(room.state, event_id)
    ranked = rank_crews(room.state, ev, room.clock.now(), limit=1)
    if not ranked:
        raise CommandRefused(f"Aucun équipage disponible et localisé pour {ev.id}.")
    engage(room, ranked[0].call_sign, ev.id)
    return ranked[0].call_sign


def reroute(room: Room, call_sign: str, to_event_id: str, reason: str = "") -> None:
    """Déroulement: an engaged crew leaves its event for a more urgent one. The entry names
    both events, so each one's history shows it."""

    now = room.clock.now()

    def decide(st: RoomState) -> list[Draft]:
        target = _open_event(st, to_event_id)
        crew = _crew(st, call_sign)
        previous = st.events.get(crew.event_id) if crew.event_id else None
        payload: dict[str, Any] = {
            "call_sign": crew.call_sign,
            "from_event_id": crew.event_id,
            "to_event_id": target.id,
            "from_gravity": previous.gravity if previous else None,
            "to_gravity": target.gravity,
        }
        if reason.strip():
            payload["reason"] = reason.strip()
        check_rerouted(st, payload)
        payload.update(_eta(st, call_sign, target.id, now))
        drafts = [Draft(ko.CREW_REROUTED, payload)]
        if target.status == EventStatus.NOUVEAU:
            drafts.append(_set_status(target, EventStatus.PRIS_EN_COMPTE))
        return drafts

    room.execute("crew.reroute", decide)


@entry_check(ko.CREW_REROUTED)
def check_rerouted(st: RoomState, p: Mapping[str, Any]) -> None:
    target = _open_event(st, str(p.get("to_event_id")))
    crew = _crew(st, str(p.get("call_sign")))
    if crew.status not in ENGAGED or crew.event_id is None:
        raise CommandRefused(
            f"{crew.call_sign} n'est engagé sur aucun événement : engagez-le directement."
        )
    if crew.event_id == target.id:
        raise CommandRefused(f"{crew.call_sign} est déjà engagé sur {target.id}{_by(crew)}.")
    if crew.event_id != p.get("from_event_id"):
        raise CommandRefused(f"{crew.call_sign} a été réorienté sur {crew.event_id}{_by(crew)}.")


def release(room: Room, call_sign: str, reason: str = "", source: str = "operateur") -> None:
    def decide(st: RoomState) -> list[Draft]:
        crew = _crew(st, call_sign)
        payload: dict[str, Any] = {"call_sign": crew.call_sign, "event_id": crew.event_id}
        if reason.strip():
            payload["reason"] = reason.strip()
        check_released(st, payload)
        return [Draft(k.CREW_RELEASED, payload, source)]

    room.execute("crew.release", decide)


@entry_check(k.CREW_RELEASED)
def check_released(st: RoomState, p: Mapping[str, Any]) -> None:
    crew = _crew(st, str(p.get("call_sign")))
    if crew.status not in ENGAGED:
        raise CommandRefused(f"{crew.call_sign} n'est pas engagé.")


def crew_on_scene(room: Room, call_sign: str, source: str = "operateur") -> None:
    """The crew reports on scene: it goes sur les lieux and its event en cours."""

    def decide(st: RoomState) -> list[Draft]:
        crew = _crew(st, call_sign)
        payload = {
            "call_sign": crew.call_sign,
            "status": CrewStatus.SUR_LES_LIEUX,
            "event_id": crew.event_id,
        }
        check_crew_status(st, payload)
        drafts = [Draft(k.CREW_STATUS, payload, source)]
        ev = st.events.get(crew.event_id) if crew.event_id else None
        if ev is not None and ev.status in (EventStatus.NOUVEAU, EventStatus.PRIS_EN_COMPTE):
            drafts.append(
                Draft(k.EVENT_STATUS, {"id": ev.id, "status": EventStatus.EN_COURS}, source)
            )
        return drafts

    room.execute("crew.on_scene", decide)


@entry_check(k.CREW_STATUS)
def check_crew_status(st: RoomState, p: Mapping[str, Any]) -> None:
    crew = _crew(st, str(p.get("call_sign")))
    status = str(p.get("status"))
    if status not in CREW_STATUSES:
        raise CommandRefused(f"Statut inconnu : {status}.")
    if status == CrewStatus.ENGAGE:
        raise CommandRefused("Pour engager un équipage, choisissez l'événement.")
    if status == CrewStatus.SUR_LES_LIEUX:
        if crew.status != CrewStatus.ENGAGE or crew.event_id is None:
            raise CommandRefused(f"{crew.call_sign} n'est pas en route vers un événement.")
    elif status == CrewStatus.DISPONIBLE and crew.status in ENGAGED:
        raise CommandRefused(f"{crew.call_sign} est engagé : dégagez-le de son événement.")


def set_crew_status(
    room: Room, call_sign: str, status: str, reason: str = "", source: str = "operateur"
) -> None:
    """Statuses other than engagement: back available (released if it was engaged),
    unavailable, out of service; on scene goes through :func:`crew_on_scene`."""
    if status not in CREW_STATUSES:
        raise CommandRefused(f"Statut inconnu : {status}.")
    if status == CrewStatus.ENGAGE:
        raise CommandRefused("Pour engager un équipage, choisissez l'événement.")
    if status == CrewStatus.SUR_LES_LIEUX:
        crew_on_scene(room, call_sign, source)
        return

    def decide(st: RoomState) -> list[Draft]:
        crew = _crew(st, call_sign)
        if status == crew.status:
            return []
        payload: dict[str, Any] = {"call_sign": crew.call_sign}
        if status == CrewStatus.DISPONIBLE and crew.status in ENGAGED:
            payload["event_id"] = crew.event_id
            if reason.strip():
                payload["reason"] = reason.strip()
            return [Draft(k.CREW_RELEASED, payload, source)]
        payload["status"] = status
        if reason.strip():
            payload["reason"] = reason.strip()
        check_crew_status(st, payload)
        return [Draft(k.CREW_STATUS, payload, source)]

    room.execute("crew.status", decide)


# -- reading ---------------------------------------------------------------------------------

_EVENT_KEYS = ("id", "event_id", "from_event_id", "to_event_id", "parent_id")


def mentions(payload: Any, event_id: str) -> bool:
    """Whether a journal entry is about ``event_id`` (for the event's history)."""
    return any(payload.get(key) == event_id for key in _EVENT_KEYS)
