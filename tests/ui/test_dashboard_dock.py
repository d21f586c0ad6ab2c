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
    listed = {events.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1)
              for r in range(events.proxy.rowCount())}  # fmt: skip
    assert listed == rows  # only the bar's events, until « Tout afficher »
    assert events.pin_banner.isVisible()
    assert f": {len(rows)} événement" in events.pin_label.text()


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
        for name, page in (
            ("categories", dock.by_category),
            ("sources", dock.by_source),
            ("gravite", dock.gravity),
            ("equipages", dock.crews),
            ("delais", dock.delays_page),
            ("etapes", dock.overdue),
            ("accuses", dock.acks),
            ("barometre", dock.barometre),
        ):
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


def test_period_fields_show_the_window_shown_and_follow_a_seek(
    replay_window: Any, qtbot: Any
) -> None:
    """Disabled (« Cette vacation », « Dernières 24 h »), the Du/au fields say the window
    the charts show, in Paris time as the summary does, and move with the replay's instant."""
    from scop.clock import local

    dock = replay_window.docks["dashboard"]
    dock.show()
    for index, hours in ((0, 12), (1, 24)):
        dock.window_box.setCurrentIndex(index)
        for t in (START + timedelta(minutes=170), START + timedelta(minutes=40)):
            replay_window.replay.seek(t)
            assert not dock.from_edit.isEnabled()
            start = t - timedelta(hours=hours)
            assert dock.from_edit.dateTime().toSecsSinceEpoch() == int(start.timestamp())
            assert dock.to_edit.dateTime().toSecsSinceEpoch() == int(t.timestamp())
            assert dock.from_edit.text() == f"{local(start):%d/%m/%Y %H:%M}"
            assert dock.to_edit.text() == f"{local(t):%d/%m/%Y %H:%M}"
            assert f"au {local(t):%d/%m %H:%M}" in dock.summary.text()
    dock.window_box.setCurrentIndex(2)  # « Période choisie » starts from the window shown
    assert dock.from_edit.isEnabled()
    assert dock.dashboard.start == start
    assert dock.dashboard.end == t


def test_categories_statuses_and_hours_read_in_french(replay_window: Any, qtbot: Any) -> None:
    """Legends, hover, table and CSV name a category by its French label with the code in
    brackets (never the bare code), a crew status by its label; an empty hour reads 0."""
    from scop.clock import local
    from scop.models.nomenclatures import category_label
    from scop.ui.docks.dashboard_dock import empty_note

    dock = replay_window.docks["dashboard"]
    t = START + timedelta(minutes=170)
    replay_window.replay.seek(t)
    dock.show()
    chart = dock.by_category
    dock.tabs.setCurrentWidget(chart)
    qtbot.waitExposed(chart)
    codes = list(dock.dashboard.by_category)
    assert "ASB" in codes
    names = chart.legend.texts()
    assert sorted(names) == sorted(f"{category_label(c)} ({c})" for c in codes)
    assert "Comportement antisocial (ASB)" in names
    assert not set(names) & set(codes)
    tips = [label.toolTip() for label in chart.legend.labels]
    assert any("›" in tip and "(ASB/" in tip for tip in tips)  # the family in the tooltip
    # hover on the ASB segment of the busiest hour names it in French
    d = dock.dashboard
    i = max(range(len(d.hours)), key=lambda k: d.by_category["ASB"][k])
    vb = chart.plot.getPlotItem().vb
    scene = vb.mapViewToScene(QPointF(i, 0.5))
    assert chart.at(scene) == (i, "ASB", d.by_category["ASB"][i])
    assert f"Comportement antisocial (ASB) : {d.by_category['ASB'][i]}" in chart.hover_text(scene)
    chart._moved(scene)
    before = chart.hover.text()
    replay_window.replay.seek(t - timedelta(minutes=60))  # the mouse still: the line follows
    assert chart.hover.text() == chart.hover_text(scene) != before
    replay_window.replay.seek(t)
    # an hour before the journal's first entry: a visible « 0 », and the hover says so
    assert sum(v[0] for v in d.by_category.values()) == 0
    assert chart.zeros[0].isVisible()
    assert not chart.zeros[i].isVisible()
    assert chart.hover_text(vb.mapViewToScene(QPointF(0, 0.5))).endswith(": 0 au total")
    dock.tabs.setCurrentWidget(dock.delays_page)
    shown = {dock.delays.item(r, 0).text() for r in range(dock.delays.rowCount())}
    assert "Comportement antisocial (ASB)" in shown
    assert not shown & set(codes)
    assert dock.chart_csv()[0][0] == "Catégorie"
    assert dock.delays.item(0, 1).textAlignment() & Qt.AlignmentFlag.AlignRight
    for table in (dock.overdue, dock.acks):  # an empty table says so, not a blank page
        dock.tabs.setCurrentWidget(table)
        assert empty_note(table).isVisible() == (table.rowCount() == 0)
    assert not empty_note(dock.delays).isVisible()
    dock.tabs.setCurrentWidget(chart)
    assert "Comportement antisocial (ASB)" in dock.chart_csv()[0]
    assert dock.chart_csv()[1][0] == local(d.hours[0]).isoformat(timespec="minutes")  # as the axis
    dock.tabs.setCurrentWidget(dock.crews)
    assert set(dock.crews.legend.texts()) <= {"Disponible", "Engagé", "Sur les lieux",
                                              "Indisponible", "Hors service"}  # fmt: skip
    assert "Engagé" in dock.crews.legend.texts()
    shots = os.environ.get("SCOP_SHOTS")
    if shots:  # the dock in the chief's layout on a 1366×768 screen
        replay_window.apply_layout("chef")
        replay_window.resize(1366, 768)
        replay_window.show()
        dock.show()
        dock.raise_()
        dock.tabs.setCurrentWidget(chart)
        qtbot.waitExposed(chart)
        replay_window.grab().save(str(Path(shots) / "dash12-dashboard-chef-1366.png"))


def test_delay_histogram_counts_every_sample_and_follows_the_row_chosen(
    replay_window: Any, qtbot: Any
) -> None:
    """The Délais tab's histogram: its bins hold every delay of the window (counted here
    from the journal, not from the aggregates), its median line sits at the table's median,
    and clicking a category's row shows that category's delays only."""
    from scop.ui.docks.dashboard_dock import _mmss

    w = replay_window
    dock = w.docks["dashboard"]
    t = START + timedelta(minutes=170)
    w.replay.seek(t)
    dock.show()
    dock.tabs.setCurrentWidget(dock.delays_page)
    qtbot.waitExposed(dock.histogram)
    d = dock.dashboard
    # created → first crew engaged, recounted from the raw entries of the window
    created: dict[str, tuple[datetime, str]] = {}
    engaged: dict[str, float] = {}
    for e in w.replay.engine.entries:
        if e.ts > t:
            break
        if e.kind == "event.created" and e.ts >= d.start:
            created[e.payload["id"]] = (e.ts, e.payload["category"])
        ev = e.payload.get("event_id") or e.payload.get("to_event_id")
        if e.kind in ("crew.engaged", "crew.rerouted") and ev in created and ev not in engaged:
            engaged[ev] = (e.ts - created[ev][0]).total_seconds()
    assert len(engaged) > 20
    chart = dock.histogram
    assert dock.measure_box.currentData() is False
    assert dock.delays.item(0, 0).text() == "Toutes catégories"
    assert sum(chart.histogram.counts) == len(engaged)
    assert _mmss(chart.line_seconds("médiane")) == dock.delays.item(0, 2).text()
    assert _mmss(chart.line_seconds("p90")) == dock.delays.item(0, 3).text()
    # a category's row, clicked
    row = next(r for r in range(1, dock.delays.rowCount())
               if dock.delays.item(r, 0).text().endswith("(ASB)"))  # fmt: skip
    rect = dock.delays.visualRect(dock.delays.model().index(row, 0))
    qtbot.mouseClick(dock.delays.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dock.delay_category == "ASB"
    asb = [s for ev, s in engaged.items() if created[ev][1] == "ASB"]
    assert 0 < sum(chart.histogram.counts) == len(asb) < len(engaged)
    assert _mmss(chart.line_seconds("médiane")) == dock.delays.item(row, 2).text()
    # hover on the tallest bar reads its count
    i = max(range(len(chart.histogram.counts)), key=lambda k: chart.histogram.counts[k])
    scene = chart.plot.getPlotItem().vb.mapViewToScene(QPointF(i + 0.5, 0.1))
    assert f": {chart.histogram.counts[i]} événement(s) sur {len(asb)}" in chart.hover_text(scene)
    # on scene: the other column of the table; the choice of category stays
    dock.measure_box.setCurrentIndex(1)
    assert _mmss(chart.line_seconds("médiane")) == dock.delays.item(row, 4).text()
    w.replay.seek(t - timedelta(minutes=5))  # the figures move, the row chosen stays
    assert dock.delay_category == "ASB"
    rows = dock.chart_csv()
    assert rows[0][0] == "Catégorie"
    bins = rows[rows.index(["De (min)", "À (min)", "Événements"]) + 1 :]
    assert sum(int(r[2]) for r in bins if r[2]) == sum(chart.histogram.counts)
    shots = os.environ.get("SCOP_SHOTS")
    if shots:
        dock.measure_box.setCurrentIndex(0)
        dock.resize(1100, 620)
        dock.setFloating(True)
        dock.grab().save(str(Path(shots) / "delays12-delais-asb.png"))
        dock.delays.selectRow(0)
        dock.grab().save(str(Path(shots) / "delays12-delais-toutes.png"))
        dock.setFloating(False)
        w.apply_layout("chef")  # the chief's layout on a 1366×768 screen
        w.resize(1366, 768)
        w.show()
        dock.show()
        dock.raise_()
        dock.tabs.setCurrentWidget(dock.delays_page)
        qtbot.waitExposed(dock.histogram)
        w.grab().save(str(Path(shots) / "delays12-delais-chef-1366.png"))


def test_barometre_tab_equals_compute_and_its_csv_sums_to_the_figures_shown(
    replay_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    from scop.reports.barometre import FIGURES, Step, compute
    from scop.ui.paris_time import to_qt

    w = replay_window
    dock = w.docks["dashboard"]
    dock.show()
    t = START + timedelta(minutes=160)
    w.replay.seek(t)
    page = dock.barometre
    dock.tabs.setCurrentWidget(page)
    d = dock.dashboard
    want = compute(w.replay.engine.entries, d.start, d.end, Step.DAY)
    shown = page.shown()
    assert shown == {k: want.total.value(k) for k in shown}
    assert shown["missions"] > 0
    assert shown["appels_3975"] > 0
    assert f"{want.total.evenements} événement(s)" in page.extra.text()
    assert f"{want.total.equipages_en_service} équipage(s)" in page.extra.text()
    # side by side, each from zero: missions include the déroulements, so a stack would lie
    for head, (item, _y0, _h) in page.chart.bars.items():
        assert list(item.opts["y0"]) == [0] * len(want.periods)
        key = next(k for k, h in FIGURES if h == head)
        assert list(item.opts["height"]) == [f.value(key) for _p, f in want.periods]
    out = tmp_path / "baro.csv"
    dock.export_barometre(out)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter=";") if r and not r[0].startswith("#")]
    heads = rows[0]
    periods, total = rows[1:-1], rows[-1]
    assert total[0] == "Total"
    for key, head in FIGURES[:4]:
        col = heads.index(head)
        assert sum(int(r[col]) for r in periods) == int(total[col]) == shown[key]
    for fmt in ("pdf", "html"):
        p = tmp_path / f"baro.{fmt}"
        dock.export_barometre(p)
        assert p.stat().st_size > 0
    blocker = tmp_path / "f"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="Impossible d'écrire"):
        dock.export_barometre(blocker / "x.csv")
    w.replay.seek(START + timedelta(minutes=40))  # follows the instant like the other charts
    d = dock.dashboard
    again = compute(w.replay.engine.entries, d.start, d.end, Step.DAY)
    assert page.shown()["missions"] == again.total.missions < shown["missions"]
    w.replay.seek(t)
    dock.window_box.setCurrentIndex(dock.window_box.findData(0))  # « Période choisie »
    dock.to_edit.setDateTime(to_qt(t - timedelta(minutes=70)))  # ends before what was read
    dock.refresh()
    d = dock.dashboard
    chosen = compute(w.replay.engine.entries, d.start, d.end, Step.DAY)
    assert d.end == t - timedelta(minutes=70)
    assert page.shown()["missions"] == chosen.total.missions < shown["missions"]
    dock.from_edit.setDateTime(to_qt(t - timedelta(days=20)))  # long: cut by week
    dock.refresh()
    d = dock.dashboard
    weekly = compute(w.replay.engine.entries, d.start, d.end, Step.WEEK)
    assert page.barometre.step == Step.WEEK
    assert [p.label for p, _f in page.barometre.periods] == [p.label for p, _f in weekly.periods]
    assert page.chart.ticks == [p.label for p, _f in weekly.periods]
    dock.window_box.setCurrentIndex(0)
    shots = os.environ.get("SCOP_SHOTS")
    if shots:
        w.replay.seek(t)
        dock.grab().save(str(Path(shots) / "barodash12-barometre-dock.png"))
        w.grab().save(str(Path(shots) / "barodash12-barometre-window.png"))


def _delays_from_journal(
    engine: ReplayEngine, start: datetime, t: datetime, on_scene: bool
) -> dict[str, tuple[str, float]]:
    """event id -> (category, seconds from its creation to its first crew engaged or on
    scene), recounted from the raw entries of the window, not from the aggregates."""
    created: dict[str, tuple[datetime, str]] = {}
    crew_event: dict[str, str] = {}
    out: dict[str, tuple[str, float]] = {}
    for e in engine.entries:
        if e.ts > t:
            break
        p = e.payload
        if e.kind == "event.created" and e.ts >= start:
            created[p["id"]] = (e.ts, p["category"])
        elif e.kind in ("crew.engaged", "crew.rerouted"):
            ev = p.get("event_id") or p.get("to_event_id")
            crew_event[p["call_sign"]] = ev
            if not on_scene and ev in created and ev not in out:
                out[ev] = (created[ev][1], (e.ts - created[ev][0]).total_seconds())
        elif e.kind == "crew.released":
            crew_event.pop(p["call_sign"], None)
        elif e.kind == "crew.status_changed" and on_scene and p.get("status") == "sur_les_lieux":
            ev = crew_event.get(p["call_sign"], "")
            if ev in created and ev not in out:
                out[ev] = (created[ev][1], (e.ts - created[ev][0]).total_seconds())
    return out


def test_click_on_a_delay_bin_selects_the_events_whose_delay_falls_in_it(
    replay_window: Any, qtbot: Any
) -> None:
    """As the hourly bars do: a click on a bin of the Délais histogram lists and selects, in
    the events list, exactly the events whose delay lies in that bin's range; the hover says
    the range and the count."""
    from scop.ui.docks.dashboard_dock import _minutes

    w = replay_window
    dock = w.docks["dashboard"]
    t = START + timedelta(minutes=170)
    w.replay.seek(t)
    dock.show()
    dock.raise_()
    dock.tabs.setCurrentWidget(dock.delays_page)
    events = w.docks["events"]
    # Filters that hide most of a bin's events (closed ones, low gravity, a search): the
    # click widens them, visibly, and lists the bin's events alone.
    events.search.setText("texte que rien ne contient")
    events.gravity_box.setCurrentIndex(events.gravity_box.count() - 1)
    assert events.status_box.currentText() == "Ouverts"
    qtbot.waitExposed(dock.histogram)
    chart = dock.histogram
    vb = chart.plot.getPlotItem().vb

    def click_bin(i: int) -> set[str]:
        scene = vb.mapViewToScene(QPointF(i + 0.5, 0.5))
        chart._moved(scene)
        h = chart.histogram
        assert chart.hover.text().startswith(
            f"De {_minutes(i * h.width)} à {_minutes((i + 1) * h.width)} min : "
            f"{h.counts[i]} événement(s) sur {h.total}"
        )
        pos = chart.plot.mapFromScene(scene)
        qtbot.mouseClick(chart.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        return {events.model.item(events.proxy.mapToSource(ix).row()).id
                for ix in events.view.selectionModel().selectedRows()}  # fmt: skip

    for on_scene, category in ((False, None), (True, "ASB")):
        if category is not None:
            row = next(r for r in range(1, dock.delays.rowCount())
                       if dock.delays.item(r, 0).text().endswith(f"({category})"))  # fmt: skip
            dock.delays.selectRow(row)
        dock.measure_box.setCurrentIndex(int(on_scene))
        delays = {ev: s for ev, (c, s) in _delays_from_journal(
            w.replay.engine, dock.dashboard.start, t, on_scene).items()
            if category in (None, c)}  # fmt: skip
        h = chart.histogram
        assert h.total == len(delays) > 5
        last = len(h.counts) - 1
        tried = 0
        for i in sorted(range(len(h.counts)), key=lambda k: -h.counts[k])[:3]:  # fullest
            lo, hi = i * h.width, (i + 1) * h.width
            want = {ev for ev, s in delays.items()
                    if (lo <= s or i == 0) and (s < hi or i == last)}  # fmt: skip
            assert len(want) == h.counts[i] > 0
            assert click_bin(i) == want, (category, on_scene, i)
            listed = {events.model.item(events.proxy.mapToSource(events.proxy.index(r, 0))
                      .row()).id for r in range(events.proxy.rowCount())}  # fmt: skip
            assert listed == want  # the bin's events alone, the last click's
            assert f": {len(want)} événement" in events.pin_label.text()
            assert events.status_box.currentText() == "Tous"
            assert events.gravity_box.currentIndex() == 0
            assert not events.search.text()
            tried += 1
        assert tried >= 2
    events.show_all()  # the filters of before the first click, not the widened ones
    assert events.search.text() == "texte que rien ne contient"
    assert events.gravity_box.currentIndex() == events.gravity_box.count() - 1
    assert events.status_box.currentText() == "Ouverts"
    assert not events.pin_banner.isVisible()
    assert events.proxy.rowCount() == 0  # nothing contains that text


# The histogram's plot (axis included) in the chief's layout: 100 px leave some 75 px to the
# bars over their axis, enough to read a bin against its neighbours and a y scale of three
# ticks; stacked over the table it had 40 px, bars of a few pixels.
CHEF_HISTOGRAM_MIN_PX = 100


def test_delay_histogram_is_readable_in_the_chief_layout_at_1366_by_768(
    replay_window: Any, qtbot: Any
) -> None:
    w = replay_window
    dock = w.docks["dashboard"]
    w.replay.seek(START + timedelta(minutes=170))
    w.apply_layout("chef")
    w.resize(1366, 768)
    dock.show()
    dock.raise_()
    dock.tabs.setCurrentWidget(dock.delays_page)
    qtbot.waitExposed(dock.histogram)
    plot = dock.histogram.plot
    qtbot.wait(200)  # the splitter settles once the dock has its size
    assert plot.height() >= CHEF_HISTOGRAM_MIN_PX, f"histogramme de {plot.height()} px de haut"
    assert w.width() <= 1366
    assert plot.width() >= 2 * CHEF_HISTOGRAM_MIN_PX  # beside the table, not squeezed by it
    assert dock.delays.isVisible()  # the categories' rows are still there to choose from
    shots = os.environ.get("SCOP_SHOTS")
    if shots:
        w.grab().save(str(Path(shots) / "delais-after-chef-1366.png"))
        chart = dock.histogram
        i = max(range(len(chart.histogram.counts)), key=lambda k: chart.histogram.counts[k])
        scene = chart.plot.getPlotItem().vb.mapViewToScene(QPointF(i + 0.5, 0.5))
        chart._moved(scene)
        pos = chart.plot.mapFromScene(scene)
        qtbot.mouseClick(chart.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        w.docks["events"].show()
        w.docks["events"].raise_()
        qtbot.wait(100)
        w.grab().save(str(Path(shots) / "delais-after-chef-1366-click.png"))
