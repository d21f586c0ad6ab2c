"""Fiches réflexes: what loading, folding and deriving run views cost.

Figures are printed, never asserted. Ratios are against a baseline measured in the same run:
folding the same number of ``event.created`` entries, and parsing the same YAML with
``yaml.safe_load`` (no marks, no checks).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import yaml

from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models.entries import SYSTEM, Draft, Operator
from scop.models.projection import fold
from scop.procedures.loader import default_fiches_dir, fiche_files, load_library
from scop.procedures.runner import ProcedureRunner, run_view
from scop.room import open_room


def best(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    files = [
        *fiche_files(default_fiches_dir()),
        default_fiches_dir() / "annuaire.yaml",
        default_fiches_dir() / "messages.yaml",
    ]
    t_load = best(load_library, 3)
    t_yaml = best(lambda: [yaml.safe_load(p.read_text("utf-8")) for p in files], 3)
    library = load_library()

    tmp = Path(tempfile.mkdtemp())
    clock = ManualClock()
    store = JournalStore.open(f"sqlite:///{tmp / 'bench.sqlite'}", clock)
    room = open_room(store, clock, Operator("Bench", "chief"))
    runner = ProcedureRunner(room, library)
    events = 50
    for i in range(events):
        room.acting_as(SYSTEM).record(
            "event.created",
            {
                "id": f"EV-{i}",
                "category": "FIR",
                "title": "Feu",
                "gravity": 3,
                "address": "52 Rue Oberkampf, 75011 Paris",
                "lon": 2.3748,
                "lat": 48.8649,
            },
        )
    runs = []
    for i in range(events):
        for fiche in ("incendie", "ouverture_care", "demande_umip", "demande_vpu"):
            runs.append(runner.launch(fiche, f"EV-{i}"))
    t = time.perf_counter()
    transitions = 0
    for run_id in runs[:80]:
        v = runner.view(run_id)
        for sv in v.steps[:4]:
            if sv.step.kind in ("action", "verification", "note") and not sv.step.inputs:
                runner.complete(run_id, sv.step.id)
                transitions += 1
            elif sv.is_open and sv.step.kind != "decision":
                runner.skip(run_id, sv.step.id, "banc d'essai")
                transitions += 1
    t_commands = time.perf_counter() - t
    entries = store.read(after=0)
    proc_entries = [e for e in entries if e.kind.startswith("procedure.")]
    t_fold = best(lambda: fold(entries))
    notes = open_room(
        JournalStore.open(f"sqlite:///{tmp / 'notes.sqlite'}", clock),
        clock,
        Operator("Bench", "chief"),
    )
    notes.store.append(
        [
            Draft(
                "event.created",
                {
                    "id": f"EV-{i}",
                    "category": "FIR",
                    "title": "Feu",
                    "gravity": 3,
                    "address": "52 Rue Oberkampf, 75011 Paris",
                },
            )
            for i in range(len(entries))
        ],
        notes.operator,
    )
    note_entries = notes.store.read(after=0)
    t_fold_notes = best(lambda: fold(note_entries))
    state = room.state
    now = clock.now()
    t_views = best(
        lambda: [run_view(library.fiches[r.fiche_id], r, now) for r in state.procedures.values()]
    )
    result = {
        "load_library_ms": round(t_load * 1000, 1),
        "safe_load_same_files_ms": round(t_yaml * 1000, 1),
        "load_vs_safe_load": round(t_load / t_yaml, 2),
        "runs": len(runs),
        "transitions": transitions,
        "command_ms_each": round(t_commands / transitions * 1000, 2),
        "fold_entries": len(entries),
        "procedure_entries": len(proc_entries),
        "fold_ms": round(t_fold * 1000, 1),
        "fold_events_same_count_ms": round(t_fold_notes * 1000, 1),
        "fold_vs_events": round(t_fold / t_fold_notes, 2),
        "run_views_all_ms": round(t_views * 1000, 2),
        "run_view_us_each": round(t_views / len(runs) * 1e6, 1),
    }
    for k, v in result.items():
        print(f"{k:28} {v}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
