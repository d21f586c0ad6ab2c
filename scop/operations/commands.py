"""Commands of live operations: events, information items, engagement, déroulement.

Each command checks current state, refuses with a French message the operator can act on
(:class:`CommandRefused`), and appends its entries in one transaction, so that what follows
automatically (the crew engagé and the event pris en compte, crews released when an event
closes…) is in the main courante with the act that caused it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scop.clock import local
from scop.geo.area import in_paris
from scop.models import fold_core as k
from scop.models import fold_operations as ko
from scop.models.entities import CREW_STATUSES, GRAVITIES, VERIFICATION_STATES, Crew, Event
from scop.models.entries import SOURCES, Draft
from scop.models.nomenclatures import categories, category_label
from scop.models.state import RoomState
from scop.operations.ranking import estimate, rank_crews
from scop.room import CommandRefused, Room

# Where an event can come from, in the order the intake offers them.
INTAKE_SOURCES: tuple[str, ...] = (
    "appel_3975",
    "dansmarue",
    "equipage",
    "partenaire",
    "pp",
    "reseaux_sociaux",
)

ID_RETRIES = 5


def _writable(room: Room) -> None:
    if room.store.readonly:
        raise CommandRefused("Main courante en lecture seule : aucune action n'est possible ici.")


def _event(room: Room, event_id: str) -> Event:
    ev = room.state.events.get(event_id)
    if ev is None:
        raise CommandRefused(f"Événement inconnu : {event_id}.")
    return ev


def _open_event(room: Room, event_id: str) -> Event:
    ev = _event(room, event_id)
    if ev.status == "clos":
        raise CommandRefused(f"L'événement {ev.id} est clos.")
    return ev


def _crew(room: Room, call_sign: str) -> Crew:
    crew = room.state.crews.get(call_sign)
    if crew is None:
        raise CommandRefused(f"Équipage inconnu : {call_sign}.")
    return crew


def next_event_id(room: Room) -> str:
    """``EV-<date in Paris>-<n>``: readable on the radio, unique in the room's journal."""
    return next_event_id_in(room.state, room.clock.now())


def next_event_id_in(state: RoomState, now: datetime) -> str:
    """:func:`next_event_id` for commands written as functions of state."""
    prefix = f"EV-{local(now):%Y%m%d}-"
    taken = [
        int(i[len(prefix) :])
        for i in state.events
        if i.startswith(prefix) and i[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(taken, default=0) + 1:04d}"


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
    """Create an event; returns its id.

    The id is derived from the journal, so two workstations creating at the same instant
    may pick the same one. The fold keeps the first creation; if ours came second, it is
    corrected in the main courante and recreated under the next free id.
    """
    _writable(room)
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
    room.sync()
    if parent_id:
        _open_event(room, parent_id)
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
    for _ in range(ID_RETRIES):
        ev_id = next_event_id(room)
        entry = room.record(k.EVENT_CREATED, {"id": ev_id, **payload}, source)
        created = room.state.events.get(ev_id)
        if created is not None and created.created_position == entry.position:
            return ev_id
        room.record(
            k.CORRECTION,
            {
                "corrects": entry.position,
                "text": f"Identifiant {ev_id} déjà attribué par un autre poste au même instant : "
                "cette création est reprise sous un nouvel identifiant.",
            },
        )
    raise CommandRefused("Impossible d'attribuer un identifiant d'événement : réessayez.")


def _set_status(ev: Event, status: str, reason: str | None = None) -> Draft:
    payload: dict[str, Any] = {"id": ev.id, "status": status}
    if reason:
        payload["reason"] = reason
    return Draft(k.EVENT_STATUS, payload)


def take_in_hand(room: Room, event_id: str) -> None:
    _writable(room)
    ev = _open_event(room, event_id)
    if ev.status != "nouveau":
        raise CommandRefused(f"L'événement {ev.id} est déjà {ev.status_label.lower()}.")
    room.record_all([_set_status(ev, "pris_en_compte")])


def start_event(room: Room, event_id: str) -> None:
    _writable(room)
    ev = _open_event(room, event_id)
    if ev.status == "en_cours":
        raise CommandRefused(f"L'événement {ev.id} est déjà en cours.")
    room.record_all([_set_status(ev, "en_cours")])


def close_event(room: Room, event_id: str, reason: str) -> None:
    """Closing releases the crews still on the event: they become available again."""
    _writable(room)
    ev = _open_event(room, event_id)
    reason = reason.strip()
    if not reason:
        raise CommandRefused("Indiquez le motif de clôture.")
    drafts = [
        Draft(k.CREW_RELEASED, {"call_sign": c, "event_id": ev.id, "reason": f"clôture de {ev.id}"})
        for c in ev.crews
    ]
    room.record_all([*drafts, _set_status(ev, "clos", reason)])


def change_gravity(room: Room, event_id: str, gravity: int) -> None:
    _writable(room)
    ev = _open_event(room, event_id)
    if gravity not in GRAVITIES:
        raise CommandRefused("La gravité va de 1 (faible) à 4 (critique).")
    if gravity == ev.gravity:
        return
    room.record(ko.EVENT_GRAVITY, {"id": ev.id, "gravity": gravity, "was": ev.gravity})


def link_event(room: Room, event_id: str, parent_id: str | None) -> None:
    """Attach an event to a parent (the evacuation to its fire), or detach it (``None``)."""
    _writable(room)
    ev = _event(room, event_id)
    if parent_id is not None:
        _event(room, parent_id)
        walk: str | None = parent_id
        while walk is not None:
            if walk == ev.id:
                raise CommandRefused("Un événement ne peut pas dépendre de lui-même.")
            walk = room.state.events[walk].parent_id if walk in room.state.events else None
    room.record(ko.EVENT_LINKED, {"id": ev.id, "parent_id": parent_id})


def children(room: Room, event_id: str) -> list[Event]:
    return sorted(
        (e for e in room.state.events.values() if e.parent_id == event_id),
        key=lambda e: e.created_at,
    )


# -- information items ----------------------------------------------------------------------


def add_info(
    room: Room, event_id: str, text: str, source: str, verification: str = "a_verifier"
) -> int:
    """Returns the item's id (the journal position of its entry)."""
    _writable(room)
    ev = _open_event(room, event_id)
    text = text.strip()
    if not text:
        raise CommandRefused("Une information ne peut pas être vide.")
    if source not in SOURCES:
        raise CommandRefused(f"Source inconnue : {source}.")
    if verification not in VERIFICATION_STATES:
        raise CommandRefused(f"État de vérification inconnu : {verification}.")
    entry = room.record(
        ko.EVENT_INFO_ADDED,
        {"event_id": ev.id, "text": text, "source": source, "verification": verification},
    )
    return entry.position


def set_verification(room: Room, event_id: str, info_id: int, verification: str) -> None:
    _writable(room)
    ev = _event(room, event_id)
    item = next((i for i in ev.infos if i.id == info_id), None)
    if item is None:
        raise CommandRefused(f"Information n° {info_id} inconnue sur {ev.id}.")
    if verification not in VERIFICATION_STATES:
        raise CommandRefused(f"État de vérification inconnu : {verification}.")
    if verification == item.verification:
        return
    room.record(
        ko.EVENT_INFO_VERIFICATION,
        {"event_id": ev.id, "info_id": info_id, "verification": verification},
    )


# -- crews ------------------------------------------------------------------------------------


def engage(room: Room, call_sign: str, event_id: str) -> None:
    """The crew goes engagé, the event is pris en compte (if it was new): one transaction."""
    _writable(room)
    ev = _open_event(room, event_id)
    crew = _crew(room, call_sign)
    if crew.status in ("engage", "sur_les_lieux"):
        if crew.event_id == ev.id:
            raise CommandRefused(f"{crew.call_sign} est déjà engagé sur {ev.id}.")
        raise CommandRefused(
            f"{crew.call_sign} est déjà engagé sur {crew.event_id} : "
            "utilisez le déroulement pour le réorienter."
        )
    if crew.status != "disponible":
        raise CommandRefused(
            f"{crew.call_sign} est {crew.status_label.lower()} : il ne peut pas être engagé."
        )
    drafts = [
        Draft(
            k.CREW_ENGAGED, {"call_sign": crew.call_sign, "event_id": ev.id, **_eta(room, crew, ev)}
        )
    ]
    if ev.status == "nouveau":
        drafts.append(_set_status(ev, "pris_en_compte"))
    room.record_all(drafts)


def _eta(room: Room, crew: Crew, ev: Event) -> dict[str, Any]:
    """The estimated arrival, journaled with the engagement: the safety watch checks on a
    crew that has not arrived some minutes after it (scop.safety.watch)."""
    if ev.lon is None or ev.lat is None:
        return {}
    s = estimate(crew, ev.lon, ev.lat, room.clock.now())
    return {"eta_s": round(s.eta_s)} if s is not None else {}


def engage_first_suggested(room: Room, event_id: str) -> str:
    """The single action of the event card: engage the available crew that arrives first."""
    ev = _open_event(room, event_id)
    ranked = rank_crews(room.state, ev, room.clock.now(), limit=1)
    if not ranked:
        raise CommandRefused(f"Aucun équipage disponible et localisé pour {ev.id}.")
    engage(room, ranked[0].call_sign, ev.id)
    return ranked[0].call_sign


def reroute(room: Room, call_sign: str, to_event_id: str, reason: str = "") -> None:
    """Déroulement: an engaged crew leaves its event for a more urgent one. The entry names
    both events, so each one's history shows it."""
    _writable(room)
    target = _open_event(room, to_event_id)
    crew = _crew(room, call_sign)
    if crew.status not in ("engage", "sur_les_lieux") or crew.event_id is None:
        raise CommandRefused(
            f"{crew.call_sign} n'est engagé sur aucun événement : engagez-le directement."
        )
    if crew.event_id == target.id:
        raise CommandRefused(f"{crew.call_sign} est déjà engagé sur {target.id}.")
    previous = room.state.events.get(crew.event_id)
    payload: dict[str, Any] = {
        "call_sign": crew.call_sign,
        "from_event_id": crew.event_id,
        "to_event_id": target.id,
        "from_gravity": previous.gravity if previous else None,
        "to_gravity": target.gravity,
        **_eta(room, crew, target),
    }
    if reason.strip():
        payload["reason"] = reason.strip()
    drafts = [Draft(ko.CREW_REROUTED, payload)]
    if target.status == "nouveau":
        drafts.append(_set_status(target, "pris_en_compte"))
    room.record_all(drafts)


def release(room: Room, call_sign: str, reason: str = "", source: str = "operateur") -> None:
    _writable(room)
    crew = _crew(room, call_sign)
    if crew.status not in ("engage", "sur_les_lieux"):
        raise CommandRefused(f"{crew.call_sign} n'est pas engagé.")
    payload: dict[str, Any] = {"call_sign": crew.call_sign, "event_id": crew.event_id}
    if reason.strip():
        payload["reason"] = reason.strip()
    room.record_all([Draft(k.CREW_RELEASED, payload, source)])


def crew_on_scene(room: Room, call_sign: str, source: str = "operateur") -> None:
    """The crew reports on scene: it goes sur les lieux and its event en cours."""
    _writable(room)
    crew = _crew(room, call_sign)
    if crew.status != "engage" or crew.event_id is None:
        raise CommandRefused(f"{crew.call_sign} n'est pas en route vers un événement.")
    drafts = [
        Draft(
            k.CREW_STATUS,
            {"call_sign": crew.call_sign, "status": "sur_les_lieux", "event_id": crew.event_id},
            source,
        )
    ]
    ev = room.state.events.get(crew.event_id)
    if ev is not None and ev.status in ("nouveau", "pris_en_compte"):
        drafts.append(Draft(k.EVENT_STATUS, {"id": ev.id, "status": "en_cours"}, source))
    room.record_all(drafts)


def set_crew_status(
    room: Room, call_sign: str, status: str, reason: str = "", source: str = "operateur"
) -> None:
    """Statuses other than engagement: back available (released if it was engaged),
    unavailable, out of service; on scene goes through :func:`crew_on_scene`."""
    _writable(room)
    crew = _crew(room, call_sign)
    if status not in CREW_STATUSES:
        raise CommandRefused(f"Statut inconnu : {status}.")
    if status == "engage":
        raise CommandRefused("Pour engager un équipage, choisissez l'événement.")
    if status == "sur_les_lieux":
        crew_on_scene(room, call_sign, source)
        return
    if status == crew.status:
        return
    if status == "disponible" and crew.status in ("engage", "sur_les_lieux"):
        release(room, call_sign, reason, source)
        return
    payload: dict[str, Any] = {"call_sign": crew.call_sign, "status": status}
    if reason.strip():
        payload["reason"] = reason.strip()
    room.record_all([Draft(k.CREW_STATUS, payload, source)])


# -- reading ---------------------------------------------------------------------------------

_EVENT_KEYS = ("id", "event_id", "from_event_id", "to_event_id", "parent_id")


def mentions(payload: Any, event_id: str) -> bool:
    """Whether a journal entry is about ``event_id`` (for the event's history)."""
    return any(payload.get(key) == event_id for key in _EVENT_KEYS)
