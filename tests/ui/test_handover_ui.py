"""« Relève » in a live room: the outgoing chief reads the summary drafted from the journal,
types the consignes and records them from the keyboard; the incoming chief, on another
workstation, takes the relève under their own name; the PDF prints from the journal."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from scop import operations as ops
from scop.clock import ManualClock
from scop.models.entries import Operator
from scop.operations.roster import import_roster_file
from scop.procedures.loader import load_library
from scop.procedures.runner import ProcedureRunner
from scop.resources import resource_path
from scop.room import Room
from scop.ui.handover import HandoverDialog

SHOTS = os.environ.get("SCOP_SHOTS")
PARIS = ZoneInfo("Europe/Paris")
OUTGOING = Operator("Cdt. Morel", "chief")
INCOMING = Operator("Cne. Roussel", "chief")


@pytest.fixture
def shift(room: Room, clock: ManualClock) -> tuple[Room, Any]:
    """A live room at work: the roster on duty, two events, a crew engaged, a fiche launched."""
    clock.set(datetime(2026, 12, 1, 7, 30, tzinfo=PARIS))
    assert import_roster_file(room, resource_path("exemples", "equipages_exemple.csv")).ok
    fire = ops.create_event(
        room,
        source="appel_3975",
        category="FIR",
        gravity=4,
        address="52 Rue Oberkampf, 75011 Paris",
        lon=2.3748,
        lat=48.8649,
        title="Feu d'appartement, fumées au 3e étage",
    )
    ops.engage(room, "V11-1", fire)
    ops.create_event(
        room,
        source="dansmarue",
        category="ASB",
        gravity=1,
        address="45 Boulevard de Belleville, 75011 Paris",
        title="Dépôt sauvage encombrant",
    )
    library = load_library()
    chief = Room(room.store, clock, OUTGOING, "poste-chef")
    chief.load()
    ProcedureRunner(chief, library).launch("incendie", fire)
    clock.set(datetime(2026, 12, 1, 15, 10, tzinfo=PARIS))
    return chief, library


def test_releve_drafted_then_taken_from_the_keyboard(
    qtbot: Any, shift: tuple[Room, Any], clock: ManualClock, tmp_path: Path
) -> None:
    chief, library = shift
    dialog = HandoverDialog(chief, library)
    qtbot.addWidget(dialog)
    dialog.resize(1100, 820)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.acknowledging
    shown = dialog.summary_view.toPlainText()
    assert "Feu d'appartement, fumées au 3e étage" in shown
    assert "Relève incendie" in shown or "Incendie" in shown
    assert "15:00 — DÉPASSÉE" in shown  # the day crews whose planned end has passed
    assert "DÉMO" not in shown + dialog.windowTitle()
    qtbot.waitUntil(dialog.text.hasFocus, timeout=30000)
    qtbot.keyClicks(dialog.text, "Reprise de feu possible rue Oberkampf : V11-1 reste sur place.")
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / "shift9-releve-dialog.png"))
    head = chief.state.position
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    entries = chief.store.read(after=head)
    assert [(e.kind, e.author) for e in entries] == [("shift.handover_drafted", "Cdt. Morel")]
    assert entries[0].payload["summary"] == dialog.summary  # what was shown is what is kept
    assert entries[0].payload["text"].startswith("Reprise de feu possible")
    pdf = dialog.print_pdf(tmp_path / "releve.pdf")
    assert pdf is not None
    assert pdf.read_bytes().startswith(b"%PDF")
    if SHOTS and shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(Path(SHOTS) / "shift9-releve-pdf-page1"),
            ],
            check=True,
        )
    dialog.close()

    # the outgoing chief opening « Relève » again sees it waiting, and cannot write it twice
    again = HandoverDialog(chief, library)
    qtbot.addWidget(again)
    assert not again.acknowledging
    assert "attend le chef entrant" in again.header.text()
    assert not again.ok.isEnabled()
    assert again.print_button.isEnabled()
    again.close()

    clock.advance(300)
    incoming = Room(chief.store, clock, INCOMING, "poste-chef-2")
    incoming.load()
    taking = HandoverDialog(incoming, library)
    qtbot.addWidget(taking)
    taking.show()
    qtbot.waitExposed(taking)
    assert taking.acknowledging
    assert taking.text.toPlainText().startswith("Reprise de feu possible")
    qtbot.waitUntil(taking.comment.hasFocus, timeout=30000)
    qtbot.keyClicks(taking.comment, "Vu, je prends")
    qtbot.keyClick(taking.comment, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    last = incoming.store.read(after=incoming.state.position - 1)[0]
    assert (last.kind, last.author, last.payload["comment"]) == (
        "shift.handover_acknowledged",
        "Cne. Roussel",
        "Vu, je prends",
    )
    assert "prise par Cne. Roussel" in taking.header.text()
