"""Journal entries: the unit of the main courante, hash-chained."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scop.clock import to_iso
from scop.models import jsonio
from scop.models.vocabulary import ROLES as ROLES
from scop.models.vocabulary import SOURCES as SOURCES
from scop.models.vocabulary import Role, Source

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class Operator:
    """Who writes an entry. ``id`` is the account's login for a person and ``service:…`` for
    a service: a display name alone could be typed by anyone, the id is what was checked."""

    name: str
    role: str = Role.OPERATOR  # a Role; a plain string is accepted and made one
    id: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("an operator has a name")
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        object.__setattr__(self, "role", Role(self.role))  # a string from a form or a file

    @property
    def role_label(self) -> str:
        return ROLES[self.role]


SYSTEM = Operator("SCOP", "system", "service:scop")

# Services write under their own identity, never as whoever is logged in: the main courante
# says a crew simulator moved a crew, not the operator who happened to be at the console.
CREW_SIMULATOR = Operator("Simulateur équipages", "system", "service:simulateur-equipages")
CREW_FEED = Operator("Flux équipages", "system", "service:flux-equipages")
PP_SIMULATOR = Operator("Simulateur PP", "system", "service:simulateur-pp")
DEMO_SEED = Operator("Jeu de démonstration", "system", "service:demo")
SCENARIO = Operator("Scénario d'exercice", "system", "service:scenario")
GENERATOR = Operator("Générateur de vacation", "system", "service:generateur")


@dataclass(frozen=True, slots=True)
class Draft:
    """An entry before the journal gives it a position, a time and a hash."""

    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    source: str = Source.OPERATEUR  # a Source; a plain string is accepted and made one
    author: Operator | None = None
    # The payload is plain JSON values only (dicts with string keys, lists, strings, 64-bit
    # integers, finite floats, booleans), freshly decoded and changed by nobody afterwards: the
    # entry keeps it as is instead of decoding its canonical text back (a PP message as it was
    # read: 2 kB, a tenth of the link's CPU per message). Anything else leaves it False.
    plain_json: bool = False

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}")
        object.__setattr__(self, "source", Source(self.source))


@dataclass(frozen=True, slots=True)
class Entry:
    position: int
    ts: datetime
    author: str
    role: str
    source: str
    kind: str
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str
    author_id: str = ""

    @property
    def ts_iso(self) -> str:
        return to_iso(self.ts)


def canonical_json(value: Any) -> str:
    """One byte sequence per value: the basis of the hash chain and of exports."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def entry_hash(  # noqa: PLR0917  (the hashed fields, in their canonical order)
    position: int,
    ts_iso: str,
    author: str,
    role: str,
    source: str,
    kind: str,
    payload: Mapping[str, Any],
    prev_hash: str,
    author_id: str = "",
) -> str:
    fields: list[Any] = [position, ts_iso, author, role, source, kind, payload, prev_hash]
    if author_id:  # entries written before accounts existed keep their hash
        fields.append(author_id)
    body = canonical_json(fields)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _str_keys(value: Any) -> bool:
    """Whether every mapping in ``value`` has only string keys. With any other key the
    canonical text is not stable through a decode (``{10: …, 9: …}`` sorts as integers, then as
    strings once read back), and the hash must be taken over what is read back."""
    if jsonio.encodable(value):  # orjson refuses any key that is not a string: 10x a walk
        return True
    if isinstance(value, Mapping):
        return all(type(k) is str and _str_keys(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_str_keys(v) for v in value)
    return True


def seal(position: int, ts: datetime, author: Operator, draft: Draft, prev_hash: str) -> Entry:
    """The entry of ``draft``, hash-chained to ``prev_hash``."""
    return seal_text(position, ts, author, draft, prev_hash)[0]


def seal_text(
    position: int, ts: datetime, author: Operator, draft: Draft, prev_hash: str
) -> tuple[Entry, str]:
    """The entry of ``draft`` and its payload's canonical text, which the journal stores.

    One encode and one decode per entry (this is on the PP link's path, once per message): the
    payload's canonical text is written once (by orjson when that gives the very same bytes, see
    :func:`scop.models.jsonio.canonical`), decoded to freeze the payload to JSON types (unless
    the draft says it is plain JSON already: ``Draft.plain_json``), and
    placed as is inside the hashed list, whose canonical text is the concatenation of its
    items' (``entry_hash`` gives the same digest; tests/unit/test_journal_chain.py checks it)."""
    text = jsonio.canonical(draft.payload)  # orjson's, when it is byte for byte json's
    if text is None:
        text = canonical_json(draft.payload)
        payload = jsonio.loads(text)  # freeze to JSON types now, not later
        if not _str_keys(draft.payload):
            text = canonical_json(payload)
    elif draft.plain_json:
        payload = draft.payload  # what the decode would give back: JSON values, nobody's else
    else:
        payload = jsonio.loads(text)  # only string keys: orjson refuses any other
    ts_iso = to_iso(ts)
    fields: list[Any] = [position, ts_iso, author.name, author.role, draft.source, draft.kind]
    tail: list[Any] = [prev_hash, author.id] if author.id else [prev_hash]
    head = jsonio.canonical(fields) or canonical_json(fields)
    body = head[:-1] + "," + text + "," + (jsonio.canonical(tail) or canonical_json(tail))[1:]
    h = hashlib.sha256(body.encode("utf-8")).hexdigest()
    entry = Entry(
        position,
        ts,
        author.name,
        author.role,
        draft.source,
        draft.kind,
        payload,
        prev_hash,
        h,
        author.id,
    )
    return entry, text


def expected_hash(e: Entry) -> str:
    return entry_hash(
        e.position,
        e.ts_iso,
        e.author,
        e.role,
        e.source,
        e.kind,
        e.payload,
        e.prev_hash,
        e.author_id,
    )
