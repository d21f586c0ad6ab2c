"""« Agent en danger » benchmark: from the feed to the banner painted on a second console.

Two workstations share one room (SQLite file, then PostgreSQL). Workstation 1 runs the real
crew feed client, connected over a loopback websocket to a sender that presses the
emergency button of one crew at a time. Workstation 2 is another console (its own store and
room, its RoomBridge polling the journal as a console does) showing the real
``DangerBanner``. Measured for each alert:
- feed → alert folded on workstation 1 (the signal recorded in the journal: the baseline);
- feed → banner painted on workstation 2 with that crew's alert (the label's paintEvent),
  and its ratio to the baseline.
Between alerts the chief closes the alert and the banner is waited hidden.

PostgreSQL: ``SCOP_BENCH_PG_URL`` or ``SCOP_TEST_PG_URL`` if set, else a throwaway server is
started on loopback (as ./dev test does) and removed at the end.

Usage: .venv/bin/python bench/safety.py [--alerts 40] [--poll-ms 400] [--no-pg]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


# -- PostgreSQL on loopback (when none is given) -----------------------------------------------


@contextlib.contextmanager
def postgres() -> Iterator[str | None]:
    url = os.environ.get("SCOP_BENCH_PG_URL") or os.environ.get("SCOP_TEST_PG_URL")
    if url:
        yield url
        return
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        print("PostgreSQL absent : mesure SQLite seule", file=sys.stderr)
        yield None
        return
    pg = bins[-1]
    tmp = Path(tempfile.mkdtemp(prefix="scop-bench-pg-"))
    tmp.chmod(0o755)
    as_pg: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = lambda *a: subprocess.run([*as_pg, *a], check=True, capture_output=True)  # noqa: E731
    run(str(pg / "initdb"), "-D", str(tmp / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8")
    run(
        str(pg / "pg_ctl"), "-D", str(tmp / "data"), "-l", str(tmp / "log"), "-w", "-o",
        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1", "start",
    )  # fmt: skip
    try:
        run(str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            [*as_pg, str(pg / "pg_ctl"), "-D", str(tmp / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(tmp, ignore_errors=True)


def fresh_schema(url: str) -> tuple[str, Any]:
    from sqlalchemy import create_engine, text

    schema = f"b_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", admin


# -- one backend ---------------------------------------------------------------------------------


async def measure(url: str, alerts: int, poll_ms: int) -> dict[str, Any]:
    import websockets
    from PySide6.QtWidgets import QMainWindow

    from scop.clock import SystemClock
    from scop.journal.store import JournalStore
    from scop.models import fold_core as k
    from scop.models.entries import Draft, Operator
    from scop.protocols.crew_feed import CrewFeedClient, encode_signal
    from scop.room import open_room
    from scop.safety import commands as sc
    from scop.ui.context import Notices, RoomBridge, Selection, UiContext
    from scop.ui.safety.banner import DangerBanner

    clock = SystemClock()
    store1 = JournalStore.open(url, clock)
    room1 = open_room(store1, clock, Operator("Passerelle flux", "system"), workstation="p1")
    signs = [f"B{i:03d}-1" for i in range(alerts)]
    room1.record_all(
        [
            Draft(
                k.CREW_REGISTERED,
                {
                    "call_sign": cs,
                    "division": "D11",
                    "mode": "vehicule",
                    "lon": 2.30 + (i % 20) * 0.004,
                    "lat": 48.84 + (i // 20) * 0.004,
                },
            )
            for i, cs in enumerate(signs)
        ]
    )
    store2 = JournalStore.open(url, clock)
    room2 = open_room(store2, clock, Operator("B. Lefèvre", "operator"), workstation="p2")
    ctx2 = UiContext(room2, RoomBridge(room2, poll_ms=poll_ms), Notices(), Selection())
    window = QMainWindow()
    window.resize(1400, 300)
    banner = DangerBanner(ctx2, window)
    window.show()
    chief = Operator("Cdt. Morel", "chief")

    queue: asyncio.Queue[str | None] = asyncio.Queue()

    async def handler(ws: Any) -> None:
        while (message := await queue.get()) is not None:
            await ws.send(message)

    server = await websockets.serve(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = CrewFeedClient(room1, f"ws://127.0.0.1:{port}/")
    folded: dict[str, float] = {}
    client.signal_listeners.append(lambda s: folded.setdefault(s.call_sign, time.perf_counter()))
    painted: dict[str, float] = {}
    current = {"cs": ""}

    def on_paint(t: float) -> None:
        cs = current["cs"]
        if cs and cs not in painted and f"— {cs} —" in banner.label.text():
            painted[cs] = t

    banner.label.painted.connect(on_paint)
    feed_task = asyncio.ensure_future(client.run())
    ready_by = time.perf_counter() + 10
    while client.state != "ok":
        if time.perf_counter() > ready_by:
            raise RuntimeError(f"flux jamais connecté ({client.state}, {client.stats})")
        await asyncio.sleep(0.01)

    base, e2e = [], []
    rng = random.Random(16)
    for cs in signs:
        # an alert comes at any moment of the second console's poll cycle, not right after it
        await asyncio.sleep(rng.uniform(0.05, 0.05 + poll_ms / 1000))
        current["cs"] = cs
        sent = time.perf_counter()
        await queue.put(encode_signal(cs, "AGENT_EN_DANGER", datetime.now(UTC)))
        deadline = sent + 10
        while cs not in painted and time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
        if cs not in painted or cs not in folded:
            raise RuntimeError(f"alerte {cs} jamais affichée sur le second poste")
        base.append((folded[cs] - sent) * 1000)
        e2e.append((painted[cs] - sent) * 1000)
        (alert,) = sc.open_alerts(room1.state)
        sc.run_as(room1, chief, sc.close_danger, alert.alert_id, "mesure")
        while banner.isVisible():
            await asyncio.sleep(0.005)

    await queue.put(None)  # the sender's handler ends: the server can close
    feed_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await feed_task
    server.close()
    await server.wait_closed()
    banner.teardown()
    ctx2.bridge.stop()
    window.close()
    store1.close()
    store2.close()
    return {
        "alerts": len(e2e),
        "fold_p50_ms": round(statistics.median(base), 1),
        "fold_p99_ms": round(pct(base, 0.99), 1),
        "banner_p50_ms": round(statistics.median(e2e), 1),
        "banner_p99_ms": round(pct(e2e, 0.99), 1),
        "ratio_p50": round(statistics.median(e2e) / max(statistics.median(base), 1e-3), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alerts", type=int, default=40)
    ap.add_argument("--poll-ms", type=int, default=400, help="the console's journal poll")
    ap.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = ap.parse_args()

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    results: dict[str, Any] = {"poll_ms": args.poll_ms}
    tmp = Path(tempfile.mkdtemp(prefix="scop-bench-safety-"))
    try:
        sqlite = loop.run_until_complete(
            measure(f"sqlite:///{tmp / 'room.sqlite'}", args.alerts, args.poll_ms)
        )
        results["sqlite"] = sqlite
        print(f"SQLite      : {sqlite}", flush=True)
        if not args.no_pg:
            with postgres() as pg_url:
                if pg_url is not None:
                    url, admin = fresh_schema(pg_url)
                    try:
                        pg = loop.run_until_complete(measure(url, args.alerts, args.poll_ms))
                    finally:
                        admin.dispose()
                    results["postgresql"] = pg
                    print(f"PostgreSQL  : {pg}", flush=True)
    finally:
        loop.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        "flux → alerte enregistrée (poste 1) = référence ; flux → bandeau peint (poste 2) : "
        f"dominé par la relecture du journal toutes les {args.poll_ms} ms"
    )
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
