"""The vocabularies: one StrEnum each, equal to the strings the journal has always held."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from scop.models import vocabulary as v
from scop.models.entries import Draft, Operator
from scop.protocols import edxl

TABLES = [
    (v.CrewStatus, v.CREW_STATUSES),
    (v.EventStatus, v.EVENT_STATUSES),
    (v.Verification, v.VERIFICATION_STATES),
    (v.StepStatus, v.STEP_STATUSES),
    (v.MessageState, v.MESSAGE_STATES),
    (v.MessageKind, v.INCOMING_LABELS),
    (v.Answer, v.ANSWER_LABELS),
    (v.Source, v.SOURCES),
    (v.Role, v.ROLES),
]


@pytest.mark.parametrize(("enum", "labels"), TABLES, ids=lambda x: getattr(x, "__name__", ""))
def test_every_member_has_a_label_and_no_label_is_orphan(enum: type, labels: dict) -> None:
    assert set(labels) == {m.value for m in enum}
    for member in enum:
        assert labels[member.value] == member.label  # a plain string finds the same label


def test_members_are_the_journal_strings() -> None:
    # Old journals and other workstations write these strings: they must stay equal.
    assert v.CrewStatus.SUR_LES_LIEUX == "sur_les_lieux"
    assert v.MessageState.ENVOYE == "envoye"
    assert v.AckStep.CONSULTE == "CONSULTE"
    assert json.dumps({"s": v.EventStatus.CLOS}) == '{"s": "clos"}'


def test_plain_strings_become_members_and_bad_ones_are_refused() -> None:
    d = Draft("event.created", {}, "pp")
    assert d.source is v.Source.PP
    assert Operator("A. Martin", "chief").role is v.Role.CHIEF
    with pytest.raises(ValueError, match="unknown source"):
        Draft("event.created", {}, "telepathie")
    with pytest.raises(ValueError, match="unknown role"):
        Operator("A. Martin", "general")


def test_the_codec_uses_the_domain_lists() -> None:
    assert edxl.TEMPLATES is v.TEMPLATES
    assert edxl.INCOMING_LABELS is v.INCOMING_LABELS
    assert set(v.TEMPLATES) < set(v.INCOMING_LABELS)
    assert edxl.ACK_STEPS == ("RECU", "INTEGRE", "CONSULTE")


def test_acknowledgements_only_move_a_message_forward() -> None:
    ranks = [v.MESSAGE_RANK[v.ACK_STEP_STATE[s]] for s in v.ACK_STEPS]
    assert ranks == sorted(ranks)
    assert all(r > v.MESSAGE_RANK[v.MessageState.ENVOYE] for r in ranks)


# Modules whose statuses and sources were bare strings copied between modules: they name the
# members now (the values, and so the journal, are unchanged). A bare one coming back fails.
USES_THE_VOCABULARY = (
    "scop/replay/generate.py",
    "scop/ui/docks/event_card.py",
    "scop/ui/docks/events_dock.py",
    "scop/ui/docks/messages_dock.py",
    "scop/ui/intake.py",
    "scop/protocols/feed_sim.py",
    "scop/reports/barometre.py",
    "scop/reports/dashboard.py",
)
STATUS_VALUES = {
    m.value
    for e in (
        v.CrewStatus,
        v.CrewMode,
        v.EventStatus,
        v.Verification,
        v.StepStatus,
        v.MessageState,
        v.AckStep,
    )
    for m in e
}
SOURCE_VALUES = {m.value for m in v.Source}


def _strings(node: ast.expr) -> list[ast.Constant]:
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return [c for c in items if isinstance(c, ast.Constant) and isinstance(c.value, str)]


def bare_vocabulary(source: str) -> list[tuple[int, str]]:
    """Statuses compared, keyed or put in a payload as literals; sources given as literals."""
    found: list[ast.Constant] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                found += [c for c in _strings(side) if c.value in STATUS_VALUES]
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                keys = _strings(key) if key is not None else []
                found += [c for c in keys if c.value in STATUS_VALUES]
                if any(c.value in ("status", "state", "step", "mode") for c in keys):
                    found += [c for c in _strings(value) if c.value in STATUS_VALUES]
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            args = node.args[2:3] if name == "Draft" else []
            args += [k.value for k in node.keywords if k.arg == "source"]
            for arg in args:
                found += [c for c in _strings(arg) if c.value in SOURCE_VALUES]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            # a status given to a field (``c.status = "engage"``, ``status: str = "disponible"``)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [getattr(t, "attr", getattr(t, "id", "")) for t in targets]
            if node.value is not None and any(n in ("status", "state") for n in names):
                found += [c for c in _strings(node.value) if c.value in STATUS_VALUES]
    return sorted((c.lineno, str(c.value)) for c in found)


@pytest.mark.parametrize("path", USES_THE_VOCABULARY)
def test_statuses_and_sources_are_members_not_bare_strings(path: str) -> None:
    source = (Path(__file__).resolve().parents[2] / path).read_text(encoding="utf-8")
    assert bare_vocabulary(source) == []


def test_the_bare_string_finder_finds_them() -> None:
    code = (
        'if ev.status != "clos": pass\n'
        'x = {"brouillon": 1, "status": "engage"}\n'
        'Draft(k.NOTE, {}, "equipage")\n'
        'f(source="pp")\n'
        'c.status = "disponible"\n'
        'ok = state in ("erreur", MessageState.EXPIRE)\n'
        'fine = link == "pp" or Draft(k.NOTE, {}, Source.PP)\n'
    )
    assert bare_vocabulary(code) == [
        (1, "clos"),
        (2, "brouillon"),
        (2, "engage"),
        (3, "equipage"),
        (4, "pp"),
        (5, "disponible"),
        (6, "erreur"),
    ]
