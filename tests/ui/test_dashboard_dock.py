"""Tableau de bord: follows the replay's instant, a bar's click selects its events, exports."""

from __future__ import annotations

import csv
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from scoptest.replay import START

from scop.errors import OutputError
from scop.replay.engine import ReplayEngine
from scop.replay.generate import generate_shift, write_sqlite


@pytest.fixture(scope="module")
def shift_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dash") / "shift.sqlite"
    write_sqlite(
        path,
        generate_shift(START, hours=3, crews=24, events_per_hour=40, fix_period=60, seed=5),
    )
    return path


def _created_between(engine: ReplayEngine, a: datetime, b: datetime) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in engine.entries:
        if e.kind == "event.created" and a <= e.ts <= b:
            out[e.payload["category"]] = out.get(e.payload["category"], 0) + 1
    return out


def test_dashboard_follows_a_seek(replay_window: Any, qtbot: Any) -> None:
    w = replay_window
    dock = w.docks["dashboard"]
    dock.show()
    ctl = w.replay
    for t in (START + timedelta(minutes=170), START + timedelta(minutes=40)):  # forward, back
        ctl.seek(t)
        d = dock.dashboard
        assert d.end == t
        want = _created_between(ctl.engine, t - timedelta(hours=12), t)
        assert {k: sum(v) for k, v in d.by_category.items() if sum(v)} == want
        open_now = {k for k, e in ctl.engine.state_at(t).events.items() if e.status != "clos"}
        assert {i for ids in d.open_by_gravity.values() for i in ids} == open_now
        assert str(sum(want.values())) in dock.summary.text()


def test_click_on_a_bar_selects_its_events(replay_window: Any, qtbot: Any) -> None:
    w = replay_window
    dock = w.docks["dashboard"]
    w.replay.seek(START + timedelta(minutes=50))
    dock.show()
    dock.raise_()
    chart = dock.gravity
    dock.tabs.setCurrentWidget(chart)
    qtbot.waitExposed(chart)
    d = dock.dashboard
    gravity = max(d.open_by_gravity, key=lambda g: len(d.open_by_gravity[g]))
    i = sorted([1, 2, 3, 4]).index(gravity)
    vb = chart.plot.getPlotItem().vb
    scene = vb.mapViewToScene(QPointF(i, 0.5))
    view_pos = chart.plot.mapFromScene(scene)
    assert chart.at(scene) is not None  # hover finds the bar
    chart._moved(scene)
    assert f": {len(d.open_by_gravity[gravity])}" in chart.hover.text()
    qtbot.mouseClick(chart.plot.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
    events = w.docks["events"]
    selected = {
        events.proxy.mapToSource(ix).data(Qt.ItemDataRole.UserRole + 1)
        for ix in events.view.selectionModel().selectedRows()
    }
    rows = {events.model.item(events.proxy.mapToSource(ix).row()).id
            for ix in events.view.selectionModel().selectedRows()}  # fmt: skip
    assert rows == set(d.open_by_gravity[gravity]), selected
    assert w.ctx.selection.event_id in rows


def test_csv_export_sums_to_totals_and_bad_path_is_french(
    replay_window: Any, tmp_path: Path
) -> None:
    w = replay_window
    dock = w.docks["dashboard"]
    t = START + timedelta(minutes=150)
    w.replay.seek(t)
    out = tmp_path / "cat.csv"
    dock.tabs.setCurrentWidget(dock.by_category)
    dock.export(out, "csv")
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    total = sum(int(v) for row in rows[1:] for v in row[1:])
    assert total == sum(_created_between(w.replay.engine, t - timedelta(hours=12), t).values())
    assert total > 0
    png = tmp_path / "cat.png"
    dock.export(png, "png")
    assert png.read_bytes().startswith(b"\x89PNG")
    blocker = tmp_path / "f"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="Impossible d'écrire"):
        dock.export(blocker / "x.csv", "csv")
    shots = os.environ.get("SCOP_SHOTS")
    if shots:
        dock.resize(1100, 520)
        dock.setFloating(True)
        for name, page in (("categories", dock.by_category), ("delais", dock.delays)):
            dock.tabs.setCurrentWidget(page)
            dock.grab().save(str(Path(shots) / f"dash12-dashboard-{name}.png"))


def test_live_dock_folds_what_arrives_and_equals_a_recomputation(
    make_ctx: Any, demo_room: Any, clock: Any, qtbot: Any
) -> None:
    """Live, each refresh folds into the same aggregates only the entries appended since the
    last one; the figures stay those of a recomputation from the whole journal, also for a
    chosen period that ends earlier (the aggregates rewound, not rebuilt)."""
    from PySide6.QtCore import QDateTime

    from scop import operations as ops
    from scop.reports.dashboard import compute
    from scop.ui.docks.dashboard_dock import DashboardDock

    dock: Any = DashboardDock(make_ctx(demo_room))
    qtbot.addWidget(dock)
    dock.timer.stop()
    dock.refresh()
    created = dock.dashboard.created
    agg = dock.aggregates  # kept from refresh to refresh, growing
    marks = []
    for i in range(6):
        clock.advance(minutes=11)
        ops.create_event(
            demo_room, source="appel_3975", category="ASB", gravity=2, address=f"{i} rue Oberkampf"
        )
        marks.append(clock.now())
        folded = agg.folded
        dock.refresh()
        assert dock.aggregates is agg
        assert agg.folded == folded + 1 == len(dock.entries)
    d = dock.dashboard
    assert d.created == created + 6
    want = compute(demo_room.store.read(), demo_room.state, d.start, d.end)
    assert (d.by_category, d.by_source, d.crews_by_status, d.delays) == (
        want.by_category,
        want.by_source,
        want.crews_by_status,
        want.delays,
    )
    dock.window_box.setCurrentIndex(2)  # « Période choisie », ending before the last three
    dock.from_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(d.start.timestamp())))
    dock.to_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(marks[2].timestamp()) + 1))
    dock.refresh()
    assert dock.aggregates is agg  # rewound, not rebuilt
    d = dock.dashboard
    assert d.created == created + 3
    want = compute(demo_room.store.read(), demo_room.state, d.start, d.end)
    assert (d.by_category, d.crews_by_status, d.delays) == (
        want.by_category,
        want.crews_by_status,
        want.delays,
    )
