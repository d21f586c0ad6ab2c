"""Reading fiches réflexes, the on-call directory and message templates, with every problem
located at ``file:line:column``.

The YAML is composed into nodes (which keep their marks) before it becomes data, so that a
schema error found on the data can point back at the line an editor must change. Every
problem of every file is collected: a chief fixing a fiche at 3 a.m. wants the whole list
at once, and one broken file never stops the others from loading.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable
from datetime import time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scop.config import shipped_fiches_dir
from scop.errors import os_reason
from scop.procedures.model import (
    END,
    EVENT_MAIRIE,
    LAUNCH,
    Branch,
    BrokenFile,
    Contact,
    Deadline,
    Fiche,
    InputSpec,
    Library,
    Mairie,
    Person,
    Problem,
    Slot,
    Step,
    Template,
)

DIRECTORY_FILE = "annuaire.yaml"
TEMPLATES_FILE = "messages.yaml"
DATA_FILES = (DIRECTORY_FILE, TEMPLATES_FILE)

Path_ = tuple[str | int, ...]

_DEADLINE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*\+\s*(\d+)\s*(min|h)\s*$")
_DURATION = re.compile(r"^\s*(\d+)\s*(min|h)\s*$")
# libyaml's parser keeps line and column marks too, and composes several times faster
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DAYS = {"lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6}

_PATTERN_HINTS = {
    "id": "minuscules, chiffres et « _ », commençant par une lettre",
    "code": "minuscules, chiffres et « _ », commençant par une lettre",
    "categories": "code EMSI de catégorie, ex. FIR, EXP/GAS, FLD/FLS",
    "standard": "numéro fictif 01 99 xx xx xx",
    "telephone": "numéro fictif 01 99 xx xx xx",
    "de": "heure HH:MM",
    "a": "heure HH:MM",
    "reference_rotation": "date AAAA-MM-JJ",
}
_TYPE_NAMES = {
    "string": "texte",
    "integer": "entier",
    "number": "nombre",
    "boolean": "oui/non",
    "array": "liste",
    "object": "dictionnaire (clé: valeur)",
    "null": "vide",
}


def default_fiches_dir() -> Path:
    """The shipped fiches; another directory (``SCOP_FICHES_DIR``) comes in through
    ``Config.fiches_dir``."""
    return shipped_fiches_dir()


# -- YAML with marks -----------------------------------------------------------------------


class Located:
    """The data of one YAML file and, for each path in it, where its value and key start."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.values: dict[Path_, tuple[int, int]] = {}
        self.keys: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Problem] = []

    def problem(self, where: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.path, where[0], where[1], message))

    def at(self, p: Path_) -> tuple[int, int]:
        """Where the value at ``p`` starts, or its closest located ancestor."""
        while p not in self.values and p:
            p = p[:-1]
        return self.values.get(p, (1, 1))

    def key_at(self, p: Path_) -> tuple[int, int]:
        return self.keys.get(p) or self.at(p)

    def to_data(self, node: Node, p: Path_ = ()) -> Any:
        self.values[p] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                kpos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if not isinstance(key_node, ScalarNode):
                    self.problem(kpos, "une clé doit être un simple texte")
                    continue
                key = str(key_node.value)
                if key in out:
                    first = self.keys[(*p, key)]
                    self.problem(kpos, f"clé « {key} » en double (déjà ligne {first[0]})")
                    continue
                self.keys[(*p, key)] = kpos
                out[key] = self.to_data(value_node, (*p, key))
            return out
        if isinstance(node, SequenceNode):
            return [self.to_data(n, (*p, i)) for i, n in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text; the schemas say which format they expect
        return yaml.SafeLoader("").construct_object(node)


def read_yaml(path: Path) -> tuple[Any, Located]:
    loc = Located(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        loc.problem((1, 1), f"fichier illisible : pas en UTF-8 ({exc.reason})")
        return None, loc
    except OSError as exc:
        loc.problem((1, 1), f"fichier illisible : {os_reason(exc)}")  # strerror is English
        return None, loc
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "structure invalide"
        loc.problem(where, f"erreur de syntaxe YAML : {what}")
        return None, loc
    except yaml.YAMLError as exc:
        loc.problem((1, 1), f"erreur de syntaxe YAML : {exc}")
        return None, loc
    if node is None:
        loc.problem((1, 1), "fichier vide")
        return None, loc
    return loc.to_data(node), loc


# -- schema --------------------------------------------------------------------------------


@cache
def _validator(schema_name: str) -> Any:
    path = shipped_fiches_dir() / schema_name  # a custom directory uses the shipped schemas
    return jsonschema_rs.validator_for(json.loads(path.read_text(encoding="utf-8")))


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"« {value} »"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if value is None:
        return "vide"
    if isinstance(value, dict | list):
        return "un dictionnaire" if isinstance(value, dict) else "une liste"
    return str(value)


def _schema_problems(data: Any, loc: Located, schema_name: str) -> None:
    for err in _validator(schema_name).iter_errors(data):
        p: Path_ = tuple(err.instance_path)
        kind = err.kind
        name = kind.name
        last = next((x for x in reversed(p) if isinstance(x, str)), "")
        if name == "additionalProperties":
            for key in kind.unexpected:
                loc.problem(loc.key_at((*p, key)), f"clé inconnue « {key} »")
            continue
        if name == "required":
            loc.problem(
                loc.key_at(p) if p else (1, 1), f"clé obligatoire « {kind.property} » manquante"
            )
            continue
        where = loc.at(p)
        if name == "type":
            expected = " ou ".join(_TYPE_NAMES.get(t, t) for t in kind.types)
            msg = f"« {last} » : type attendu {expected}, trouvé {_show(err.instance)}"
        elif name == "enum":
            options = ", ".join(str(o) for o in kind.options)
            msg = f"« {last} » : valeur {_show(err.instance)} inconnue (possibles : {options})"
        elif name == "pattern":
            hint = _PATTERN_HINTS.get(last, "format invalide")
            msg = f"« {last} » : valeur {_show(err.instance)} invalide ({hint})"
        elif name == "minItems":
            msg = f"« {last} » : liste trop courte (au moins {kind.limit} élément(s))"
        elif name == "minLength":
            msg = f"« {last} » : texte vide"
        elif name in ("minimum", "maximum"):
            bound = "au moins" if name == "minimum" else "au plus"
            msg = f"« {last} » : {_show(err.instance)} hors limites ({bound} {kind.limit})"
        elif name == "uniqueItems":
            msg = f"« {last} » : valeurs en double dans la liste"
        elif name == "oneOf" or name.startswith("oneOf"):
            msg = "un créneau donne soit « nom » et « telephone », soit une « rotation »"
        elif name == "propertyNames":
            msg = f"nom non autorisé {_show(err.instance)}"
        else:
            msg = f"« {last} » : {err.message}"
        loc.problem(where, msg)


# -- fiches --------------------------------------------------------------------------------


def parse_delay(amount: str, unit: str) -> timedelta:
    n = int(amount)
    return timedelta(hours=n) if unit == "h" else timedelta(minutes=n)


def _check_steps(
    data: dict[str, Any],
    loc: Located,
    contact_ids: Iterable[str] | None,
    template_ids: Iterable[str] | None,
) -> None:
    steps = data.get("etapes")
    if not isinstance(steps, list):
        return
    roles = data.get("roles") if isinstance(data.get("roles"), list) else None
    contacts = None if contact_ids is None else {*contact_ids, EVENT_MAIRIE}
    templates = None if template_ids is None else set(template_ids)
    ids: dict[str, int] = {}
    duplicated = False
    for i, s in enumerate(steps):
        if isinstance(s, dict) and isinstance(s.get("id"), str):
            sid = s["id"]
            if sid in ids:
                first = loc.at(("etapes", ids[sid], "id"))[0]
                loc.problem(
                    loc.at(("etapes", i, "id")),
                    f"identifiant d'étape « {sid} » en double (déjà ligne {first})",
                )
                duplicated = True
            elif sid in (END, LAUNCH):
                loc.problem(loc.at(("etapes", i, "id")), f"« {sid} » est un mot réservé")
            else:
                ids[sid] = i
    for i, s in enumerate(steps):
        if not isinstance(s, dict):
            continue
        base: Path_ = ("etapes", i)
        kind = s.get("type")
        if roles is not None and isinstance(s.get("role"), str) and s["role"] not in roles:
            loc.problem(
                loc.at((*base, "role")),
                f"rôle « {s['role']} » absent des rôles de la fiche ({', '.join(map(str, roles))})",
            )
        for key, needs in (
            ("branches", "decision"),
            ("modele", "message"),
            ("moyen", "carte"),
            ("duree", "attente"),
        ):
            if key in s and isinstance(kind, str) and kind != needs:
                loc.problem(
                    loc.key_at((*base, key)),
                    f"« {key} » ne s'emploie que dans une étape de type {needs}",
                )
        if isinstance(s.get("suite"), str) and s["suite"] not in ids and s["suite"] != END:
            loc.problem(
                loc.at((*base, "suite")), f"« suite » vers une étape inconnue « {s['suite']} »"
            )
        for j, b in enumerate(s.get("branches") or []):
            if (
                isinstance(b, dict)
                and isinstance(b.get("vers"), str)
                and b["vers"] not in ids
                and b["vers"] != END
            ):
                loc.problem(
                    loc.at((*base, "branches", j, "vers")),
                    f"branche vers une étape inconnue « {b['vers']} »",
                )
        if isinstance(s.get("echeance"), str):
            m = _DEADLINE.match(s["echeance"])
            where = loc.at((*base, "echeance"))
            if m is None:
                loc.problem(
                    where,
                    f"échéance invalide « {s['echeance']} » (attendu "
                    "« lancement + 10 min » ou « <étape> + 1 h »)",
                )
            elif m.group(1) != LAUNCH and m.group(1) not in ids:
                loc.problem(where, f"échéance relative à une étape inconnue « {m.group(1)} »")
            elif m.group(1) == s.get("id"):
                loc.problem(where, "échéance relative à l'étape elle-même")
            elif int(m.group(2)) == 0:
                loc.problem(where, "échéance à délai nul : indiquez un délai en minutes ou heures")
        if isinstance(s.get("duree"), str):
            m = _DURATION.match(s["duree"])
            if m is None or int(m.group(1)) == 0:
                loc.problem(
                    loc.at((*base, "duree")),
                    f"durée invalide « {s['duree']} » (attendu « 15 min » ou « 1 h »)",
                )
        if contacts is not None and isinstance(s.get("contacts"), list):
            for j, c in enumerate(s["contacts"]):
                if isinstance(c, str) and c not in contacts:
                    loc.problem(
                        loc.at((*base, "contacts", j)),
                        f"contact inconnu « {c} » (absent de l'annuaire des astreintes)",
                    )
        if (
            templates is not None
            and isinstance(s.get("modele"), str)
            and s["modele"] not in templates
        ):
            loc.problem(
                loc.at((*base, "modele")),
                f"modèle de message inconnu « {s['modele']} » "
                f"(connus : {', '.join(sorted(templates))})",
            )
        seen_inputs: set[str] = set()
        for j, inp in enumerate(s.get("saisies") or []):
            if not isinstance(inp, dict):
                continue
            iid = inp.get("id")
            if isinstance(iid, str):
                if iid in seen_inputs:
                    loc.problem(
                        loc.at((*base, "saisies", j, "id")),
                        f"saisie « {iid} » en double dans l'étape",
                    )
                seen_inputs.add(iid)
            if inp.get("type") == "choix" and not inp.get("choix"):
                loc.problem(
                    loc.key_at((*base, "saisies", j, "type")),
                    "une saisie de type choix doit lister ses « choix »",
                )
    if not duplicated:  # with two steps of one id, the graph itself is ambiguous
        _check_cycles(steps, ids, loc)


def _check_cycles(steps: list[Any], ids: dict[str, int], loc: Located) -> None:
    def edges(i: int) -> list[tuple[str, tuple[int, int]]]:
        s = steps[i]
        if not isinstance(s, dict):
            return []
        if s.get("type") == "decision" and isinstance(s.get("branches"), list):
            return [
                (b["vers"], loc.at(("etapes", i, "branches", j, "vers")))
                for j, b in enumerate(s["branches"])
                if isinstance(b, dict) and isinstance(b.get("vers"), str)
            ]
        if isinstance(s.get("suite"), str):
            return [(s["suite"], loc.at(("etapes", i, "suite")))]
        if i + 1 < len(steps) and isinstance(steps[i + 1], dict):
            nxt = steps[i + 1].get("id")
            return [(nxt, loc.at(("etapes", i, "id")))] if isinstance(nxt, str) else []
        return []

    state: dict[int, int] = {}  # 1: on the current path, 2: finished
    reported: set[tuple[int, int]] = set()

    def visit(i: int, trail: list[str]) -> None:
        state[i] = 1
        sid = str(steps[i].get("id")) if isinstance(steps[i], dict) else "?"
        for target, where in edges(i):
            j = ids.get(target)
            if j is None:
                continue
            if state.get(j) == 1:
                loop = (
                    [*trail[trail.index(target) :], sid, target]
                    if target in trail
                    else [sid, target]
                )
                if where not in reported:
                    reported.add(where)
                    loc.problem(where, "cycle dans l'enchaînement des étapes : " + " → ".join(loop))
            elif j not in state:
                visit(j, [*trail, sid])
        state[i] = 2

    for i in range(len(steps)):
        if i not in state:
            visit(i, [])


def _build_fiche(data: dict[str, Any], path: str) -> Fiche:
    steps = []
    for s in data["etapes"]:
        deadline = None
        if "echeance" in s:
            m = _DEADLINE.match(s["echeance"])
            assert m is not None
            deadline = Deadline(m.group(1), parse_delay(m.group(2), m.group(3)))
        duration = None
        if "duree" in s:
            m = _DURATION.match(s["duree"])
            assert m is not None
            duration = parse_delay(m.group(1), m.group(2))
        steps.append(
            Step(
                id=s["id"],
                title=s["titre"],
                kind=s["type"],
                role=s["role"],
                instructions=str(s.get("consignes", "")).strip(),
                deadline=deadline,
                duration=duration,
                inputs=tuple(
                    InputSpec(
                        i["id"],
                        i["libelle"],
                        i["type"],
                        bool(i.get("obligatoire", True)),
                        i.get("min"),
                        tuple(i.get("choix", ())),
                    )
                    for i in s.get("saisies", ())
                ),
                contacts=tuple(s.get("contacts", ())),
                template=s.get("modele"),
                means=s.get("moyen"),
                branches=tuple(Branch(b["libelle"], b["vers"]) for b in s.get("branches", ())),
                next=s.get("suite"),
            )
        )
    return Fiche(
        id=data["id"],
        title=data["titre"],
        version=data["version"],
        categories=tuple(data["categories"]),
        roles=tuple(data["roles"]),
        steps=tuple(steps),
        summary=str(data.get("resume", "")).strip(),
        sources=tuple(data.get("sources", ())),
        path=path,
    )


def load_fiche(
    path: Path, contact_ids: Iterable[str] | None = None, template_ids: Iterable[str] | None = None
) -> tuple[Fiche | None, list[Problem]]:
    """The fiche, or None with every problem found. Contacts and templates are checked
    against the ids given (None: not checked)."""
    data, loc = read_yaml(path)
    if data is not None:
        if not isinstance(data, dict):
            loc.problem(
                (1, 1),
                "une fiche est un dictionnaire (id, titre, version, categories, roles, etapes)",
            )
        else:
            _schema_problems(data, loc, "fiche.schema.json")
            _check_steps(data, loc, contact_ids, template_ids)
    problems = sorted(set(loc.problems), key=lambda p: (p.line, p.column, p.message))
    if problems or data is None:
        return None, problems
    return _build_fiche(data, str(path)), []


# -- directory and templates ---------------------------------------------------------------


def _hhmm(text: str) -> time:
    h, m = text.split(":")
    return time(int(h), int(m))


def load_directory(
    path: Path,
) -> tuple[dict[str, Contact], tuple[Mairie, ...], str, str, list[Problem]]:
    data, loc = read_yaml(path)
    if data is not None:
        if not isinstance(data, dict):
            loc.problem((1, 1), "l'annuaire est un dictionnaire (avertissement, contacts, mairies)")
        else:
            _schema_problems(data, loc, "annuaire.schema.json")
    if loc.problems or not isinstance(data, dict):
        return {}, (), "", "", sorted(set(loc.problems), key=lambda p: (p.line, p.column))
    contacts: dict[str, Contact] = {}
    for i, c in enumerate(data["contacts"]):
        if c["id"] in contacts:
            loc.problem(loc.at(("contacts", i, "id")), f"contact « {c['id']} » en double")
            continue
        slots = []
        for s in c.get("astreintes", ()):
            people = (
                tuple(Person(p["nom"], p["telephone"]) for p in s["rotation"])
                if "rotation" in s
                else (Person(s["nom"], s["telephone"]),)
            )
            slots.append(
                Slot(
                    s["libelle"],
                    frozenset(DAYS[d] for d in s["jours"]),
                    _hhmm(s["de"]),
                    _hhmm(s["a"]),
                    people,
                )
            )
        contacts[c["id"]] = Contact(
            c["id"],
            c["nom"],
            c["categorie"],
            c["standard"],
            str(c.get("mission", "")).strip(),
            tuple(slots),
        )
    mairies = []
    for i, m in enumerate(data["mairies"]):
        if m["contact"] not in contacts:
            loc.problem(
                loc.at(("mairies", i, "contact")),
                f"contact inconnu « {m['contact']} » pour {m['nom']}",
            )
        mairies.append(
            Mairie(
                m["code"],
                m["nom"],
                m["adresse"],
                tuple(m["arrondissements"]),
                float(m["lon"]),
                float(m["lat"]),
                m["contact"],
            )
        )
    problems = sorted(set(loc.problems), key=lambda p: (p.line, p.column))
    return contacts, tuple(mairies), data["reference_rotation"], data["avertissement"], problems


def load_templates(path: Path) -> tuple[dict[str, Template], list[Problem]]:
    data, loc = read_yaml(path)
    if data is not None:
        if not isinstance(data, dict):
            loc.problem((1, 1), "le fichier des modèles est un dictionnaire (modeles)")
        else:
            _schema_problems(data, loc, "messages.schema.json")
    if loc.problems or not isinstance(data, dict):
        return {}, sorted(set(loc.problems), key=lambda p: (p.line, p.column))
    templates = {}
    for tid, t in data["modeles"].items():
        for key in ("objet", "corps"):
            try:
                list(string.Formatter().parse(t[key]))
            except ValueError as exc:
                loc.problem(loc.at(("modeles", tid, key)), f"accolades mal formées : {exc}")
        templates[tid] = Template(
            tid,
            t["titre"],
            t["objet"],
            t["corps"].strip(),
            t.get("destinataire", "Préfecture de Police"),
        )
    problems = sorted(set(loc.problems), key=lambda p: (p.line, p.column))
    return ({} if problems else templates), problems


def fiche_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.name not in DATA_FILES)


def load_library(directory: Path | None = None, paths: Iterable[Path] | None = None) -> Library:
    """Every fiche of ``directory`` (or the ``paths`` given), checked against the directory's
    annuaire and message templates. Broken files are returned with their problems."""
    directory = directory or default_fiches_dir()
    broken: list[BrokenFile] = []
    contacts: dict[str, Contact] = {}
    mairies: tuple[Mairie, ...] = ()
    rotation, warning = "2026-01-05", ""
    contact_ids: set[str] | None = None
    dir_path = directory / DIRECTORY_FILE
    if dir_path.exists():
        contacts, mairies, rotation, warning, problems = load_directory(dir_path)
        if problems:
            broken.append(BrokenFile(str(dir_path), tuple(problems)))
        else:
            contact_ids = set(contacts)
    else:
        broken.append(
            BrokenFile(
                str(dir_path), (Problem(str(dir_path), 1, 1, "annuaire des astreintes absent"),)
            )
        )
    templates: dict[str, Template] = {}
    template_ids: set[str] | None = None
    tpl_path = directory / TEMPLATES_FILE
    if tpl_path.exists():
        templates, problems = load_templates(tpl_path)
        if problems:
            broken.append(BrokenFile(str(tpl_path), tuple(problems)))
        else:
            template_ids = set(templates)
    fiches: dict[str, Fiche] = {}
    for path in list(paths) if paths is not None else fiche_files(directory):
        fiche, problems = load_fiche(path, contact_ids, template_ids)
        if fiche is not None and fiche.id in fiches:
            problems = [
                Problem(
                    str(path),
                    1,
                    1,
                    f"fiche « {fiche.id} » déjà définie dans {Path(fiches[fiche.id].path).name}",
                )
            ]
            fiche = None
        if fiche is None:
            broken.append(BrokenFile(str(path), tuple(problems)))
        else:
            fiches[fiche.id] = fiche
    return Library(fiches, tuple(broken), contacts, mairies, templates, rotation, warning)
