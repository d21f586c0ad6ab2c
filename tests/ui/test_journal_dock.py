"""The main courante dock as an operator uses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt

from scop.clock import ManualClock
from scop.room import Room


def visible_texts(dock: Any) -> list[str]:
    return [dock.proxy.index(r, 5).data() for r in range(dock.proxy.rowCount())]


def test_filters_by_text_kind_source_and_time(
    window: Any, demo_room: Room, clock: ManualClock, qtbot: Any
) -> None:
    dock = window.docks["journal"]
    clock.advance(hours=3)
    demo_room.note("Appel riverain : odeur de gaz rue Oberkampf", source="appel_3975")
    total = dock.proxy.rowCount()

    dock.search.setText("odeur gaz")
    assert visible_texts(dock) == ["Appel riverain : odeur de gaz rue Oberkampf"]
    dock.search.clear()

    dock.kind_box.setCurrentIndex(dock.kind_box.findData("event.created"))
    assert dock.proxy.rowCount() == 8
    dock.kind_box.setCurrentIndex(0)

    dock.source_box.setCurrentIndex(dock.source_box.findData("dansmarue"))
    assert dock.proxy.rowCount() == 2  # the two DansMaRue reports of the demo
    dock.source_box.setCurrentIndex(0)

    dock.range_box.setCurrentIndex(dock.range_box.findData(1))  # last hour
    assert visible_texts(dock) == ["Appel riverain : odeur de gaz rue Oberkampf"]
    start = clock.now() - timedelta(hours=4)
    dock.set_custom_range(start, start + timedelta(hours=2))  # the demo shift, not the call
    assert dock.proxy.rowCount() == total - 1
    dock.range_box.setCurrentIndex(0)
    assert dock.proxy.rowCount() == total


def test_new_entries_keep_the_operator_reading_position(
    window: Any, demo_room: Room, qtbot: Any
) -> None:
    dock = window.docks["journal"]
    bar = dock.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 10)
    bar.setValue(3)
    for i in range(5):
        demo_room.note(f"entrée {i}")
    assert bar.value() == 3
    assert dock.model.rowCount() == demo_room.state.position
    bar.setValue(bar.maximum())
    demo_room.note("dernière")
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())


def test_correction_points_to_the_corrected_entry(window: Any, demo_room: Room, qtbot: Any) -> None:
    dock = window.docks["journal"]
    wrong = demo_room.note("V11-1 sur place à 10h12")
    row = dock.proxy.mapFromSource(dock.model.index(dock.model.rowCount() - 1, 0)).row()
    dock.view.selectRow(row)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert dock.entry_label.text() == f"Correction de n° {wrong.position} :"
    qtbot.keyClicks(dock.entry, "lire 10h21")
    qtbot.keyClick(dock.entry, Qt.Key.Key_Return)
    last = demo_room.store.read(after=wrong.position)
    assert [(e.kind, dict(e.payload)) for e in last] == [
        ("log.correction", {"corrects": wrong.position, "text": "lire 10h21"})
    ]
    # Nothing was edited: the corrected entry is still there, marked.
    assert demo_room.store.read(after=wrong.position - 1, limit=1)[0] == wrong
    text = dock.model.index(wrong.position - 1, 5).data()
    assert text.endswith(f"[corrigée par n° {last[0].position}]")
    assert dock.model.index(wrong.position - 1, 5).data(Qt.ItemDataRole.FontRole).strikeOut()


def test_empty_entry_is_refused_with_a_message(window: Any, demo_room: Room, qtbot: Any) -> None:
    dock = window.docks["journal"]
    before = demo_room.state.position
    with qtbot.waitSignal(window.ctx.notices.posted) as blocker:
        dock.entry.setText("   ")
        dock.submit()
    assert blocker.args[0] == "warning"
    assert demo_room.state.position == before


def test_entries_from_another_workstation_appear(
    window: Any, demo_room: Room, clock: ManualClock, qtbot: Any
) -> None:
    from scop.journal.store import JournalStore
    from scop.models.entries import Operator
    from scop.room import Room as RoomCls

    other = RoomCls(
        JournalStore(demo_room.store.engine, clock),
        clock,
        Operator("Cdt. Morel", "chief"),
        "poste-2",
    )
    other.load()
    other.note("Point de situation demandé par la PP")
    window.ctx.bridge.poll()
    dock = window.docks["journal"]
    assert dock.model.index(dock.model.rowCount() - 1, 5).data() == (
        "Point de situation demandé par la PP"
    )
    assert dock.model.index(dock.model.rowCount() - 1, 2).data() == "Cdt. Morel (chef de salle)"


def test_period_fields_show_paris_time_on_a_utc_machine(
    window: Any, utc_machine: None, qtbot: Any
) -> None:
    """The Du/au fields say the Paris hour, as the journal's rows do, on a PC set to UTC,
    and read back the very instants they were given."""
    from scop.ui.paris_time import from_qt

    dock = window.docks["journal"]
    since = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    dock.set_custom_range(since, since + timedelta(hours=2))
    assert dock.from_edit.text() == "01/07 12:00"
    assert dock.to_edit.text() == "01/07 14:00"
    assert from_qt(dock.from_edit.dateTime()) == since
    assert (dock.proxy.since, dock.proxy.until) == (since, since + timedelta(hours=2))
