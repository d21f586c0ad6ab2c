"""orjson behind scop.models.jsonio gives what the standard library gives, edges included."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scop.models import jsonio
from scop.models.entries import canonical_json

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson would read those as floats
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),  # lone surrogates included
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=15,
)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 and 1.0 are not the same reading)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@settings(max_examples=400, deadline=None)
@given(values, st.booleans())
def test_loads_reads_what_json_reads(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert same(jsonio.loads(text), json.loads(text))


@settings(max_examples=300, deadline=None)
@given(values, st.booleans())
def test_loads_reads_utf8_bytes_as_json_reads_their_text(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate written as is: no UTF-8 bytes hold it
        return
    assert same(jsonio.loads(data), json.loads(text))


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": "\xff"}',  # a byte that is no UTF-8
        '{"a": "é"}'.encode("latin-1"),
        '{"a": "é"}'.encode("utf-16"),  # json.loads would guess UTF-16 and read it
        '"\ud800"'.encode("utf-8", "surrogatepass"),  # a surrogate encoded: not UTF-8
    ],
)
def test_loads_refuses_bytes_that_are_not_utf8(data: bytes) -> None:
    with pytest.raises(UnicodeDecodeError):
        jsonio.loads(data)


@pytest.mark.parametrize(
    "text",
    [
        "123456789012345678901234567890",  # orjson alone: a float
        "-9223372036854775809",
        '{"n": 18446744073709551616}',
        '"\\ud800"',  # lone surrogate, escaped
        "NaN",
        "[Infinity, -Infinity]",
        "1e400",
        '{"a": 1, "a": 2}',
        "-0.0",
    ],
)
def test_loads_edges_read_as_json_reads_them(text: str) -> None:
    assert same(jsonio.loads(text), json.loads(text))


@pytest.mark.parametrize("text", ["", "[1,]", "{'a': 1}", '{"a": 1} x', "\ufeff{}", "[" * 5000])
def test_loads_refuses_what_json_refuses(text: str) -> None:
    with pytest.raises((ValueError, RecursionError)):
        json.loads(text)
    with pytest.raises((ValueError, RecursionError)):
        jsonio.loads(text)


with_nan = st.recursive(
    st.none() | st.floats() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(values, with_nan))
def test_dumps_writes_the_same_values(value: Any) -> None:
    try:
        text = jsonio.dumps(value)
    except UnicodeEncodeError:
        return  # a lone surrogate: no frame can carry it, json's text could not be sent either
    assert same(json.loads(text), json.loads(json.dumps(value)))


def test_dumps_writes_nan_and_infinities_as_json_does() -> None:
    """An RS-ERROR quotes the refused frame as it was read: its NaN stays NaN, not null."""
    value = {"LAT": float("-inf"), "LONG": float("inf"), "n": float("nan"), "x": None}
    assert jsonio.dumps(value) == json.dumps(value, separators=(",", ":"))


def test_dumps_takes_keys_json_takes() -> None:
    assert json.loads(jsonio.dumps({1: "a", "b": (1, 2)})) == {"1": "a", "b": [1, 2]}


canonical_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: json refuses them, orjson would write null
    | st.sampled_from([1e-05, 9.9e-05, 0.0001, 1e16, 1.5e17, -2.5e-300, 5e-324, 1e15, 1.5e-07])
    | st.sampled_from([-3e-08, 9.99e-09, 1e-06, 1e-10])
    | st.text()
    | st.sampled_from(["0e-0", "9e+1", "0.0000", "fr.police.pp_3fa2e1b0-9c4e-4a1b", "null"])
    | st.sampled_from(["T06:28:30.000000+00:00", ":0.00001", ",-0.00002", "[0.00003"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
        | st.dictionaries(st.integers(-20, 20), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=1500, deadline=None)
@given(canonical_values)
def test_fast_canonical_text_is_jsons_byte_for_byte(value: Any) -> None:
    """The hash chain's canonical text: orjson's is taken only when it is json's exactly, and
    what json refuses (NaN) is never written by orjson instead."""
    try:
        expected: str | None = canonical_json(value)
    except ValueError:
        expected = None
    fast = jsonio.canonical(value)
    if fast is not None:
        assert fast == expected


def test_fast_canonical_text_is_taken_for_a_message() -> None:
    """A journaled PP message (hex identifiers, coordinates, accents) takes the fast way."""
    payload = {
        "distribution_id": "fr.police.pp_7d1c2a44-5b6f-4c8a-9a2d-0b1e3f5a7c9d",
        "text": "Feu n° 12, 11e arrondissement",
        "position": {"LAT": 48.8566, "LONG": 2.3522},
        "links": ["fr.police.pp_aa", "fr.police.pp_bb"],
        "exercise": False,
        "count": 3,
        "expires_at": "2026-12-01T06:28:30.000000+00:00",  # a second ending in 0
    }
    assert jsonio.canonical(payload) == canonical_json(payload)


def test_fast_canonical_text_refuses_small_numbers_wherever_they_stand() -> None:
    """0.00001 is written ``1e-05`` by json and ``0.00001`` by orjson: never taken fast, first
    in the text, after a key, in a list, negative."""
    for value in (0.00001, {"a": 0.00002}, [1, 0.00003], [-0.00004], {"b": [-0.00005, 1]}):
        assert jsonio.canonical(value) is None, value
    assert jsonio.canonical({"a": 10.00001, "b": "x0.00001"}) == canonical_json(
        {"a": 10.00001, "b": "x0.00001"}
    )


@settings(max_examples=2000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_orjson_writes_exponents_lowercase_and_signed(x: float) -> None:
    """What jsonio.canonical's exponent check relies on: ``e-``/``e+``, never ``E`` nor ``e7``."""
    text = orjson.dumps(x).decode()
    assert "E" not in text
    if "e" in text:
        assert text[text.index("e") + 1] in "+-"
