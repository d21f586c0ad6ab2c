"""Commands on PP messages: draft, discard, validate (chief only), mark as consulted.

A draft becomes a message only when a chief validates it: the EDXL-DE message is built from
the draft and the event as it stands then, checked against the schemas and journaled in the
``pp.message_validated`` entry, so that it is committed before any link sends it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from scop.clock import to_iso
from scop.models import fold_messages as fm
from scop.models.entries import Draft, Entry
from scop.models.state import RoomState
from scop.models.vocabulary import MessageState
from scop.procedures import situation
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
from scop.room import CommandRefused, Room, entry_check


def event_info(st: RoomState, event_id: str) -> EventInfo:
    ev = st.events.get(event_id)
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
    if template not in TEMPLATES:
        raise CommandRefused(f"Modèle de message inconnu : {template}.")
    payload = {
        "draft_id": f"PP-{uuid.uuid4().hex[:12]}",
        "event_id": event_id,
        "template": template,
        "fields": dict(fields or {}),
        "origin": dict(origin) if origin else None,
    }

    def decide(st: RoomState) -> list[Draft]:
        check_drafted(st, payload)
        return [Draft(fm.DRAFTED, payload)]

    return room.execute("message.draft", decide)[0]


def draft_situation(
    room: Room,
    event_id: str,
    edits: Mapping[str, Any] | None = None,
    origin: Mapping[str, str] | None = None,
) -> Entry:
    """The point de situation as a draft for the chief: verified facts only
    (:mod:`scop.procedures.situation`), the chief's edits over them (``situation``,
    ``moyens_ville``, ``tendance``); it is validated and sent like every PP message."""
    if event_id not in room.state.events:
        raise CommandRefused(f"L'événement {event_id} n'existe pas.")
    fields = situation_fields(room.state, event_id, room.clock.now(), edits)
    return draft_message(room, event_id, situation.TEMPLATE, fields, origin)


def situation_fields(
    st: RoomState, event_id: str, now: datetime, edits: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    edits = dict(edits or {})
    known = situation.template_fields(st, event_id, now)
    trend = str(edits.pop("tendance", "") or "")
    if trend not in situation.TRENDS:
        raise CommandRefused(f"Tendance inconnue : {trend} (aggravation, stable ou amélioration).")
    counts = {k: edits.pop(k) for k in situation.COUNT_LABELS if k in edits}
    fields: dict[str, Any] = situation.update_fields(
        str(edits.pop("situation", None) or known["situation"]),
        str(edits.pop("moyens_ville", None) or known["moyens_ville"]),
        trend,
        counts,
    )
    fields.update(edits)
    return fields


def preview(
    st: RoomState,
    event_id: str,
    template: str,
    fields: Mapping[str, Any],
    *,
    now: datetime,
    exercise: bool,
    identity: Identity | None = None,
) -> str:
    """The text the PP will read (the EMSI free text), built by the same codec that
    :func:`validate_draft` uses: what the chief sees before sending is what goes."""
    try:
        msg = build_emsi(
            template,
            event_info(st, event_id),
            fields,
            identity=identity or Identity(),
            now=now,
            exercise=exercise,
            distribution_id="apercu",
        )
    except CodecError as e:
        raise CommandRefused(f"Message impossible à construire : {e}") from None
    return summarize(_emsi_of(msg)).text


def _emsi_of(msg: Mapping[str, Any]) -> Mapping[str, Any]:
    emsi: Mapping[str, Any] = msg["content"][0]["jsonContent"]["embeddedJsonContent"]["message"][
        "emsi"
    ]
    return emsi


@entry_check(fm.DRAFTED)
def check_drafted(st: RoomState, p: Mapping[str, Any]) -> None:
    event_info(st, str(p.get("event_id")))


def discard_draft(room: Room, draft_id: str, reason: str = "") -> Entry:
    def decide(st: RoomState) -> list[Draft]:
        m = st.messages.get(draft_id)
        payload = {
            "draft_id": draft_id,
            "event_id": m.event_id if m else None,
            "template": m.template if m else None,
            "reason": reason.strip(),
        }
        check_discarded(st, payload)
        return [Draft(fm.DISCARDED, payload)]

    return room.execute("message.discard", decide)[0]


@entry_check(fm.DISCARDED)
def check_discarded(st: RoomState, p: Mapping[str, Any]) -> None:
    m = st.messages.get(str(p.get("draft_id")))
    if m is None or m.state != MessageState.BROUILLON:
        raise CommandRefused("Seul un brouillon peut être abandonné.")


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
    identity = identity or Identity()
    exercise = room.mode == "exercise"
    now = room.clock.now()
    author = room.operator.name

    def decide(st: RoomState) -> list[Draft]:
        check_validated(st, {"draft_id": draft_id})
        m = st.messages[draft_id]
        did = new_distribution_id(identity.sender_id)
        try:
            msg = build_emsi(
                m.template,
                event_info(st, m.event_id),
                m.fields,
                identity=identity,
                now=now,
                exercise=exercise,
                distribution_id=did,
                previous_id=previous_out(st, m.event_id),
                author=author,
                ttl=ttl,
            )
        except CodecError as e:
            raise CommandRefused(f"Message impossible à construire : {e}") from None
        emsi = _emsi_of(msg)
        payload = {
            "draft_id": draft_id,
            "event_id": m.event_id,
            "template": m.template,
            "distribution_id": did,
            "exercise": exercise,
            "expires_at": to_iso(now + ttl),
            "text": summarize(emsi).text,
            "message": msg,
        }
        return [Draft(fm.VALIDATED, payload)]

    return room.execute("message.validate", decide)[0]


@entry_check(fm.VALIDATED)
def check_validated(st: RoomState, p: Mapping[str, Any]) -> None:
    draft_id = str(p.get("draft_id"))
    m = st.messages.get(draft_id)
    if m is None or m.direction != "out":
        raise CommandRefused(f"Brouillon {draft_id} introuvable.")
    if m.state != MessageState.BROUILLON:
        raise CommandRefused(f"Ce message est déjà {m.state_label.lower()}.")


def consult(room: Room, key: str) -> Entry | None:
    """A person opened an incoming message: the link will send ``CONSULTE``."""
    m = room.state.messages.get(key)
    if m is None or m.direction != "in" or m.consulted_by or room.store.readonly:
        return None

    def decide(st: RoomState) -> list[Draft]:
        m = st.messages.get(key)
        if m is None or m.consulted_by:
            return []  # another workstation opened it first: one CONSULTE is enough
        return [
            Draft(
                fm.CONSULTED,
                {
                    "distribution_id": m.distribution_id,
                    "event_id": m.event_id,
                    "template": m.template,
                },
            )
        ]

    entries = room.execute("message.consult", decide)
    return entries[0] if entries else None
