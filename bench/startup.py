"""Time from process start to the first painted main window, against a bare PySide6 window.

    python bench/startup.py [--runs N]

Each run starts ``scop --screenshot`` on a fresh demo database (first start: database created
and seeded) and again on the same database (a normal start), headless, and measures the wall
time from spawning the process to the line it prints once every dock has painted. The
baseline, in the same run, is a process that imports PySide6 and paints an empty QMainWindow.
The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.setCentralWidget(QLabel("SCOP")); w.resize(1920, 1080); w.show()
def done():
    w.grab(); print("Tous les panneaux sont peints.", flush=True); app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def time_to_painted(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert p.stdout is not None
    for line in p.stdout:
        if "panneaux sont peints" in line:
            dt = time.perf_counter() - t
            break
    else:
        raise RuntimeError(f"{cmd} ended without painting")
    p.wait(timeout=120)
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    first, warm, base = [], [], []
    for _ in range(a.runs):
        with tempfile.TemporaryDirectory() as d:
            env = {**os.environ, "XDG_DATA_HOME": f"{d}/data", "XDG_CONFIG_HOME": f"{d}/cfg"}
            shot = str(Path(d) / "s.png")
            cmd = [sys.executable, "-m", "scop.cli", "--screenshot", shot]
            first.append(time_to_painted(cmd, env))
            warm.append(time_to_painted(cmd, env))
            base.append(time_to_painted([sys.executable, "-c", BASELINE], env))
    figures = {
        "first_start_s": round(statistics.median(first), 3),
        "start_s": round(statistics.median(warm), 3),
        "bare_pyside_window_s": round(statistics.median(base), 3),
        "runs": a.runs,
    }
    figures["ratio_start_vs_bare"] = round(figures["start_s"] / figures["bare_pyside_window_s"], 2)
    print(f"Premier démarrage (base créée et peuplée) : {figures['first_start_s']:.2f} s")
    print(f"Démarrage ordinaire                         : {figures['start_s']:.2f} s")
    print(
        f"Fenêtre PySide6 vide (référence)            : {figures['bare_pyside_window_s']:.2f} s"
        f"  (ratio {figures['ratio_start_vs_bare']:.1f})"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
