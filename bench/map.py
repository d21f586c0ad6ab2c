"""Map benchmark: 5,000 crews, one batch moving all of them, against re-rendering the page.

Measured in the same run, offscreen:
- the live way: diff computed in Python, one JSON batch sent with runJavaScript; time inside
  the page (ScopMap.apply, canvas redraw included, performance.now) and time until the pixels
  of the view change (grab until the image differs);
- the naive way (baseline): re-render the folium page with the same 5,000 crews as circle
  markers (same local Leaflet), load it, and wait until its pixels show.

Usage: .venv/bin/python bench/map.py [--crews 5000] [--rounds 5]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
_TMP = Path(tempfile.mkdtemp(prefix="scop-bench-map-"))
os.environ["XDG_DATA_HOME"] = str(_TMP / "data")
os.environ["XDG_CONFIG_HOME"] = str(_TMP / "config")

from PySide6.QtCore import QCoreApplication, QEvent, Qt  # noqa: E402

QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
import PySide6.QtWebEngineWidgets  # noqa: E402, F401

from scop.ui.map.tiles import register_scheme  # noqa: E402

register_scheme()
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

APP = QApplication(sys.argv[:1])

from scop.clock import ManualClock  # noqa: E402
from scop.journal.store import JournalStore  # noqa: E402
from scop.models.entities import PositionFix  # noqa: E402
from scop.models.entries import SYSTEM, Operator  # noqa: E402
from scop.models.nomenclatures import KIND_OF_MODE  # noqa: E402
from scop.models.vocabulary import CrewMode, CrewStatus  # noqa: E402
from scop.operations.duty import CrewDuty, registration_draft  # noqa: E402
from scop.room import open_room  # noqa: E402
from scop.ui.context import Notices, RoomBridge, Selection, UiContext  # noqa: E402
from scop.ui.map import MapDock  # noqa: E402

STATUSES = tuple(CrewStatus)
W, H = 1200, 800


def spin(until: Any, timeout: float = 60.0) -> bool:
    deadline = time.perf_counter() + timeout
    while not until():
        if time.perf_counter() > deadline:
            return False
        APP.processEvents()
        time.sleep(0.001)
    return True


def wait_pixels_change(view: Any, before: QImage, timeout: float = 30.0) -> float | None:
    """Seconds until a grab of ``view`` differs from ``before`` (None: never)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        APP.processEvents()
        img = view.grab().toImage()
        if img != before:
            return time.perf_counter() - t0
    return None


def random_point(rng: random.Random) -> tuple[float, float]:
    return rng.uniform(2.25, 2.42), rng.uniform(48.82, 48.90)


def live_way(n: int, rounds: int, rng: random.Random) -> dict[str, Any]:
    clock = ManualClock()
    store = JournalStore.open(f"sqlite:///{_TMP / 'bench.sqlite'}", clock)
    room = open_room(store, clock, Operator("Banc d'essai", "operator"), mode="demo")
    drafts = []
    for i in range(n):
        lon, lat = random_point(rng)
        duty = CrewDuty(
            call_sign=f"C{i:05d}",
            kind=KIND_OF_MODE[CrewMode.VEHICULE],
            division="Banc",
            agents=2,
            duty_start=clock.now(),
            duty_end=clock.now() + timedelta(hours=12),
            lon=round(lon, 6),
            lat=round(lat, 6),
            heading=rng.randrange(360),
        )
        # the map is measured with every colour at once: each crew goes on duty in its status
        draft = registration_draft(duty)
        drafts.append(
            replace(draft, payload={**draft.payload, "status": STATUSES[i % len(STATUSES)]})
        )
    room.acting_as(SYSTEM).record_all(drafts)
    ctx = UiContext(room, RoomBridge(room, poll_ms=0), Notices(), Selection())
    dock = MapDock(ctx)
    dock.resize(W, H)
    dock.show()
    t0 = time.perf_counter()
    if not spin(dock.is_ready, 60):
        raise SystemExit("la carte n'est jamais prête")
    first_load = time.perf_counter() - t0
    spin(lambda: dock.last_page_ms is not None, 10)
    time.sleep(0.3)
    APP.processEvents()

    record_s, diff_s, page_ms, pixels_s, sizes = [], [], [], [], []
    for _ in range(rounds):
        clock.advance(2)
        now = clock.now()
        fixes = []
        for i in range(n):
            lon, lat = random_point(rng)
            fixes.append(PositionFix(f"C{i:05d}", now, round(lon, 6), round(lat, 6), 90.0))
        t = time.perf_counter()
        dock._flush_timer.blockSignals(True)  # this round is sent by hand, timed
        room.record_positions(fixes)
        record_s.append(time.perf_counter() - t)
        before = dock.view.grab().toImage()
        t = time.perf_counter()
        batch = dock.build_batch()
        diff_s.append(time.perf_counter() - t)
        assert batch is not None
        assert len(batch["crews"]) == n
        sizes.append(len(json.dumps(batch, separators=(",", ":"))))
        dock.last_page_ms = None
        t = time.perf_counter()
        dock.send_batch(batch)
        px = wait_pixels_change(dock.view, before)
        pixels_s.append((time.perf_counter() - t) if px is not None else float("nan"))
        spin(lambda: dock.last_page_ms is not None, 10)
        page_ms.append(float(dock.last_page_ms or float("nan")))
        dock._flush_timer.blockSignals(False)
        dock._flush_timer.stop()
    box: list[dict[str, Any]] = []
    dock.read_page_state(box.append)
    spin(lambda: bool(box), 10)
    shown = len(box[0].get("crews", {}))
    dock.teardown()
    dock.close()
    dock.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    ctx.bridge.stop()
    store.close()
    return {
        "first_load_s": first_load,
        "record_positions_ms": 1000 * statistics.median(record_s),
        "python_diff_ms": 1000 * statistics.median(diff_s),
        "batch_kb": statistics.median(sizes) / 1024,
        "page_js_ms": statistics.median(page_ms),
        "to_pixels_ms": 1000 * statistics.median(pixels_s),
        "crews_in_page": shown,
    }


def naive_way(n: int, rounds: int, rng: random.Random) -> dict[str, Any]:
    import folium

    from scop.ui.map.page import MAX_ZOOM, MIN_ZOOM, PARIS_CENTRE, _url

    colours = ("#2e7d32", "#ef6c00", "#c62828", "#6d4c41", "#757575")
    view = QWebEngineView()
    view.resize(W, H)
    view.show()
    render_s, total_s = [], []
    for r in range(rounds):
        t = time.perf_counter()
        m = folium.Map(
            location=PARIS_CENTRE,
            zoom_start=12,
            tiles=None,
            maxZoom=MAX_ZOOM,
            minZoom=MIN_ZOOM,
        )
        m.default_js = [("leaflet", _url("web", "leaflet", "leaflet.js"))]
        m.default_css = [("leaflet_css", _url("web", "leaflet", "leaflet.css"))]
        for i in range(n):
            lon, lat = random_point(rng)
            folium.CircleMarker(
                [lat, lon], radius=5, color=colours[i % 5], fill=True, tooltip=f"C{i:05d}"
            ).add_to(m)
        html = m.get_root().render()
        path = _TMP / f"naive-{r}.html"
        path.write_text(html, encoding="utf-8")
        render_s.append(time.perf_counter() - t)
        before = view.grab().toImage()
        done: list[bool] = []
        view.loadFinished.connect(lambda ok, d=done: d.append(ok))
        from PySide6.QtCore import QUrl

        view.load(QUrl.fromLocalFile(str(path)))
        spin(lambda d=done: bool(d), 120)
        view.loadFinished.disconnect()
        px = wait_pixels_change(view, before)
        total_s.append(time.perf_counter() - t if px is not None else float("nan"))
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    return {
        "render_s": statistics.median(render_s),
        "render_load_pixels_s": statistics.median(total_s),
        "page_mb": len(html.encode()) / 1e6,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--crews", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--naive-rounds", type=int, default=2)
    args = ap.parse_args()
    rng = random.Random(75)
    live = live_way(args.crews, args.rounds, rng)
    naive = naive_way(args.crews, args.naive_rounds, rng)
    live_total_s = live["python_diff_ms"] / 1000 + live["to_pixels_ms"] / 1000
    ratio = naive["render_load_pixels_s"] / live_total_s
    print(f"{args.crews} équipages, {args.rounds} lots (médianes), fenêtre {W}x{H} offscreen")
    print(f"  chargement initial de la carte         {live['first_load_s']:8.2f} s")
    print(f"  record_positions ({args.crews} positions)    {live['record_positions_ms']:8.1f} ms")
    print(f"  diff Python du lot                     {live['python_diff_ms']:8.1f} ms")
    print(f"  taille du lot JSON                     {live['batch_kb']:8.0f} kB")
    print(f"  temps dans la page (ScopMap.apply)     {live['page_js_ms']:8.1f} ms")
    print(f"  envoi -> pixels changés                {live['to_pixels_ms']:8.1f} ms")
    print(f"  équipages lus dans la page             {live['crews_in_page']:8d}")
    print(f"naïf : page folium re-rendue avec {args.crews} marqueurs ({naive['page_mb']:.1f} Mo)")
    print(f"  rendu folium                           {naive['render_s']:8.2f} s")
    print(f"  rendu + chargement + pixels            {naive['render_load_pixels_s']:8.2f} s")
    print(f"rapport naïf / lot (diff + pixels)       {ratio:8.1f} x")
    print(
        json.dumps(
            {
                "bench": "map",
                "crews": args.crews,
                "live": {k: round(v, 3) for k, v in live.items()},
                "naive": {k: round(v, 3) for k, v in naive.items()},
                "ratio_naive_over_batch": round(ratio, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        shutil.rmtree(_TMP, ignore_errors=True)  # the base, the pages, Qt's profile
    raise SystemExit(code)
