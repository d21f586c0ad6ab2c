"""JSON decoding and compact encoding through orjson, with the standard library's results.

orjson is several times faster than :mod:`json` (profiled on the PP link, JSON was a third of
its CPU per message), but the two differ at the edges: orjson refuses ``NaN``, lone surrogates
and numbers beyond the float range, and it reads an integer beyond 64 bits as a float. Those
inputs go to :mod:`json`, so that :func:`loads` gives the very value (or error) ``json.loads``
gives. The journal's hash chain does not depend on this module: its canonical text is still
written by :func:`scop.models.entries.canonical_json`.
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


def loads(text: str) -> Any:
    """``json.loads(text)``, faster."""
    if _LONG_RUN not in text.encode("utf-8", "surrogatepass").translate(_ZEROS):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # NaN, a lone surrogate, 1e400, bad JSON: json says what it makes of it
    return json.loads(text)


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
