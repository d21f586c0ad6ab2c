"""Le point de situation leaves unverified information out, in every form it takes."""

from __future__ import annotations

import pytest

from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.operations import commands as ops
from scop.procedures import situation
from scop.procedures.runner import ProcedureRunner
from scop.protocols import outbox
from scop.room import CommandRefused, Room, open_room

CHIEF = Operator("Cdt. Morel", "chief")
VERIFIED = "Deux blessés légers pris en charge par la BSPP"
UNVERIFIED = "Rumeur d'un troisième foyer rue voisine"
CHECKING = "Un témoin parle d'une explosion"


def _room(store: JournalStore, clock: ManualClock) -> tuple[Room, str]:
    from scop.demo import demo_drafts

    room = open_room(store, clock, CHIEF, mode="demo", label="Salle")
    room.record_all(demo_drafts())
    ev = ops.create_event(
        room, source="appel_3975", category="FIR", gravity=3, address="12 rue Oberkampf",
        lon=2.372, lat=48.864, title="Feu d'appartement",
    )  # fmt: skip
    ops.add_info(room, ev, VERIFIED, "equipage", "verifie")
    ops.add_info(room, ev, UNVERIFIED, "reseaux_sociaux", "a_verifier")
    ops.add_info(room, ev, CHECKING, "appel_3975", "en_verification")
    call_sign = next(c for c, crew in room.state.crews.items() if crew.status == "disponible")
    ops.engage(room, call_sign, ev)
    return room, ev


def test_point_de_situation_leaves_out_unverified_items(
    store: JournalStore, clock: ManualClock
) -> None:
    room, ev = _room(store, clock)
    now = clock.now()
    s = situation.situation_of(room.state, ev, now)
    assert s.facts == (VERIFIED,)
    assert s.left_out == 2
    assert len(s.engaged) == 1
    texts = [
        s.situation_text(),
        situation.sms_text(room.state, ev, now),
        *situation.email_text(room.state, ev, now),
    ]
    assert len(texts[1]) <= situation.SMS_LENGTH
    assert VERIFIED in texts[0]
    assert VERIFIED[:20] in texts[1]
    for text in texts:
        assert UNVERIFIED not in text
        assert CHECKING not in text
    assert "2 information(s) en cours de vérification" in texts[3]
    # the EMSI update goes through the existing draft → validation
    draft = outbox.draft_situation(room, ev)
    key = draft.payload["draft_id"]
    assert room.state.messages[key].template == "point_de_situation"
    validated = outbox.validate_draft(room, key)
    sent = str(validated.payload["message"])
    assert VERIFIED in sent
    assert UNVERIFIED not in sent
    assert CHECKING not in sent


def test_fiche_step_opens_prefilled_with_verified_facts_only(
    store: JournalStore, clock: ManualClock, library: object
) -> None:
    room, ev = _room(store, clock)
    runner = ProcedureRunner(room, library)  # type: ignore[arg-type]
    run = runner.launch("crue_seine", ev)
    view = runner.view(run)
    step = view.step("point_situation").step
    fields = runner.message_fields(view.run, step, {"situation": ""})
    assert VERIFIED in fields["situation"]
    assert UNVERIFIED not in fields["situation"]
    assert CHECKING not in fields["situation"]
    assert "police municipale" in fields["moyens_ville"]
    typed = runner.message_fields(view.run, step, {"situation": "Texte du chef"})
    assert typed["situation"] == "Texte du chef"


def test_exercise_marks_every_text_and_an_sms_stays_one_sms(
    store: JournalStore, clock: ManualClock
) -> None:
    room, ev = _room(store, clock)
    now = clock.now()
    sms = situation.sms_text(room.state, ev, now, exercise=True)
    assert sms.startswith("EXERCICE ")
    assert len(sms) <= situation.SMS_LENGTH
    subject, body = situation.email_text(room.state, ev, now, exercise=True)
    assert subject.startswith("[EXERCICE]")
    assert body.startswith("EXERCICE EXERCICE EXERCICE")
    assert body.rstrip().endswith("EXERCICE EXERCICE EXERCICE")
    assert "EXERCICE" not in situation.sms_text(room.state, ev, now)
    # the chief's edit dropped the word: it comes back, and the SMS is still one SMS
    assert situation.mark_sms("Feu éteint", exercise=True) == "EXERCICE Feu éteint"
    assert situation.mark_sms("Feu éteint", exercise=False) == "Feu éteint"
    long = situation.mark_sms("x" * 200, exercise=True)
    assert long.startswith("EXERCICE ")
    assert len(long) == situation.SMS_LENGTH


def test_chief_edits_and_fiche_counts_reach_the_update(
    store: JournalStore, clock: ManualClock, library: object
) -> None:
    room, ev = _room(store, clock)
    fields = outbox.situation_fields(
        room.state,
        ev,
        clock.now(),
        {"situation": "Feu éteint", "tendance": "amelioration", "evacues": 12, "accueillis": 30},
    )
    assert fields["texte"].startswith("Situation : Feu éteint")
    assert "Personnes évacuées : 12" in fields["texte"]
    assert "Personnes accueillies au C.A.RE : 30" in fields["texte"]
    assert "police municipale" in fields["texte"]  # the means left as the room knows them
    assert fields["evacues"] == 12  # carried in the EMSI's own slot too
    assert "accueillis" not in fields  # the EMSI has none: said in the text only
    assert fields["tendance"] == "amelioration"
    with pytest.raises(CommandRefused, match="Tendance inconnue"):
        outbox.situation_fields(room.state, ev, clock.now(), {"tendance": "pire"})
    # completing the fiche step with the chief's fields drafts those, with the fiche as origin
    runner = ProcedureRunner(room, library)  # type: ignore[arg-type]
    run = runner.launch("crue_seine", ev)
    runner.complete(run, "point_situation", {"situation": "Feu éteint"}, message=fields)
    drafts = [m for m in room.state.messages.values() if m.origin]
    assert len(drafts) == 1
    assert drafts[0].fields == fields
    assert drafts[0].origin == {"run_id": run, "step_id": "point_situation"}
    assert runner.view(run).step("point_situation").status == "fait"
    # the fiche's done steps are quoted by their titles, not their ids
    fiches = situation.situation_of(room.state, ev, clock.now()).fiches
    assert len(fiches) == 1
    assert "1 étape(s) faite(s)" in fiches[0]
    assert "Point de situation à la Préfecture de Police" in fiches[0]
    assert "point_situation" not in fiches[0]
