"""``scop --screenshot`` as the README shows it: a headless start, every dock painted, a PNG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage


def run_scop(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    env.pop("QT_QPA_PLATFORM", None)  # --screenshot must make itself headless
    return subprocess.run(
        [sys.executable, "-m", "scop.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )


def distinct_colours(img: QImage) -> int:
    seen = set()
    for y in range(0, img.height(), 7):
        for x in range(0, img.width(), 7):
            seen.add(img.pixel(x, y))
    return len(seen)


def test_screenshot_of_the_demo_room(tmp_path: Path) -> None:
    out = tmp_path / "console.png"
    res = run_scop(tmp_path, "--screenshot", str(out), "--size", "1280x800")
    assert res.returncode == 0, res.stderr[-2000:]
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1280, 800)
    assert distinct_colours(img) > 30  # a painted room, not a blank window
    # The DÉMO banner's orange runs across the top of the window.
    top = [img.pixelColor(640, y) for y in range(80)]
    assert any((c.red(), c.green(), c.blue()) == (0xF5, 0x7C, 0x00) for c in top)
    assert (tmp_path / "data" / "scop" / "demo.sqlite").exists()


def test_a_capture_that_cannot_be_written_is_code_8(tmp_path: Path) -> None:
    """The README's table: a file that cannot be written is 8, in one French line (it was
    7, « fichier inaccessible », as if the PNG were an input)."""
    res = run_scop(tmp_path, "--screenshot", "/proc/nope/console.png", "--size", "1024x700")
    assert res.returncode == 8, res.stderr[-2000:]
    said = [ln for ln in res.stderr.splitlines() if ln.startswith("scop :")]
    assert said == [
        "scop : Impossible d'écrire /proc/nope/console.png : introuvable. Choisir un fichier "
        "dans un dossier accessible en écriture (--screenshot)."
    ]
    assert "Traceback" not in res.stderr


@pytest.mark.postgres
def test_console_opens_on_postgresql(tmp_path: Path, pg_store: object) -> None:
    from scop.clock import ManualClock
    from scop.journal.store import JournalStore
    from scop.room_admin import init_room

    assert isinstance(pg_store, JournalStore)
    url = pg_store.engine.url.render_as_string(hide_password=False)
    init_room(url, "live", "Salle de commandement", ManualClock())  # the console makes none
    out = tmp_path / "pg.png"
    res = run_scop(
        tmp_path,
        "--db",
        url,
        "--operator",
        "A. Martin",
        "--screenshot",
        str(out),
        "--size",
        "1024x700",
    )
    assert res.returncode == 0, res.stderr[-2000:]
    kinds = [e.kind for e in pg_store.read()]
    assert kinds[:2] == ["room.opened", "session.login"]
    # a real room: --operator names nobody (identities come from accounts); a capture
    # writes only its own session, as an observer
    login = pg_store.read()[1]
    assert (login.author, login.role, login.author_id) == (
        "Capture d'écran",
        "observer",
        "service:capture",
    )
    assert pg_store.meta("mode") == "live"


def test_replay_of_a_recorded_shift(tmp_path: Path) -> None:
    """``scop replay`` end to end: the recorded shift on screen under its RELECTURE banner,
    and the recording left exactly as it was (a replay only reads)."""
    import hashlib
    from datetime import UTC, datetime

    from scop.replay.generate import generate_shift, write_sqlite

    shifts = tmp_path / "vacations"
    shifts.mkdir()
    shift = shifts / "vacation.sqlite"
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    write_sqlite(
        shift, generate_shift(start, hours=1, crews=12, events_per_hour=20, fix_period=60, seed=4)
    )
    before = hashlib.sha256(shift.read_bytes()).hexdigest()
    out = Path(os.environ.get("SCOP_REPLAY_SHOT", tmp_path / "relecture.png"))
    res = run_scop(
        tmp_path,
        "replay",
        str(shift),
        "--at",
        "2026-11-23T07:30:00+01:00",
        "--screenshot",
        str(out),
        "--size",
        "1920x1080",
    )
    assert res.returncode == 0, res.stderr[-2000:]
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1920, 1080)
    assert distinct_colours(img) > 30
    top = [img.pixelColor(960, y) for y in range(120)]
    assert any((c.red(), c.green(), c.blue()) == (0x15, 0x65, 0xC0) for c in top)  # RELECTURE
    assert hashlib.sha256(shift.read_bytes()).hexdigest() == before
    assert [p.name for p in shifts.iterdir()] == ["vacation.sqlite"]
