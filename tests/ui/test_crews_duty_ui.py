"""The Équipages dock of a live room, from the keyboard alone: prise de service (Inser), a
refused form that keeps its input, the day's roster imported (Ctrl+I), composition (Ctrl+K),
fin de service (Suppr) refused while engaged, and the planned end flagged once passed."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from scop import operations as ops
from scop.clock import ManualClock
from scop.resources import resource_path
from scop.room import Room
from scop.ui.crew_duty import DutyDialog, EndDutyDialog, RosterReportDialog
from scop.ui.docks.crews_dock import END_COL, CrewsDock

SHOTS = os.environ.get("SCOP_SHOTS")
PARIS = ZoneInfo("Europe/Paris")


class Host(QMainWindow):
    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.dock = CrewsDock(ctx, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)

    def closeEvent(self, event: Any) -> None:
        self.dock.teardown()
        super().closeEvent(event)


@pytest.fixture
def host(qtbot: Any, room: Room, clock: ManualClock, make_ctx: Any) -> Host:
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=PARIS))
    h = Host(make_ctx(room))
    qtbot.addWidget(h)
    h.resize(1100, 520)
    h.show()
    h.activateWindow()
    qtbot.waitActive(h)
    return h


def _key(qtbot: Any, host: Host, key: Qt.Key, mod: Any = Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed in the crews list, the console's window active (as after a dialog)."""
    host.activateWindow()
    qtbot.waitActive(host)
    host.dock.view.setFocus()
    qtbot.keyClick(host.dock.view, key, mod)


def _shot(widget: Any, name: str) -> None:
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def test_prise_de_service_from_the_keyboard(qtbot: Any, host: Host, room: Room) -> None:
    dock = host.dock
    _key(qtbot, host, Qt.Key.Key_Insert)
    dialog = dock.last_dialog
    assert isinstance(dialog, DutyDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.call_sign.hasFocus, timeout=30000)
    qtbot.keyClicks(dialog.call_sign, "m08-2")
    qtbot.keyClick(dialog.call_sign, Qt.Key.Key_Tab)
    assert dialog.kind.hasFocus()
    qtbot.keyClicks(dialog.kind, "Brigade m")  # type-ahead in the list of kinds
    assert dialog.kind.currentData() == "motocycliste"
    qtbot.keyClick(dialog.kind, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.division.lineEdit(), "Division Ouest")
    qtbot.keyClick(dialog.division, Qt.Key.Key_Tab)
    assert dialog.agents.hasFocus()
    dialog.agents.selectAll()
    qtbot.keyClicks(dialog.agents, "3")
    qtbot.keyClick(dialog.agents, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.names, "R. Garnier / N. Faure / L. Henry")
    qtbot.keyClick(dialog.names, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.radio, "Canal 4")
    # an end before the start: refused in the dialog, nothing lost, nothing written
    dialog.end.setDateTime(dialog.start.dateTime().addSecs(-3600))
    head = room.state.position
    qtbot.keyClick(dialog.radio, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert "fin de service avant le début" in dialog.error.text()
    assert dialog.names.text() == "R. Garnier / N. Faure / L. Henry"
    assert room.state.position == head
    dialog.end.setDateTime(dialog.start.dateTime().addSecs(8 * 3600))
    qtbot.keyClick(dialog.radio, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    crew = room.state.crews["M08-2"]
    assert (crew.kind, crew.division, crew.agents, crew.radio) == (
        "motocycliste",
        "Division Ouest",
        3,
        "Canal 4",
    )
    assert crew.names == ("R. Garnier", "N. Faure", "L. Henry")
    # the form reads and writes Paris time: it opened on the room's clock, 08:00 in Paris
    assert crew.duty_start == datetime(2026, 12, 1, 8, 0, tzinfo=PARIS)
    assert crew.duty_end == datetime(2026, 12, 1, 16, 0, tzinfo=PARIS)
    e = room.store.read(after=head)[0]
    assert (e.kind, e.author) == ("crew.registered", room.operator.name)
    assert dock.model.row_of("M08-2") is not None


def test_roster_composition_and_fin_de_service(
    qtbot: Any, host: Host, room: Room, clock: ManualClock, tmp_path: Path
) -> None:
    dock = host.dock
    broken = Path(__file__).parent.parent / "data" / "rosters_broken" / "01_type_inconnu.csv"
    dock.import_file(broken)
    report = dock.last_dialog
    assert isinstance(report, RosterReportDialog)
    assert f"{broken}:3: type d'équipage inconnu « sous-marin »" in report.text.toPlainText()
    report.reject()
    assert not room.state.crews  # nothing imported from a broken roster

    dock.import_file(resource_path("exemples", "equipages_exemple.csv"))
    report = dock.last_dialog
    assert isinstance(report, RosterReportDialog)
    qtbot.waitExposed(report)
    _shot(report, "shift9-roster-report")
    qtbot.keyClick(report.text, Qt.Key.Key_Return)
    assert len(room.state.crews) == 12
    assert dock.model.rowCount() == 12

    # Ctrl+K on the selected crew: one agent leaves, journaled as a change of composition
    dock.ctx.selection.select_crew("B03-1")
    _key(qtbot, host, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = dock.last_dialog
    assert isinstance(dialog, DutyDialog)
    qtbot.waitUntil(dialog.agents.hasFocus, timeout=30000)
    dialog.agents.selectAll()
    qtbot.keyClicks(dialog.agents, "1")
    dialog.names.setText("M. Fontaine")
    head = room.state.position
    qtbot.keyClick(dialog.agents, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert [e.kind for e in room.store.read(after=head)] == ["crew.composition_changed"]
    assert room.state.crews["B03-1"].agents == 1

    # Suppr on an engaged crew: refused, and the dialog says why
    ev = ops.create_event(
        room, source="appel_3975", category="FIR", gravity=3, address="1 Rue de Rivoli"
    )
    ops.engage(room, "B03-1", ev)
    _key(qtbot, host, Qt.Key.Key_Delete)
    end = dock.last_dialog
    assert isinstance(end, EndDutyDialog)
    head = room.state.position
    qtbot.keyClick(end.reason, Qt.Key.Key_Return)
    assert end.isVisible()
    assert f"B03-1 est engagé sur {ev}" in end.error.text()
    assert room.state.position == head
    end.reject()

    # past 15:00 the day crews' planned end is flagged
    clock.set(datetime(2026, 12, 1, 15, 5, tzinfo=PARIS))
    dock.model.refresh_all()
    cell = dock.model.index(dock.model.row_of("P01-1"), END_COL)
    assert dock.model.data(cell) == "15:00 ⚠ dépassée"
    assert dock.model.data(dock.model.index(dock.model.row_of("V11-1"), END_COL)) == "19:00"
    dock.ctx.selection.select_crew("P01-1")
    host.resize(1250, 480)
    qtbot.wait(50)
    _shot(host, "shift9-crews-dock")

    ops.release(room, "B03-1")
    dock.ctx.selection.select_crew("B03-1")
    _key(qtbot, host, Qt.Key.Key_Delete)
    end = dock.last_dialog
    assert isinstance(end, EndDutyDialog)
    qtbot.keyClicks(end.reason, "fin de vacation")
    qtbot.keyClick(end.reason, Qt.Key.Key_Return)
    assert not end.isVisible()
    assert "B03-1" not in room.state.crews
    assert dock.model.row_of("B03-1") is None
