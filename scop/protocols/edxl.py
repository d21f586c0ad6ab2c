"""EDXL-DE + EMSI codec for the link with the Préfecture de Police.

The profile is the French emergency-interop one (Hub Santé, schemas stamped 26.07.29): an
EDXL-DE envelope, an RC-DE header and exactly one payload, ``emsi``, ``reference`` (RC-REF
acknowledgement) or ``error`` (RS-ERROR). Every message built here is validated against the
shipped schemas before it is returned, and every message parsed is validated before anybody
sees it: nothing leaves the console or enters the journal without passing them.

jsonschema-rs is used for speed (≈ 280 times python-jsonschema on EDXL-DE-full, HOUSE_STYLE).
Like every JSON Schema validator it accepts a top-level array, and it knows nothing of clocks
or peers: the top-level type, the expiry, the sender and the exercise marking are checked
here by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import jsonschema_rs

from scop.clock import PARIS
from scop.models import jsonio
from scop.models.vocabulary import ACK_STEPS as ACK_STEPS
from scop.models.vocabulary import ANSWER_LABELS, EventStatus
from scop.models.vocabulary import INCOMING_LABELS as INCOMING_LABELS
from scop.models.vocabulary import TEMPLATES as TEMPLATES
from scop.resources import resource_path

PROFILE_VERSION = "26.07.29"
# Announced as the websocket subprotocol: a peer speaking another version is refused.
SUBPROTOCOL = f"scop-edxl-emsi.{PROFILE_VERSION}"
SCHEMA_BASE = "https://scop.invalid/json-schema/"
MAX_STRING = 16_000  # a field longer than this is refused (schemas set no limit)
EXERCISE_MARK = "EXERCICE EXERCICE EXERCICE"
# The address scheme of the hub: RC-DE ``sender.URI`` / ``recipient.URI`` are ``hubex:{id}``.
HUB_SCHEME = "hubex"
DEFAULT_TTL = timedelta(hours=1)

# The hub's error codes (RS-ERROR statusCode, statusString).
SENDER_MISMATCH = (200, "SENDER_MISMATCH")
INVALID_MESSAGE = (300, "INVALID_MESSAGE")
# A message addressed to another system: the hub's list has no code of its own for it (the hub
# routes by address and never delivers such a message), so it is an invalid message here.
RECIPIENT_MISMATCH = INVALID_MESSAGE
EXPIRED_MESSAGE = (400, "EXPIRED_MESSAGE")
WRONG_SEQUENCE = (702, "WRONG_SEQUENCE")
INSUFFICIENT_DATA = (704, "INSUFFICIENT_DATA")


# Means the SCOP requests or reports on: (label, EMSI resource class).
MEANS: dict[str, tuple[str, str]] = {
    "umip": ("UMIP", "HUM/UNIT/PSYCH"),
    "cump": ("CUMP", "HUM/UNIT/PSYCH"),
    "vpu": ("VPU", "MAT/VEH/ROADVE"),
    "care": ("C.A.RE", "FAC/OPR/SRVCNT"),
}

_EVENT_STATUS: dict[str, str] = {
    EventStatus.NOUVEAU: "NST",
    EventStatus.PRIS_EN_COMPTE: "IPR",
    EventStatus.EN_COURS: "IPR",
    EventStatus.CLOS: "COM",
}
_TRENDS = {
    "aggravation": "NCREA",
    "amelioration": "DECREA",
    "stable": "STABLE",
    "NCREA": "NCREA",
    "DECREA": "DECREA",
    "STABLE": "STABLE",
}
_REPORT_STATUS = {
    "en_cours": "IPR",
    "termine": "COM",
    "IPR": "IPR",
    "COM": "COM",
    "annule": "CANCLD",
    "CANCLD": "CANCLD",
}
_TEXT_KEYS = ("texte", "text", "message", "commentaire")


class CodecError(ValueError):
    """A message that cannot be built (bad template, bad field): the text is for the operator."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who speaks and to whom. Organisation ids are this project's placeholders: configurable."""

    sender_id: str = "fr.police.scop"
    peer_id: str = "fr.police.pp"
    sender_name: str = "SCOP Ville de Paris"

    def swapped(self, name: str = "Préfecture de Police") -> Identity:
        return Identity(self.peer_id, self.sender_id, name)


@dataclass(frozen=True, slots=True)
class EventInfo:
    """What the codec reads of an event (a projection ``Event`` has all of it)."""

    id: str
    category: str
    title: str
    gravity: int = 2
    status: str = "en_cours"
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    description: str = ""
    crews: tuple[str, ...] = ()


class InvalidMessage(Exception):
    """An input that must be answered with an RS-ERROR (and never enters the journal)."""

    def __init__(
        self,
        code: tuple[int, str],
        cause: str,
        ref_id: str | None,
        source: Mapping[str, Any] | None,
        *,
        kind: str | None = None,
        exercise: bool | None = None,
    ) -> None:
        super().__init__(cause)
        self.exercise = exercise  # the refused message's marking: the error carries the same
        self.code = code
        self.cause = cause
        self.ref_id = ref_id
        self.source = source
        self.kind = kind  # distributionKind when readable: an invalid Error is never answered


@dataclass(frozen=True, slots=True)
class Message:
    """A message that passed the schemas and the checks."""

    distribution_id: str
    sender_id: str
    kind: str  # Report, Update, Cancel, Ack, Error
    status: str  # Actual, Exercise
    sent_at: datetime
    expires_at: datetime
    payload_key: str  # emsi, reference, error
    payload: Mapping[str, Any]
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def exercise(self) -> bool:
        return self.status == "Exercise"


# -- schemas ---------------------------------------------------------------------------------


_FULL = "EDXL-DE-full.schema.json"


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    """Every schema of the profile, its ``$id`` re-based onto its own file name: the shipped ids
    all say ``classpath:/json-schema/schema#`` and cannot tell the files apart."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(resource_path("interop", "json-schema").glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        schema["$id"] = SCHEMA_BASE + path.name
        out[path.name] = schema
    return out


def schema_resources() -> list[tuple[str, dict[str, Any]]]:
    return [(SCHEMA_BASE + name, s) for name, s in _schemas().items()]


_PAYLOAD_SCHEMAS = {
    "emsi": "EMSI.schema.json",
    "reference": "RC-REF.schema.json",
    "error": "RS-ERROR.schema.json",
}
# The payloads the console reads, and the distributionKind each may come in.
_PAYLOAD_KINDS: dict[str, tuple[str, ...]] = {
    "emsi": ("Report", "Update", "Cancel"),
    "reference": ("Ack",),
    "error": ("Error",),
}
_PAYLOAD_KEYS = frozenset(_PAYLOAD_KINDS)


def _branch_key(branch: Mapping[str, Any]) -> str | None:
    """The payload key a branch of ``EmbeddedJsonContent``'s ``oneOf`` requires of the RC-DE
    message (``emsi``, ``reference``…), when it requires exactly one there, else None."""
    parts = branch.get("allOf", [branch])
    keys: list[str] = []
    for part in parts:
        message = part.get("properties", {}).get("message", {})
        keys += message.get("required", [])
    return keys[0] if len(keys) == 1 else None


@cache
def _registry() -> Any:
    return jsonschema_rs.Registry(schema_resources())


@cache
def _validator(name: str = _FULL) -> Any:
    return jsonschema_rs.validator_for(_schemas()[name], registry=_registry())


@cache
def _branches() -> dict[str, dict[str, Any]]:
    """Payload key → its branch of ``EmbeddedJsonContent``'s ``oneOf``, when every branch
    requires one key of its own, distinct from the others' (else empty: a profile shaped
    otherwise is always checked against the full schema)."""
    branches = _schemas()[_FULL]["definitions"]["EmbeddedJsonContent"]["oneOf"]
    keys = [_branch_key(b) for b in branches]
    if None in keys or len(set(keys)) != len(keys):
        return {}
    return {str(k): b for k, b in zip(keys, branches, strict=True)}


@cache
def _narrowed(key: str) -> Any:
    """A validator of EDXL-DE-full with ``EmbeddedJsonContent`` narrowed to ``key``'s branch:
    the full schema's verdict for a message whose one content item's RC-DE message is an object
    holding that key and no other branch's (see :func:`is_valid`), four to eight times faster
    (the full one tries all 23 branches). Built the first time a message needs it."""
    narrowed = json.loads(json.dumps(_schemas()[_FULL]))
    narrowed["definitions"]["EmbeddedJsonContent"] = _branches()[key]
    return jsonschema_rs.validator_for(narrowed, registry=_registry())


@cache
def _with_header() -> frozenset[str]:
    """Payload keys whose branch also holds the RC-DE message to RC-DE.schema.json (``emsi``,
    ``reference``…; not ``error``, nor ``customContent``)."""
    return frozenset(
        key
        for key, branch in _branches().items()
        if any(
            part.get("properties", {}).get("message", {}).get("$ref") == "RC-DE.schema.json"
            for part in branch.get("allOf", ())
        )
    )


@cache
def _branch_keys() -> frozenset[str]:
    return frozenset(_branches())


def _payload_keys(inner: Any) -> frozenset[str]:
    """The keys of an RC-DE message that name a branch of the profile's ``oneOf`` (nine times per
    PP message: a comprehension cost three times this)."""
    return _branch_keys().intersection(inner) if type(inner) is dict else frozenset()


def _header_in_schema(present: frozenset[str]) -> bool:
    """Whether a message that passed EDXL-DE-full has had its RC-DE header checked too, from
    ``present``, its RC-DE message's :func:`_payload_keys`: its one payload's branch applies
    RC-DE (with several payloads, or none known, it cannot be told)."""
    return len(present) == 1 and present <= _with_header()


def is_valid(message: Any) -> bool:
    """Whether ``message`` passes EDXL-DE-full, the verdict of the full schema.

    A branch of the ``oneOf`` holds only if the RC-DE message has the key it requires, and the
    ``oneOf`` holds if exactly one branch does: when the only content item's message is an
    object holding exactly one of the branches' keys, no other branch can hold, and the full
    verdict is that branch's (tests/unit/test_pp_schema_fast.py compares both on the profile's
    examples, on every message the console builds and on mutations of them). Anything else (no
    or several content items, several payload keys, no message object) takes the full schema."""
    try:
        (item,) = message["content"]
        inner = item["jsonContent"]["embeddedJsonContent"]["message"]
    except (KeyError, IndexError, TypeError, ValueError):
        inner = None
    present = _payload_keys(inner)
    if len(present) == 1:
        (key,) = present
        return bool(_narrowed(key).is_valid(message))
    return bool(_validator().is_valid(message))


def schema_errors(message: Any) -> list[str]:
    """Readable reasons why ``message`` fails the schemas (empty when it passes).

    EDXL-DE-full's ``oneOf`` over 25 payloads only says "valid under none": when it fails, the
    header and the payload are checked on their own to say what is actually wrong."""
    if is_valid(message):
        return []
    full = _validator()
    reasons: list[str] = []
    inner = _embedded(message)
    if isinstance(inner, dict):
        reasons += _errors("RC-DE.schema.json", inner, "message")
        for key, name in _PAYLOAD_SCHEMAS.items():
            if key in inner:
                reasons += _errors(name, inner[key], f"message.{key}")
    if not reasons:
        reasons = [_short(e) for e in list(full.iter_errors(message))[:3]]
    return reasons or ["message non conforme au profil EDXL-DE"]


def _errors(name: str, value: Any, where: str) -> list[str]:
    return [
        f"{where}{_path(e)} : {_short(e)}" for e in list(_validator(name).iter_errors(value))[:3]
    ]


def _path(e: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.instance_path)


def _short(e: Any) -> str:
    text = str(getattr(e, "message", e))
    return text if len(text) <= 200 else text[:200] + "…"


def _embedded(message: Any) -> Any:
    try:
        return message["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    except (KeyError, IndexError, TypeError):
        return None


def check_schema(message: Mapping[str, Any]) -> None:
    reasons = schema_errors(message)
    if reasons:
        raise CodecError("Message non conforme au profil EDXL-DE : " + " ; ".join(reasons))


# -- time and ids ----------------------------------------------------------------------------


_FMT_CACHE: dict[int, str] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def fmt_time(t: datetime) -> str:
    """The profile's timestamps: Paris offset spelled out, whole seconds (no ``Z``).

    Kept per second: every envelope writes two (sent, expires) and the time zone conversion
    was a twentieth of the PP link's CPU; within one second the text cannot change."""
    if t.tzinfo is None:
        raise ValueError("naive datetime")
    second = (t - _EPOCH) // _SECOND
    text = _FMT_CACHE.get(second)
    if text is None:
        if len(_FMT_CACHE) > 256:
            _FMT_CACHE.clear()
        text = _FMT_CACHE[second] = t.astimezone(PARIS).replace(microsecond=0).isoformat()
    return text


_PARSED_CACHE: dict[str, datetime] = {}


def parse_time(s: str) -> datetime:
    """A profile timestamp (Paris offset, whole seconds) as the aware UTC time it stands for.

    In UTC, as the clock gives ``now``: a comparison across two offsets cost twenty times one
    within UTC, and each message parsed compares its expiry with the clock. Kept per text: a
    message carries two, and all the messages of one second carry the same."""
    t = _PARSED_CACHE.get(s)
    if t is None:
        read = datetime.fromisoformat(s)
        if read.tzinfo is None:
            raise ValueError(f"horodatage sans fuseau : {s}")
        if len(_PARSED_CACHE) > 256:
            _PARSED_CACHE.clear()
        t = _PARSED_CACHE[s] = read.astimezone(UTC)
    return t


def new_distribution_id(sender_id: str) -> str:
    return f"{sender_id}_{uuid4_text()}"


_RANDOM_POOL = 256  # identifiers' worth of bits drawn from the system at once
_random: Iterator[bytes] = iter(())


def _forget_random() -> None:
    """A forked child must not draw its parent's next identifiers."""
    global _random
    _random = iter(())


os.register_at_fork(after_in_child=_forget_random)


def _random_16() -> bytes:
    """16 random bytes from the pool, each handed out once: ``next`` on a list's iterator is one
    step under the GIL, so two threads never get the same bytes (two that find the pool empty
    at once each draw a pool of their own)."""
    global _random
    try:
        return next(_random)
    except StopIteration:
        block = os.urandom(16 * _RANDOM_POOL)
        chunks = [block[i : i + 16] for i in range(0, len(block), 16)]
        _random = iter(chunks[1:])
        return chunks[0]


def uuid4_text() -> str:
    """``str(uuid.uuid4())`` without the UUID object: three times faster, and every message and
    every acknowledgement of the PP link draws one (the same 122 random bits, version 4 and
    RFC 4122 variant set; tests/unit/test_pp_codec.py reads them back with :class:`uuid.UUID`).
    The bits come from :func:`os.urandom` as ``uuid4`` takes them, 256 identifiers' worth
    per system call: one call each was a third of this function's time."""
    b = bytearray(_random_16())
    b[6] = b[6] & 0x0F | 0x40
    b[8] = b[8] & 0x3F | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def hub_uri(system_id: str) -> str:
    return f"{HUB_SCHEME}:{system_id}"


def name_fits(name: str, system_id: str) -> bool:
    """Whether an RC-DE ``name`` may stand for ``system_id``.

    The profile makes the name a technical label (for a SAMU ``{solution}-{routing key}``) and
    the hub's own examples write ``fr.health.ptfsas`` as well as ``ptfsas`` next to the same
    URI: the name is not what identifies a system, the envelope's ``senderID`` and the URI are.
    A name is refused only when it reads as another system's full id (dotted, and neither the
    id, a dotted tail of it, nor ``…-{id}``)."""
    return (
        name == system_id
        or "." not in name
        or system_id.endswith("." + name)
        or name.endswith("-" + system_id)
    )


def party_mismatch(party: Mapping[str, Any], system_id: str) -> str | None:
    """Why an RC-DE ``sender``/``recipient`` does not designate ``system_id`` (None if it does)."""
    uri, name = party.get("URI"), party.get("name")
    if name == system_id and uri == f"{HUB_SCHEME}:{system_id}":
        return None  # what the console and the PP write (two per message parsed, on the link)
    if uri != hub_uri(system_id):
        return f"URI {uri!r} au lieu de {hub_uri(system_id)!r}"
    if not isinstance(name, str) or not name.strip():
        return "nom vide"
    if not name_fits(name, system_id):
        return f"nom {name!r} désignant un autre système que {system_id}"
    return None


def dumps(message: Mapping[str, Any]) -> str:
    return jsonio.dumps(message)


# -- building --------------------------------------------------------------------------------


def envelope(
    identity: Identity,
    kind: str,
    payload_key: str,
    payload: Mapping[str, Any],
    *,
    now: datetime,
    exercise: bool,
    distribution_id: str | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> dict[str, Any]:
    did = distribution_id or new_distribution_id(identity.sender_id)
    status = "Exercise" if exercise else "Actual"
    sent = fmt_time(now)
    message = {
        "messageId": did,
        "sender": {"name": identity.sender_id, "URI": hub_uri(identity.sender_id)},
        "sentAt": sent,
        "kind": kind,
        "status": status,
        "recipient": [{"name": identity.peer_id, "URI": hub_uri(identity.peer_id)}],
        payload_key: dict(payload),
    }
    return {
        "distributionID": did,
        "senderID": identity.sender_id,
        "dateTimeSent": sent,
        "dateTimeExpires": fmt_time(now + ttl),
        "distributionStatus": status,
        "distributionKind": kind,
        "descriptor": {
            "language": "fr-FR",
            "explicitAddress": {
                "explicitAddressScheme": "hubex",
                "explicitAddressValue": identity.peer_id,
            },
        },
        "content": [{"jsonContent": {"embeddedJsonContent": {"message": message}}}],
    }


def build_ack(
    identity: Identity,
    ref_id: str,
    step: str,
    *,
    now: datetime,
    exercise: bool,
    refused: bool = False,
    error_id: str | None = None,
) -> dict[str, Any]:
    if step not in ACK_STEPS:
        raise CodecError(f"étape d'acquittement inconnue : {step}")
    ref: dict[str, Any] = {"distributionID": ref_id, "step": step}
    if refused:
        ref["refused"] = True
    if error_id:
        ref["errorDistributionID"] = error_id
    msg = envelope(identity, "Ack", "reference", ref, now=now, exercise=exercise)
    check_schema(msg)
    return msg


def build_error(
    identity: Identity, err: InvalidMessage, *, now: datetime, exercise: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "errorCode": {"statusCode": err.code[0], "statusString": err.code[1]},
        "errorCause": err.cause if err.ref_id else f"identifiant illisible ({err.cause})",
        "referencedDistributionID": err.ref_id or "inconnu",
    }
    if err.source is not None:
        body["sourceMessage"] = dict(err.source)
    msg = envelope(identity, "Error", "error", body, now=now, exercise=exercise)
    check_schema(msg)
    return msg


def _text(fields: Mapping[str, Any]) -> str:
    for key in _TEXT_KEYS:
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _extra(fields: Mapping[str, Any], used: set[str]) -> str:
    """Fields of a draft the template has no slot for still reach the PP, as text."""
    parts = [
        f"{k} : {v}"
        for k, v in sorted(fields.items())
        if k not in used
        and k not in _TEXT_KEYS
        and isinstance(v, str | int | float)
        and not isinstance(v, bool)
        and str(v).strip()
    ]
    return " ; ".join(parts)


def _int(fields: Mapping[str, Any], key: str) -> int | None:
    value = fields.get(key)
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise CodecError(f"le champ « {key} » doit être un nombre entier, pas {value!r}") from None
    if n < 0:
        raise CodecError(f"le champ « {key} » ne peut pas être négatif")
    return n


def _category(code: str) -> str:
    enum = _schemas()["EMSI.schema.json"]["definitions"]["etype"]["properties"]["CATEGORY"]
    allowed = set(enum["items"]["enum"])
    if code in allowed:
        return code
    head = code.split("/", maxsplit=1)[0]
    return head if head in allowed else "PSW"


def _position(ev: EventInfo) -> dict[str, Any]:
    pos: dict[str, Any] = {}
    if ev.lon is not None and ev.lat is not None:
        pos["COORDSYS"] = "EPSG-4326"
        pos["COORD"] = [{"LAT": float(ev.lat), "LONG": float(ev.lon)}]
    if ev.address:
        pos["ADDRESS"] = [ev.address]
    return pos


def build_emsi(
    template: str,
    event: EventInfo,
    fields: Mapping[str, Any],
    *,
    identity: Identity,
    now: datetime,
    exercise: bool,
    distribution_id: str | None = None,
    previous_id: str | None = None,
    author: str = "",
    ttl: timedelta = DEFAULT_TTL,
) -> dict[str, Any]:
    """The EDXL-DE message for a draft. ``previous_id`` is the last message this side sent on
    the same event: the peer applies updates to one event in the order they were sent."""
    if template not in TEMPLATES:
        raise CodecError(f"modèle de message inconnu : {template}")
    did = distribution_id or new_distribution_id(identity.sender_id)
    text = _text(fields)
    used: set[str] = set()
    kind, msgtype = "Update", "UPDATE"
    if template == "alerte":
        kind, msgtype = "Report", "ALERT"
    elif template == "annulation":
        kind, msgtype = "Cancel", "CANCEL"
    title = TEMPLATES[template]
    body = f"{title} — {event.title}" + (f" — {text}" if text else "")
    extra = _extra(
        fields,
        {
            "victimes",
            "impliques",
            "evacues",
            "tendance",
            "statut",
            "quantite",
            "nombre",
            "lieu",
            "motif",
        },
    )
    if extra:
        body += f" ({extra})"
    if template == "annulation" and fields.get("motif"):
        body += f" — motif : {fields['motif']}"
    if exercise:
        body = f"{EXERCISE_MARK} — {body} — {EXERCISE_MARK}"

    emsi_event: dict[str, Any] = {
        "ID": event.id,
        "NAME": event.title or event.id,
        "MAIN_EVENT_ID": f"{identity.sender_id}.{event.id}",
        "ETYPE": {"CATEGORY": [_category(event.category)], "ACTOR": ["PPL"], "LOCTYPE": ["OTH"]},
        "SOURCE": "HUMOBS",
        "SCALE": str(min(max(int(event.gravity), 1), 5)),
        "STATUS": _EVENT_STATUS.get(event.status, "IPR"),
        "FREETEXT": body,
    }
    pos = _position(event)
    if pos:
        emsi_event["EGEO"] = [{"TYPE": "GEN/LOCAT", "POSITION": pos}]
    victims, involved, evacuated = (_int(fields, k) for k in ("victimes", "impliques", "evacues"))
    if victims is not None or involved is not None:
        emsi_event["CASUALTIES"] = [
            {
                "CONTEXT": "REQ_ACTION",
                "DATIME": fmt_time(now),
                "TRIAGERED": victims or 0,
                "TRIAGEGREEN": involved or 0,
            }
        ]
    if evacuated is not None:
        emsi_event["EVAC"] = [{"DATIME": fmt_time(now), "EVACUATED": evacuated}]
    if template == "point_de_situation" and fields.get("tendance"):
        trend = _TRENDS.get(str(fields["tendance"]))
        if trend is None:
            raise CodecError(
                f"tendance inconnue : {fields['tendance']} (aggravation, amelioration ou stable)"
            )
        emsi_event["RISK_ASSESMENT"] = trend

    context: dict[str, Any] = {
        "ID": did,
        "MODE": "EXERCS" if exercise else "ACTUAL",
        "MSGTYPE": msgtype,
        "CREATION": fmt_time(now),
        "LEVEL": "OPR",
        "SECLASS": "RESTRC",
        "FREETEXT": body,
        "ORIGIN": {
            "ORG_ID": identity.sender_id,
            "NAME": identity.sender_name,
            **({"USER_ID": author} if author else {}),
        },
        "URGENCY": "URGENT"
        if template.startswith("demande") or template == "alerte"
        else "NOT_URGENT",
    }
    if previous_id:
        context["LINK"] = [{"ID": previous_id, "LINK_ROLE": "ADDSTO"}]
    emsi: dict[str, Any] = {"CONTEXT": context, "EVENT": emsi_event}

    if template.startswith(("demande_", "compte_rendu_")):
        means = template.rsplit("_", 1)[1]
        label, rclass = MEANS[means]
        qty = _int(fields, "quantite")
        if qty is None:
            qty = _int(fields, "nombre")
        request = template.startswith("demande_")
        if request:
            name, status = f"#DEMANDE_CONCOURS#{label}#", "NST"
        else:
            raw_status = str(fields.get("statut", "en_cours"))
            status = _REPORT_STATUS.get(raw_status, "")
            if not status:
                raise CodecError(
                    f"statut de compte rendu inconnu : {raw_status} (en_cours, termine ou annule)"
                )
            name = f"#COMPTE_RENDU_CONCOURS#{label}#"
        res_id = f"{did}.R1"
        mission: dict[str, Any] = {
            "TYPE": "GEN/SUPRTN",
            "ID": f"{did}.M1",
            "ORG_ID": identity.sender_id,
            "NAME": name,
            "STATUS": status,
            "FREETEXT": body,
            "RESOURCE_ID": [res_id],
            "START_TIME": fmt_time(now),
        }
        where = dict(pos)
        if isinstance(fields.get("lieu"), str) and fields["lieu"].strip():
            where["NAME"] = fields["lieu"].strip()
        if where:
            mission["POSITION"] = where
        resource: dict[str, Any] = {
            "RTYPE": {"RCLASS": [rclass]},
            "ID": res_id,
            "ORG_ID": identity.sender_id,
            "NAME": label,
            "STATUS": "RESRVD" if request else "IN_USE/ON_SCENE",
            "FREETEXT": body,
        }
        if qty is not None:
            resource["QUANTITY"] = qty
            resource["UM"] = "OTH/EA"
        emsi["MISSION"] = [mission]
        emsi["RESOURCE"] = [resource]
        used.add("quantite")

    msg = envelope(
        identity, kind, "emsi", emsi, now=now, exercise=exercise, distribution_id=did, ttl=ttl
    )
    check_schema(msg)
    return msg


def build_pp_emsi(
    kind_name: str,
    event: EventInfo,
    *,
    identity: Identity,
    now: datetime,
    exercise: bool,
    text: str = "",
    answer: str | None = None,
    request_id: str | None = None,
    previous_id: str | None = None,
    distribution_id: str | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> dict[str, Any]:
    """Messages the PP sends: alert, CUMP activation, request for a point de situation, answer
    to a request for means (the simulator and the tests speak through this)."""
    did = distribution_id or new_distribution_id(identity.sender_id)
    label = INCOMING_LABELS.get(kind_name, kind_name)
    body = f"{label} — {event.title}" + (f" — {text}" if text else "")
    if exercise:
        body = f"{EXERCISE_MARK} — {body} — {EXERCISE_MARK}"
    links = []
    if previous_id:
        links.append({"ID": previous_id, "LINK_ROLE": "ADDSTO"})
    if request_id:
        links.append({"ID": request_id, "LINK_ROLE": "ADDSTO"})
    context: dict[str, Any] = {
        "ID": did,
        "MODE": "EXERCS" if exercise else "ACTUAL",
        "MSGTYPE": "ALERT" if kind_name == "alerte" else "UPDATE",
        "CREATION": fmt_time(now),
        "LEVEL": "STRTGC",
        "SECLASS": "RESTRC",
        "FREETEXT": body,
        "ORIGIN": {"ORG_ID": identity.sender_id, "NAME": identity.sender_name},
    }
    if links:
        context["LINK"] = links
    ev: dict[str, Any] = {
        "ID": event.id,
        "NAME": event.title or event.id,
        "ETYPE": {"CATEGORY": [_category(event.category)], "ACTOR": ["PPL"], "LOCTYPE": ["OTH"]},
        "SCALE": str(min(max(int(event.gravity), 1), 5)),
        "STATUS": "IPR",
        "FREETEXT": body,
    }
    pos = _position(event)
    if pos:
        ev["EGEO"] = [{"TYPE": "GEN/LOCAT", "POSITION": pos}]
    emsi: dict[str, Any] = {"CONTEXT": context, "EVENT": ev}
    names = {
        "reponse": f"#REPONSE_DEMANDE_CONCOURS#{answer or 'ACCEPTE'}#",
        "activation_cump": "#ACTIVATION#CUMP#",
        "demande_point_de_situation": "#DEMANDE_POINT_SITUATION#",
    }
    if kind_name in names:
        if kind_name == "reponse" and answer not in ANSWER_LABELS:
            raise CodecError(f"réponse inconnue : {answer}")
        emsi["MISSION"] = [
            {
                "TYPE": "GEN/SUPRTN",
                "ID": f"{did}.M1",
                "ORG_ID": identity.sender_id,
                "NAME": names[kind_name],
                "STATUS": "IPR" if answer != "REFUS" else "ABO",
                "FREETEXT": body,
            }
        ]
    msg = envelope(
        identity,
        "Report" if kind_name == "alerte" else "Update",
        "emsi",
        emsi,
        now=now,
        exercise=exercise,
        distribution_id=did,
        ttl=ttl,
    )
    check_schema(msg)
    return msg


# -- parsing ---------------------------------------------------------------------------------


def _long_string(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return len(value) > MAX_STRING
    if depth > 40:
        return True
    if isinstance(value, dict):
        return any(_long_string(k) or _long_string(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_long_string(v, depth + 1) for v in value)
    return False


def _excerpt(raw: str | bytes) -> dict[str, Any]:
    text = raw if isinstance(raw, str) else raw[:4000].decode("utf-8", "replace")
    return {"extrait": text[:1000]}


def parse(
    raw: str | bytes,
    *,
    now: datetime,
    peer_id: str | None = None,
    exercise: bool | None = None,
    own_id: str | None = None,
) -> Message:
    """Read one frame. Raises :class:`InvalidMessage` with the hub's error code when it must be
    refused: unreadable, not an object, schema violation, too long, wrong sender (envelope
    ``senderID``, RC-DE ``sender.URI``), not addressed to ``own_id``, expired, or exercise
    traffic on a live link (and the reverse). docs/PP_INTEROP.md tables every refusal."""
    try:
        obj = jsonio.loads(raw)  # bytes (a frame as it came) decoded there, once
    except UnicodeDecodeError:
        assert isinstance(raw, bytes)
        raise InvalidMessage(
            INVALID_MESSAGE, "message non UTF-8", None, {"extrait": raw[:300].hex()}
        ) from None
    except (ValueError, RecursionError) as e:
        raise InvalidMessage(
            INVALID_MESSAGE, f"JSON illisible : {str(e)[:150]}", None, _excerpt(raw)
        ) from None
    if not isinstance(obj, dict):
        raise InvalidMessage(
            INVALID_MESSAGE,
            f"le message n'est pas un objet JSON ({type(obj).__name__})",
            None,
            _excerpt(raw),
        )
    did = obj.get("distributionID")
    did = did if type(did) is str else None
    kind = obj.get("distributionKind")
    kind = kind if type(kind) is str else None
    source: dict[str, Any] = obj if len(raw) <= 20_000 else _excerpt(raw)

    marking = obj.get("distributionStatus")
    exercise_mark = True if marking == "Exercise" else False if marking == "Actual" else None

    def refuse(code: tuple[int, str], cause: str) -> InvalidMessage:
        return InvalidMessage(code, cause, did, source, kind=kind, exercise=exercise_mark)

    # A decoded string is never longer than the frame it came in (escapes only shrink): a frame
    # of at most MAX_STRING characters needs no walk, and the walk was a third of parse().
    if len(raw) > MAX_STRING and _long_string(obj):
        source = _excerpt(raw)
        raise refuse(INVALID_MESSAGE, f"champ de plus de {MAX_STRING} caractères")
    reasons = schema_errors(obj)
    if reasons:
        raise refuse(INVALID_MESSAGE, "non conforme au profil : " + " ; ".join(reasons)[:900])
    assert did is not None
    assert kind is not None
    # What the schemas made sure of is read by key from here on: the envelope's fields, one or
    # more content items each with its RC-DE message (an object with its header's fields).
    sender = obj["senderID"]
    if peer_id is not None and sender != peer_id:
        raise refuse(SENDER_MISMATCH, f"émetteur inattendu : {sender} (attendu : {peer_id})")
    if not did.startswith(sender + "_"):
        raise refuse(SENDER_MISMATCH, f"identifiant {did} non préfixé par l'émetteur {sender}")
    content = obj["content"]
    if len(content) != 1:
        raise refuse(INVALID_MESSAGE, f"{len(content)} contenus : le profil en attend un seul")
    inner = content[0]["jsonContent"]["embeddedJsonContent"]["message"]
    present = _payload_keys(inner)
    if not _header_in_schema(present):  # an RS-ERROR's branch does not check its RC-DE header
        reasons = _errors("RC-DE.schema.json", inner, "message")
        if reasons:
            raise refuse(INVALID_MESSAGE, "en-tête RC-DE non conforme : " + " ; ".join(reasons))
    status = obj["distributionStatus"]
    if inner["messageId"] != did:
        raise refuse(INVALID_MESSAGE, "messageId différent de distributionID")
    if inner["kind"] != kind or inner["status"] != status:
        raise refuse(INVALID_MESSAGE, "en-tête RC-DE incohérent avec l'enveloppe")
    why = party_mismatch(inner["sender"], sender)
    if why is not None:
        raise refuse(SENDER_MISMATCH, f"émetteur RC-DE différent de senderID {sender} : {why}")
    if own_id is not None:
        address = obj["descriptor"]["explicitAddress"]["explicitAddressValue"]
        if address != own_id:
            raise refuse(
                RECIPIENT_MISMATCH, f"message adressé à {address}, pas à {own_id} (explicitAddress)"
            )
        recipients = inner["recipient"]
        for r in recipients:
            if party_mismatch(r, own_id) is None:
                break
        else:  # no recipient designates the console
            misses = [party_mismatch(r, own_id) for r in recipients]
            raise refuse(
                RECIPIENT_MISMATCH,
                f"destinataire RC-DE autre que {own_id} : " + " ; ".join(map(str, misses))[:300],
            )
    keys = _PAYLOAD_KEYS.intersection(inner)
    if len(keys) != 1:
        raise refuse(
            INSUFFICIENT_DATA, "contenu non pris en charge (emsi, reference ou error attendu)"
        )
    (key,) = keys
    if kind not in _PAYLOAD_KINDS[key]:
        raise refuse(INVALID_MESSAGE, f"un message {kind} ne peut pas porter « {key} »")
    sent = obj["dateTimeSent"]
    try:
        sent_at = parse_time(sent)
        expires_at = parse_time(obj["dateTimeExpires"])
    except ValueError as e:
        raise refuse(INVALID_MESSAGE, f"horodatage illisible : {e}") from None
    if inner["sentAt"] != sent:
        raise refuse(INVALID_MESSAGE, "sentAt différent de dateTimeSent")
    if expires_at <= now:
        raise refuse(EXPIRED_MESSAGE, f"message expiré le {fmt_time(expires_at)}")
    if key == "emsi":
        context = inner["emsi"]["CONTEXT"]
        if (context["MODE"] == "EXERCS") != (status == "Exercise"):
            raise refuse(INVALID_MESSAGE, "marquage d'exercice incohérent (EMSI / enveloppe)")
        if context["ID"] != did:
            raise refuse(INVALID_MESSAGE, "CONTEXT.ID différent de distributionID")
    if exercise is not None and (status == "Exercise") != exercise:
        raise refuse(
            INVALID_MESSAGE,
            "message d'exercice reçu sur un lien réel"
            if not exercise
            else "message réel reçu sur un lien d'exercice",
        )
    return Message(did, sender, kind, status, sent_at, expires_at, key, inner[key], obj)


# -- reading EMSI for people -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmsiSummary:
    event_id: str
    event_name: str
    template: str  # a key of INCOMING_LABELS
    text: str
    answer: str | None = None  # ACCEPTE, REFUS, PARTIELLE
    links: tuple[str, ...] = ()
    category: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None


def summarize(emsi: Mapping[str, Any]) -> EmsiSummary:
    ctx, ev = emsi["CONTEXT"], emsi["EVENT"]
    template, answer = "point_de_situation", None
    if ctx["MSGTYPE"] == "ALERT":
        template = "alerte"
    elif ctx["MSGTYPE"] == "CANCEL":
        template = "annulation"
    for mission in emsi.get("MISSION", ()):
        parts = [p for p in str(mission.get("NAME", "")).split("#") if p]
        if not parts:
            continue
        head = parts[0]
        arg = parts[1] if len(parts) > 1 else ""
        means = {label: key for key, (label, _c) in MEANS.items()}.get(arg)
        if head == "REPONSE_DEMANDE_CONCOURS":
            template, answer = "reponse", arg if arg in ANSWER_LABELS else None
        elif head == "ACTIVATION" and arg == "CUMP":
            template = "activation_cump"
        elif head == "DEMANDE_POINT_SITUATION":
            template = "demande_point_de_situation"
        elif head == "DEMANDE_CONCOURS" and means:
            template = f"demande_{means}"
        elif head == "COMPTE_RENDU_CONCOURS" and means:
            template = f"compte_rendu_{means}"
    lon = lat = None
    address = ""
    for geo in ev.get("EGEO", ()):
        pos = geo.get("POSITION", {})
        for c in pos.get("COORD", ())[:1]:
            lon, lat = c.get("LONG"), c.get("LAT")
        address = address or next(iter(pos.get("ADDRESS", ())), "")
    return EmsiSummary(
        event_id=str(ev["ID"]),
        event_name=str(ev.get("NAME", "")),
        template=template,
        text=str(ctx.get("FREETEXT") or ev.get("FREETEXT") or ""),
        answer=answer,
        links=tuple(str(link["ID"]) for link in ctx.get("LINK", ())),
        category=next(iter(ev.get("ETYPE", {}).get("CATEGORY", ())), ""),
        address=address,
        lon=lon,
        lat=lat,
    )


def iter_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from iter_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from iter_strings(v)
