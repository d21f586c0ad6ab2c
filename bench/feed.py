"""Crew feed benchmark: positions arriving over a loopback websocket at 1,000 per second.

A separate process serves GEO-POS messages (50 positions every 50 ms by default) for 200
crews; the console's real feed client reads them in the real window (map, lists, main
courante) over a real SQLite room. Measured in the same run:
- arrival → folded in the room (the client's batch written and folded: the baseline, no UI);
- arrival → drawn in the map page (the map's batch containing the position applied by
  ScopMap.apply in the page, runJavaScript callback), with the ratio to the baseline;
- whether the UI kept up: the backlog (received but not yet drawn) sampled every second,
  first half against second half, and the event loop's lateness.

Usage: .venv/bin/python bench/feed.py [--seconds 60] [--rate 1000] [--crews 200]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def call_signs(n: int) -> list[str]:
    from scop.demo import demo_crews

    demo = [str(c["call_sign"]) for c in demo_crews()]
    return demo + [f"X{i:03d}-1" for i in range(max(0, n - len(demo)))]


# -- the sender (a separate process: the feed is not the console's own CPU) ---------------


async def _serve(port: int, rate: int, seconds: float, n_crews: int) -> None:
    import websockets

    from scop.protocols.crew_feed import resource_id

    signs = call_signs(n_crews)
    rng = random.Random(3)
    pos = {cs: [2.30 + rng.random() * 0.1, 48.84 + rng.random() * 0.05] for cs in signs}
    tick = 0.05
    per_tick = max(1, round(rate * tick))
    started = asyncio.Event()
    sent = 0

    async def handler(ws: Any) -> None:
        nonlocal sent
        if started.is_set():  # the client reconnecting after the run: nothing more to send
            await ws.wait_closed()
            return
        started.set()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        i = 0
        n = 0
        while loop.time() - t0 < seconds:
            items = []
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for _ in range(per_tick):
                cs = signs[i % len(signs)]
                i += 1
                p = pos[cs]
                p[0] += rng.uniform(-2e-4, 2e-4)
                p[1] += rng.uniform(-1.5e-4, 1.5e-4)
                items.append(
                    {
                        "resourceId": resource_id(cs),
                        "datetime": now,
                        "coord": {"lat": round(p[1], 6), "lon": round(p[0], 6)},
                        "speed": 20.0,
                        "cap": float(rng.randrange(360)),
                    }
                )
            try:
                await ws.send(json.dumps({"position": items}, separators=(",", ":")))
            except websockets.ConnectionClosed:
                break  # the console side stopped reading: the run is over
            sent += len(items)
            n += 1
            delay = t0 + n * tick - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.close()

    async with websockets.serve(handler, "127.0.0.1", port):
        print("ready", flush=True)
        await started.wait()
        await asyncio.sleep(seconds + 5)


# -- the console side ---------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    tmp = Path(tempfile.mkdtemp(prefix="scop-bench-feed-"))
    os.environ["XDG_DATA_HOME"] = str(tmp / "data")
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")
    from PySide6.QtCore import QCoreApplication, QSettings, Qt

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    import PySide6.QtWebEngineWidgets  # noqa: F401

    from scop.ui.map.tiles import register_scheme

    register_scheme()
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])

    from scop.app import procedure_runner
    from scop.clock import SystemClock
    from scop.config import Config
    from scop.demo import demo_drafts
    from scop.journal.store import JournalStore
    from scop.models.entries import SYSTEM, Operator
    from scop.models.nomenclatures import KIND_OF_MODE
    from scop.models.vocabulary import CrewMode
    from scop.operations.duty import CrewDuty, registration_draft
    from scop.protocols.crew_feed import CrewFeedClient
    from scop.room import open_room
    from scop.ui.context import Notices, RoomBridge, Selection, UiContext
    from scop.ui.main_window import MainWindow

    clock = SystemClock()
    store = JournalStore.open(f"sqlite:///{tmp / 'room.sqlite'}", clock)
    room = open_room(store, clock, Operator("Banc d'essai"), mode="demo")
    room.record_all(demo_drafts())
    rng = random.Random(5)
    extra = [cs for cs in call_signs(args.crews) if cs not in room.state.crews]
    now = clock.now()
    room.acting_as(SYSTEM).record_all(
        [
            registration_draft(
                CrewDuty(
                    call_sign=cs,
                    kind=KIND_OF_MODE[CrewMode.VEHICULE],
                    division="Division Centre",
                    agents=2,
                    duty_start=now,
                    duty_end=now + timedelta(hours=12),
                    lon=2.30 + rng.random() * 0.1,
                    lat=48.84 + rng.random() * 0.05,
                ),
                source="equipage",
            )
            for cs in extra
        ]
    )

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    ctx = UiContext(
        room, RoomBridge(room), Notices(), Selection(), procedures=procedure_runner(room, Config())
    )
    window = MainWindow(ctx, QSettings(str(tmp / "layout.ini"), QSettings.Format.IniFormat))
    window.resize(1600, 1000)
    window.show()
    map_dock = window.docks["map"]

    # -- instrumentation: arrival → folded → batch built → applied in the page --
    arrivals: list[tuple[float, int]] = []  # (arrival, fixes) since the last flush
    folded: list[tuple[float, int]] = []  # folded, not yet in a map batch
    in_flight: list[list[tuple[float, int]]] = []  # one list per batch sent to the page
    fold_lat: list[float] = []
    page_lat: list[float] = []
    backlog: list[int] = []
    lateness: list[float] = []

    def on_flush(_batch: Any, _since: float) -> None:
        t = time.monotonic()
        for ta, n in arrivals:
            fold_lat.extend([t - ta] * n)
        folded.extend(arrivals)
        arrivals.clear()

    real_build = map_dock.build_batch
    real_applied = map_dock._on_applied

    def build(full: bool = False) -> Any:
        batch = real_build(full)
        if batch is not None:
            in_flight.append(list(folded) if batch.get("crews") else [])
            if batch.get("crews"):
                folded.clear()
        return batch

    def applied(ms: Any) -> None:
        t = time.monotonic()
        real_applied(ms)
        if in_flight:
            for ta, n in in_flight.pop(0):
                page_lat.extend([t - ta] * n)

    map_dock.build_batch = build
    map_dock._on_applied = applied

    port = args.port or _free_port()
    sender = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--sender",
            "--port",
            str(port),
            "--rate",
            str(args.rate),
            "--seconds",
            str(args.seconds),
            "--crews",
            str(args.crews),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sender.stdout is not None
    if sender.stdout.readline().strip() != "ready":
        raise SystemExit("bench/feed.py : l'émetteur n'a pas démarré")

    client = CrewFeedClient(room, f"ws://127.0.0.1:{port}", flush_interval=0.25)
    real_handle = client.handle

    def handle(raw: Any) -> Any:
        t = time.monotonic()
        result = real_handle(raw)
        if result.fixes:
            arrivals.append((t, len(result.fixes)))
            span[0] = min(span[0], t)
            span[1] = max(span[1], t)
        return result

    span = [float("inf"), 0.0]  # first and last arrival

    client.handle = handle  # type: ignore[method-assign]
    client.flush_listeners.append(on_flush)

    async def main() -> None:
        deadline = loop.time() + 60
        while not window.all_docks_ready():
            if loop.time() > deadline:
                raise SystemExit("bench/feed.py : fenêtre jamais prête")
            await asyncio.sleep(0.1)
        task = asyncio.ensure_future(client.run())
        t_end = loop.time() + args.seconds + 1.5
        next_sample = loop.time() + 1.0
        while loop.time() < t_end:
            before = loop.time()
            await asyncio.sleep(0.1)
            lateness.append(max(0.0, loop.time() - before - 0.1))
            if loop.time() >= next_sample:
                next_sample += 1.0
                waiting = sum(n for _, n in arrivals) + sum(n for _, n in folded)
                waiting += sum(n for b in in_flight for _, n in b)
                backlog.append(waiting)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.6)  # the last map batch

    try:
        loop.run_until_complete(main())
    finally:
        sender.terminate()
        with contextlib.suppress(Exception):
            sender.wait(5)
        ctx.bridge.stop()
        window.close()
        window.deleteLater()
        app.processEvents()
        loop.close()
        store.close()

    s = client.stats
    half = len(backlog) // 2
    first, second = backlog[:half] or [0], backlog[half:] or [0]
    kept_up = (
        max(second) <= max(2 * max(first), args.rate)
        and backlog[-1] <= 2 * args.rate
        and pct(lateness, 0.99) < 0.5
    )
    fold_p50, fold_p99 = pct(fold_lat, 0.5) * 1000, pct(fold_lat, 0.99) * 1000
    page_p50, page_p99 = pct(page_lat, 0.5) * 1000, pct(page_lat, 0.99) * 1000
    return {
        "bench": "feed",
        "seconds": args.seconds,
        "rate_per_s": args.rate,
        "crews": args.crews,
        "received": s.fixes_received,
        "recorded": s.fixes_recorded,
        "refused": s.refused,
        "received_per_s": round(s.fixes_received / max(1e-9, span[1] - span[0]), 1),
        "fold_p50_ms": round(fold_p50, 1),
        "fold_p99_ms": round(fold_p99, 1),
        "page_p50_ms": round(page_p50, 1),
        "page_p99_ms": round(page_p99, 1),
        "page_over_fold_p50": round(page_p50 / fold_p50, 2) if fold_p50 else None,
        "drawn_fixes": len(page_lat),
        "map_batches": map_dock.batches_sent,
        "backlog_max_first_half": max(first),
        "backlog_max_second_half": max(second),
        "backlog_end": backlog[-1] if backlog else 0,
        "loop_lateness_p99_ms": round(pct(lateness, 0.99) * 1000, 1),
        "kept_up": kept_up,
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--rate", type=int, default=1000, help="positions par seconde")
    p.add_argument("--crews", type=int, default=200)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.sender:
        asyncio.run(_serve(args.port, args.rate, args.seconds, args.crews))
        return
    r = run(args)
    print(
        f"positions reçues : {r['received']} ({r['received_per_s']}/s), "
        f"enregistrées : {r['recorded']}, refusées : {r['refused']}"
    )
    print(
        f"arrivée → repliée dans la salle (référence) : p50 {r['fold_p50_ms']} ms, "
        f"p99 {r['fold_p99_ms']} ms"
    )
    print(
        f"arrivée → marqueur déplacé dans la page : p50 {r['page_p50_ms']} ms, "
        f"p99 {r['page_p99_ms']} ms (x{r['page_over_fold_p50']} la référence à p50), "
        f"{r['map_batches']} lots carte"
    )
    print(
        f"file d'attente (reçu non dessiné) : max 1re moitié {r['backlog_max_first_half']}, "
        f"max 2e moitié {r['backlog_max_second_half']}, fin {r['backlog_end']} ; "
        f"retard de la boucle p99 {r['loop_lateness_p99_ms']} ms ; "
        f"l'interface a suivi : {'oui' if r['kept_up'] else 'non'}"
    )
    print(json.dumps(r))


if __name__ == "__main__":
    main()
