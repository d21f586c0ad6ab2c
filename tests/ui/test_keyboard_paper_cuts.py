"""Paper cuts of the keyboard paths: correcting the last entry, attaching a note to the
selected event, one Enter in the category completer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt


def test_ctrl_r_without_selection_offers_the_last_entry_prefilled(
    window: Any, qtbot: Any, demo_room: Any
) -> None:
    journal = window.docks["journal"]
    demo_room.note("Appel de la BSPP : deux véhicules en route")
    mine = demo_room.state.position
    journal.view.clearSelection()
    window.statusBar().showMessage("⚠ Sélectionnez d'abord l'entrée à corriger.")
    journal.correct_action.trigger()
    assert journal.entry_label.text() == f"Correction de n° {mine} :"
    assert journal.entry.text() == "Appel de la BSPP : deux véhicules en route"
    assert journal.selected_position() == mine  # the row is shown selected
    journal.entry.setText("Appel de la BSPP : trois véhicules en route")
    qtbot.keyClick(journal.entry, Qt.Key.Key_Return)
    last = demo_room.store.read(after=mine)[-1]
    assert last.kind == "log.correction"
    assert last.payload == {"corrects": mine, "text": "Appel de la BSPP : trois véhicules en route"}
    assert window.statusBar().currentMessage() == ""  # the stale warning is gone
    assert journal.entry_label.text() == "Nouvelle entrée :"


def test_a_note_is_offered_to_the_selected_event(window: Any, qtbot: Any, demo_room: Any) -> None:
    journal = window.docks["journal"]
    card = window.docks["event_card"]
    window.ctx.selection.select_event("EV-0002")
    assert journal.attach_box.isVisible()
    assert journal.attach_box.isChecked()
    assert "EV-0002" in journal.attach_box.text()
    journal.entry.setText("Témoin rappelé, confirme deux individus")
    qtbot.keyClick(journal.entry, Qt.Key.Key_Return)
    note = demo_room.store.read(after=demo_room.state.position - 1)[-1]
    assert note.payload == {
        "text": "Témoin rappelé, confirme deux individus",
        "event_id": "EV-0002",
    }
    assert note.position in [e.position for e in card.history_entries("EV-0002")]
    # unticked, the next note stays free
    journal.attach_box.setChecked(False)
    journal.entry.setText("Relève de 14 h annoncée")
    qtbot.keyClick(journal.entry, Qt.Key.Key_Return)
    free = demo_room.store.read(after=demo_room.state.position - 1)[-1]
    assert free.payload == {"text": "Relève de 14 h annoncée"}


def test_one_enter_takes_the_category_completion(window: Any, qtbot: Any) -> None:
    dlg = window.docks["events"].open_intake()
    qtbot.waitUntil(lambda: dlg.focusWidget() is dlg.source)
    dlg.category.setFocus()
    qtbot.keyClicks(dlg.category, "rixe")
    popup = dlg.category.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # one Enter, nothing highlighted
    assert dlg.category.text() == "Comportement antisocial (ASB)"
    assert dlg.category_code() == "ASB"
    assert dlg.focusWidget() is dlg.gravity
    dlg.reject()


def test_buttons_that_cannot_act_are_disabled_and_say_why(window: Any, qtbot: Any) -> None:
    procedures = window.docks["procedures"]
    procedures.run_id = None
    procedures._show_run()
    done = procedures.panel.done_button
    assert not done.isEnabled()
    assert "Aucune fiche sélectionnée" in done.toolTip()
    assert procedures.launch_button.isEnabled()
    # disabled, it no longer looks like the green button to press
    image = done.grab().toImage()
    centre = image.pixelColor(image.width() // 2, 4)
    assert centre.green() - centre.red() < 40


def test_replay_disables_launching_and_ticking(
    qtbot: Any, demo_room: Any, db_url: str, clock: Any, make_ctx: Any, settings: Any
) -> None:
    from scop.journal.store import JournalStore
    from scop.room import Room
    from scop.ui.main_window import MainWindow

    store = JournalStore.open(db_url, clock, readonly=True)
    room = Room(store, clock, demo_room.operator, "relecture")
    room.load()
    w = MainWindow(make_ctx(room), settings)
    qtbot.addWidget(w)
    procedures = w.docks["procedures"]
    for button in (procedures.launch_button, procedures.panel.done_button):
        assert not button.isEnabled()
        assert "Relecture" in button.toolTip()


def test_quitting_with_work_under_way_asks_and_journals_the_logout(
    window: Any, qtbot: Any, demo_room: Any
) -> None:
    from PySide6.QtCore import QTimer

    demo_room.login()
    window.ask_before_quit = True
    seen: list[str] = []

    def answer(label: str) -> None:
        box = window.quit_box
        if box is None:
            QTimer.singleShot(20, lambda: answer(label))
            return
        seen.append(box.informativeText())
        next(b for b in box.buttons() if b.text() == label).click()

    try:
        QTimer.singleShot(20, lambda: answer("Rester"))
        window.quit_action.trigger()  # Ctrl+Q
        assert window.isVisible()
        assert "2 message(s) PP en attente de validation" in seen[0]
        assert demo_room.store.read(after=demo_room.state.position - 1)[-1].kind == "session.login"
        QTimer.singleShot(20, lambda: answer("Quitter"))
        window.quit_action.trigger()
    finally:
        window.ask_before_quit = False  # the fixture's own close must not ask
    assert not window.isVisible()
    last = demo_room.store.read(after=demo_room.state.position - 1)[-1]
    assert last.kind == "session.logout"
    assert last.author == demo_room.operator.name


def test_pp_alarm_and_link_state_in_the_status_bar(
    qtbot: Any, db_url: str, clock: Any, make_ctx: Any, settings: Any
) -> None:
    """A live console with no gateway and no link says « non configuré » in the status bar;
    a message the PP does not acknowledge raises the alarm there too, whatever the layout."""
    from datetime import timedelta

    from scop.config import Config
    from scop.demo import demo_drafts
    from scop.journal.store import JournalStore
    from scop.models.entries import Operator
    from scop.protocols import outbox
    from scop.protocols.pp_service import start_pp_services
    from scop.room import open_room
    from scop.ui.main_window import MainWindow

    store = JournalStore.open(db_url, clock)
    room = open_room(store, clock, Operator("Cdt. Morel", "chief"), mode="live", label="Salle")
    room.record_all(demo_drafts())
    ctx = make_ctx(room)
    w = MainWindow(ctx, settings)
    qtbot.addWidget(w)
    w.apply_layout("operateur")
    w.show()
    assert start_pp_services(ctx, w, Config()) == []
    assert "non configuré" in w.link_labels["pp"].text()
    assert "passerelle de la salle" not in w.link_labels["pp"].text().replace("ni passerelle", "")
    outbox.validate_draft(room, "PP-DEMO-0001")  # nothing acknowledges it
    clock.advance(timedelta(minutes=3).total_seconds())
    w.docks["messages"]._tick()
    alarm = w.alarm_labels["pp"]
    assert alarm.isVisible()
    assert alarm.text().startswith("⚠ ALARME LIEN PP")
    store.close()
