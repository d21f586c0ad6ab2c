"""The messages dock over a real room, a real link and the PP simulator on loopback, under the
console's qasync loop: a chief validates the UMIP request drafted during the fire, it goes to
the simulator, the PP accepts it, and the states move on screen."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from scoptest.tasks import pp_link_to_simulator

from scop.clock import SystemClock
from scop.demo import DEMO_CHIEF, DEMO_OPERATOR, demo_drafts
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.protocols.edxl import EventInfo
from scop.room import Room, open_room
from scop.ui.docks.messages_dock import MessagesDock


def _room(tmp_path: Path, operator: Operator) -> Iterator[Room]:
    clock = SystemClock()
    store = JournalStore.open(f"sqlite:///{tmp_path / 'room.sqlite'}", clock)
    room = open_room(store, clock, operator, mode="demo", label="Salle de démonstration")
    room.record_all(demo_drafts())
    yield room
    store.close()


@pytest.fixture
def chief_room(tmp_path: Path) -> Iterator[Room]:
    yield from _room(tmp_path, DEMO_CHIEF)


@pytest.fixture
def operator_room(tmp_path: Path) -> Iterator[Room]:
    yield from _room(tmp_path, DEMO_OPERATOR)


@pytest.fixture
def qloop(qtbot: Any) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(QApplication.instance())
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


async def _until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > end:
            raise AssertionError(f"délai dépassé : {what}")
        await asyncio.sleep(0.05)


def test_chief_validates_umip_request_and_pp_accepts(
    qtbot: Any, chief_room: Room, make_ctx: Any, qloop: Any
) -> None:
    room = chief_room
    ctx = make_ctx(room)
    dock = MessagesDock(ctx)
    qtbot.addWidget(dock)
    dock.resize(900, 600)
    dock.show()

    async def scenario() -> None:
        async with pp_link_to_simulator(room, ctx, answer_delay=0.3) as (sim, link):
            await _until(lambda: link.connected, 5, "connexion au simulateur")

            # the UMIP request drafted by the fiche réflexe waits for the chief
            item = dock._items["PP-DEMO-0002"]
            assert "Brouillon" in item.text(3)
            dock.select_message("PP-DEMO-0002")
            assert dock.validate_btn.isEnabled()
            qtbot.mouseClick(dock.validate_btn, Qt.MouseButton.LeftButton)

            def accepted() -> bool:
                m = room.state.messages["PP-DEMO-0002"]
                return m.state == "integre" and m.answer == "ACCEPTE"

            await _until(accepted, 10, "demande acceptée par la PP")
            did = room.state.messages["PP-DEMO-0002"].distribution_id
            assert sim.endpoint.inbox[did].template == "demande_umip"
            row = dock._items["PP-DEMO-0002"]
            assert "Intégré" in row.text(3)
            assert "ACCEPTÉE" in row.text(3)
            # the PP's answer is on screen, unmistakable, and unread until someone opens it
            answer = next(m for m in room.state.messages.values() if m.direction == "in")
            assert dock.incoming_banner.isVisible()
            assert "PRÉFECTURE DE POLICE" in dock.incoming_banner.text()
            assert dock._items[answer.key].text(3) == "NOUVEAU — à lire"
            assert dock._items[answer.key].background(0).color().name() == "#0d47a1"
            dock.select_message(answer.key)
            await _until(
                lambda: "CONSULTE" in sim.endpoint.acks.get(answer.key, []),
                5,
                "CONSULTE envoyé à la PP",
            )
            assert not dock.incoming_banner.isVisible()
            assert "Connecté" in dock.link_label.text() or "connecté" in dock.link_label.text()
            dock.select_message("PP-DEMO-0002")
            await asyncio.sleep(0.2)
            shot = dock.grab()
            assert not shot.isNull()
            out = os.environ.get("SCOP_PP_SHOT")
            if out:
                shot.save(out)

    qloop.run_until_complete(scenario())
    dock.teardown()


def test_operator_drafts_but_only_a_chief_validates(
    qtbot: Any, operator_room: Room, make_ctx: Any
) -> None:
    ctx = make_ctx(operator_room)
    dock = MessagesDock(ctx)
    qtbot.addWidget(dock)
    dock.event_combo.setCurrentIndex(dock.event_combo.findData("EV-0001"))
    dock.template_combo.setCurrentIndex(dock.template_combo.findData("demande_vpu"))
    dock.quantity.setValue(2)
    assert "VPU" in dock.text.text()  # pre-filled from the event
    key = dock.compose()
    assert key is not None
    m = operator_room.state.messages[key]
    assert m.template == "demande_vpu"
    assert m.fields["quantite"] == 2
    dock.select_message(key)
    assert not dock.validate_btn.isEnabled()
    assert dock.validate_btn.toolTip() == "Réservé au chef de salle"
    assert dock.discard_btn.isEnabled()
    dock.teardown()


def test_unacknowledged_message_raises_the_alarm(
    qtbot: Any, chief_room: Room, make_ctx: Any
) -> None:
    from scop.protocols import outbox

    ctx = make_ctx(chief_room)
    dock = MessagesDock(ctx)
    qtbot.addWidget(dock)
    dock.show()
    outbox.validate_draft(chief_room, "PP-DEMO-0001")  # no link: nothing acknowledges it
    assert dock.alarm_banner.isHidden()
    real_now = chief_room.clock.now

    class Later:
        def now(self) -> Any:
            from datetime import timedelta

            return real_now() + timedelta(minutes=3)

    chief_room.clock = Later()  # type: ignore[assignment]
    dock._tick()
    assert dock.alarm_banner.isVisible()
    assert "sans accusé" in dock.alarm_banner.text()
    assert dock._items["PP-DEMO-0001"].background(0).color().name() == "#d50000"
    dock.teardown()


def test_sim_alert_shows_as_a_pp_thread(
    qtbot: Any, chief_room: Room, make_ctx: Any, qloop: Any
) -> None:
    ctx = make_ctx(chief_room)
    dock = MessagesDock(ctx)
    qtbot.addWidget(dock)

    async def scenario() -> None:
        async with pp_link_to_simulator(chief_room) as (sim, _link):
            sim.send_pp("alerte", EventInfo("PP-2611-0042", "EXP/GAS", "Fuite de gaz"))
            await _until(
                lambda: any(
                    m.event_id == "PP-2611-0042" for m in chief_room.state.messages.values()
                ),
                5,
                "alerte PP",
            )
            heads = [
                dock.tree.topLevelItem(i).text(2) for i in range(dock.tree.topLevelItemCount())
            ]
            assert "PP-2611-0042 — Fuite de gaz" in heads

    qloop.run_until_complete(scenario())
    dock.teardown()


def test_drafting_a_message_preselects_the_selected_event(
    qtbot: Any, operator_room: Room, make_ctx: Any
) -> None:
    """The operator picked an event on the map, then opens the messages dock to write about
    it: the draft is about that event, not the first one of the list."""
    ctx = make_ctx(operator_room)
    open_ids = sorted(
        (e for e in operator_room.state.events.values() if e.status != "clos"),
        key=lambda e: (-e.gravity, e.id),
    )
    chosen = open_ids[-1].id  # the last of the list: never the default
    ctx.selection.select_event(chosen)
    dock = MessagesDock(ctx)
    qtbot.addWidget(dock)
    assert dock.event_combo.currentData() == chosen
    key = dock.compose()
    assert key is not None
    assert operator_room.state.messages[key].event_id == chosen
    dock.teardown()
