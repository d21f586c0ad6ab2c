"""The vocabularies: one StrEnum each, equal to the strings the journal has always held."""

from __future__ import annotations

import json

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
