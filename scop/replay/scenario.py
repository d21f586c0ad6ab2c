"""Exercise scenarios: a master scenario events list in YAML, loaded into frozen dataclasses.

Injects happen at scenario times (a call, a DansMaRue report, a new event, a crew's movement
or status, a message from the PP, a partner's call, a trainer's note); expected actions carry
a deadline counted from the start of the exercise or from an inject. Every problem is
reported at ``file:line:column`` (the fiches' loader locates YAML nodes for us), all at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scop.models.entities import CREW_STATUSES, GRAVITIES
from scop.procedures.loader import Located, read_yaml
from scop.procedures.model import Problem

INJECT_TYPES: dict[str, str] = {
    "appel": "Appel 3975",
    "dansmarue": "Signalement DansMaRue",
    "evenement": "Nouvel événement",
    "equipage": "Équipage (position, statut)",
    "message_pp": "Message de la Préfecture de Police",
    "partenaire": "Appel d'un partenaire",
    "note": "Note du formateur",
}
# The journal source each inject arrives from, as the main courante names it.
INJECT_SOURCES: dict[str, str] = {
    "appel": "appel_3975",
    "dansmarue": "dansmarue",
    "evenement": "appel_3975",
    "equipage": "equipage",
    "message_pp": "pp",
    "partenaire": "partenaire",
    "note": "formateur",
}
PP_TEMPLATES = ("alerte", "activation_cump", "demande_point_de_situation", "point_de_situation")
ACTIONS: dict[str, str] = {
    "fiche": "Fiche réflexe lancée",
    "message_pp": "Message envoyé à la PP",
    "engagement": "Équipage engagé",
    "evenement": "Événement créé",
    "main_courante": "Entrée de main courante",
}

_COMMON_INJECT = {"id", "a", "type", "texte"}
_INJECT_KEYS: dict[str, set[str]] = {
    "appel": {"appelant", "evenement"},
    "dansmarue": {"numero", "evenement"},
    "evenement": {"evenement"},
    "equipage": {"equipage", "statut", "position", "motif"},
    "message_pp": {"modele", "evenement"},
    "partenaire": {"partenaire", "evenement"},
    "note": set(),
}
_EVENT_KEYS = {
    "id",
    "categorie",
    "titre",
    "gravite",
    "adresse",
    "lon",
    "lat",
    "description",
    "appelant",
    "source",
}
_ACTION_KEYS: dict[str, set[str]] = {
    "fiche": {"fiche", "evenement"},
    "message_pp": {"modele", "evenement"},
    "engagement": {"evenement", "equipage"},
    "evenement": {"categorie"},
    "main_courante": {"type_entree"},
}
_COMMON_ACTION = {"id", "libelle", "action", "delai", "apres"}
_TOP_KEYS = {
    "scenario",
    "titre",
    "description",
    "debut",
    "duree",
    "equipages",
    "injects",
    "attendus",
}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DURATION_PART = re.compile(r"(\d+)\s*(h|min|s)\b")
_DURATION_FULL = re.compile(r"^\s*(\d+\s*(h|min|s)\s*)+$")
_CLOCK = re.compile(r"^\s*(\d+):([0-5]\d)\s*$")

EXERCISE_MARK = "EXERCICE EXERCICE EXERCICE"


def parse_duration(value: Any) -> timedelta | None:
    """``"3 min"``, ``"1 h 30 min"``, ``"90 s"`` or ``"12:30"`` (minutes:seconds)."""
    if isinstance(value, bool) or not isinstance(value, str):
        return None
    m = _CLOCK.match(value)
    if m:
        return timedelta(minutes=int(m.group(1)), seconds=int(m.group(2)))
    if not _DURATION_FULL.match(value):
        return None
    total = timedelta()
    for n, unit in _DURATION_PART.findall(value):
        total += {"h": timedelta(hours=int(n)), "min": timedelta(minutes=int(n))}.get(
            unit, timedelta(seconds=int(n))
        )
    return total


def format_offset(d: timedelta) -> str:
    s = int(d.total_seconds())
    sign = "-" if s < 0 else ""
    s = abs(s)
    return f"{sign}T+{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


@dataclass(frozen=True, slots=True)
class EventSpec:
    id: str
    title: str
    category: str = ""
    gravity: int = 2
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    description: str = ""
    caller: str = ""
    source: str = ""

    def payload(self, default_source: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "title": self.title,
            "gravity": self.gravity,
            "source": self.source or default_source,
            "address": self.address,
            "lon": self.lon,
            "lat": self.lat,
            "description": self.description,
            "caller": self.caller,
        }


@dataclass(frozen=True, slots=True)
class Inject:
    id: str
    at: timedelta
    type: str
    text: str
    line: int = 0
    event: EventSpec | None = None  # created by this inject
    event_id: str = ""  # the event it is about (message_pp, partenaire)
    call_sign: str = ""
    status: str = ""
    position: tuple[float, float] | None = None
    reason: str = ""
    template: str = ""
    who: str = ""  # caller, partner, DansMaRue number

    @property
    def type_label(self) -> str:
        return INJECT_TYPES.get(self.type, self.type)

    @property
    def source(self) -> str:
        return INJECT_SOURCES.get(self.type, "formateur")

    def to_payload(self) -> dict[str, Any]:
        return {
            "inject_id": self.id,
            "type": self.type,
            "text": self.text,
            "at_s": int(self.at.total_seconds()),
            "who": self.who,
            "event_id": self.event.id if self.event else self.event_id,
        }


@dataclass(frozen=True, slots=True)
class Expected:
    id: str
    label: str
    action: str
    delay: timedelta
    after: str = ""  # inject id; empty: the start of the exercise
    params: Mapping[str, str] = field(default_factory=dict)
    line: int = 0

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "action": self.action,
            "delay_s": int(self.delay.total_seconds()),
            "after": self.after,
            "params": dict(self.params),
        }

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> Expected:
        return cls(
            id=str(p["id"]),
            label=str(p.get("label", p["id"])),
            action=str(p["action"]),
            delay=timedelta(seconds=int(p.get("delay_s", 0))),
            after=str(p.get("after") or ""),
            params={str(k): str(v) for k, v in dict(p.get("params") or {}).items()},
        )


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    path: str
    sha256: str
    duration: timedelta
    description: str = ""
    start: datetime | None = None
    demo_crews: bool = False
    injects: tuple[Inject, ...] = ()
    expected: tuple[Expected, ...] = ()

    def inject(self, inject_id: str) -> Inject | None:
        return next((i for i in self.injects if i.id == inject_id), None)

    def events(self) -> dict[str, EventSpec]:
        return {i.event.id: i.event for i in self.injects if i.event is not None}


class ScenarioError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _text(
    d: Mapping[str, Any], key: str, loc: Located, p: tuple[str | int, ...], required: bool = True
) -> str:
    value = d.get(key)
    if value is None:
        if required:
            loc.problem(loc.at(p), f"« {key} » manquant")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value):
        loc.problem(loc.at((*p, key)), f"« {key} » : texte attendu")
        return ""
    return str(value).strip()


def _unknown(
    d: Mapping[str, Any], allowed: set[str], loc: Located, p: tuple[str | int, ...]
) -> None:
    for key in d:
        if key not in allowed:
            hint = ", ".join(sorted(allowed))
            loc.problem(loc.key_at((*p, key)), f"clé inconnue « {key} » (clés possibles : {hint})")


def _event(value: Any, loc: Located, p: tuple[str | int, ...]) -> EventSpec | None:
    if not isinstance(value, dict):
        loc.problem(loc.at(p), "« evenement » : dictionnaire attendu (id, titre, adresse…)")
        return None
    _unknown(value, _EVENT_KEYS, loc, p)
    ev_id = _text(value, "id", loc, p)
    title = _text(value, "titre", loc, p)
    gravity = value.get("gravite", 2)
    if isinstance(gravity, bool) or not isinstance(gravity, int) or gravity not in GRAVITIES:
        loc.problem(loc.at((*p, "gravite")), f"« gravite » : entier de 1 à 4, pas {gravity!r}")
        gravity = 2
    coords: list[float | None] = []
    for key, lo, hi in (("lon", 2.2, 2.5), ("lat", 48.8, 48.91)):
        v = value.get(key)
        if v is None:
            coords.append(None)
        elif isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
            loc.problem(loc.at((*p, key)), f"« {key} » : {v!r} n'est pas dans Paris ({lo}–{hi})")
            coords.append(None)
        else:
            coords.append(float(v))
    if not ev_id or not title:
        return None
    return EventSpec(
        id=ev_id,
        title=title,
        category=_text(value, "categorie", loc, p, False),
        gravity=int(gravity),
        address=_text(value, "adresse", loc, p, False),
        lon=coords[0],
        lat=coords[1],
        description=_text(value, "description", loc, p, False),
        caller=_text(value, "appelant", loc, p, False),
        source=_text(value, "source", loc, p, False),
    )


def _inject(
    raw: Any, n: int, loc: Located, duration: timedelta | None, known_events: set[str]
) -> Inject | None:
    p: tuple[str | int, ...] = ("injects", n)
    line = loc.at(p)[0]
    if not isinstance(raw, dict):
        loc.problem(loc.at(p), f"inject n° {n + 1} : dictionnaire attendu (a, type, texte…)")
        return None
    kind = raw.get("type")
    if kind not in INJECT_TYPES:
        where = loc.at((*p, "type")) if "type" in raw else loc.at(p)
        loc.problem(
            where,
            f"inject n° {n + 1} : type {kind!r} inconnu (types possibles : "
            f"{', '.join(INJECT_TYPES)})",
        )
        return None
    _unknown(raw, _COMMON_INJECT | _INJECT_KEYS[kind], loc, p)
    inject_id = raw.get("id", f"inject_{n + 1}")
    if not isinstance(inject_id, str) or not _ID.match(inject_id):
        loc.problem(loc.at((*p, "id")), f"« id » : {inject_id!r} (minuscules, chiffres et « _ »)")
        inject_id = f"inject_{n + 1}"
    at = parse_duration(raw.get("a"))
    if "a" not in raw:
        loc.problem(loc.at(p), f"inject « {inject_id} » : « a » (heure du scénario) manquant")
    elif at is None:
        loc.problem(
            loc.at((*p, "a")),
            f"« a » : {raw.get('a')!r} n'est pas une durée (ex. « 3 min », « 1 h 20 min », "
            "« 12:30 »)",
        )
    elif duration is not None and at > duration:
        loc.problem(
            loc.at((*p, "a")),
            f"inject « {inject_id} » à {format_offset(at)}, après la fin du scénario "
            f"({format_offset(duration)})",
        )
    text = _text(raw, "texte", loc, p)
    ref_only = kind in ("message_pp", "partenaire") and isinstance(raw.get("evenement"), str)
    event = (
        _event(raw["evenement"], loc, (*p, "evenement"))
        if "evenement" in raw and not ref_only
        else None
    )
    if kind == "evenement" and "evenement" not in raw:
        loc.problem(loc.at(p), f"inject « {inject_id} » : « evenement » manquant")
    event_id = ""
    if ref_only:
        event_id = raw["evenement"]
        if event_id not in known_events:
            loc.problem(
                loc.at((*p, "evenement")),
                f"événement « {event_id} » inconnu : aucun inject précédent ne le crée",
            )
    elif kind == "message_pp":
        loc.problem(loc.at(p), "« evenement » : l'identifiant de l'événement concerné manque")
    if event is not None:
        if event.id in known_events:
            loc.problem(loc.at((*p, "evenement", "id")), f"événement « {event.id} » déjà créé")
        known_events.add(event.id)
    template = ""
    if kind == "message_pp":
        template = str(raw.get("modele", ""))
        if template not in PP_TEMPLATES:
            loc.problem(
                loc.at((*p, "modele")) if "modele" in raw else loc.at(p),
                f"« modele » : {template or 'manquant'} (possibles : {', '.join(PP_TEMPLATES)})",
            )
    call_sign = status = ""
    position: tuple[float, float] | None = None
    if kind == "equipage":
        call_sign = _text(raw, "equipage", loc, p)
        status = str(raw.get("statut", ""))
        if status and status not in CREW_STATUSES:
            loc.problem(
                loc.at((*p, "statut")),
                f"« statut » : {status!r} inconnu (possibles : {', '.join(CREW_STATUSES)})",
            )
        pos = raw.get("position")
        if pos is not None:
            if (
                isinstance(pos, list)
                and len(pos) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos)
                and 2.2 <= pos[0] <= 2.5
                and 48.8 <= pos[1] <= 48.91
            ):
                position = (float(pos[0]), float(pos[1]))
            else:
                loc.problem(
                    loc.at((*p, "position")),
                    f"« position » : [longitude, latitude] dans Paris attendu, pas {pos!r}",
                )
        if not status and position is None:
            loc.problem(loc.at(p), f"inject « {inject_id} » : ni « statut » ni « position »")
    who = ""
    for key in ("appelant", "numero", "partenaire"):
        if key in raw:
            who = _text(raw, key, loc, p)
    if at is None or not text:
        return None
    return Inject(
        id=inject_id,
        at=at,
        type=kind,
        text=text,
        line=line,
        event=event,
        event_id=event_id,
        call_sign=call_sign,
        status=status,
        position=position,
        reason=str(raw.get("motif", "")),
        template=template,
        who=who,
    )


def _expected(raw: Any, n: int, loc: Located, inject_ids: set[str]) -> Expected | None:
    p: tuple[str | int, ...] = ("attendus", n)
    if not isinstance(raw, dict):
        loc.problem(loc.at(p), f"attendu n° {n + 1} : dictionnaire attendu (action, delai…)")
        return None
    action = raw.get("action")
    if action not in ACTIONS:
        loc.problem(
            loc.at((*p, "action")) if "action" in raw else loc.at(p),
            f"attendu n° {n + 1} : action {action!r} inconnue (possibles : {', '.join(ACTIONS)})",
        )
        return None
    _unknown(raw, _COMMON_ACTION | _ACTION_KEYS[action], loc, p)
    exp_id = raw.get("id", f"attendu_{n + 1}")
    if not isinstance(exp_id, str) or not _ID.match(exp_id):
        loc.problem(loc.at((*p, "id")), f"« id » : {exp_id!r} (minuscules, chiffres et « _ »)")
        exp_id = f"attendu_{n + 1}"
    delay = parse_duration(raw.get("delai"))
    if delay is None:
        loc.problem(
            loc.at((*p, "delai")) if "delai" in raw else loc.at(p),
            f"attendu « {exp_id} » : « delai » manquant ou illisible (ex. « 3 min »)",
        )
    after = str(raw.get("apres", "") or "")
    if after and after not in inject_ids:
        loc.problem(loc.at((*p, "apres")), f"« apres » : inject « {after} » inconnu")
    params = {k: str(raw[k]) for k in _ACTION_KEYS[action] if k in raw}
    if action == "fiche" and "fiche" not in raw:
        loc.problem(loc.at(p), f"attendu « {exp_id} » : « fiche » (identifiant) manquant")
    if action == "message_pp" and "modele" not in raw:
        loc.problem(loc.at(p), f"attendu « {exp_id} » : « modele » (ex. demande_umip) manquant")
    if action == "main_courante" and "type_entree" not in raw:
        loc.problem(loc.at(p), f"attendu « {exp_id} » : « type_entree » manquant")
    label = _text(raw, "libelle", loc, p, False) or _default_label(action, params)
    if delay is None:
        return None
    return Expected(exp_id, label, action, delay, after, params, loc.at(p)[0])


def _default_label(action: str, params: Mapping[str, str]) -> str:
    if action == "fiche":
        return f"Fiche « {params.get('fiche', '?')} » lancée"
    if action == "message_pp":
        return f"Message « {params.get('modele', '?')} » envoyé à la PP"
    return ACTIONS[action]


def load_scenario(path: Path) -> Scenario:
    """The scenario, or :class:`ScenarioError` listing every problem found."""
    data, loc = read_yaml(path)
    if data is None:
        raise ScenarioError(loc.problems)
    if not isinstance(data, dict):
        loc.problem((1, 1), "un scénario est un dictionnaire (scenario, titre, injects…)")
        raise ScenarioError(loc.problems)
    _unknown(data, _TOP_KEYS, loc, ())
    sid = data.get("scenario")
    if not isinstance(sid, str) or not _ID.match(sid):
        loc.problem(
            loc.at(("scenario",)) if "scenario" in data else (1, 1),
            f"« scenario » : identifiant attendu (minuscules, chiffres, « _ »), pas {sid!r}",
        )
        sid = "scenario"
    title = _text(data, "titre", loc, ())
    duration = parse_duration(data.get("duree"))
    if duration is None:
        loc.problem(
            loc.at(("duree",)) if "duree" in data else (1, 1),
            "« duree » manquante ou illisible (ex. « 1 h 30 min »)",
        )
    start: datetime | None = None
    if "debut" in data:
        try:
            start = datetime.fromisoformat(str(data["debut"]))
            if start.tzinfo is None:
                raise ValueError
        except ValueError:
            loc.problem(
                loc.at(("debut",)),
                f"« debut » : {data['debut']!r} (attendu 2026-07-15T14:00:00+02:00)",
            )
            start = None
    crews = data.get("equipages")
    if crews not in (None, "demo"):
        loc.problem(loc.at(("equipages",)), "« equipages » : seule la valeur « demo » est connue")
    injects: list[Inject] = []
    raw_injects = data.get("injects")
    known_events: set[str] = set()
    if not isinstance(raw_injects, list) or not raw_injects:
        loc.problem(
            loc.at(("injects",)) if "injects" in data else (1, 1),
            "« injects » : liste non vide attendue",
        )
        raw_injects = []
    seen: dict[str, int] = {}
    order = sorted(
        range(len(raw_injects)),
        key=lambda i: (
            parse_duration(raw_injects[i].get("a")) or timedelta()
            if isinstance(raw_injects[i], dict)
            else timedelta(),
            i,
        ),
    )
    for n in order:
        inj = _inject(raw_injects[n], n, loc, duration, known_events)
        if inj is None:
            continue
        if inj.id in seen:
            loc.problem(
                loc.at(("injects", n, "id")),
                f"inject « {inj.id} » en double (déjà ligne {seen[inj.id]})",
            )
            continue
        seen[inj.id] = inj.line
        injects.append(inj)
    expected: list[Expected] = []
    raw_expected = data.get("attendus", [])
    if not isinstance(raw_expected, list):
        loc.problem(loc.at(("attendus",)), "« attendus » : liste attendue")
        raw_expected = []
    exp_seen: set[str] = set()
    for n, raw in enumerate(raw_expected):
        exp = _expected(raw, n, loc, set(seen))
        if exp is None:
            continue
        if exp.id in exp_seen:
            loc.problem(loc.at(("attendus", n, "id")), f"attendu « {exp.id} » en double")
        exp_seen.add(exp.id)
        expected.append(exp)
    if loc.problems:
        raise ScenarioError(sorted(loc.problems, key=lambda p: (p.line, p.column)))
    assert duration is not None
    return Scenario(
        id=sid,
        title=title,
        path=str(path),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        duration=duration,
        description=_text(data, "description", loc, (), False),
        start=start,
        demo_crews=crews == "demo",
        injects=tuple(sorted(injects, key=lambda i: i.at)),
        expected=tuple(expected),
    )


def scenarios_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "scenarios"


def shipped_scenarios() -> list[Path]:
    return sorted(scenarios_dir().glob("*.yaml"))
