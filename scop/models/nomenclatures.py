"""EMSI code lists with their French labels, read from the shipped CSV files."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from scop.resources import resource_path


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    label: str  # the most specific French label
    parent_label: str
    description: str


@cache
def code_list(name: str) -> dict[str, Code]:
    """``name`` as in the file name, e.g. ``EVENT.ETYPE.CATEGORY``."""
    path = resource_path("interop", "nomenclatures", f"EMSI-{name}.csv")
    out: dict[str, Code] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = (row.get("code") or "").strip()
            if not code:
                continue
            levels = [(row.get(k) or "").strip() for k in ("label_n1", "label_n2", "label_n3")]
            levels = [x for x in levels if x]
            out[code] = Code(
                code,
                levels[-1] if levels else code,
                levels[0] if len(levels) > 1 else "",
                (row.get("description") or "").strip(),
            )
    return out


def categories() -> dict[str, Code]:
    return code_list("EVENT.ETYPE.CATEGORY")


def category_label(code: str) -> str:
    c = categories().get(code)
    return c.label if c else code
