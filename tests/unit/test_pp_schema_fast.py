"""The narrowed validators give the full EDXL-DE schema's verdict (``edxl.is_valid``).

The full schema's ``oneOf`` tries 23 payload branches on every message; the console checks a
message against the one branch its payload key names when no other branch can hold. These
tests compare both verdicts on the profile's examples, on what the console builds, and on
every single mutation of them (a field removed, retyped, a payload key added, the content
duplicated...), and check that the mutations give both verdicts, so the comparison means
something."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scop.protocols import edxl
from scop.protocols.edxl import EventInfo, Identity, InvalidMessage

EXAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "interop" / "examples"
PP = Identity("fr.police.pp", "fr.police.scop", "Préfecture de Police")
NOW = datetime(2026, 12, 1, 6, 28, 30, tzinfo=UTC)
KINDS = {"emsi": "Update", "reference": "Ack", "error": "Error"}


def full(message: Any) -> bool:
    return bool(edxl._validator().is_valid(message))


def wrapped_examples() -> dict[str, dict[str, Any]]:
    files = sorted(EXAMPLES.glob("*.json"))
    assert files, f"exemples du profil introuvables dans {EXAMPLES}"
    out = {}
    for path in files:
        ((key, body),) = json.loads(path.read_text(encoding="utf-8")).items()
        out[path.name] = edxl.envelope(
            PP, KINDS.get(key, "Report"), key, body, now=NOW, exercise=False
        )
    return out


def built() -> dict[str, dict[str, Any]]:
    event = EventInfo("EV-0001", "FIR", "Feu de poubelle", 2, "en_cours", "1 rue X", 2.35, 48.85)
    err = InvalidMessage(edxl.INVALID_MESSAGE, "non conforme", "fr.police.pp_1", {"a": 1})
    return {
        "emsi": edxl.build_pp_emsi(
            "point_de_situation", event, identity=PP, now=NOW, exercise=False, text="x"
        ),
        "recu": edxl.build_ack(PP, "fr.police.scop_1", "RECU", now=NOW, exercise=True),
        "error": edxl.build_error(PP, err, now=NOW, exercise=False),
    }


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*at, i))


def mutations(message: dict[str, Any]) -> Iterator[Any]:
    """Every field removed or given another type, and the shapes the fast way must not take."""
    for at in list(paths(message)):
        for replacement in (None, 7, "x", [], {}, ["x"], {"x": 1}, True, "DELETE"):
            m = copy.deepcopy(message)
            if not at:
                yield replacement
                continue
            parent = m
            for step in at[:-1]:
                parent = parent[step]
            if replacement == "DELETE":
                del parent[at[-1]]
            else:
                parent[at[-1]] = replacement
            yield m
    inner_at = ("content", 0, "jsonContent", "embeddedJsonContent", "message")
    for other_key, other_body in (
        ("reference", {"distributionID": "fr.police.scop_9"}),  # a second valid payload
        ("reference", 42),  # a second payload that fails its branch
        ("error", {"errorCode": {"statusCode": 300, "statusString": "INVALID_MESSAGE"}}),
        ("customContent", {}),
        ("distributionElement", {}),
    ):
        m = copy.deepcopy(message)
        inner = m
        for step in inner_at:
            inner = inner[step]
        if other_key not in inner:
            inner[other_key] = other_body
            yield m
    two = copy.deepcopy(message)
    two["content"].append(copy.deepcopy(two["content"][0]))
    yield two
    mixed = copy.deepcopy(message)  # a second item with another payload: valid item by item
    mixed["content"].append(
        {"jsonContent": {"embeddedJsonContent": {"message": {"customContent": {}}}}}
    )
    yield mixed
    none = copy.deepcopy(message)
    none["content"] = []
    yield none


def test_every_branch_is_narrowed() -> None:
    """The profile as shipped takes the fast way: one branch per payload, the console's three
    among them (an empty table would only be slower, and this test says so)."""
    branches = edxl._branches()
    assert len(branches) == len(
        edxl._schemas()["EDXL-DE-full.schema.json"]["definitions"]["EmbeddedJsonContent"]["oneOf"]
    )
    assert {"emsi", "reference", "error"} <= branches.keys()
    # The branches that hold the RC-DE header to its schema; parse() checks it for the others.
    assert {"emsi", "reference"} <= edxl._with_header()
    assert "error" not in edxl._with_header()


@pytest.mark.parametrize("name", sorted(wrapped_examples()) + sorted(built()))
def test_same_verdict_as_the_full_schema_on_every_mutation(name: str) -> None:
    base = {**wrapped_examples(), **built()}[name]
    assert edxl.is_valid(base) is full(base) is True
    verdicts = {True: 0, False: 0}
    for m in mutations(base):
        fast = edxl.is_valid(m)
        assert fast is full(m), json.dumps(m, ensure_ascii=False)[:600]
        verdicts[fast] += 1
    assert verdicts[True], verdicts  # both verdicts were compared
    assert verdicts[False], verdicts


def test_a_branch_key_is_read_only_from_the_profiles_shapes() -> None:
    """A branch that requires no key, or two, of the message is not narrowed: the profile would
    then be checked whole."""
    ref = {"$ref": "RC-DE.schema.json"}
    one = {"properties": {"message": {"required": ["emsi"]}}}
    assert edxl._branch_key({"allOf": [{"properties": {"message": ref}}, one]}) == "emsi"
    assert edxl._branch_key(one) == "emsi"
    assert edxl._branch_key({"properties": {"message": {"required": ["a", "b"]}}}) is None
    assert edxl._branch_key({"properties": {"message": ref}}) is None
