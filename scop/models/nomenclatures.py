"""Vocabularies of the room: EMSI code lists with their French labels (read from the shipped
CSV files), and the kinds of crew the DPMP puts on duty."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
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


# -- crews ----------------------------------------------------------------------------------


class CrewKind(StrEnum):
    """The kinds of crew the DPMP puts on duty (vocabulary table in docs/EQUIPAGES.md)."""

    PATROUILLE_PORTEE = "patrouille_portee"
    VTT = "vtt"
    PEDESTRE = "pedestre"
    MOTOCYCLISTE = "motocycliste"
    CYNOPHILE = "cynophile"
    UASA = "uasa"
    VPU = "vpu"


@dataclass(frozen=True, slots=True)
class CrewKindInfo:
    kind: CrewKind
    label: str  # as the screens and the roster's « type » column say it
    mode: str  # how it moves, for the ETA ranking and the map: pied, velo, vehicule
    aliases: tuple[str, ...] = ()  # other spellings a roster may hold
    short: str = ""  # in narrow columns

    @property
    def short_label(self) -> str:
        return self.short or self.label


CREW_KINDS: dict[CrewKind, CrewKindInfo] = {
    i.kind: i
    for i in (
        CrewKindInfo(
            CrewKind.PATROUILLE_PORTEE,
            "Patrouille portée (véhicule)",
            "vehicule",
            ("patrouille portée", "portée", "véhicule", "vehicule", "pp"),
            "Patrouille portée",
        ),
        CrewKindInfo(CrewKind.VTT, "Patrouille VTT", "velo", ("vélo", "velo", "patrouille vtt")),
        CrewKindInfo(
            CrewKind.PEDESTRE, "Patrouille pédestre", "pied", ("pédestre", "à pied", "pied")
        ),
        CrewKindInfo(
            CrewKind.MOTOCYCLISTE,
            "Brigade motocycliste",
            "vehicule",
            ("moto", "motocycliste", "brigade motocycliste"),
            "Motocycliste",
        ),
        CrewKindInfo(
            CrewKind.CYNOPHILE,
            "Brigade cynophile",
            "vehicule",
            ("cynophile", "brigade cynophile", "cyno"),
            "Cynophile",
        ),
        CrewKindInfo(
            CrewKind.UASA,
            "UASA (Unité d'assistance aux sans-abri)",
            "vehicule",
            ("uasa", "unité d'assistance aux sans-abri"),
            "UASA",
        ),
        CrewKindInfo(
            CrewKind.VPU,
            "VPU (Véhicule de prestations d'urgence)",
            "vehicule",
            ("vpu", "véhicule de prestations d'urgence"),
            "VPU",
        ),
    )
}

# The kind of a crew registered before kinds existed (old journals), from its mode.
KIND_OF_MODE: dict[str, CrewKind] = {
    "vehicule": CrewKind.PATROUILLE_PORTEE,
    "velo": CrewKind.VTT,
    "pied": CrewKind.PEDESTRE,
}


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@cache
def _kind_names() -> dict[str, CrewKind]:
    return {
        _fold(name): info.kind
        for info in CREW_KINDS.values()
        for name in (info.kind.value, info.label, info.short, *info.aliases)
        if name
    }


def crew_kind(text: str) -> CrewKind | None:
    """The kind a person typed (code, label or a usual spelling, accents and case aside)."""
    return _kind_names().get(_fold(text))


def crew_kind_label(kind: str) -> str:
    try:
        return CREW_KINDS[CrewKind(kind)].label
    except ValueError:
        return kind
