"""Les cartes de l'observatoire as a layer of the live map: the page is sent the counts of both
levels, shows arrondissements or quartiers by its zoom, follows new entries and replay seeks,
and exports a PNG with its title. The reference counts are shapely point-in-polygon counts
made here on the shipped polygons (scoptest.geo_shapes), not by scop.reports.choropleth."""

from __future__ import annotations

import logging
import os
import random
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage
from scoptest.geo_shapes import point_counts
from scoptest.map_page import js_value, page_state, wait_page
from scoptest.replay import START

from scop.clock import PARIS, local
from scop.errors import OutputError
from scop.models import fold_core as k
from scop.models.entries import SYSTEM, Draft, Operator
from scop.models.fold_duty import HANDOVER_ACKNOWLEDGED, HANDOVER_DRAFTED
from scop.replay.generate import GenEntry, generate_shift, write_sqlite
from scop.replay.handover import acknowledge_handover, draft_handover
from scop.reports.choropleth import QUARTIER_ZOOM

CATS = ("ASB", "ASB", "ASB/ABV", "FIR", "TRP/COL", "HLT")


def _record_events(room: Any, clock: Any, n: int, seed: int = 7) -> None:
    """``n`` events over Paris (a few outside it, one with no position), a minute apart."""
    rnd = random.Random(seed)
    rec = room.acting_as(SYSTEM)
    for i in range(n):
        clock.advance(60)
        payload: dict[str, Any] = {
            "id": f"EV-C{i:03d}",
            "category": CATS[i % len(CATS)],
            "title": "Événement de test",
            "gravity": 2,
        }
        if i != 5:
            lon = rnd.uniform(2.25, 2.42) if i % 17 else 2.6  # 2.6: outside Paris
            payload |= {"lon": lon, "lat": rnd.uniform(48.82, 48.90)}
        rec.record(k.EVENT_CREATED, payload)
    clock.advance(60)


def _reference(room: Any, start: datetime, end: datetime, category: str, level: str) -> dict:
    """Counts made here: every event.created of the period and category, by shapely."""
    points = []
    for e in room.store.read(0):
        cat = str(e.payload.get("category", ""))
        if e.kind != "event.created" or not start <= e.ts < end:
            continue
        if category and cat != category and not cat.startswith(category + "/"):
            continue
        if "lon" in e.payload:
            points.append((e.payload["lon"], e.payload["lat"]))
    got, _outside = point_counts(points, level)
    return {str(key): n for key, n in got.items() if n}


def _shown(counts: dict[str, int]) -> dict[str, int]:
    return {key: n for key, n in counts.items() if n}


@pytest.fixture
def choro_map(qtbot: Any, demo_room: Any, clock: Any, make_ctx: Any, make_map: Any) -> Any:
    _record_events(demo_room, clock, 70)
    dock = make_map(make_ctx(demo_room))
    with qtbot.wait_signal(dock.choropleth_sent, timeout=20000):
        dock.show_choropleth(True)
    return dock


def test_page_receives_the_point_in_polygon_counts(
    qtbot: Any, choro_map: Any, demo_room: Any, clock: Any
) -> None:
    dock = choro_map
    start, end = clock.now() - timedelta(hours=12), clock.now()
    st = page_state(qtbot, dock)["choro"]
    assert st["on"] is True
    assert st["level"] == "arrondissement"
    want_arr = _reference(demo_room, start, end, "", "arrondissement")
    assert sum(want_arr.values()) > 40
    assert _shown(st["counts"]["arrondissement"]) == want_arr
    assert _shown(st["counts"]["quartier"]) == _reference(demo_room, start, end, "", "quartier")
    # what the page wrote on the areas, not only what it keeps
    assert _shown({str(key): n for key, n in st["labels"].items()}) == want_arr
    assert "Événements par arrondissement" in st["legend"]
    assert "Ville de Paris" in st["legend"]  # sources
    # one category (« ASB » takes ASB/ABV too): the page follows the combo box
    with qtbot.wait_signal(dock.choropleth_sent, timeout=20000):
        dock.choro_category.setCurrentIndex(dock.choro_category.findData("ASB"))
    st = page_state(qtbot, dock)["choro"]
    want_asb = _reference(demo_room, start, end, "ASB", "arrondissement")
    assert 0 < sum(want_asb.values()) < sum(want_arr.values())
    assert _shown(st["counts"]["arrondissement"]) == want_asb
    assert "Comportement antisocial (ASB)" in st["legend"]


def test_zoom_switches_between_arrondissements_and_quartiers(
    qtbot: Any, choro_map: Any, demo_room: Any, clock: Any
) -> None:
    dock = choro_map
    start, end = clock.now() - timedelta(hours=12), clock.now()
    st = wait_page(qtbot, dock, lambda s: s["choro"]["level"] == "arrondissement")
    assert st["zoom"] < QUARTIER_ZOOM
    assert st["choro"]["shown"] == {"arrondissement": True, "quartier": False}
    with qtbot.wait_signal(dock.choropleth_level_shown, timeout=20000):
        js_value(qtbot, dock, f"ScopMap.view(48.862, 2.345, {QUARTIER_ZOOM + 1})")
    st = page_state(qtbot, dock)
    assert st["choro"]["shown"] == {"arrondissement": False, "quartier": True}
    assert st["choro"]["level"] == "quartier"
    shown = _shown({str(key): n for key, n in st["choro"]["labels"].items()})
    assert shown == _reference(demo_room, start, end, "", "quartier")
    assert "Événements par quartier" in st["choro"]["legend"]
    assert dock.choro_level == "quartier"
    shots = os.environ.get("SCOP_SHOTS")
    if shots:
        _save_shot(qtbot, dock, Path(shots) / "choro12-map-quartiers.png")
    js_value(qtbot, dock, "ScopMap.resetView()")
    st = wait_page(qtbot, dock, lambda s: s["choro"]["level"] == "arrondissement")
    assert st["choro"]["shown"] == {"arrondissement": True, "quartier": False}
    if shots:
        _save_shot(qtbot, dock, Path(shots) / "choro12-map-arrondissements.png")
    # off, from the page's own layer control: the dock hears of it and hides its row
    _click_overlay(qtbot, dock, "observatoire")
    qtbot.waitUntil(lambda: not dock.choropleth_on(), timeout=10000)
    assert dock.choro_bar.isHidden()
    st = page_state(qtbot, dock)["choro"]
    assert st["shown"] == {"arrondissement": False, "quartier": False}
    assert st["legend"] == ""


def test_the_shift_begins_at_the_relieve_taken(
    qtbot: Any, choro_map: Any, demo_room: Any, clock: Any
) -> None:
    """« Cette vacation » as the dashboard has it: the last 12 h while no relève was taken in
    the day; once the incoming chief takes one, only the events since, and the legend says so
    with its start in Paris time."""
    from PySide6.QtCore import Qt

    dock = choro_map
    assert dock.choro_period.currentText() == "Cette vacation"
    now = clock.now()
    st = page_state(qtbot, dock)["choro"]
    assert _shown(st["counts"]["arrondissement"]) == _reference(
        demo_room, now - timedelta(hours=12), now, "", "arrondissement"
    )
    assert (
        "Cette vacation (aucune relève depuis 24 h : les 12 dernières heures) : du "
        + (f"{local(now - timedelta(hours=12)):%d/%m/%Y %H:%M}")
        in st["legend"]
    )
    hid = draft_handover(demo_room.acting_as(Operator("Cdt. Morel", "chief")), "RAS", {})
    clock.advance(600)
    taken = clock.now()
    acknowledge_handover(demo_room.acting_as(Operator("Cne Lenoir", "chief")), hid)
    clock.advance(60)
    rec = demo_room.acting_as(SYSTEM)
    for i in range(3):  # in the 11e (Voltaire), after the relève
        rec.record(
            k.EVENT_CREATED,
            {"id": f"EV-R{i}", "category": "ASB", "title": "Rixe", "lon": 2.3795, "lat": 48.8590},
        )
    clock.advance(60)
    st = wait_page(qtbot, dock, lambda s: "Cne Lenoir" in s["choro"]["legend"])["choro"]
    assert _shown(st["counts"]["arrondissement"]) == {"11": 3}
    assert _shown(st["counts"]["quartier"]) == _reference(
        demo_room, taken, clock.now(), "", "quartier"
    )
    assert (
        "Cette vacation, depuis la relève prise en compte par Cne Lenoir : du "
        f"{local(taken):%d/%m/%Y %H:%M} au {local(clock.now()):%d/%m/%Y %H:%M}"
    ) in st["legend"]
    assert local(taken).utcoffset() != timedelta(0)  # Paris, not UTC: the check can fail
    assert dock.choropleth_period()[0] == taken
    tip = dock.choro_period.itemData(0, Qt.ItemDataRole.ToolTipRole)
    assert f"commence le {local(taken):%d/%m/%Y à %H:%M}" in tip
    shots = os.environ.get("SCOP_SHOTS")
    if shots:
        _save_shot(qtbot, dock, Path(shots) / "observatoire-shift.png")


def _click_overlay(qtbot: Any, dock: Any, text: str) -> None:
    js_value(
        qtbot,
        dock,
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        f".filter(function(l){{return l.textContent.indexOf({text!r}) >= 0;}})[0]"
        ".querySelector('input').click()",
    )


def test_hovering_an_area_names_it_with_its_count(
    qtbot: Any, choro_map: Any, demo_room: Any, clock: Any
) -> None:
    dock = choro_map
    for overlay in ("Équipages", "Événements"):  # nothing else under the pointer
        _click_overlay(qtbot, dock, overlay)
    counts = page_state(qtbot, dock)["choro"]["counts"]["arrondissement"]
    # the 12e's count is written in the Bois de Vincennes, far from any other area
    x, y = js_value(
        qtbot,
        dock,
        "(function(){var p=ScopMap._map().latLngToContainerPoint([48.8330, 2.4330]);"
        "var r=ScopMap._map().getContainer().getBoundingClientRect();"
        "return [r.left + p.x, r.top + p.y];})()",
    )
    move = (
        "ScopMap._map().getContainer().dispatchEvent(new MouseEvent('mousemove',"
        f"{{bubbles: true, clientX: {x}, clientY: {y}}}))"
    )

    def tip() -> str:
        js_value(qtbot, dock, move)
        return js_value(
            qtbot, dock, "(document.querySelector('.scop-hover') || {innerText: ''}).innerText"
        )

    qtbot.waitUntil(lambda: "12e" in tip(), timeout=10000)
    n = counts["12"]
    assert tip() == f"12e — Reuilly : {n} événement" + ("s" if n > 1 else "")


def _save_shot(qtbot: Any, dock: Any, path: Path) -> None:
    qtbot.wait(600)  # a grab right after an update can show the previous frame
    dock.grab().save(str(path))


def test_new_events_reach_the_layer(qtbot: Any, choro_map: Any, demo_room: Any, clock: Any) -> None:
    dock = choro_map
    before = page_state(qtbot, dock)["choro"]["counts"]["arrondissement"]
    rec = demo_room.acting_as(SYSTEM)
    for i in range(3):  # in the 11e (Voltaire)
        rec.record(
            k.EVENT_CREATED,
            {"id": f"EV-N{i}", "category": "ASB", "title": "Rixe", "lon": 2.3795, "lat": 48.8590},
        )
    clock.advance(5)
    st = wait_page(
        qtbot, dock, lambda s: s["choro"]["counts"]["arrondissement"]["11"] == before["11"] + 3
    )
    after = st["choro"]["counts"]["arrondissement"]
    assert {key: n for key, n in after.items() if key != "11"} == {
        key: n for key, n in before.items() if key != "11"
    }


def test_chosen_period_counts_only_its_events(
    qtbot: Any, choro_map: Any, demo_room: Any, clock: Any
) -> None:
    """A period that ended: its counts, and the events that come after it change nothing."""
    dock = choro_map
    end = clock.now() - timedelta(minutes=30)
    start = end - timedelta(minutes=25)
    want = _reference(demo_room, start, end, "", "arrondissement")
    assert 0 < sum(want.values()) < 30
    dock.set_choropleth_period(start, end)
    assert dock.choro_period.currentData() == 0
    wait_page(qtbot, dock, lambda s: _shown(s["choro"]["counts"]["arrondissement"]) == want)
    sent = dock.batches_sent
    demo_room.acting_as(SYSTEM).record(
        k.EVENT_CREATED,
        {"id": "EV-LATE", "category": "ASB", "title": "Rixe", "lon": 2.3795, "lat": 48.8590},
    )
    clock.advance(5)
    qtbot.waitUntil(lambda: dock.batches_sent > sent)  # the map took the new event
    dock.refresh_choropleth()
    st = page_state(qtbot, dock)["choro"]
    assert _shown(st["counts"]["arrondissement"]) == want
    with pytest.raises(ValueError, match="Période inversée"):
        dock.set_choropleth_period(end, start)


def test_period_dialog_shows_paris_time_on_a_utc_machine(
    qtbot: Any, choro_map: Any, clock: Any, utc_machine: None
) -> None:
    """« Du »/« Au » say the Paris hour of the period, on a PC set to UTC, and give it back
    unchanged when accepted."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDateTimeEdit, QDialog

    from scop.clock import local

    dock = choro_map
    end = clock.now() - timedelta(minutes=30)
    start = end - timedelta(hours=2)
    dock.set_choropleth_period(start, end)
    shown: list[str] = []

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, QDialog):
            QTimer.singleShot(20, answer)
            return
        shown.extend(e.text() for e in dlg.findChildren(QDateTimeEdit))
        dlg.accept()

    QTimer.singleShot(0, answer)
    dock._ask_period()
    assert shown == [f"{local(start):%d/%m/%Y %H:%M}", f"{local(end):%d/%m/%Y %H:%M}"]
    assert local(start).utcoffset() != timedelta(0)  # Paris is not UTC: the check can fail
    got = dock.choropleth_period()  # the same instants (to the minute the fields show)
    assert all(abs(g - w) < timedelta(minutes=1) for g, w in zip(got, (start, end), strict=True))


def test_export_png_has_the_title_of_the_level_shown(
    qtbot: Any, choro_map: Any, tmp_path: Path
) -> None:
    dock = choro_map
    out = tmp_path / "carte.png"
    dock.export_choropleth(out)
    img = QImage(str(out))
    assert not img.isNull()
    assert img.text("Title") == "Événements par arrondissement — toutes catégories — DÉMO"
    assert "événement(s) placé(s)" in img.text("Description")
    assert "Ville de Paris" in img.text("Source")
    # the title is painted too: dark pixels in its band, white above it
    band = [img.pixelColor(x, 14) for x in range(10, 400)]
    assert any(c.lightness() < 100 for c in band)
    assert all(img.pixelColor(x, 1) == QColor("white") for x in range(10, 400))
    with qtbot.wait_signal(dock.choropleth_level_shown, timeout=20000):
        js_value(qtbot, dock, f"ScopMap.view(48.862, 2.345, {QUARTIER_ZOOM + 1})")
    dock.export_choropleth(tmp_path / "quartiers.png")
    assert (
        QImage(str(tmp_path / "quartiers.png")).text("Title").startswith("Événements par quartier")
    )
    dock.export_choropleth(tmp_path / "quartiers.csv", "csv")
    rows = (tmp_path / "quartiers.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 2 + 80
    assert sum(int(r.split(";")[1]) for r in rows[2:]) == dock.choropleths["quartier"].total
    blocker = tmp_path / "f"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="Impossible d'écrire"):
        dock.export_choropleth(blocker / "x.png")
    shots = os.environ.get("SCOP_SHOTS")
    if shots:
        dock.export_choropleth(Path(shots) / "choro12-export-quartiers.png")


RELIEVE_TAKEN = START + timedelta(minutes=150)  # the shift_db's relève, taken by Cne Lenoir


@pytest.fixture(scope="module")
def shift_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("choro") / "shift.sqlite"
    items = list(
        generate_shift(START, hours=3, crews=16, events_per_hour=40, fix_period=300, seed=12)
    )
    at = next(i for i, it in enumerate(items) if it.ts > RELIEVE_TAKEN)
    items[at:at] = [
        GenEntry(
            RELIEVE_TAKEN - timedelta(minutes=10),
            Draft(HANDOVER_DRAFTED, {"id": "RL-1", "summary": {}, "text": "RAS"}),
            Operator("Cdt. Morel", "chief"),
        ),
        GenEntry(
            RELIEVE_TAKEN,
            Draft(HANDOVER_ACKNOWLEDGED, {"id": "RL-1", "comment": ""}),
            Operator("Cne Lenoir", "chief"),
        ),
    ]
    write_sqlite(path, iter(items))
    return path


def test_layer_follows_the_replay_instant(replay_window: Any, qtbot: Any) -> None:
    w = replay_window
    dock = w.docks["map"]
    room = dock.ctx.room
    dock.show_choropleth(True)

    def counted_at(t: datetime) -> dict[str, Any]:
        # « Cette vacation »: since the relève once taken at the replay's instant, else 12 h
        start = RELIEVE_TAKEN if t >= RELIEVE_TAKEN else t - timedelta(hours=12)
        want = _reference(room, start, t, "", "arrondissement")
        return wait_page(
            qtbot,
            dock,
            lambda s: (
                _shown(s["choro"]["counts"].get("arrondissement", {})) == want  # none until read
                and f"du {local(start):%d/%m/%Y %H:%M} au" in s["choro"]["legend"]
            ),
        )

    counted_at(START + timedelta(hours=1))
    for t in (START + timedelta(minutes=170), START + timedelta(minutes=40)):  # forward, back
        w.replay.seek(t)
        st = counted_at(t)
        assert "au 23/11/2026 " + f"{t.astimezone(PARIS):%H:%M}" in st["choro"]["legend"]
        taken = "depuis la relève prise en compte par Cne Lenoir" in st["choro"]["legend"]
        assert taken == (t >= RELIEVE_TAKEN)
    # playing on: the entries of the step reach the layer (at its modest refresh)
    t = START + timedelta(minutes=100)
    w.replay.advance_to(t)
    assert sum(counted_at(t)["choro"]["counts"]["arrondissement"].values()) > 30
    shots = os.environ.get("SCOP_SHOTS")
    if shots:  # the chief's layout on a 1366×768 screen, the layer on
        w.apply_layout("chef")
        w.resize(1366, 768)
        dock.raise_()
        qtbot.wait(1500)
        w.grab().save(str(Path(shots) / "choro12-chef-1366.png"))


class _SlowRead:
    """The store's own ``read``, noting which thread asked (and from where), held back in a
    worker thread until released: a long journal's read, as a test can time it."""

    def __init__(self, store: Any) -> None:
        self.real = store.read
        self.calls: list[tuple[int, bool]] = []  # (after, on the GUI thread)
        self.release = threading.Event()

    def __call__(self, after: int = 0, *args: Any, **kwargs: Any) -> Any:
        gui = threading.current_thread() is threading.main_thread()
        self.calls.append((after, gui))
        if not gui:
            self.release.wait(10)
        return self.real(after, *args, **kwargs)


@pytest.fixture
def slow_read(demo_room: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    _record_events(demo_room, clock, 70)
    spy = _SlowRead(demo_room.store)
    monkeypatch.setattr(demo_room.store, "read", spy)
    yield spy
    spy.release.set()  # never leave the reader thread waiting


def test_switching_on_reads_the_journal_off_the_gui_thread(
    qtbot: Any, demo_room: Any, clock: Any, make_ctx: Any, make_map: Any, slow_read: Any
) -> None:
    """The first switch-on reads the whole journal: in the reader thread, while the GUI thread
    goes on; the counts are those a read on the GUI thread gives."""
    from PySide6.QtCore import QTimer

    from scop.reports.choropleth import Level, Tally

    dock = make_map(make_ctx(demo_room))
    dock.show_choropleth(True)  # returns while the read is held back
    qtbot.waitUntil(lambda: any(after == 0 for after, _ in slow_read.calls), timeout=5000)
    ticks: list[int] = []
    QTimer.singleShot(0, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: bool(ticks), timeout=2000)  # the GUI thread is not waiting
    assert dock.choropleths == {}
    with qtbot.wait_signal(dock.choropleth_sent, timeout=20000):
        slow_read.release.set()
    assert [gui for after, gui in slow_read.calls if after == 0] == [False]
    tally = Tally()
    tally.add(slow_read.real(0))
    start, end = dock.choropleth_period()
    for lv in Level:
        assert dock.choropleths[lv].counts == tally.count(start, end, "", lv).counts
    st = page_state(qtbot, dock)["choro"]
    want = _reference(demo_room, start, end, "", "arrondissement")
    assert sum(want.values()) > 40
    assert _shown(st["counts"]["arrondissement"]) == want


def test_a_late_answer_is_dropped(
    qtbot: Any,
    demo_room: Any,
    clock: Any,
    make_ctx: Any,
    make_map: Any,
    slow_read: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The read answers after the layer was switched off, or after the dock was closed: its
    answer is not counted, nothing is sent, nothing raises (a late answer used to emit a
    signal from a half-deleted dock)."""
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    from scop.ui.map import MapDock

    ctx = make_ctx(demo_room)
    dock = make_map(ctx)
    dock.show_choropleth(True)
    read = dock._choro_read
    assert read is not None
    dock.show_choropleth(False)
    with qtbot.assert_not_emitted(dock.choropleth_sent):
        slow_read.release.set()
        qtbot.waitUntil(read.done, timeout=10000)
        qtbot.wait(10 * MapDock.CHORO_POLL_MS)
    assert dock.choropleths == {}
    assert page_state(qtbot, dock)["choro"]["on"] is False
    # closed while reading: torn down before the answer (the window going), then deleted
    for delete in (False, True):
        slow_read.release.clear()
        closing = MapDock(ctx)
        closing.resize(800, 600)
        closing.show()
        qtbot.waitUntil(closing.is_ready, timeout=20000)
        closing.show_choropleth(True)
        read = closing._choro_read
        assert read is not None
        closing.teardown()
        if delete:
            closing.close()
            closing.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
            assert not shiboken6.isValid(closing)
        slow_read.release.set()
        qtbot.waitUntil(read.done, timeout=10000)
        qtbot.wait(10 * MapDock.CHORO_POLL_MS)
        assert closing.choropleths == {}
        if not delete:
            closing.close()
            closing.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_reader_thread_reads_postgresql(
    qtbot: Any, pg_store: Any, clock: Any, make_ctx: Any, make_map: Any
) -> None:
    """On PostgreSQL too the reader thread takes a connection of its own from the pool: the
    layer counts what the journal holds, as a read on the GUI thread does."""
    from scop.room import open_room

    room = open_room(pg_store, clock, Operator("A. Martin", "operator"), mode="demo")
    _record_events(room, clock, 40)
    dock = make_map(make_ctx(room))
    with qtbot.wait_signal(dock.choropleth_sent, timeout=20000):
        dock.show_choropleth(True)
    start, end = dock.choropleth_period()
    want = _reference(room, start, end, "", "arrondissement")
    assert sum(want.values()) > 25
    st = page_state(qtbot, dock)["choro"]
    assert _shown(st["counts"]["arrondissement"]) == want
