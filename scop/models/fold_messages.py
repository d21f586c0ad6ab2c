"""Messages exchanged with the Préfecture de Police, as the journal tells their story.

Outgoing: drafted (by a person or a fiche réflexe) → validated by a chief (the EDXL-DE message
is built, checked against the schemas and journaled then) → sent → reçu → intégré → consulté,
or error, or expired. Incoming: received (journaled with the validated raw message; folding it
is the integration, after which ``RECU`` then ``INTEGRE`` are sent) → consulted (``CONSULTE``
when a person opens it). Entries that do not make sense for current state are ignored, as
everywhere in the fold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from scop.clock import from_iso
from scop.models.describe import describes
from scop.models.entries import Entry
from scop.models.projection import handles
from scop.models.state import RoomState
from scop.models.vocabulary import (
    ACK_STEP_STATE,
    AWAITING,
    INCOMING_LABELS,
    MESSAGE_RANK,
    MESSAGE_STATES,
    MessageState,
)
from scop.models.vocabulary import ANSWER_LABELS as ANSWER_LABELS

DRAFTED = "pp.message_drafted"
DISCARDED = "pp.draft_discarded"
VALIDATED = "pp.message_validated"
SENT = "pp.message_sent"
ACK_RECEIVED = "pp.ack_received"
ERROR = "pp.message_error"
EXPIRED = "pp.message_expired"
RECEIVED = "pp.message_received"
ACK_SENT = "pp.ack_sent"
CONSULTED = "pp.message_consulted"

# The names the docks know; the tables themselves are in scop.models.vocabulary.
STATE_LABELS = MESSAGE_STATES
TEMPLATE_LABELS = INCOMING_LABELS

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _frozen(value: Any) -> Mapping[str, Any]:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else MappingProxyType({})


@dataclass(frozen=True, slots=True)
class PPMessage:
    key: str  # draft id (outgoing) or distribution id (incoming)
    direction: str  # "out" or "in"
    event_id: str
    template: str
    state: MessageState
    created_at: datetime
    updated_at: datetime
    author: str = ""
    fields: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    origin: Mapping[str, Any] | None = None
    distribution_id: str | None = None
    validated_by: str = ""
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    exercise: bool = False
    text: str = ""
    answer: str | None = None  # for a request: the PP's answer (ACCEPTE, REFUS, PARTIELLE)
    answer_text: str = ""
    answers: str | None = None  # for an incoming answer: the request's distribution id
    error: str = ""
    consulted_by: str = ""
    acks_sent: tuple[str, ...] = ()  # incoming: steps we acknowledged
    event_name: str = ""  # incoming: the event as the PP names it
    message: Mapping[str, Any] = field(
        default_factory=lambda: _EMPTY
    )  # the validated EDXL-DE message

    @property
    def label(self) -> str:
        return TEMPLATE_LABELS.get(self.template, self.template)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def awaiting_ack(self) -> bool:
        return self.direction == "out" and self.state in AWAITING


def messages_of(st: RoomState) -> dict[str, PPMessage]:
    return st.messages


def by_distribution_id(st: RoomState, did: str) -> PPMessage | None:
    key = st.message_ids.get(did)
    return st.messages.get(key) if key else None


def _msg(st: RoomState, e: Entry) -> PPMessage | None:
    p = e.payload
    if isinstance(p.get("distribution_id"), str) and p["distribution_id"] in st.message_ids:
        return by_distribution_id(st, p["distribution_id"])
    key = p.get("draft_id") or p.get("key")
    return st.messages.get(key) if isinstance(key, str) else None


def _put(st: RoomState, m: PPMessage) -> None:
    st.messages[m.key] = m
    if m.distribution_id:
        st.message_ids[m.distribution_id] = m.key


@handles(DRAFTED)
def _drafted(st: RoomState, e: Entry) -> None:
    p = e.payload
    draft_id, event_id, template = p.get("draft_id"), p.get("event_id"), p.get("template")
    if (
        not (isinstance(draft_id, str) and isinstance(event_id, str) and isinstance(template, str))
        or draft_id in st.messages
    ):
        return
    origin = p.get("origin")
    _put(
        st,
        PPMessage(
            key=draft_id,
            direction="out",
            event_id=event_id,
            template=template,
            state=MessageState.BROUILLON,
            created_at=e.ts,
            updated_at=e.ts,
            author=e.author,
            fields=_frozen(p.get("fields")),
            origin=_frozen(origin) if isinstance(origin, Mapping) else None,
            exercise=st.mode == "exercise",
        ),
    )


@handles(DISCARDED)
def _discarded(st: RoomState, e: Entry) -> None:
    m = _msg(st, e)
    if m is not None and m.state == MessageState.BROUILLON:
        _put(
            st,
            replace(
                m,
                state=MessageState.ABANDONNE,
                updated_at=e.ts,
                error=str(e.payload.get("reason", "")),
            ),
        )


@handles(VALIDATED)
def _validated(st: RoomState, e: Entry) -> None:
    m = _msg(st, e)
    p = e.payload
    did = p.get("distribution_id")
    if m is None or m.state != MessageState.BROUILLON or not isinstance(did, str):
        return
    expires = p.get("expires_at")
    _put(
        st,
        replace(
            m,
            state=MessageState.VALIDE,
            updated_at=e.ts,
            distribution_id=did,
            validated_by=e.author,
            expires_at=from_iso(expires) if isinstance(expires, str) else None,
            exercise=bool(p.get("exercise", m.exercise)),
            text=str(p.get("text", "")),
            message=_frozen(p.get("message")),
        ),
    )


@handles(SENT)
def _sent(st: RoomState, e: Entry) -> None:
    m = _msg(st, e)
    if m is not None and m.state == MessageState.VALIDE:
        _put(st, replace(m, state=MessageState.ENVOYE, sent_at=e.ts, updated_at=e.ts))


@handles(ACK_RECEIVED)
def _ack_received(st: RoomState, e: Entry) -> None:
    m = _msg(st, e)
    target = ACK_STEP_STATE.get(str(e.payload.get("step")))
    if m is None or m.direction != "out" or target is None:
        return
    if e.payload.get("refused"):
        _put(st, replace(m, state=MessageState.ERREUR, updated_at=e.ts, error="refusé par la PP"))
        return
    if m.state in MESSAGE_RANK and MESSAGE_RANK[target] > MESSAGE_RANK[m.state]:
        _put(st, replace(m, state=target, updated_at=e.ts, sent_at=m.sent_at or e.ts))


@handles(ERROR)
def _error(st: RoomState, e: Entry) -> None:
    m = _msg(st, e)
    if m is None or m.direction != "out":
        return
    cause = str(e.payload.get("cause", ""))
    code = e.payload.get("code")
    _put(
        st,
        replace(
            m,
            state=MessageState.ERREUR,
            updated_at=e.ts,
            error=f"{code} — {cause}" if code else cause,
        ),
    )


@handles(EXPIRED)
def _expired(st: RoomState, e: Entry) -> None:
    m = _msg(st, e)
    if m is not None and m.state in AWAITING:
        _put(st, replace(m, state=MessageState.EXPIRE, updated_at=e.ts))


@handles(RECEIVED)
def _received(st: RoomState, e: Entry) -> None:
    p = e.payload
    did, event_id = p.get("distribution_id"), p.get("event_id")
    if not (isinstance(did, str) and isinstance(event_id, str)) or did in st.message_ids:
        return
    template = str(p.get("template", "point_de_situation"))
    answer = p.get("answer") if isinstance(p.get("answer"), str) else None
    answers = None
    for link in p.get("links", ()) or ():
        req = by_distribution_id(st, str(link))
        if req is not None and req.direction == "out":
            answers = req.distribution_id
            if template == "reponse" and answer:
                _put(
                    st,
                    replace(
                        req, answer=answer, answer_text=str(p.get("text", "")), updated_at=e.ts
                    ),
                )
    _put(
        st,
        PPMessage(
            key=did,
            direction="in",
            event_id=event_id,
            template=template,
            state=MessageState.INTEGRE,
            created_at=e.ts,
            updated_at=e.ts,
            author=str(p.get("sender", "")),
            distribution_id=did,
            exercise=bool(p.get("exercise")),
            text=str(p.get("text", "")),
            answer=answer,
            answers=answers,
            message=_frozen(p.get("message")),
            event_name=str(p.get("event_name", "")),
            expires_at=from_iso(p["expires_at"]) if isinstance(p.get("expires_at"), str) else None,
        ),
    )


@handles(ACK_SENT)
def _ack_sent(st: RoomState, e: Entry) -> None:
    m = _msg(st, e)
    step = str(e.payload.get("step"))
    target = ACK_STEP_STATE.get(step)
    if m is None or m.direction != "in" or target is None or step in m.acks_sent:
        return
    state = target if MESSAGE_RANK[target] > MESSAGE_RANK.get(m.state, 0) else m.state
    _put(st, replace(m, state=state, acks_sent=(*m.acks_sent, step), updated_at=e.ts))


@handles(CONSULTED)
def _consulted(st: RoomState, e: Entry) -> None:
    m = _msg(st, e)
    if m is None or m.direction != "in" or m.consulted_by:
        return
    _put(st, replace(m, consulted_by=e.author, updated_at=e.ts))


# -- the main courante -----------------------------------------------------------------------


def _label(e: Entry) -> str:
    return TEMPLATE_LABELS.get(str(e.payload.get("template")), str(e.payload.get("template")))


@describes(DRAFTED, "Message PP rédigé")
def _d_drafted(e: Entry) -> str:
    via = " (fiche réflexe)" if e.payload.get("origin") else ""
    return f"Message PP rédigé{via} : {_label(e)} — événement {e.payload.get('event_id')}"


@describes(DISCARDED, "Brouillon PP abandonné")
def _d_discarded(e: Entry) -> str:
    reason = f" — {e.payload['reason']}" if e.payload.get("reason") else ""
    return f"Brouillon de message PP abandonné{reason}"


@describes(VALIDATED, "Message PP validé")
def _d_validated(e: Entry) -> str:
    return (
        f"Message PP validé par le chef de salle : {_label(e)} — événement "
        f"{e.payload.get('event_id')}"
    )


@describes(SENT, "Message PP envoyé")
def _d_sent(e: Entry) -> str:
    return f"Message envoyé à la PP : {_label(e)} — événement {e.payload.get('event_id')}"


@describes(ACK_RECEIVED, "Accusé de la PP")
def _d_ack(e: Entry) -> str:
    refused = " (REFUSÉ)" if e.payload.get("refused") else ""
    return f"Accusé {e.payload.get('step')} de la PP{refused} : {_label(e)}"


@describes(ERROR, "Erreur d'envoi PP")
def _d_error(e: Entry) -> str:
    return f"Erreur sur un message PP ({_label(e)}) : {e.payload.get('cause', '')}"


@describes(EXPIRED, "Message PP expiré")
def _d_expired(e: Entry) -> str:
    return f"ALARME : message PP expiré sans accusé de réception : {_label(e)}"


@describes(RECEIVED, "Message de la PP")
def _d_received(e: Entry) -> str:
    answer = e.payload.get("answer")
    extra = f" — {ANSWER_LABELS.get(str(answer), answer)}" if answer else ""
    return (
        f"Message de la Préfecture de Police : {_label(e)}{extra} — événement "
        f"{e.payload.get('event_id')}"
    )


@describes(ACK_SENT, "Accusé envoyé à la PP")
def _d_ack_sent(e: Entry) -> str:
    return f"Accusé {e.payload.get('step')} envoyé à la PP"


@describes(CONSULTED, "Message PP consulté")
def _d_consulted(e: Entry) -> str:
    return "Message de la PP consulté"
