"""Le point de situation on the real console: the event card's button opens it with the
verified information only, the chief edits and sends it through the messages' validation, the
fiche step opens it prefilled, and a role or a replay that may not send cannot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt

from scop.clock import Clock, ManualClock
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.operations import commands as ops
from scop.procedures import situation
from scop.protocols.edxl import check_schema
from scop.room import Room, open_room
from scop.ui.docks.event_card import EventCardDock
from scop.ui.docks.procedures import ProceduresDock
from scop.ui.situation_dialog import SituationDialog

CHIEF = Operator("Cdt. Morel", "chief", "cmorel")
OPERATOR = Operator("B. Lefèvre", "operator", "blefevre")
VERIFIED = "Deux blessés légers pris en charge par la BSPP"
UNVERIFIED = "Rumeur d'un troisième foyer rue voisine"
CHECKING = "Un témoin parle d'une explosion"
SHOTS = Path("/work/coord/shots")


def _room(db_url: str, clock: Clock, who: Operator, mode: str) -> tuple[Room, str]:
    from scop.demo import demo_drafts

    store = JournalStore.open(db_url, clock)
    room = open_room(store, clock, who, mode=mode, label="Salle")
    room.record_all(demo_drafts(clock.now()))
    room.operator = CHIEF  # the facts are entered by someone entitled to every command
    ev = ops.create_event(
        room, source="appel_3975", category="FIR/CLA", gravity=3,
        address="52 Rue Oberkampf, 75011 Paris", lon=2.3748, lat=48.8649,
        title="Feu d'appartement au 3e étage",
    )  # fmt: skip
    ops.add_info(room, ev, VERIFIED, "equipage", "verifie")
    ops.add_info(room, ev, UNVERIFIED, "reseaux_sociaux", "a_verifier")
    ops.add_info(room, ev, CHECKING, "appel_3975", "en_verification")
    free = [c for c, crew in room.state.crews.items() if crew.status == "disponible"]
    ops.engage(room, free[0], ev)
    ops.engage(room, free[1], ev)
    ops.crew_on_scene(room, free[1])
    room.operator = who
    return room, ev


@pytest.fixture
def rooms(db_url: str, clock: ManualClock) -> Iterator[Any]:
    made: list[Room] = []

    def make(who: Operator = CHIEF, mode: str = "demo") -> tuple[Room, str]:
        room, ev = _room(db_url, clock, who, mode)
        made.append(room)
        return room, ev

    yield make
    for room in made:
        room.store.close()


def _card(qtbot: Any, make_ctx: Any, room: Room, ev: str) -> EventCardDock:
    card = EventCardDock(make_ctx(room))
    qtbot.addWidget(card)
    card.resize(620, 700)
    card.show()
    card.ctx.selection.select_event(ev)
    return card


def _open(qtbot: Any, card: EventCardDock) -> SituationDialog:
    assert card.situation_button.isEnabled()
    qtbot.mouseClick(card.situation_button, Qt.MouseButton.LeftButton)
    dialog = card.situation.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def _fits_small_screen(dialog: SituationDialog) -> None:
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366, hint
    assert hint.height() <= 740, hint
    assert dialog.width() <= 1366
    assert dialog.height() <= 740


def _save(widget: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"situation12-{name}.png"))


def test_button_opens_the_draft_with_verified_items_only(
    qtbot: Any, rooms: Any, make_ctx: Any
) -> None:
    room, ev = rooms()
    card = _card(qtbot, make_ctx, room, ev)
    _save(card, "event-card")
    dialog = _open(qtbot, card)
    facts = dialog.situation_edit.toPlainText()
    shown = [
        facts,
        dialog.sources.toPlainText(),
        dialog.emsi_preview.toPlainText(),
        dialog.sms_edit.toPlainText(),
        dialog.mail_subject.text(),
        dialog.mail_body.toPlainText(),
    ]
    assert VERIFIED in facts
    assert VERIFIED in dialog.emsi_preview.toPlainText()
    for text in shown:
        assert UNVERIFIED not in text
        assert CHECKING not in text
    assert "2 information(s) non vérifiée(s) laissée(s) de côté" in dialog.left_out_label.text()
    assert dialog.left_out_label.isVisible()
    # the crews: one on scene, one en route; both in the means and the sources
    s = situation.situation_of(room.state, ev, room.clock.now())
    assert len(s.on_scene) == 1
    assert len(s.engaged) == 1
    assert s.on_scene[0] in dialog.means_edit.toPlainText()
    assert s.engaged[0] in dialog.sources.toPlainText()
    assert "EXERCICE" not in dialog.emsi_preview.toPlainText()
    assert not dialog.exercise_banner.isVisible()
    # the live counter follows the chief's typing
    assert dialog.sms_counter.text().startswith(f"{len(dialog.sms_edit.toPlainText())} / 160")
    dialog.sms_edit.setPlainText("x" * 170)
    assert "TROP LONG" in dialog.sms_counter.text()
    assert len(dialog.sms()) == situation.SMS_LENGTH
    _fits_small_screen(dialog)
    dialog.sms_edit.setPlainText(situation.sms_text(room.state, ev, room.clock.now()))
    _save(dialog, "dialog")
    # an item checked while the chief writes: the left column follows, the text waits
    rumour = next(i for i in room.state.events[ev].infos if i.text == UNVERIFIED)
    dialog.situation_edit.setPlainText("Texte du chef")
    ops.set_verification(room, ev, rumour.id, "verifie")
    assert "1 information(s) non vérifiée(s)" in dialog.left_out_label.text()
    assert UNVERIFIED in dialog.sources.toPlainText()
    assert dialog.situation_edit.toPlainText() == "Texte du chef"
    qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)
    assert UNVERIFIED in dialog.situation_edit.toPlainText()
    assert CHECKING not in dialog.situation_edit.toPlainText()


def test_chief_edits_and_sends_a_journaled_validated_message(
    qtbot: Any, rooms: Any, make_ctx: Any
) -> None:
    room, ev = rooms()
    card = _card(qtbot, make_ctx, room, ev)
    dialog = _open(qtbot, card)
    before = room.state.position
    dialog.situation_edit.setPlainText("Feu éteint à 14 h 10 ; deux blessés légers évacués")
    dialog.trend_box.setCurrentIndex(dialog.trend_box.findData("amelioration"))
    assert "Feu éteint à 14 h 10" in dialog.emsi_preview.toPlainText()
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    key = dialog.sent_key
    assert key is not None
    entries = [e for e in room.store.iter_entries() if e.position > before]
    kinds = [e.kind for e in entries]
    assert kinds == ["pp.message_drafted", "pp.message_validated"]
    for e in entries:
        assert e.author == CHIEF.name
        assert e.author_id == CHIEF.id
    m = room.state.messages[key]
    assert m.template == "point_de_situation"
    assert m.state == "valide"
    assert m.validated_by == CHIEF.name
    sent = entries[-1].payload["message"]
    check_schema(sent)  # the EDXL-DE the link will send passes the schemas
    text = str(sent)
    assert "Feu éteint à 14 h 10" in text
    assert UNVERIFIED not in text
    assert CHECKING not in text
    assert "DECREA" in text  # the trend the chief chose
    assert "EXERCICE" not in text
    qtbot.waitUntil(lambda: card.situation.dialog is None)


def test_exercise_dialog_and_message_say_exercice(qtbot: Any, rooms: Any, make_ctx: Any) -> None:
    room, ev = rooms(mode="exercise")
    card = _card(qtbot, make_ctx, room, ev)
    dialog = _open(qtbot, card)
    assert dialog.exercise_banner.isVisible()
    assert "EXERCICE" in dialog.windowTitle()
    assert "EXERCICE EXERCICE EXERCICE" in dialog.emsi_preview.toPlainText()
    dialog.sms_edit.setPlainText("Point rapide : feu éteint")  # the chief dropped the word
    assert dialog.sms().startswith("EXERCICE")
    assert "« EXERCICE » ajouté" in dialog.sms_counter.text()
    assert dialog.email()[0].startswith("[EXERCICE]")
    _save(dialog, "dialog-exercice")
    dialog.log_astreintes()
    note = room.store.read(after=room.state.position - 1)[-1]
    assert note.kind == "log.note"
    assert note.payload["event_id"] == ev
    assert "EXERCICE" in note.payload["text"]
    assert note.author == CHIEF.name
    key = dialog.send(validate=True)
    assert key is not None
    validated = room.state.messages[key]
    assert validated.exercise
    assert "EXERCICE EXERCICE EXERCICE" in validated.text


def test_operator_drafts_but_cannot_send(qtbot: Any, rooms: Any, make_ctx: Any) -> None:
    room, ev = rooms(who=OPERATOR)
    card = _card(qtbot, make_ctx, room, ev)
    dialog = _open(qtbot, card)
    assert not dialog.send_button.isEnabled()
    assert "chef de salle" in dialog.role_label.text()
    assert dialog.draft_button.isEnabled()
    before = room.state.position
    assert dialog.send(validate=True) is not None  # even forced, the room refuses to validate
    kinds = [e.kind for e in room.store.iter_entries() if e.position > before]
    assert kinds == ["pp.message_drafted"]
    key = dialog.sent_key
    assert key is not None
    assert room.state.messages[key].state == "brouillon"
    assert "non validé" in dialog.status.text()


def test_replay_reads_but_never_sends(
    qtbot: Any, rooms: Any, make_ctx: Any, db_url: str, clock: ManualClock
) -> None:
    _room, ev = rooms()
    ro_store = JournalStore.open(db_url, clock, readonly=True)
    try:
        ro_room = Room(ro_store, clock, CHIEF)
        ro_room.load()
        card = _card(qtbot, make_ctx, ro_room, ev)
        dialog = _open(qtbot, card)
        assert dialog.readonly_banner.isVisible()
        assert not dialog.send_button.isEnabled()
        assert not dialog.draft_button.isEnabled()
        assert not dialog.log_button.isEnabled()
        assert VERIFIED in dialog.situation_edit.toPlainText()
        before = len(list(ro_store.iter_entries()))
        assert dialog.send() is None
        dialog.log_astreintes()
        assert len(list(ro_store.iter_entries())) == before
        dialog.close()
    finally:
        ro_store.close()


def test_fiche_step_opens_it_prefilled_and_sending_completes_the_step(
    qtbot: Any, rooms: Any, make_ctx: Any
) -> None:
    room, ev = rooms()
    dock = ProceduresDock(make_ctx(room))
    qtbot.addWidget(dock)
    dock.resize(1300, 720)
    dock.show()
    run = dock.launch("incendie", ev)
    assert run is not None
    dock.select_run(run, "point_situation")
    panel = dock.panel
    # the step panel shows the prefilled text in the step's own fields
    situation_input = panel.input_widgets["situation"]
    assert VERIFIED in situation_input.text()
    assert UNVERIFIED not in situation_input.text()
    assert "police municipale" in panel.input_widgets["moyens_ville"].text()
    assert panel.situation_button.isVisible()
    assert panel.situation_button.isEnabled()
    _save(dock, "step-panel")
    situation_input.setText("Feu circonscrit, typed in the step")
    qtbot.mouseClick(panel.situation_button, Qt.MouseButton.LeftButton)
    dialog = dock.situation.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.origin == (run, "point_situation")
    assert dialog.situation_edit.toPlainText() == "Feu circonscrit, typed in the step"
    assert "Incendie" in dialog.origin_label.text()
    _save(dialog, "dialog-from-step")
    key = dialog.send(validate=True)
    assert key is not None
    m = room.state.messages[key]
    assert m.origin == {"run_id": run, "step_id": "point_situation"}
    assert m.state == "valide"
    assert "Feu circonscrit, typed in the step" in m.text
    v = dock.runner.view(run)
    assert v.step("point_situation").status == "fait"
    # the step is done: its panel says where the message stands, the button says why it rests
    dock.select_run(run, "point_situation")
    assert not panel.situation_button.isEnabled()
    assert "déjà fait" in panel.situation_button.toolTip()
    assert "Validé" in panel.preview.text()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def test_from_the_events_list_in_the_chief_layout_on_a_small_screen(
    qtbot: Any, window: Any
) -> None:
    """The real console at 1366×768: a right-click action of the Événements list opens the
    card's point de situation; the window's layout still fits, and so does the dialog."""
    window.apply_layout("chef")
    window.resize(1366, 768)
    events = window.docks["events"]
    card = window.docks["event_card"]
    room = window.ctx.room
    ev = next(e.id for e in room.state.events.values() if e.status != "clos")
    window.ctx.selection.select_event(ev)
    assert events.situation_action in events.view.actions()
    events.situation_action.trigger()
    dialog = card.situation.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.event_id == ev
    assert room.operator.role == "operator"  # the fixture's person: drafts, never validates
    assert not dialog.send_button.isEnabled()
    assert dialog.draft_button.isEnabled()
    _fits_small_screen(dialog)
    assert window.minimumSizeHint().width() <= 1366
    assert window.minimumSizeHint().height() <= 768
    _save(window, "window-chef-1366")
    dialog.close()
    qtbot.waitUntil(lambda: card.situation.dialog is None)


def test_sent_point_reaches_the_pp_simulator_on_loopback(
    qtbot: Any, tmp_path: Path, make_ctx: Any
) -> None:
    """The whole path: the chief's edited point goes from the dialog through validation and
    the real PP link to the simulator over a loopback websocket, which acknowledges it."""
    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication
    from scoptest.tasks import pp_link_to_simulator

    from scop.clock import SystemClock

    clock = SystemClock()
    room, ev = _room(f"sqlite:///{tmp_path / 'live.sqlite'}", clock, CHIEF, "demo")
    loop = qasync.QEventLoop(QApplication.instance())
    asyncio.set_event_loop(loop)
    ctx = make_ctx(room)
    card = EventCardDock(ctx)
    qtbot.addWidget(card)
    card.show()
    ctx.selection.select_event(ev)

    async def scenario() -> None:
        async with pp_link_to_simulator(room, ctx, answer_delay=0.3) as (sim, _link):
            dialog = card.open_situation()
            assert dialog is not None
            dialog.situation_edit.setPlainText("Feu éteint, deux blessés légers évacués")
            key = dialog.send(validate=True)
            assert key is not None
            end = loop.time() + 10
            while room.state.messages[key].state not in ("recu", "integre", "consulte"):
                assert loop.time() < end, room.state.messages[key].state
                await asyncio.sleep(0.05)
            did = room.state.messages[key].distribution_id
            got = sim.endpoint.inbox[did]
            assert got.template == "point_de_situation"
            assert "Feu éteint, deux blessés légers évacués" in got.text
            assert UNVERIFIED not in got.text

    try:
        loop.run_until_complete(scenario())
    finally:
        card.teardown()
        room.store.close()
        loop.close()
        asyncio.set_event_loop(None)


def test_pp_request_is_answered_from_the_messages_dock(
    qtbot: Any, rooms: Any, make_ctx: Any
) -> None:
    """The PP asks for a point de situation: selecting its message offers the answer, and the
    dialog lists the request among the messages exchanged."""
    from scop.models.entries import SYSTEM
    from scop.ui.docks.messages_dock import MessagesDock

    room, ev = rooms()
    asked = "Merci d'un point de situation sur le relogement des occupants"
    room.acting_as(SYSTEM).record(
        "pp.message_received",
        {
            "distribution_id": "PP-DEMANDE-1",
            "event_id": ev,
            "template": "demande_point_de_situation",
            "text": asked,
        },
        "pp",
    )
    dock = MessagesDock(make_ctx(room))
    qtbot.addWidget(dock)
    dock.resize(900, 600)
    dock.show()
    dock.select_message("PP-DEMANDE-1")
    assert dock.situation_btn.text() == "Répondre par un point de situation…"
    assert dock.situation_btn.isEnabled()
    qtbot.mouseClick(dock.situation_btn, Qt.MouseButton.LeftButton)
    dialog = dock.situation.dialog
    assert dialog is not None
    assert dialog.event_id == ev
    assert asked in dialog.sources.toPlainText()
    dock.teardown()
    qtbot.waitUntil(lambda: dock.situation.dialog is None)
