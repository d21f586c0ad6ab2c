"""JSON decoding and compact encoding through orjson, with the standard library's results.

orjson is several times faster than :mod:`json` (profiled on the PP link, JSON was a third of
its CPU per message), but the two differ at the edges: orjson refuses ``NaN``, lone surrogates
and numbers beyond the float range, and it reads an integer beyond 64 bits as a float. Those
inputs go to :mod:`json`, so that :func:`loads` gives the very value (or error) ``json.loads``
gives. :func:`canonical` gives the hash chain's canonical text only when it is byte for byte
what :func:`scop.models.entries.canonical_json` writes (tests/unit/test_jsonio.py).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# 19 digits in a row may be an integer orjson would read as a float: json reads those. Found by
# turning every digit into "0" and looking for nineteen of them (a regular expression took four
# times as long as the decode itself); no byte of a multi-byte UTF-8 character is a digit.
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 19


def loads(text: str | bytes) -> Any:
    """``json.loads(text)``, faster. Bytes are read as UTF-8, strictly (``json.loads`` would guess
    UTF-16 or UTF-32 too): what is not UTF-8 raises :class:`UnicodeDecodeError`. A websocket
    frame read as bytes is decoded once, here, instead of twice (by websockets, then encoded
    back for the scan below)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if _LONG_RUN not in data.translate(_ZEROS):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # NaN, a lone surrogate, 1e400, bad JSON: json says what it makes of it
    return json.loads(text if isinstance(text, str) else data.decode("utf-8"))


def dumps(value: Any) -> str:
    """Compact JSON with non-ASCII characters as they are (a websocket frame). orjson writes
    some floats differently from :mod:`json` (``0.00001`` for ``1e-05``): the same number once
    read. What orjson cannot write (a key that is not a string, an integer beyond 64 bits) is
    written by :mod:`json`, and so is any text with a ``null`` in it: orjson writes NaN and
    infinities as ``null`` where json writes ``NaN`` and ``Infinity`` (an error quoting a frame
    that had them must quote them as they came)."""
    try:
        out = orjson.dumps(value)
    except TypeError:
        out = b"null"
    if b"null" in out:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return out.decode()


def encodable(value: Any) -> bool:
    """Whether orjson writes ``value``: not when a key is not a string (nor for an integer
    beyond 64 bits, a lone surrogate, a type it does not know)."""
    try:
        orjson.dumps(value)
    except TypeError:
        return False
    return True


_CANONICAL = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def canonical(value: Any) -> str | None:
    """orjson's sorted, compact text of ``value`` when it is the journal's canonical text byte for
    byte (``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``), else None.

    Strings and integers come out the same (every code point checked); orjson refuses what
    would differ in other ways: a key that is not a string (json sorts those before turning
    them into strings), an integer beyond 64 bits, a lone surrogate, a date or a dataclass
    (which json refuses). Left to json: any ``null`` (orjson writes NaN and infinities so, where
    json refuses them), and any float json writes in exponent form or below 1e-4 (orjson writes
    ``0.00001`` for ``1e-05``, ``1e-7`` for ``1e-07``; its exponents always carry a sign):
    a number that begins ``0.0000`` or ``-0.0000``, or a number in exponent form (a string that
    merely holds those characters, a timestamp's ``…:30.000000+00:00``, takes the fast way)."""
    try:
        out = orjson.dumps(value, option=_CANONICAL)
    except TypeError:
        return None
    if b"null" in out or _tiny_number(out) or _exponent_number(out):
        return None
    return out.decode()


_NUMBER_BODY = frozenset(b"0123456789.-")
_NUMBER_START = frozenset(b":,[")
_DIGITS = frozenset(b"0123456789")


def _tiny_number(out: bytes) -> bool:
    """Whether compact JSON ``out`` holds a number below 1e-4 in absolute value written without
    an exponent (``0.00001``, which json writes ``1e-05``). Such a number starts a token: it
    follows ``:``, ``,`` or ``[`` (or starts the text), after an optional ``-``. Inside a string
    the same characters follow something else (a timestamp's ``30.000000``); the rare string
    that holds ``:0.0000`` only costs the slow way."""
    at = out.find(b"0.0000")
    while at >= 0:
        start = at - 1 if at > 0 and out[at - 1] == 0x2D else at  # 0x2D: "-"
        if start == 0 or out[start - 1] in _NUMBER_START:
            return True
        at = out.find(b"0.0000", at + 1)
    return False


# Every digit to "0" and "+" to "-": one search finds a digit, "e", a sign and a digit, what
# every number in exponent form holds (two searches for "e-" and "e+", letters being common in
# text, took twice as long).
_EXPONENT_MARKS = bytes.maketrans(b"123456789+", b"000000000-")


def _exponent_number(out: bytes) -> bool:
    """Whether compact JSON ``out`` holds a number in exponent form (``…e-07``, ``1.5e+16``: a
    digit, then ``e``, a sign and a digit; orjson writes no ``E`` and always a sign,
    tests/unit/test_jsonio.py). A candidate inside a string (an identifier's hexadecimal:
    ``…f02e-7b68…``) is told apart by what precedes it: a number in compact JSON follows ``:``,
    ``,`` or ``[`` (or starts the text), never a letter."""
    marked = out.translate(_EXPONENT_MARKS)
    at = marked.find(b"0e-0")
    while at >= 0:
        start = at  # the digit before "e": the number's body runs back from it
        while start > 0 and out[start - 1] in _NUMBER_BODY:
            start -= 1
        if start == 0 or out[start - 1] in _NUMBER_START:
            return True
        at = marked.find(b"0e-0", at + 1)
    return False
