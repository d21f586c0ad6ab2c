"""The fold of pp.* entries and the commands on drafts: who may validate, what the journal holds
before anything leaves, how states move and never move back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models import fold_messages as fm
from scop.models.describe import describe
from scop.models.entries import SYSTEM, Draft, Operator
from scop.models.projection import fold
from scop.protocols import outbox
from scop.protocols.edxl import EventInfo, Identity, build_pp_emsi, parse, summarize
from scop.room import CommandRefused, Room, open_room

CHIEF = Operator("Cdt. Morel", "chief")


def _chief_room(store: JournalStore, clock: ManualClock, mode: str = "demo") -> Room:
    from scop.demo import demo_drafts

    room = open_room(store, clock, CHIEF, mode=mode, label="Salle")
    room.record_all(demo_drafts())
    return room


def test_only_a_chief_validates(demo_room: Room) -> None:
    draft = outbox.draft_message(demo_room, "EV-0001", "demande_umip", {"texte": "familles"})
    key = draft.payload["draft_id"]
    assert demo_room.state.messages[key].state == "brouillon"
    with pytest.raises(CommandRefused, match="chef de salle"):
        outbox.validate_draft(demo_room, key)
    with pytest.raises(CommandRefused, match="n'existe pas"):
        outbox.draft_message(demo_room, "EV-9999", "alerte")
    with pytest.raises(CommandRefused, match="inconnu"):
        outbox.draft_message(demo_room, "EV-0001", "demande_pizza")


def test_message_journaled_whole_before_it_leaves(store: JournalStore, clock: ManualClock) -> None:
    room = _chief_room(store, clock)
    key = outbox.draft_message(room, "EV-0001", "demande_cump", {"quantite": 2}).payload["draft_id"]
    entry = outbox.validate_draft(room, key)
    raw = entry.payload["message"]
    assert entry.kind == fm.VALIDATED
    assert raw["distributionID"] == entry.payload["distribution_id"]
    parsed = parse(json.dumps(raw), now=clock.now())
    assert summarize(parsed.payload).template == "demande_cump"
    m = room.state.messages[key]
    assert (m.state, m.validated_by, m.exercise) == ("valide", "Cdt. Morel", False)
    with pytest.raises(CommandRefused, match="déjà"):
        outbox.validate_draft(room, key)
    # the next message on the same event links to this one: the PP applies them in order
    key2 = outbox.draft_message(room, "EV-0001", "point_de_situation").payload["draft_id"]
    raw2 = outbox.validate_draft(room, key2).payload["message"]
    ctx = raw2["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["emsi"]["CONTEXT"]
    assert ctx["LINK"] == [{"ID": raw["distributionID"], "LINK_ROLE": "ADDSTO"}]


def test_exercise_room_marks_everything(store: JournalStore, clock: ManualClock) -> None:
    room = _chief_room(store, clock, mode="exercise")
    key = outbox.draft_message(room, "EV-0001", "alerte").payload["draft_id"]
    raw = outbox.validate_draft(room, key).payload["message"]
    inner = raw["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    assert raw["distributionStatus"] == inner["status"] == "Exercise"
    assert inner["emsi"]["CONTEXT"]["MODE"] == "EXERCS"
    assert inner["emsi"]["CONTEXT"]["FREETEXT"].startswith("EXERCICE EXERCICE EXERCICE")
    assert room.state.messages[key].exercise


def _record(room: Room, kind: str, **payload: Any) -> None:
    room.record_all([Draft(kind, payload, "systeme", SYSTEM)])


def test_states_move_forward_only_and_answers_attach(
    store: JournalStore, clock: ManualClock
) -> None:
    room = _chief_room(store, clock)
    key = outbox.draft_message(room, "EV-0001", "demande_umip").payload["draft_id"]
    did = outbox.validate_draft(room, key).payload["distribution_id"]
    _record(room, fm.SENT, distribution_id=did)
    _record(room, fm.ACK_RECEIVED, distribution_id=did, step="INTEGRE")
    _record(room, fm.ACK_RECEIVED, distribution_id=did, step="RECU")  # late, out of order
    assert room.state.messages[key].state == "integre"
    answer = build_pp_emsi(
        "reponse",
        EventInfo("EV-0001", "FIR", "Feu"),
        identity=Identity("fr.police.pp", "fr.police.scop"),
        now=clock.now(),
        exercise=False,
        answer="REFUS",
        request_id=did,
    )
    s = summarize(parse(json.dumps(answer), now=clock.now()).payload)
    _record(
        room,
        fm.RECEIVED,
        distribution_id=answer["distributionID"],
        event_id=s.event_id,
        template=s.template,
        answer=s.answer,
        text=s.text,
        links=list(s.links),
        message=answer,
    )
    req = room.state.messages[key]
    assert req.answer == "REFUS"
    incoming = room.state.messages[answer["distributionID"]]
    assert (incoming.direction, incoming.state, incoming.answers) == ("in", "integre", did)
    # a duplicate never applies twice
    before = dict(room.state.messages)
    _record(
        room,
        fm.RECEIVED,
        distribution_id=answer["distributionID"],
        event_id="EV-0001",
        template="alerte",
        message=answer,
    )
    assert room.state.messages == before
    outbox.consult(room, incoming.key)
    assert room.state.messages[incoming.key].consulted_by == "Cdt. Morel"
    assert outbox.consult(room, incoming.key) is None  # once
    # replay: the same entries fold to the same state
    replayed = fold(store.iter_entries())
    assert replayed.messages == room.state.messages
    copy = room.state.copy()
    copy.messages.clear()
    assert room.state.messages


def test_expiry_and_errors(store: JournalStore, clock: ManualClock) -> None:
    room = _chief_room(store, clock)
    k1 = outbox.draft_message(room, "EV-0001", "demande_vpu").payload["draft_id"]
    d1 = outbox.validate_draft(room, k1).payload["distribution_id"]
    _record(room, fm.EXPIRED, distribution_id=d1)
    assert room.state.messages[k1].state == "expire"
    _record(room, fm.ACK_RECEIVED, distribution_id=d1, step="RECU")
    assert room.state.messages[k1].state == "expire"
    k2 = outbox.draft_message(room, "EV-0001", "demande_care").payload["draft_id"]
    d2 = outbox.validate_draft(room, k2).payload["distribution_id"]
    _record(room, fm.ERROR, distribution_id=d2, code=300, cause="non conforme")
    assert room.state.messages[k2].error == "300 — non conforme"
    k3 = outbox.draft_message(room, "EV-0001", "annulation").payload["draft_id"]
    outbox.discard_draft(room, k3, "doublon")
    assert room.state.messages[k3].state == "abandonne"
    with pytest.raises(CommandRefused):
        outbox.discard_draft(room, k3)


def test_every_pp_kind_reads_in_french(store: JournalStore, clock: ManualClock) -> None:
    room = _chief_room(store, clock)
    key = outbox.draft_message(
        room, "EV-0001", "demande_umip", origin={"run_id": "R1", "step_id": "S3"}
    ).payload["draft_id"]
    outbox.validate_draft(room, key)
    texts = {e.kind: describe(e) for e in store.iter_entries() if e.kind.startswith("pp.")}
    assert (
        texts[fm.DRAFTED] == "Message PP rédigé (fiche réflexe) : Demande UMIP — événement EV-0001"
    )
    assert "validé par le chef de salle" in texts[fm.VALIDATED]
