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
import re
from typing import Any

import orjson

# 19 digits in a row may be an integer orjson would read as a float: json reads those.
_LONG_DIGITS = re.compile(r"[0-9]{19}")


def loads(text: str) -> Any:
    """``json.loads(text)``, faster."""
    if _LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # NaN, a lone surrogate, 1e400, bad JSON: json says what it makes of it
    return json.loads(text)


def dumps(value: Any) -> str:
    """Compact JSON with non-ASCII characters as they are (a websocket frame). orjson writes
    some floats differently from :mod:`json` (``0.00001`` for ``1e-05``): the same number once
    read. What orjson cannot write (a key that is not a string, an integer beyond 64 bits) is
    written by :mod:`json`."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
