"""Agent safety on screen: the « agent en danger » banner on a second console, the check
keys, hazards and antécédents on the event card, lookouts leaving the dock at expiry."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from scop import operations as ops
from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models import fold_safety as ks
from scop.models.entries import SYSTEM, Operator
from scop.protocols.crew_feed import CrewFeedClient, encode_signal
from scop.room import Room, open_room
from scop.safety import commands as sc

BASTILLE = (2.3692, 48.8531)
SHOTS = Path(os.environ.get("SCOP_SHOTS_DIR", "")) if os.environ.get("SCOP_SHOTS_DIR") else None


def _north(m: float) -> tuple[float, float]:
    return BASTILLE[0], BASTILLE[1] + m / 111_195.0


def _crews(room: Room) -> None:
    for cs, (lon, lat) in (("P11", BASTILLE), ("P12", _north(400)), ("V20", _north(1500))):
        room.acting_as(SYSTEM).record(
            k.CREW_REGISTERED,
            {"call_sign": cs, "division": "D11", "mode": "vehicule", "lon": lon, "lat": lat},
        )


def _save(widget: Any, name: str, tmp_path: Path) -> Path:
    out = tmp_path / name
    assert widget.grab().save(str(out))
    if SHOTS is not None:
        widget.grab().save(str(SHOTS / name))
    return out


def test_feed_alert_raises_the_banner_and_the_alarm_on_a_second_console(
    qtbot: Any, db_url: str, clock: ManualClock, make_ctx: Any, settings: Any, tmp_path: Path
) -> None:
    from scop.ui.main_window import MainWindow
    from scop.ui.safety.banner import DangerBanner

    feed_store = JournalStore.open(db_url, clock)
    feed_room = open_room(feed_store, clock, Operator("Flux", "system"), label="Salle de test")
    _crews(feed_room)
    chief_store = JournalStore.open(db_url, clock)
    chief_room = open_room(chief_store, clock, Operator("Cdt. Morel", "chief"))
    chief_ctx = make_ctx(chief_room)
    chief = MainWindow(chief_ctx, settings)
    qtbot.addWidget(chief)
    chief.resize(1600, 1000)
    chief.show()
    qtbot.waitUntil(chief.all_docks_ready, timeout=20000)
    banner = chief.danger_banner
    assert banner.isHidden()
    assert not banner.sound_on

    operator_store = JournalStore.open(db_url, clock)
    operator_room = open_room(operator_store, clock, Operator("B. Lefèvre", "operator"))
    operator_ctx = make_ctx(operator_room)
    bare = QMainWindow()
    qtbot.addWidget(bare)
    operator_banner = DangerBanner(operator_ctx, bare)

    # the emergency button, received by the feed on another workstation
    clock.advance(seconds=5)
    CrewFeedClient(feed_room, "ws://127.0.0.1:1/feed").handle(
        encode_signal("P11", "AGENT_EN_DANGER", clock.now(), *_north(10))
    )
    chief_ctx.bridge.poll()
    operator_ctx.bridge.poll()
    qtbot.waitUntil(banner.isVisible, timeout=30000)
    assert banner.sound_on
    assert operator_banner.sound_on
    text = banner.label.text()
    assert "AGENT EN DANGER — P11" in text
    assert "NON PRISE" in text
    assert "P12" in text  # nearest available crews ranked on the banner
    assert banner.width() >= chief.width() - 20  # full width
    assert chief_ctx.selection.call_sign == "P11"  # the crew centred on the map
    (alert,) = sc.open_alerts(chief_room.state)
    ev = chief_room.state.events[alert.event_id]
    assert ev.gravity == 4
    # the chief's console launched the fiche réflexe on the alert's event
    runs = chief.docks["procedures"].runner.runs(alert.event_id)
    assert [r.fiche_id for r in runs] == ["agent_en_danger"]
    page: list[dict[str, Any]] = []

    def centred() -> bool:
        chief.docks["map"].read_page_state(page.append)
        qtbot.wait(100)
        return bool(page) and page[-1].get("zoom") == 17 and page[-1].get("danger_layers", 0) > 0

    qtbot.waitUntil(centred, timeout=30000)
    centre = page[-1]["center"]
    assert abs(centre["lat"] - _north(10)[1]) < 1e-4
    qtbot.wait(300)  # a grab right after an update can return the previous frame
    _save(chief, "safety16-banner.png", tmp_path)

    # the chief cannot silence it by closing the dialog: only taking stops the sound
    clock.advance(seconds=12)
    operator_banner.take()
    chief_ctx.bridge.poll()
    assert not operator_banner.sound_on
    assert not banner.sound_on
    assert "Prise par B. Lefèvre" in banner.label.text()
    assert banner.isVisible()  # taken is not closed
    taken = [e for e in chief_store.iter_entries() if e.kind == ks.DANGER_TAKEN]
    assert [(e.author, e.role) for e in taken] == [("B. Lefèvre", "operator")]
    _save(chief, "safety16-banner-taken.png", tmp_path)

    # only the chief closes it, with an outcome
    assert not operator_banner.close_alert(alert.alert_id, "agents en sécurité")
    assert banner.close_alert(alert.alert_id, "agents en sécurité, renforts sur place")
    operator_ctx.bridge.poll()
    assert banner.isHidden()
    assert operator_banner.isHidden()
    closed = [e for e in chief_store.iter_entries() if e.kind == ks.DANGER_CLOSED]
    assert [(e.author, e.payload["outcome"]) for e in closed] == [
        ("Cdt. Morel", "agents en sécurité, renforts sur place")
    ]

    # a hazard flag is a map layer on every console
    (flag,) = sc.run(
        chief_room, sc.record_hazard, category="chien_dangereux", text="chien non tenu",
        lon=BASTILLE[0], lat=BASTILLE[1],
    )  # fmt: skip
    page.clear()

    def flagged() -> bool:
        chief.docks["map"].read_page_state(page.append)
        qtbot.wait(100)
        return bool(page) and page[-1].get("hazards") == [flag.payload["id"]]

    qtbot.waitUntil(flagged, timeout=30000)
    operator_banner.teardown()
    for s in (feed_store, operator_store):
        s.close()


def test_the_alarm_sound_is_shipped_and_distinct() -> None:
    import wave

    from scop.resources import resource_path

    path = resource_path("sounds", "agent_en_danger.wav")
    with wave.open(str(path)) as w:
        assert w.getnframes() / w.getframerate() > 1.0
    assert "agent_en_danger.wav" in (path.parent / "LICENCE.md").read_text(encoding="utf-8")


@pytest.fixture
def watched(room: Room, clock: ManualClock) -> Room:
    _crews(room)
    ev = ops.create_event(
        room, source="appel_3975", category="FIR", gravity=2, lon=BASTILLE[0], lat=BASTILLE[1]
    )
    ops.engage(room, "P11", ev)
    ops.crew_on_scene(room, "P11")
    return room


def test_check_keys_record_outcomes_and_escalate(
    qtbot: Any, watched: Room, clock: ManualClock, make_ctx: Any, tmp_path: Path
) -> None:
    from scop.ui.docks.safety_dock import SafetyDock

    ctx = make_ctx(watched)
    dock = SafetyDock(ctx)
    qtbot.addWidget(dock)
    dock.resize(900, 400)
    dock.show()
    dock.tick()
    assert dock.model.rowCount() == 0
    clock.advance(minutes=21)
    dock.tick()
    assert dock.model.rowCount() == 1
    assert "Point de situation" in str(dock.model.index(0, 5).data())
    _save(dock, "safety16-checks.png", tmp_path)

    dock.activateWindow()
    qtbot.waitUntil(dock.isActiveWindow, timeout=30000)
    dock.view.setFocus()
    qtbot.keyClick(dock.view, Qt.Key.Key_F7)  # sans réponse
    clock.advance(minutes=2)
    dock.tick()
    qtbot.keyClick(dock.view, Qt.Key.Key_F7)
    kinds = [e.kind for e in watched.store.iter_entries()]
    assert kinds.count(ks.CHECK_OUTCOME) == 2
    assert kinds[-1] == ks.ESCALATED
    assert "escalade" in dock.escalations.text()
    assert dock.model.index(0, 4).data() == "2"  # two « sans réponse » in a row
    dock.tabs.setCurrentIndex(2)
    _save(dock, "safety16-settings.png", tmp_path)
    dock.teardown()


def test_event_card_shows_hazards_and_antecedents_and_engagement_warns(
    qtbot: Any, watched: Room, clock: ManualClock, make_ctx: Any, tmp_path: Path
) -> None:
    from scop.ui.docks.event_card import EventCardDock

    chief = Operator("Cdt. Morel", "chief")
    sc.run_as(
        watched, chief, sc.record_hazard, category="chien_dangereux",
        text="chien non tenu dans la cour", lon=BASTILLE[0], lat=BASTILLE[1],
    )  # fmt: skip
    old = next(iter(watched.state.events))
    ops.close_event(watched, old, "rixe terminée")
    clock.advance(days=3)
    lon, lat = _north(45)
    ev = ops.create_event(watched, source="appel_3975", category="ASB", gravity=2, lon=lon, lat=lat)
    ctx = make_ctx(watched)
    card = EventCardDock(ctx)
    qtbot.addWidget(card)
    card.resize(900, 700)
    card.show()
    ctx.selection.select_event(ev)
    text = card.places.text()
    assert "DANGER SIGNALÉ" in text
    assert "Chien dangereux" in text
    assert old in text
    assert "rixe terminée" in text
    assert "P11" in text
    _save(card, "safety16-event-card.png", tmp_path)
    warnings: list[str] = []
    ctx.notices.posted.connect(lambda level, t: warnings.append(t))
    assert card.engage_first() == "P11"  # released when its event closed, and the nearest
    assert any("DANGER SIGNALÉ" in w and "P11 engagé" in w for w in warnings)
    # one click on a past event selects it
    card.places.linkActivated.emit(f"event:{old}")
    assert ctx.selection.event_id == old
    card.teardown()


def test_lookouts_leave_the_dock_when_they_expire(
    qtbot: Any, room: Room, clock: ManualClock, make_ctx: Any
) -> None:
    from scop.ui.docks.lookouts_dock import LookoutsDock

    ctx = make_ctx(room)
    dock = LookoutsDock(ctx)
    qtbot.addWidget(dock)
    sc.run(
        room, sc.issue_lookout, kind="vehicule_municipal_vole", priority=1,
        description="Kangoo blanche DPMP, AB-123-CD",
    )  # fmt: skip
    ctx.bridge.poll()
    assert dock.model.rowCount() == 1
    clock.advance(timedelta(days=7, seconds=1).total_seconds())
    dock.refresh()
    assert dock.model.rowCount() == 0
    dock.teardown()


def test_intake_shows_hazards_and_antecedents_at_the_point(
    qtbot: Any, watched: Room, clock: ManualClock, make_ctx: Any, tmp_path: Path
) -> None:
    from scop.ui.intake import IntakeDialog

    sc.run_as(
        watched, Operator("Cdt. Morel", "chief"), sc.record_hazard, category="squat",
        text="accès par la cour", lon=BASTILLE[0], lat=BASTILLE[1],
    )  # fmt: skip
    old = next(iter(watched.state.events))
    ctx = make_ctx(watched)
    dialog = IntakeDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.places.isHidden()
    dialog.set_point(*_north(30))
    assert dialog.places.isVisible()
    text = dialog.places.text()
    assert "Squat : accès par la cour" in text
    assert old in text
    _save(dialog, "safety16-intake.png", tmp_path)
    clock.advance(days=200)  # the flag expired, the event left the 90-day window
    dialog.set_point(*_north(31))
    assert "Squat" not in dialog.places.text()
    assert old not in dialog.places.text()


def test_flag_and_lookout_dialogs_show_why_they_are_refused(
    qtbot: Any, room: Room, make_ctx: Any
) -> None:
    """Their error line starts hidden (one error_label for every dialog) and must appear."""
    from scop.ui.docks.lookouts_dock import LookoutDialog
    from scop.ui.docks.safety_dock import HazardDialog

    ctx = make_ctx(room)
    hazard = HazardDialog(ctx)
    lookout = LookoutDialog(ctx)
    for dialog in (hazard, lookout):
        qtbot.addWidget(dialog)
        dialog.show()
        assert not dialog.error.isVisible()
    hazard.submit()  # no description
    lookout.photo.setText("/nulle/part.jpg")
    lookout.submit()
    for dialog in (hazard, lookout):
        assert dialog.isVisible()
        assert dialog.error.isVisible()
        assert dialog.error.text()
