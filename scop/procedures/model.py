"""Fiches réflexes, the on-call directory and message templates, as loaded from their YAML.

Frozen: a loaded fiche is shared by every run and every workstation view, and a run in the
journal refers to it by id and step ids only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path

STEP_KINDS: dict[str, str] = {
    "action": "Action",
    "verification": "Vérification",
    "appel": "Appel d'astreinte",
    "message": "Message à la Préfecture de Police",
    "decision": "Décision",
    "attente": "Attente / minuteur",
    "carte": "Placement sur la carte",
    "note": "Note",
}

ROLE_LABELS: dict[str, str] = {"operateur": "opérateur", "chef_de_salle": "chef de salle"}

TEMPLATE_IDS = (
    "alerte",
    "point_de_situation",
    "demande_umip",
    "demande_cump",
    "demande_vpu",
    "demande_care",
    "annulation",
)

END = "fin"  # a branch or a "suite" pointing here ends the fiche
LAUNCH = "lancement"  # deadline reference: the launch of the fiche
EVENT_MAIRIE = "mairie_arrondissement"  # contact resolved from the event's address


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a data file, where an editor can jump to it (1-based)."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Deadline:
    ref: str  # LAUNCH or a step id (counted from that step's end)
    delay: timedelta

    def describe(self) -> str:
        minutes = int(self.delay.total_seconds() // 60)
        span = f"{minutes // 60} h" if minutes % 60 == 0 and minutes >= 60 else f"{minutes} min"
        return (
            f"{span} après le lancement" if self.ref == LAUNCH else f"{span} après « {self.ref} »"
        )


@dataclass(frozen=True, slots=True)
class InputSpec:
    id: str
    label: str
    kind: str  # entier, texte, oui_non, choix
    required: bool = True
    minimum: int | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Branch:
    label: str
    target: str  # step id or END


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    kind: str
    role: str
    instructions: str = ""
    deadline: Deadline | None = None
    duration: timedelta | None = None  # "attente" steps: the timer runs from the step's start
    inputs: tuple[InputSpec, ...] = ()
    contacts: tuple[str, ...] = ()
    template: str | None = None
    means: str | None = None  # CARE or VPU
    branches: tuple[Branch, ...] = ()
    next: str | None = None  # explicit successor; None means the next step in the list

    @property
    def kind_label(self) -> str:
        return STEP_KINDS.get(self.kind, self.kind)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True, slots=True)
class Fiche:
    id: str
    title: str
    version: int
    categories: tuple[str, ...]
    roles: tuple[str, ...]
    steps: tuple[Step, ...]
    summary: str = ""
    sources: tuple[str, ...] = ()
    path: str = ""

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def index(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    def successors(self, step: Step) -> tuple[str, ...]:
        """Where the walk may go after ``step`` (END included)."""
        if step.kind == "decision" and step.branches:
            return tuple(b.target for b in step.branches)
        if step.next is not None:
            return (step.next,)
        i = self.index(step.id)
        return (self.steps[i + 1].id,) if i + 1 < len(self.steps) else (END,)

    def applies_to(self, category: str) -> bool:
        """``FIR`` covers ``FIR/CLA``; ``EXP/GAS`` covers only itself."""
        return any(category == c or category.startswith(c + "/") for c in self.categories)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class Slot:
    label: str
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time  # end <= start: the slot runs past midnight
    people: tuple[Person, ...]  # one: fixed; several: weekly rotation


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    name: str
    category: str
    switchboard: str
    mission: str = ""
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True, slots=True)
class Mairie:
    code: str
    name: str
    address: str
    arrondissements: tuple[int, ...]
    lon: float
    lat: float
    contact: str


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    title: str
    subject: str
    body: str
    recipient: str = "Préfecture de Police"


@dataclass(frozen=True, slots=True)
class BrokenFile:
    path: str
    problems: tuple[Problem, ...]

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True, slots=True)
class Library:
    """Everything loaded from a fiches directory. Broken files are kept, with their problems,
    so that the console shows them instead of silently dropping a procedure."""

    fiches: dict[str, Fiche] = field(default_factory=dict)
    broken: tuple[BrokenFile, ...] = ()
    contacts: dict[str, Contact] = field(default_factory=dict)
    mairies: tuple[Mairie, ...] = ()
    templates: dict[str, Template] = field(default_factory=dict)
    rotation_start: str = "2026-01-05"
    warning: str = ""

    @property
    def problems(self) -> list[Problem]:
        return [p for b in self.broken for p in b.problems]

    def suggested(self, category: str) -> list[Fiche]:
        return sorted(
            (f for f in self.fiches.values() if f.applies_to(category)), key=lambda f: f.title
        )
