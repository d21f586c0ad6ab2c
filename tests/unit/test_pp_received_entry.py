"""A message read from the PP is journaled as decoded (``Draft.plain_json``): the entry the
room folds must be, value and type, what the journal gives back, and its hash must verify."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from scop.models import jsonio
from scop.models.entries import (
    GENESIS_HASH,
    SYSTEM,
    Draft,
    canonical_json,
    expected_hash,
    seal_text,
)
from scop.models.vocabulary import INCOMING_LABELS
from scop.protocols import edxl
from scop.protocols.edxl import EventInfo, Identity
from scop.protocols.pp_link import RoomEndpoint

PP = Identity("fr.police.pp", "fr.police.scop", "Préfecture de Police")
NOW = datetime(2026, 12, 1, 6, 28, 30, tzinfo=UTC)


def typed(value: Any) -> Any:
    """``value`` with every node's exact type beside it (``True == 1``, ``("a",) != ["a"]``)."""
    if isinstance(value, dict):
        return ("dict", type(value) is dict, {k: (type(k), typed(v)) for k, v in value.items()})
    if isinstance(value, list):
        return ("list", type(value) is list, [typed(v) for v in value])
    return (type(value), value)


@pytest.mark.parametrize("kind", sorted(INCOMING_LABELS))
def test_received_entry_is_what_the_journal_reads_back(kind: str) -> None:
    event = EventInfo("PP-7", "FIR", "Feu n° 7", 3, "en_cours", "1 rue X", 2.37, 48.86)
    frame = edxl.build_pp_emsi(
        kind,
        event,
        identity=PP,
        now=NOW,
        exercise=False,
        text="seq 7",
        answer="ACCEPTE" if kind == "reponse" else None,
        request_id="fr.police.scop_1",
        previous_id="fr.police.pp_0",
    )
    msg = edxl.parse(edxl.dumps(frame), now=NOW)
    payload = RoomEndpoint._received(msg, edxl.summarize(msg.payload))
    draft = Draft("pp.message_received", payload, "pp", SYSTEM, plain_json=True)
    entry, text = seal_text(1, NOW, SYSTEM, draft, GENESIS_HASH)
    assert entry.payload is payload  # kept as decoded, not decoded again
    assert typed(entry.payload) == typed(jsonio.loads(text))  # what a reader gets
    assert text == canonical_json(jsonio.loads(text))
    assert entry.hash == expected_hash(entry)
