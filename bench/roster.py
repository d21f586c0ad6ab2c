"""Roster import: how long a day's tableau de service takes to check and to put on duty,
against reading the same file with the csv module alone, measured in the same run.

    python bench/roster.py [--crews N]

Prints the rate at which lines are checked (decoding, separator, header, every field, the
duplicate and kind checks against the room), the time to journal N prises de service in one
transaction, then the time for the same roster again (all unchanged: nothing written) and
with every line changed (N changes of composition). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.operations.roster import import_roster, read_roster
from scop.room import open_room

KINDS = ("patrouille portée", "VTT", "pédestre", "motocycliste", "cynophile", "UASA", "VPU")
DAY = date(2026, 12, 1)


def roster(n: int, radio: str = "Canal 2") -> bytes:
    lines = ["indicatif;type;division;agents;noms;radio;début;fin"]
    for i in range(n):
        lines.append(
            f"X{i:05d}-1;{KINDS[i % len(KINDS)]};Division {i % 5};3;"
            f"A. Un / B. Deux / C. Trois;{radio};07:00;19:00"
        )
    return ("\n".join(lines) + "\n").encode("cp1252")


def best(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--crews", type=int, default=2000)
    args = p.parse_args()
    n = args.crews
    data = roster(n)

    baseline = best(lambda: list(csv.reader(io.StringIO(data.decode("cp1252")), delimiter=";")))
    check = best(lambda: read_roster(data, "bench.csv", None, DAY))

    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
        store = JournalStore.open(f"sqlite:///{tmp}/salle.sqlite", clock)
        room = open_room(store, clock, Operator("Banc d'essai", "chief"), mode="live")
        t0 = time.perf_counter()
        report = read_roster(data, "bench.csv", room.state, DAY)
        import_roster(room, report)
        first = time.perf_counter() - t0
        assert len(room.state.crews) == n
        t0 = time.perf_counter()
        again = read_roster(data, "bench.csv", room.state, DAY)
        import_roster(room, again)
        unchanged = time.perf_counter() - t0
        assert len(again.unchanged) == n
        changed_data = roster(n, radio="Canal 5")
        t0 = time.perf_counter()
        changed = read_roster(changed_data, "bench.csv", room.state, DAY)
        import_roster(room, changed)
        updated = time.perf_counter() - t0
        assert len(changed.updated) == n
        entries = store.head()[0]
        store.close()

    figures = {
        "crews": n,
        "csv_module_lines_per_s": round(n / baseline),
        "check_lines_per_s": round(n / check),
        "check_vs_csv_module": round(check / baseline, 1),
        "first_import_s": round(first, 3),
        "reimport_unchanged_s": round(unchanged, 3),
        "reimport_all_changed_s": round(updated, 3),
        "journal_entries": entries,
    }
    print(f"csv seul            : {figures['csv_module_lines_per_s']:>9} lignes/s")
    print(
        f"vérification        : {figures['check_lines_per_s']:>9} lignes/s "
        f"(×{figures['check_vs_csv_module']} le temps du csv seul)"
    )
    print(f"première importation: {first:.3f} s pour {n} prises de service (une transaction)")
    print(f"même tableau        : {unchanged:.3f} s (rien d'écrit)")
    print(f"tout modifié        : {updated:.3f} s ({n} changements de composition)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
