"""Replay and exercise windows: the real console window over a real SQLite journal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from scoptest.replay import START

from scop.models.entries import Operator
from scop.replay.exercise import open_exercise
from scop.replay.generate import generate_shift, write_sqlite
from scop.replay.scenario import load_scenario, shipped_scenarios
from scop.ui.replay.launch import install_exercise


@pytest.fixture(scope="module")
def shift_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replay") / "shift.sqlite"
    write_sqlite(
        path,
        generate_shift(START, hours=2, crews=24, events_per_hour=40, fix_period=20, seed=9),
    )
    return path


def crew_rows(window: Any) -> dict[str, Any]:
    model = window.docks["crews"].model
    return {model.item(r).call_sign: model.item(r) for r in range(model.rowCount())}


def test_seek_shows_the_state_at_t_in_every_dock(replay_window: Any, qtbot: Any) -> None:
    w = replay_window
    ctl = w.replay
    assert "RELECTURE" in w.replay_banner.text()
    assert "RELECTURE" in w.windowTitle()
    assert {"timeline", "debrief", "journal", "crews", "events"} <= set(w.docks)
    assert not w.docks["journal"].entry.isEnabled()
    for t in (START + timedelta(minutes=95), START + timedelta(minutes=20)):  # forward, back
        ctl.seek(t)
        expected = ctl.engine.state_at(t)
        assert w.ctx.room.state == expected
        assert w.ctx.room.clock.now() == t
        journal = w.docks["journal"].model
        assert journal.rowCount() == expected.position
        assert journal.entry(journal.rowCount() - 1).position == expected.position
        rows = crew_rows(w)
        assert rows == expected.crews  # statuses, events, positions at T
        moved = [c for c in rows.values() if c.position_ts and c.position_ts > START]
        assert moved
        events = w.docks["events"].model
        shown = {events.item(r).id: events.item(r) for r in range(events.rowCount())}
        assert shown  # the dock's default filter shows the events not closed
        assert all(expected.events[k] == ev for k, ev in shown.items())
        assert {k for k, e in expected.events.items() if e.status != "clos"} == set(shown)
        assert f"entrée n° {expected.position} " in w.docks["timeline"].time_label.text()


def test_click_on_timeline_and_marks_seek(replay_window: Any, qtbot: Any) -> None:
    w = replay_window
    dock = w.docks["timeline"]
    target = START + timedelta(minutes=42, seconds=7)
    dock.seek_epoch(target.timestamp())
    assert w.ctx.room.clock.now() == target
    mark = next(m for m in dock.engine.marks if m.lane == "evenement" and m.ts > target)
    index = dock.marks_box.findData(mark.position)
    dock.marks_box.setCurrentIndex(index)
    dock.marks_box.activated.emit(index)
    assert w.ctx.room.state.position >= mark.position
    assert w.ctx.room.clock.now() == mark.ts
    before = w.ctx.room.state.position
    qtbot.mouseClick(dock.step_button, Qt.MouseButton.LeftButton)
    assert w.ctx.room.state.position > before


def test_play_at_speed_advances_and_docks_follow(replay_window: Any, qtbot: Any) -> None:
    w = replay_window
    ctl = w.replay
    ctl.seek(START + timedelta(minutes=30))
    t0, pos0 = ctl.now, w.ctx.room.state.position
    dock = w.docks["timeline"]
    dock.speed_box.setCurrentIndex(dock.speed_box.findText("×60"))
    qtbot.mouseClick(dock.play_button, Qt.MouseButton.LeftButton)
    assert ctl.playing
    assert "Pause" in dock.play_button.text()
    qtbot.waitUntil(lambda: ctl.now >= t0 + timedelta(minutes=2), timeout=10000)
    qtbot.mouseClick(dock.play_button, Qt.MouseButton.LeftButton)
    assert not ctl.playing
    elapsed = ctl.now - t0
    assert timedelta(minutes=2) <= elapsed < timedelta(minutes=8)
    assert w.ctx.room.state.position > pos0
    assert w.ctx.room.state == ctl.engine.state_at(ctl.now)  # playback == seek
    assert w.docks["journal"].model.rowCount() == w.ctx.room.state.position
    assert crew_rows(w) == w.ctx.room.state.crews


def test_exercise_window_banner_controls_and_dialogs(
    qtbot: Any, make_ctx: Any, settings: Any, tmp_path: Path
) -> None:
    from scop.ui.main_window import MainWindow
    from scop.ui.replay.exercise_dock import AddInjectDialog

    fire = load_scenario(next(p for p in shipped_scenarios() if p.name == "incendie_11e.yaml"))
    runner = open_exercise(
        fire,
        url=f"sqlite:///{tmp_path / 'ex.sqlite'}",
        operator=Operator("Formateur", "trainer"),
        now=START,
    )
    try:
        ctx = make_ctx(runner.room)
        w = MainWindow(ctx, settings)
        qtbot.addWidget(w)
        install_exercise(ctx, w, runner)
        w.show()
        qtbot.waitUntil(w.all_docks_ready, timeout=30000)
        assert "EXERCICE EXERCICE EXERCICE" in w.banner.text()
        assert "EXERCICE" in w.windowTitle()
        dock = w.docks["exercise"]
        qtbot.mouseClick(dock.start_button, Qt.MouseButton.LeftButton)
        assert runner.started
        assert "en cours" in dock.header.text()
        assert dock.injects.item(0, 3).text() == "Injecté"
        assert "EV-EX-0001" in w.ctx.room.state.events
        assert w.docks["events"].model.rowCount() == 1
        dock.speed_box.setCurrentIndex(dock.speed_box.findText("Au plus vite"))
        qtbot.waitUntil(lambda: runner.elapsed >= timedelta(minutes=8), timeout=10000)
        qtbot.mouseClick(dock.pause_button, Qt.MouseButton.LeftButton)
        assert runner.paused
        statuses = dock.outcome_statuses()
        assert statuses["fiche_incendie"] == "manque"
        assert dock.expected.item(0, 3).text() == "Manqué"

        dialog = AddInjectDialog(ctx, w)
        qtbot.addWidget(dialog)
        assert "EXERCICE" in dialog.windowTitle()

        def fill_and_accept() -> None:
            active = QApplication.activeModalWidget()
            assert active is not None
            assert "EXERCICE" in active.windowTitle()
            active.text.setPlainText("EXERCICE — Appel d'un journaliste")
            active.accept()

        QTimer.singleShot(200, fill_and_accept)
        qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
        last = [e for e in runner.room.store.read() if e.kind == "exercise.inject"][-1]
        assert last.payload["scripted"] is False
        assert "journaliste" in last.payload["text"]
        debrief = w.docks["debrief"]
        debrief.export(tmp_path / "retex.html")
        assert "EXERCICE EXERCICE EXERCICE" in (tmp_path / "retex.html").read_text("utf-8")
        w.close()
    finally:
        runner.room.store.close()


def test_live_console_refuses_an_exercise_database(tmp_path: Path, capsys: Any) -> None:
    from scop.cli import main
    from scop.errors import Exit

    fire = load_scenario(next(p for p in shipped_scenarios() if p.name == "incendie_11e.yaml"))
    url = f"sqlite:///{tmp_path / 'ex.sqlite'}"
    runner = open_exercise(fire, url=url, now=START)
    runner.room.store.close()
    assert main(["--db", url, "--operator", "A. Martin"]) == Exit.WRONG_MODE
    assert "base d'exercice" in capsys.readouterr().err


def test_status_bar_names_the_source_and_the_chart_fits_the_shift(
    replay_window: Any, qtbot: Any
) -> None:
    from scop.ui.replay.timeline_dock import activity_bin

    w = replay_window
    assert w.db_label.text() == "Relecture : vacation de test"
    assert "relecture" not in w.db_label.text().lower().split(":", 1)[1]  # no temporary path
    timeline = w.docks["timeline"]
    engine = w.replay.engine
    (x0, x1), _ = timeline.plot.getPlotItem().viewRange()
    span = (engine.end - engine.start).total_seconds()
    assert x1 - x0 <= span * 1.05 + 60  # the axis stops with the data
    heights = timeline.bars.opts["height"]
    assert len(heights) >= 12  # a two-hour shift is not one grey bar
    assert activity_bin(5 * 60) == 10  # a five-minute demo: ten-second bars
    assert activity_bin(24 * 3600) == 1800
    assert w.minimumSizeHint().width() <= 1366  # the replay console fits a 1366 screen


@pytest.mark.parametrize("layout", ["operateur", "chef", "formateur"])
def test_every_layout_fits_a_1366_by_768_screen(
    qtbot: Any, make_ctx: Any, settings: Any, tmp_path: Path, layout: str
) -> None:
    """The exercise console has every dock (the trainer's ones too): at 1366×768 no layout
    may ask for more room than the screen has."""
    from scop.ui.main_window import MainWindow

    fire = load_scenario(next(p for p in shipped_scenarios() if p.name == "incendie_11e.yaml"))
    runner = open_exercise(
        fire,
        url=f"sqlite:///{tmp_path / 'ex.sqlite'}",
        operator=Operator("Formateur", "trainer"),
        now=START,
    )
    try:
        ctx = make_ctx(runner.room)
        w = MainWindow(ctx, settings)
        qtbot.addWidget(w)
        install_exercise(ctx, w, runner)
        w.apply_layout(layout)
        w.resize(1366, 768)
        w.show()
        qtbot.waitUntil(w.isVisible)
        hint = w.minimumSizeHint()
        assert hint.width() <= 1366, f"{layout} : {hint.width()} px de large au minimum"
        assert hint.height() <= 768, f"{layout} : {hint.height()} px de haut au minimum"
        assert w.width() <= 1366
        w.docks["map"].show_choropleth(True)  # the observatoire layer adds a row to the map
        hint = w.minimumSizeHint()
        assert hint.width() <= 1366, f"{layout} + observatoire : {hint.width()} px de large"
        assert hint.height() <= 768, f"{layout} + observatoire : {hint.height()} px de haut"
    finally:
        runner.room.store.close()
