"""The EDXL-DE/EMSI codec: every message kind the console emits passes the schemas (jsonschema-rs,
cross-checked with the official python-jsonschema on a sample), parses back to what was built,
and everything the profile forbids is refused with the hub's error code."""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from scop.protocols import edxl
from scop.protocols.edxl import (
    TEMPLATES,
    CodecError,
    EventInfo,
    Identity,
    InvalidMessage,
    build_ack,
    build_emsi,
    build_error,
    build_pp_emsi,
    dumps,
    parse,
    schema_errors,
    summarize,
)
from scop.resources import resource_path

SCOP = Identity()
PP = Identity("fr.police.pp", "fr.police.scop", "Préfecture de Police")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CATEGORIES = [
    "FIR",
    "EXP/GAS",
    "FLD/FLS",
    "ASB",
    "ASB/ABV",
    "TRP/COL",
    "HLT",
    "PSW/SUS",
    "XYZ",
    "FIR/INCONNU",
    "",
]


def _official_validator() -> jsonschema.Draft7Validator:
    resources = [
        (uri, Resource.from_contents(s, default_specification=DRAFT7))
        for uri, s in edxl.schema_resources()
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    full = dict(edxl.schema_resources())[edxl.SCHEMA_BASE + "EDXL-DE-full.schema.json"]
    return jsonschema.Draft7Validator(full, registry=registry)


OFFICIAL = _official_validator()

events = st.builds(
    EventInfo,
    id=st.from_regex(r"EV-[0-9]{4}", fullmatch=True),
    category=st.sampled_from(CATEGORIES),
    title=st.text(min_size=0, max_size=80),
    gravity=st.integers(1, 4),
    status=st.sampled_from(["nouveau", "pris_en_compte", "en_cours", "clos"]),
    address=st.text(max_size=60),
    lon=st.one_of(st.none(), st.floats(2.2, 2.5)),
    lat=st.one_of(st.none(), st.floats(48.8, 48.9)),
    description=st.text(max_size=40),
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "texte": st.text(max_size=300),
        "quantite": st.integers(0, 50),
        "victimes": st.integers(0, 30),
        "impliques": st.integers(0, 30),
        "evacues": st.integers(0, 300),
        "tendance": st.sampled_from(["aggravation", "amelioration", "stable"]),
        "statut": st.sampled_from(["en_cours", "termine", "annule"]),
        "lieu": st.text(max_size=40),
        "motif": st.text(max_size=40),
        "note_libre": st.text(max_size=40),
    },
)
times = st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=st.sampled_from(sorted(TEMPLATES)),
    event=events,
    fields=fields,
    exercise=st.booleans(),
    now=times,
    previous=st.booleans(),
)
def test_every_kind_the_console_emits_passes_the_schemas(
    template: str,
    event: EventInfo,
    fields: dict[str, Any],
    exercise: bool,
    now: datetime,
    previous: bool,
) -> None:
    prev = edxl.new_distribution_id(SCOP.sender_id) if previous else None
    msg = build_emsi(
        template,
        event,
        fields,
        identity=SCOP,
        now=now,
        exercise=exercise,
        previous_id=prev,
        author="Cdt. Morel",
    )
    assert schema_errors(msg) == []
    back = parse(dumps(msg), now=now, peer_id=SCOP.sender_id, exercise=exercise)
    assert back.distribution_id == msg["distributionID"]
    assert back.sent_at == now.replace(microsecond=0)
    summary = summarize(back.payload)
    assert summary.template == template
    assert summary.event_id == event.id
    assert ("EXERCICE" in summary.text) == exercise
    assert back.status == ("Exercise" if exercise else "Actual")
    assert back.payload["CONTEXT"]["MODE"] == ("EXERCS" if exercise else "ACTUAL")
    assert summary.links == ((prev,) if prev else ())
    for stamp in (msg["dateTimeSent"], msg["dateTimeExpires"]):
        assert not stamp.endswith("Z")
        assert "." not in stamp
        assert stamp[-6] in "+-"


@settings(max_examples=100, deadline=None)
@given(
    kind=st.sampled_from(
        ["alerte", "activation_cump", "demande_point_de_situation", "reponse", "point_de_situation"]
    ),
    answer=st.sampled_from(["ACCEPTE", "REFUS", "PARTIELLE"]),
    event=events,
    exercise=st.booleans(),
)
def test_pp_messages_round_trip(kind: str, answer: str, event: EventInfo, exercise: bool) -> None:
    msg = build_pp_emsi(
        kind,
        event,
        identity=PP,
        now=NOW,
        exercise=exercise,
        answer=answer,
        request_id="fr.police.scop_1",
        text="texte",
    )
    summary = summarize(parse(dumps(msg), now=NOW, peer_id="fr.police.pp").payload)
    assert summary.template == kind
    assert summary.answer == (answer if kind == "reponse" else None)


@settings(max_examples=25, deadline=None)
@given(
    template=st.sampled_from(sorted(TEMPLATES)), event=events, fields=fields, exercise=st.booleans()
)
def test_official_python_jsonschema_agrees_on_a_sample(
    template: str, event: EventInfo, fields: dict[str, Any], exercise: bool
) -> None:
    msg = build_emsi(template, event, fields, identity=SCOP, now=NOW, exercise=exercise)
    assert OFFICIAL.is_valid(msg)
    broken = json.loads(dumps(msg))
    broken["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["emsi"]["CONTEXT"][
        "MODE"
    ] = "REAL"
    assert not OFFICIAL.is_valid(broken)
    assert schema_errors(broken)


def test_acks_and_errors_pass_both_validators() -> None:
    for step in ("RECU", "INTEGRE", "CONSULTE"):
        ack = build_ack(SCOP, "fr.police.pp_1", step, now=NOW, exercise=False)
        assert OFFICIAL.is_valid(ack)
        assert not schema_errors(ack)
    err = build_error(
        SCOP,
        InvalidMessage(edxl.EXPIRED_MESSAGE, "expiré", "fr.police.pp_1", {"a": 1}),
        now=NOW,
        exercise=True,
    )
    assert OFFICIAL.is_valid(err)
    assert not schema_errors(err)
    unreadable = build_error(
        SCOP,
        InvalidMessage(edxl.INVALID_MESSAGE, "JSON illisible", None, {"extrait": "{"}),
        now=NOW,
        exercise=False,
    )
    body = unreadable["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["error"]
    assert body["referencedDistributionID"] == "inconnu"
    assert "illisible" in body["errorCause"]
    with pytest.raises(CodecError):
        build_ack(SCOP, "x", "VU", now=NOW, exercise=False)


@pytest.mark.parametrize(
    "path", sorted(resource_path("interop", "examples").glob("*.json")), ids=lambda p: p.name
)
def test_shipped_examples_wrapped_in_an_envelope_validate(path: Any) -> None:
    payload = json.loads(path.read_text(encoding="utf-8"))
    ((key, body),) = payload.items()
    kind = {"reference": "Ack", "error": "Error"}.get(key, "Update")
    msg = edxl.envelope(SCOP, kind, key, body, now=NOW, exercise=False)
    assert schema_errors(msg) == []
    assert OFFICIAL.is_valid(msg)


def _valid() -> dict[str, Any]:
    return build_pp_emsi(
        "alerte", EventInfo("PP-1", "FIR", "Feu"), identity=PP, now=NOW, exercise=False
    )


def _code(frame: Any, **kw: Any) -> int:
    text = frame if isinstance(frame, str | bytes) else json.dumps(frame)
    with pytest.raises(InvalidMessage) as info:
        parse(text, now=kw.pop("now", NOW), peer_id="fr.police.pp", **kw)
    return info.value.code[0]


def test_a_frame_read_as_bytes_is_the_frame_read_as_text() -> None:
    """The link reads frames as bytes (websockets' decode, then our encode, cost a twentieth of
    its CPU per message): UTF-8 is decoded once, strictly, in parse()."""
    event = EventInfo("PP-1", "FIR", "Feu rue de l'Église n° 3")  # UTF-8 that is not ASCII
    text = dumps(build_pp_emsi("alerte", event, identity=PP, now=NOW, exercise=False))
    assert "Église n° 3" in text
    as_bytes = parse(text.encode(), now=NOW, peer_id="fr.police.pp")
    assert as_bytes == parse(text, now=NOW, peer_id="fr.police.pp")
    with pytest.raises(InvalidMessage) as info:
        parse(text.encode("utf-16"), now=NOW, peer_id="fr.police.pp")
    assert info.value.code[0] == 300
    assert info.value.cause == "message non UTF-8"
    with pytest.raises(InvalidMessage) as info:
        parse("{pas du JSON é".encode(), now=NOW, peer_id="fr.police.pp")
    assert info.value.cause.startswith("JSON illisible")
    assert info.value.source == {"extrait": "{pas du JSON é"}


def test_what_the_profile_forbids_is_refused_with_the_hubs_codes() -> None:
    assert _code("{not json") == 300
    assert _code(b"\xff\xfe") == 300
    assert _code([_valid()]) == 300  # the schemas alone would let an array through
    assert _code(42) == 300
    m = _valid()
    m["dateTimeSent"] = "2026-11-23T09:30:00Z"
    assert _code(m) == 300
    m = _valid()
    m["dateTimeSent"] = "2026-11-23T10:30:00.123+01:00"
    assert _code(m) == 300
    assert _code(_valid(), now=NOW + timedelta(hours=2)) == 400
    m = _valid()
    m["senderID"] = "fr.police.autre"
    assert _code(m) == 200
    m = _valid()
    m["distributionID"] = "fr.police.autre_1"
    assert _code(m) == 200
    m = _valid()
    m["content"].append(m["content"][0])
    assert _code(m) == 300
    m = _valid()
    inner = m["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    inner["customContent"] = inner.pop("emsi")
    assert _code(m) == 704
    m = _valid()
    m["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["emsi"]["EVENT"][
        "FREETEXT"
    ] = "x" * 20_000
    assert _code(m) == 300
    assert _code(_valid(), exercise=True) == 300
    ex = build_pp_emsi(
        "alerte", EventInfo("PP-1", "FIR", "Feu"), identity=PP, now=NOW, exercise=True
    )
    with pytest.raises(InvalidMessage, match="exercice reçu sur un lien réel") as info:
        parse(dumps(ex), now=NOW, peer_id="fr.police.pp", exercise=False)
    assert info.value.exercise is True  # the error about it is marked Exercise too


@pytest.mark.parametrize(
    ("field", "value"),
    [("sender", None), ("recipient", None), ("sender", "fr.police.pp"), ("recipient", [7])],
)
def test_an_error_message_with_a_broken_rc_de_header_is_refused(field: str, value: Any) -> None:
    """RS-ERROR's branch of the profile does not check the RC-DE header (EMSI's and RC-REF's
    do): a missing or mistyped sender or recipient is refused with its code (it raised a
    KeyError in the link's reader, which dropped the connection instead of answering)."""
    err = InvalidMessage(edxl.INVALID_MESSAGE, "x", "fr.police.scop_1", None)
    m = edxl.build_error(PP, err, now=NOW, exercise=False)
    inner = m["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    if value is None:
        del inner[field]
    else:
        inner[field] = value
    assert schema_errors(m) == []  # the envelope's schema lets it through
    with pytest.raises(InvalidMessage, match="en-tête RC-DE non conforme") as info:
        parse(dumps(m), now=NOW, peer_id="fr.police.pp", own_id="fr.police.scop")
    assert info.value.code == edxl.INVALID_MESSAGE


def test_invalid_fields_are_refused_in_french() -> None:
    ev = EventInfo("EV-1", "FIR", "Feu")
    with pytest.raises(CodecError, match="nombre entier"):
        build_emsi("demande_umip", ev, {"quantite": "deux"}, identity=SCOP, now=NOW, exercise=False)
    with pytest.raises(CodecError, match="tendance inconnue"):
        build_emsi(
            "point_de_situation", ev, {"tendance": "pire"}, identity=SCOP, now=NOW, exercise=False
        )
    with pytest.raises(CodecError, match="modèle de message inconnu"):
        build_emsi("demande_pizza", ev, {}, identity=SCOP, now=NOW, exercise=False)


def test_subprotocol_pins_the_profile_version() -> None:
    assert edxl.SUBPROTOCOL == "scop-edxl-emsi.26.07.29"
    versions = {s.get("version") for _n, s in edxl.schema_resources()}
    assert edxl.PROFILE_VERSION in versions


def _header(m: dict[str, Any]) -> dict[str, Any]:
    inner: dict[str, Any] = m["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    return inner


def _from_pp(
    *, name: str | None = None, uri: str | None = None, to: dict[str, Any] | None = None
) -> dict[str, Any]:
    m = _valid()
    if name is not None:
        _header(m)["sender"]["name"] = name
    if uri is not None:
        _header(m)["sender"]["URI"] = uri
    if to is not None:
        _header(m)["recipient"] = [to]
    return m


def test_the_console_emits_full_ids_and_hubex_uris() -> None:
    header = _header(_valid())
    assert header["sender"] == {"name": "fr.police.pp", "URI": "hubex:fr.police.pp"}
    assert header["recipient"] == [{"name": "fr.police.scop", "URI": "hubex:fr.police.scop"}]


@pytest.mark.parametrize("name", ["fr.police.pp", "pp", "police.pp", "ptfsas", "scop-fr.police.pp"])
def test_sender_known_by_senderid_and_uri_whatever_its_name(name: str) -> None:
    # The hub's own examples write "fr.health.ptfsas" and "ptfsas" beside the same URI.
    msg = parse(dumps(_from_pp(name=name)), now=NOW, peer_id="fr.police.pp", own_id=SCOP.sender_id)
    assert msg.sender_id == "fr.police.pp"


@pytest.mark.parametrize("name", ["fr.police.scop", "scop", "police.scop", "salle-fr.police.scop"])
def test_recipient_named_by_full_id_or_short_name(name: str) -> None:
    to = {"name": name, "URI": "hubex:fr.police.scop"}
    msg = parse(dumps(_from_pp(to=to)), now=NOW, peer_id="fr.police.pp", own_id="fr.police.scop")
    assert msg.kind == "Report"


def test_a_uri_or_name_naming_another_system_is_refused_with_the_hubs_code() -> None:
    def code(m: dict[str, Any]) -> tuple[int, str]:
        with pytest.raises(InvalidMessage) as info:
            parse(dumps(m), now=NOW, peer_id="fr.police.pp", own_id="fr.police.scop")
        return info.value.code

    assert code(_from_pp(uri="hubex:fr.police.autre")) == (200, "SENDER_MISMATCH")
    assert code(_from_pp(uri="sge:fr.police.pp")) == (200, "SENDER_MISMATCH")
    assert code(_from_pp(name="fr.police.autre")) == (200, "SENDER_MISMATCH")
    assert code(_from_pp(name="")) == (200, "SENDER_MISMATCH")
    other = {"name": "fr.police.scop", "URI": "hubex:fr.health.samu75"}
    assert code(_from_pp(to=other)) == (300, "INVALID_MESSAGE")
    named_other = {"name": "fr.health.samu75", "URI": "hubex:fr.police.scop"}
    assert code(_from_pp(to=named_other)) == (300, "INVALID_MESSAGE")
    m = _valid()
    m["descriptor"]["explicitAddress"]["explicitAddressValue"] = "fr.health.samu75"
    assert code(m) == (300, "INVALID_MESSAGE")


@settings(max_examples=500, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1969, 12, 31), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
    st.booleans(),
)
def test_profile_timestamps_kept_per_second_are_those_written_afresh(
    t: datetime, paris: bool
) -> None:
    """fmt_time keeps each second's text: whatever instant of that second (either side of a
    daylight-saving change, before 1970 too) it must be the text written afresh."""
    from scop.clock import PARIS

    ahead = (timedelta(seconds=1), timedelta(seconds=59), timedelta(hours=1))
    for u in (t, t.replace(microsecond=0), t.replace(microsecond=999_999), *(t + d for d in ahead)):
        v = u.astimezone(PARIS) if paris else u
        assert edxl.fmt_time(v) == v.astimezone(PARIS).replace(microsecond=0).isoformat()


def test_distribution_ids_carry_random_version_4_uuids() -> None:
    seen = set()
    for _ in range(2000):
        text = edxl.uuid4_text()
        u = uuid.UUID(text)
        assert str(u) == text  # the canonical lower-case 8-4-4-4-12 form
        assert u.version == 4
        assert u.variant == uuid.RFC_4122
        seen.add(text)
    assert len(seen) == 2000
    did = edxl.new_distribution_id("fr.police.scop")
    assert did.startswith("fr.police.scop_")
    assert uuid.UUID(did.removeprefix("fr.police.scop_")).version == 4


def test_threads_draw_distinct_ids() -> None:
    """The pool hands each 16 bytes out once, whichever thread asks (a second pool is drawn
    on the way: 4 × 1000 identifiers, 256 to a pool)."""
    out: list[list[str]] = [[] for _ in range(4)]

    def draw(into: list[str]) -> None:
        into.extend(edxl.uuid4_text() for _ in range(1000))

    threads = [threading.Thread(target=draw, args=(into,)) for into in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [u for into in out for u in into]
    assert len(set(every)) == len(every) == 4000


def test_a_forked_process_draws_other_ids_than_its_parent() -> None:
    """The random bits are drawn 256 identifiers at a time: a child (the gateway's supervisor
    forks) must not draw what its parent draws next."""
    edxl.uuid4_text()  # the pool is full now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next identifier, then out at once
        os.write(write, edxl.uuid4_text().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    os.close(read)
    assert uuid.UUID(child).version == 4
    assert child != edxl.uuid4_text()


@settings(max_examples=500, deadline=None)
@given(st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_profile_times_read_back_as_the_utc_instant(t: datetime) -> None:
    """What fmt_time writes (Paris offset, whole seconds), parse_time reads back as that UTC
    instant, the first time and from its cache alike."""
    whole = t.replace(microsecond=0)
    text = edxl.fmt_time(whole)
    for _ in range(2):
        back = edxl.parse_time(text)
        assert back == whole
        assert back.tzinfo is UTC


def test_a_time_without_offset_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="sans fuseau"):
            edxl.parse_time("2026-11-23T10:30:00")
