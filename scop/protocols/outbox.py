"""Commands on PP messages: draft, discard, validate (chief only), mark as consulted.

A draft becomes a message only when a chief validates it: the EDXL-DE message is built from
the draft and the event as it stands then, checked against the schemas and journaled in the
``pp.message_validated`` entry, so that it is committed before any link sends it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from scop.clock import to_iso
from scop.models import fold_messages as fm
from scop.models.entries import Entry
from scop.models.state import RoomState
from scop.models.vocabulary import MessageState
from scop.protocols.edxl import (
    DEFAULT_TTL,
    TEMPLATES,
    CodecError,
    EventInfo,
    Identity,
    build_emsi,
    new_distribution_id,
    summarize,
)
from scop.room import CommandRefused, Room


def event_info(room: Room, event_id: str) -> EventInfo:
    ev = room.state.events.get(event_id)
    if ev is None:
        raise CommandRefused(f"L'événement {event_id} n'existe pas.")
    return EventInfo(
        ev.id,
        ev.category,
        ev.title,
        ev.gravity,
        ev.status,
        ev.address,
        ev.lon,
        ev.lat,
        ev.description,
        ev.crews,
    )


def draft_message(
    room: Room,
    event_id: str,
    template: str,
    fields: Mapping[str, Any] | None = None,
    origin: Mapping[str, str] | None = None,
) -> Entry:
    if room.store.readonly:
        raise CommandRefused("Main courante en lecture seule : aucun message ne peut être rédigé.")
    if template not in TEMPLATES:
        raise CommandRefused(f"Modèle de message inconnu : {template}.")
    event_info(room, event_id)
    return room.record(
        fm.DRAFTED,
        {
            "draft_id": f"PP-{uuid.uuid4().hex[:12]}",
            "event_id": event_id,
            "template": template,
            "fields": dict(fields or {}),
            "origin": dict(origin) if origin else None,
        },
    )


def discard_draft(room: Room, draft_id: str, reason: str = "") -> Entry:
    m = room.state.messages.get(draft_id)
    if m is None or m.state != MessageState.BROUILLON:
        raise CommandRefused("Seul un brouillon peut être abandonné.")
    return room.record(
        fm.DISCARDED,
        {
            "draft_id": draft_id,
            "event_id": m.event_id,
            "template": m.template,
            "reason": reason.strip(),
        },
    )


def previous_out(st: RoomState, event_id: str) -> str | None:
    """The last message this side validated on ``event_id`` and that may still reach the PP:
    the next one links to it so that the PP applies them in order."""
    for did in reversed(st.message_ids):
        m = st.messages.get(st.message_ids[did])
        if (
            m is not None
            and m.direction == "out"
            and m.event_id == event_id
            and m.state not in (MessageState.ERREUR, MessageState.EXPIRE)
        ):
            return did
    return None


def validate_draft(
    room: Room, draft_id: str, identity: Identity | None = None, ttl: timedelta = DEFAULT_TTL
) -> Entry:
    if room.store.readonly:
        raise CommandRefused("Main courante en lecture seule : aucun message ne peut partir.")
    if room.operator.role != "chief":
        raise CommandRefused("Seul le chef de salle peut valider un message pour la PP.")
    m = room.state.messages.get(draft_id)
    if m is None or m.direction != "out":
        raise CommandRefused(f"Brouillon {draft_id} introuvable.")
    if m.state != MessageState.BROUILLON:
        raise CommandRefused(f"Ce message est déjà {m.state_label.lower()}.")
    identity = identity or Identity()
    exercise = room.mode == "exercise"
    now = room.clock.now()
    did = new_distribution_id(identity.sender_id)
    try:
        msg = build_emsi(
            m.template,
            event_info(room, m.event_id),
            m.fields,
            identity=identity,
            now=now,
            exercise=exercise,
            distribution_id=did,
            previous_id=previous_out(room.state, m.event_id),
            author=room.operator.name,
            ttl=ttl,
        )
    except CodecError as e:
        raise CommandRefused(f"Message impossible à construire : {e}") from None
    emsi = msg["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["emsi"]
    return room.record(
        fm.VALIDATED,
        {
            "draft_id": draft_id,
            "event_id": m.event_id,
            "template": m.template,
            "distribution_id": did,
            "exercise": exercise,
            "expires_at": to_iso(now + ttl),
            "text": summarize(emsi).text,
            "message": msg,
        },
    )


def consult(room: Room, key: str) -> Entry | None:
    """A person opened an incoming message: the link will send ``CONSULTE``."""
    m = room.state.messages.get(key)
    if m is None or m.direction != "in" or m.consulted_by or room.store.readonly:
        return None
    return room.record(
        fm.CONSULTED,
        {"distribution_id": m.distribution_id, "event_id": m.event_id, "template": m.template},
    )
