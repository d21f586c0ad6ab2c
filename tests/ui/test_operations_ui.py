"""The intake from the keyboard alone, and the event card (engage, déroulement with its
confirmation, information items, lifecycle), over a real SQLite demo room."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox

from scop import operations as ops
from scop.geo import addresses
from scop.models.entries import Operator
from scop.room import Room
from scop.ui.docks.crews_dock import CrewsDock
from scop.ui.docks.event_card import EventCardDock
from scop.ui.docks.events_dock import EventsDock

SHOTS = os.environ.get("SCOP_SHOTS")  # a directory: save screenshots there to look at them


class Host(QMainWindow):
    """The three operations docks in a window of their own, wired as the console wires them."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.docks = {
            d.dock_id: d
            for d in (EventsDock(ctx, self), EventCardDock(ctx, self), CrewsDock(ctx, self))
        }
        for d in self.docks.values():
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d)
        for d in self.docks.values():
            d.wire(self.docks)

    def closeEvent(self, event: Any) -> None:
        for d in self.docks.values():
            d.teardown()
        super().closeEvent(event)


@pytest.fixture(scope="module", autouse=True)
def _addresses_loaded() -> None:
    addresses.get_index()


@pytest.fixture
def host(qtbot: Any, demo_room: Room, make_ctx: Any) -> Host:
    h = Host(make_ctx(demo_room))
    qtbot.addWidget(h)
    h.resize(1200, 900)
    h.show()
    qtbot.waitExposed(h)
    return h


def _shot(qtbot: Any, widget: Any, name: str) -> None:
    if SHOTS:
        qtbot.wait(100)  # let pending layout requests run, or the grab shows the old layout
        widget.grab().save(os.path.join(SHOTS, name))


def _last(room: Room, after: int) -> list[Any]:
    return room.store.read(after=after)


# Offscreen, a closing completer popup may hand activation back to the main window: what
# matters is the dialog's own focus widget, where the operator's next key goes.


def _pick_from_popup(qtbot: Any, completer: Any) -> None:
    popup = completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=30000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)


def test_intake_from_the_keyboard_alone(host: Host, qtbot: Any, demo_room: Room) -> None:
    events = host.docks["events"]
    before = demo_room.state.position
    started = time.monotonic()
    qtbot.keyClick(host, Qt.Key.Key_F2)
    dlg = events.intake
    assert dlg is not None
    assert dlg.isVisible()
    qtbot.waitUntil(lambda: dlg.focusWidget() is dlg.source)
    qtbot.keyClick(dlg.source, Qt.Key.Key_Return)  # Appel 3975, the default
    assert dlg.focusWidget() is dlg.category
    qtbot.keyClicks(dlg.category, "incend")
    _pick_from_popup(qtbot, dlg.category.completer())
    assert dlg.category.text() == "Incendie (FIR)"
    qtbot.keyClick(dlg.category, Qt.Key.Key_Return)  # Enter picks, Enter again moves on
    assert dlg.focusWidget() is dlg.gravity
    qtbot.keyClicks(dlg.gravity, "4")
    qtbot.keyClick(dlg.gravity, Qt.Key.Key_Return)
    assert dlg.focusWidget() is dlg.address
    qtbot.keyClicks(dlg.address, "52 rue oberk")
    _pick_from_popup(qtbot, dlg.address.completer())
    assert dlg.address.text() == "52 Rue Oberkampf, 75011 Paris"
    assert "✔" in dlg.address_state.text()
    qtbot.keyClick(dlg.address, Qt.Key.Key_Return)
    assert dlg.focusWidget() is dlg.caller
    qtbot.keyClicks(dlg.caller, "Mme Durand, voisine, 06 12 34 56 78")
    qtbot.keyClick(dlg.caller, Qt.Key.Key_Return)
    qtbot.keyClick(dlg.title_edit, Qt.Key.Key_Return)
    assert dlg.focusWidget() is dlg.description
    qtbot.keyClicks(dlg.description, "Fumee noire au 3e etage")  # QTest types ASCII only
    _shot(qtbot, dlg, "intake.png")
    qtbot.keyClick(dlg.description, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    elapsed = time.monotonic() - started

    [entry, *_rest] = _last(demo_room, before)
    p = entry.payload
    assert entry.kind == "event.created"
    assert entry.source == "appel_3975"
    assert (p["category"], p["gravity"], p["address"]) == (
        "FIR",
        4,
        "52 Rue Oberkampf, 75011 Paris",
    )
    assert p["lon"] == pytest.approx(2.37282)
    assert p["lat"] == pytest.approx(48.864649)
    assert p["caller"] == "Mme Durand, voisine, 06 12 34 56 78"
    assert p["description"] == "Fumee noire au 3e etage"
    assert not dlg.isVisible()
    assert dlg.created_id == p["id"]
    assert events.ctx.selection.event_id == p["id"]
    assert host.docks["event_card"].event_id == p["id"]
    assert elapsed < 30  # the whole intake, robot-typed, is far under a minute


def test_unresolvable_address_says_so_and_keeps_the_input(
    host: Host, qtbot: Any, demo_room: Room
) -> None:
    dlg = host.docks["events"].open_intake()
    before = demo_room.state.position
    qtbot.keyClicks(dlg.category, "rixe")  # a word of the phone, not of the EMSI list
    dlg.address.setFocus()
    qtbot.keyClicks(dlg.address, "999 rue oberkampf")
    dlg.description.setPlainText("Bagarre signalée")
    qtbot.keyClick(dlg.description, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dlg.isVisible()
    assert dlg.error.isVisible()
    assert "Adresse introuvable" in dlg.error.text()
    assert dlg.nearby.isHidden()
    assert dlg.address.text() == "999 rue oberkampf"
    assert dlg.description.toPlainText() == "Bagarre signalée"
    assert _last(demo_room, before) == []
    assert dlg.category.text() == "Comportement antisocial (ASB)"


def test_intake_from_a_point_on_the_map(host: Host, qtbot: Any, demo_room: Room) -> None:
    dlg = host.docks["events"].open_intake(2.37285, 48.86466)
    assert dlg.address.text() == "52 Rue Oberkampf, 75011 Paris"
    assert "Point de la carte" in dlg.address_state.text()
    # EV-0001 (the demo's fire) is at 52 rue Oberkampf: the operator is warned.
    assert not dlg.nearby.isHidden()
    assert "EV-0001" in dlg.nearby.text()
    qtbot.waitUntil(lambda: dlg.focusWidget() is dlg.category)
    qtbot.keyClicks(dlg.category, "FIR")
    before = demo_room.state.position
    qtbot.keyClick(dlg.category, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    [entry] = _last(demo_room, before)
    assert (entry.payload["lon"], entry.payload["lat"]) == (2.37285, 48.86466)
    assert entry.payload["address"] == "52 Rue Oberkampf, 75011 Paris"


def _new_event(room: Room) -> str:
    return ops.create_event(
        room,
        source="appel_3975",
        category="FIR",
        gravity=4,
        address="52 Rue Oberkampf, 75011 Paris",
        lon=2.37282,
        lat=48.864649,
        caller="Mme Durand",
        description="Fumée",
    )


def test_event_card_engages_the_first_suggestion_with_one_action(
    host: Host, qtbot: Any, demo_room: Room
) -> None:
    ev_id = _new_event(demo_room)
    card = host.docks["event_card"]
    card.ctx.selection.select_event(ev_id)
    assert card.suggestions.rowCount() > 3
    first = card.suggestions.item(0, 0).text()
    assert (
        first
        == ops.rank_crews(demo_room.state, demo_room.state.events[ev_id], demo_room.clock.now())[
            0
        ].call_sign
    )
    assert first in card.first_label.text()
    before = demo_room.state.position
    qtbot.keyClick(host, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert [e.kind for e in _last(demo_room, before)] == ["crew.engaged", "event.status_changed"]
    assert demo_room.state.crews[first].status == "engage"
    assert card.engaged.item(0, 0).text() == first
    assert first not in [
        card.suggestions.item(r, 0).text() for r in range(card.suggestions.rowCount())
    ]
    assert "Pris en compte" in card.header.text()
    history = [card.history.item(i).text() for i in range(card.history.count())]
    assert any("Nouvel événement" in h for h in history)
    assert any(f"{first} engagé sur {ev_id}" in h for h in history)
    _shot(qtbot, card, "event_card.png")


def test_reroute_asks_for_confirmation_and_records_both_events(
    host: Host, qtbot: Any, demo_room: Room
) -> None:
    ev_id = _new_event(demo_room)
    card = host.docks["event_card"]
    card.ctx.selection.select_event(ev_id)
    candidates = [card.reroutes.item(r, 0).text() for r in range(card.reroutes.rowCount())]
    assert "V20-1" in candidates  # engaged on EV-0004, gravity 2
    card.reroutes.selectRow(candidates.index("V20-1"))
    before = demo_room.state.position

    box = card.ask_reroute()
    assert box is not None
    assert box.isVisible()
    assert "V20-1" in box.text()
    assert "EV-0004" in box.text()
    assert ev_id in box.text()
    _shot(qtbot, box, "reroute_confirm.png")
    box.button(QMessageBox.StandardButton.No).click()
    assert _last(demo_room, before) == []  # cancelled: nothing happens
    assert demo_room.state.crews["V20-1"].event_id == "EV-0004"

    card.reroutes.selectRow(candidates.index("V20-1"))
    box = card.ask_reroute()
    box.button(QMessageBox.StandardButton.Yes).click()
    [entry, status] = _last(demo_room, before)
    assert entry.kind == "crew.rerouted"
    assert status.kind == "event.status_changed"
    assert (entry.payload["from_event_id"], entry.payload["to_event_id"]) == ("EV-0004", ev_id)
    assert demo_room.state.crews["V20-1"].event_id == ev_id
    history = [card.history.item(i).text() for i in range(card.history.count())]
    assert any("Déroulement : V20-1 quitte EV-0004" in h for h in history)
    card.ctx.selection.select_event("EV-0004")
    history = [card.history.item(i).text() for i in range(card.history.count())]
    assert any("Déroulement : V20-1 quitte EV-0004" in h for h in history)


def test_information_items_and_lifecycle_from_the_card(
    host: Host, qtbot: Any, demo_room: Room
) -> None:
    ev_id = _new_event(demo_room)
    card = host.docks["event_card"]
    card.ctx.selection.select_event(ev_id)
    card.info_source.setCurrentIndex(card.info_source.findData("reseaux_sociaux"))
    qtbot.keyClicks(card.info_text, "Video d'un depart de feu publiee")
    qtbot.keyClick(card.info_text, Qt.Key.Key_Return)
    assert card.infos.rowCount() == 1
    assert card.infos.item(0, 1).text() == "Veille réseaux sociaux"
    assert card.infos.item(0, 3).text() == "À vérifier"
    card.infos.selectRow(0)
    card.verify_box.setCurrentIndex(card.verify_box.findData("verifie"))
    card.verify_button.click()
    assert demo_room.state.events[ev_id].infos[0].verification == "verifie"
    assert card.infos.item(0, 3).text() == "Vérifié"

    card.take_button.click()
    assert demo_room.state.events[ev_id].status == "pris_en_compte"
    assert not card.take_button.isEnabled()
    card.engage_first()
    crew = demo_room.state.events[ev_id].crews[0]
    card.close_button.click()  # no reason: refused, nothing closed
    assert demo_room.state.events[ev_id].status == "pris_en_compte"
    card.reason.setEditText("Traité sur place")
    card.close_button.click()
    ev = demo_room.state.events[ev_id]
    assert (ev.status, ev.closing_reason) == ("clos", "Traité sur place")
    assert demo_room.state.crews[crew].status == "disponible"
    assert not card.engage_first_button.isEnabled()


def test_events_dock_filters_and_colours(host: Host, demo_room: Room) -> None:
    events = host.docks["events"]
    assert events.model.rowCount() == 8
    events.gravity_box.setCurrentIndex(events.gravity_box.findData(3))
    assert {e.gravity for e in events.visible_events()} == {3, 4}
    assert events.model.rowCount() == 3
    ops.close_event(demo_room, "EV-0002", "Traité sur place")
    assert events.model.rowCount() == 2
    events.status_box.setCurrentIndex(events.status_box.findText("Clos"))
    assert [e.id for e in events.visible_events()] == ["EV-0002"]
    events.status_box.setCurrentIndex(0)
    events.gravity_box.setCurrentIndex(0)
    row = events.model.row_of("EV-0001")
    brush = events.model.data(events.model.index(row, 0), Qt.ItemDataRole.BackgroundRole)
    assert brush.color().name() == "#ffcdd2"  # gravity 4


def test_readonly_room_disables_commands(host: Host, demo_room: Room, monkeypatch: Any) -> None:
    monkeypatch.setattr(demo_room.store, "readonly", True)
    card = host.docks["event_card"]
    card.ctx.selection.select_event("EV-0003")
    assert not card.engage_first_button.isEnabled()
    assert not card.close_button.isEnabled()
    assert host.docks["events"].open_intake() is None


def test_crews_dock_flags_old_positions_and_sets_statuses(
    host: Host, demo_room: Room, clock: Any
) -> None:
    crews = host.docks["crews"]
    row = crews.model.row_of("V11-1")
    age = crews.model.index(row, 8)
    assert "⚠" not in crews.model.data(age)
    clock.advance(minutes=3)  # the room's clock, not the wall clock
    crews.model.refresh_all()
    assert crews.model.data(age).endswith("⚠")
    assert crews.model.data(age, Qt.ItemDataRole.ToolTipRole).startswith("Position de plus")

    labels = [label for label, _ in crews.status_actions("V11-1")]  # sur les lieux on EV-0001
    assert labels == ["Dégager (retour disponible)", "Indisponible", "Hors service"]
    labels = dict(crews.status_actions("V12-1"))
    labels["Sur les lieux"]()
    assert demo_room.state.crews["V12-1"].status == "sur_les_lieux"
    assert demo_room.state.events["EV-0002"].status == "en_cours"
    crews._run(dict(crews.status_actions("V12-1"))["Dégager (retour disponible)"])
    assert demo_room.state.crews["V12-1"].status == "disponible"
    assert crews.model.data(crews.model.index(crews.model.row_of("V12-1"), 5)) == "Disponible"


def test_event_card_links_a_child_event_to_its_parent(host: Host, demo_room: Room) -> None:
    card = host.docks["event_card"]
    child = ops.create_event(
        demo_room,
        source="pp",
        category="ASR",
        gravity=3,
        address="54 Rue Oberkampf",
        lon=2.3729,
        lat=48.8647,
        title="Évacuation de l'immeuble",
    )
    card.ctx.selection.select_event(child)
    assert card.parent_box.currentData() is None
    card.parent_box.setCurrentIndex(card.parent_box.findData("EV-0001"))
    card.link_button.click()
    assert demo_room.state.events[child].parent_id == "EV-0001"
    assert "Rattaché à EV-0001" in card.header.text()
    card.ctx.selection.select_event("EV-0001")
    assert f"Événements liés : {child}" in card.header.text()


def test_event_card_history_follows_a_replaced_state(host: Host, demo_room: Room) -> None:
    """Replay replaces the state and emits reset: the card reads the history again, up to
    the replayed position only."""
    card = host.docks["event_card"]
    card.ctx.selection.select_event("EV-0001")
    full = [card.history.item(i).text() for i in range(card.history.count())]
    assert any("V11-1 engagé sur EV-0001" in h for h in full)
    from scop.models.projection import fold

    entries = demo_room.store.read()
    created = next(e.position for e in entries if e.payload.get("id") == "EV-0001")
    demo_room.projection.state = fold(entries[:created])
    card.ctx.bridge.reset.emit()
    now = [card.history.item(i).text() for i in range(card.history.count())]
    assert len(now) == 1
    assert "Nouvel événement" in now[0]


def test_the_wall_display_hides_who_called(host: Host, demo_room: Room) -> None:
    """An observer (wall display, visiting partners) sees the event, not the caller's name
    and number; an operator sees them."""
    ev_id = ops.create_event(
        demo_room,
        source="appel_3975",
        category="FIR",
        gravity=3,
        lon=2.37,
        lat=48.86,
        title="Fumées",
        caller="Mme Durand 06 12 34 56 78",
    )
    card = host.docks["event_card"]
    card.ctx.selection.select_event(ev_id)
    assert "06 12 34 56 78" in card.header.text()
    demo_room.operator = Operator("Mur d'images", "observer", "mur")
    card.show_event(ev_id)
    assert "Mme Durand" not in card.header.text()
    assert "06 12 34 56 78" not in card.header.text()
    assert "appelant masqué" in card.header.text()
