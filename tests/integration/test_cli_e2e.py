"""The commands as an operator types them, each once end to end, as real processes:

* ``scop pp-sim`` with mutual TLS, ``--exercise`` and a script, and ``scop gateway`` with
  ``--ca/--cert/--key`` and ``--exercise`` talking to it over wss on loopback: a message
  validated at a workstation reaches the PP, the PP's answer and its scripted alert come back
  into the journal, all marked EXERCICE; both stop cleanly on their signal;
* ``scop debrief`` of a recorded shift (export file) to HTML and to PDF.

(``scop replay`` opens a window: its end-to-end test is in tests/ui/test_screenshot_cli.py.)
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from scoptest.gateways import wait_for
from scoptest.pki import make_pki

from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models import fold_messages as fm
from scop.models.entries import SYSTEM, Operator
from scop.protocols import outbox
from scop.replay.generate import generate_shift, write_sqlite
from scop.room import Room, open_room

CHIEF = Operator("Cdt. Test", "chief")


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def scop(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scop.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=_env(tmp_path),
        check=False,
    )


def exercise_room(path: Path) -> Room:
    clock = SystemClock()
    store = JournalStore.open(f"sqlite:///{path}", clock)
    room = open_room(store, clock, CHIEF, mode="exercise", label="Exercice incendie")
    room.acting_as(SYSTEM).record(
        k.EVENT_CREATED,
        {
            "id": "EV-EX-0001",
            "category": "FIR",
            "title": "Feu d'appartement",
            "gravity": 3,
            "address": "52 Rue Oberkampf, 75011 Paris",
            "lon": 2.377,
            "lat": 48.865,
        },
    )
    return room


def test_pp_sim_and_gateway_over_mutual_tls_in_exercise(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki", "PP")
    rogue = make_pki(tmp_path / "rogue", "Intrus")
    room = exercise_room(tmp_path / "exercice.sqlite")
    script = tmp_path / "pp.json"
    script.write_text(
        json.dumps(
            {
                "exercise": True,
                "steps": [
                    {
                        "at": 0.2,
                        "send": "alerte",
                        "event": {"id": "PP-EX-7", "category": "EXP/GAS", "title": "Fuite de gaz"},
                        "text": "Périmètre de 100 m",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )

    async def main() -> None:
        sim = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "scop.cli", "pp-sim", "--port", "0", "--exercise"),
            *("--cert", str(pki.server_cert), "--key", str(pki.server_key)),
            *("--client-ca", str(pki.ca), "--script", str(script)),
            *("--answer", "REFUS", "--answer-delay", "0.2"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_env(tmp_path),
        )
        gateway: asyncio.subprocess.Process | None = None
        intruder: asyncio.subprocess.Process | None = None
        try:
            assert sim.stdout is not None
            banner = (await asyncio.wait_for(sim.stdout.readline(), 60)).decode()
            assert "EXERCICE" in banner, banner
            found = re.search(r"wss://127\.0\.0\.1:(\d+)", banner)
            assert found, banner
            url = f"wss://127.0.0.1:{found[1]}"
            # a room certificate the PP does not trust: refused, and the gateway stops (code 1)
            intruder = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "scop.cli", "gateway", "--db", room.store.url),
                *("--pp", url, "--exercise", "--name", "gw-intrus", "--ca", str(pki.ca)),
                *("--cert", str(rogue.client_cert), "--key", str(rogue.client_key)),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=_env(tmp_path),
            )
            _out, err = await asyncio.wait_for(intruder.communicate(), 60)
            assert intruder.returncode == 1, err.decode()[-2000:]
            assert "certificat" in err.decode()

            gateway = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "scop.cli", "gateway", "--db", room.store.url),
                *("--pp", url, "--exercise", "--name", "gw-e2e"),
                *("--ca", str(pki.ca), "--cert", str(pki.client_cert)),
                *("--key", str(pki.client_key)),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=_env(tmp_path),
            )
            draft = outbox.draft_message(room, "EV-EX-0001", "demande_vpu", {"quantite": 1})
            did = outbox.validate_draft(room, draft.payload["draft_id"]).payload["distribution_id"]

            def answered() -> bool:
                assert gateway is not None
                assert gateway.returncode is None, "la passerelle s'est arrêtée"
                room.sync()
                m = fm.by_distribution_id(room.state, did)
                alert = any(x.event_id == "PP-EX-7" for x in room.state.messages.values())
                return m is not None and m.answer == "REFUS" and alert

            await wait_for(answered, 60, "réponse de la PP et alerte, par la passerelle")
            sent = fm.by_distribution_id(room.state, did)
            assert sent is not None
            assert sent.message["distributionStatus"] == "Exercise"
            alert = next(x for x in room.state.messages.values() if x.event_id == "PP-EX-7")
            assert alert.direction == "in"
            assert "EXERCICE EXERCICE EXERCICE" in alert.text
            authors = {e.author for e in room.store.iter_entries() if e.kind == fm.RECEIVED}
            assert CHIEF.name not in authors  # the gateway journals under its own name

            gateway.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(gateway.wait(), 30) == 0
            sim.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(sim.wait(), 30) == 0
        finally:
            for proc in (intruder, gateway, sim):
                if proc is not None and proc.returncode is None:
                    proc.kill()
                    await proc.wait()

    asyncio.run(main())
    room.store.close()


def test_debrief_of_a_recorded_shift_to_html_and_pdf(tmp_path: Path) -> None:
    shift = tmp_path / "vacation.sqlite"
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    write_sqlite(
        shift, generate_shift(start, hours=1, crews=12, events_per_hour=20, fix_period=60, seed=3)
    )
    export = tmp_path / "vacation.jsonl.gz"
    done = scop(tmp_path, "journal", "export", "--db", f"sqlite:///{shift}", "--out", str(export))
    assert done.returncode == 0, done.stderr
    before = sorted(p.name for p in tmp_path.iterdir())

    html = tmp_path / "retex.html"
    done = scop(tmp_path, "debrief", str(export), "--out", str(html))
    assert done.returncode == 0, done.stderr
    assert f"RETEX écrit : {html}" in done.stdout
    counts = re.search(r"\((\d+) entrées", done.stdout)
    assert counts, done.stdout
    recorded = JournalStore.open(f"sqlite:///{shift}", SystemClock(), readonly=True)
    try:
        assert int(counts[1]) == recorded.head()[0]
    finally:
        recorded.close()
    page = html.read_text(encoding="utf-8")
    assert "<html" in page.lower()
    assert "RETEX" in page

    pdf = tmp_path / "retex.pdf"
    done = scop(tmp_path, "debrief", f"sqlite:///{shift}", "--out", str(pdf))
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    # reading a shift writes only the report asked for
    after = sorted(p.name for p in tmp_path.iterdir())
    assert after == sorted([*before, "retex.html", "retex.pdf"])
