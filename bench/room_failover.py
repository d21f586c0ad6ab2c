"""What a failover costs the room: a primary and its synchronous standby on loopback (the same
clusters as the failover test), two consoles writing through the multi-host URL, the primary
SIGKILLed mid-traffic and the standby promoted at once (as an operator or Patroni would).

Figures: ``failover_unavailable_s``, from the kill to the first commit accepted again (the
baseline, measured in the same run, is ``pg_ctl promote`` alone); ``failover_lost_entries``,
entries a console saw committed that the new primary does not hold (must be 0).
``bench/room.py`` calls :func:`failover_figures`; run alone, this script prints its figures
and ends with one JSON line.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from scoptest.pgcluster import ha_pair  # noqa: E402

from scop.clock import SystemClock  # noqa: E402
from scop.journal.store import JournalStore  # noqa: E402
from scop.models.entries import Entry, Operator  # noqa: E402
from scop.room import CommandRefused, open_room  # noqa: E402


class _Writer(threading.Thread):
    """One console writing notes as fast as the database takes them."""

    def __init__(self, url: str, name: str) -> None:
        super().__init__(daemon=True)
        clock = SystemClock()
        self.store = JournalStore.open(url, clock)
        self.room = open_room(self.store, clock, Operator(name, "operator"), workstation=name)
        self.committed: list[tuple[float, float, Entry]] = []  # asked, done, entry
        self.refused = 0
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            started = time.monotonic()  # a commit counts from when it was asked for
            try:
                e = self.room.note(f"{self.room.operator.name} n° {n}")
                self.committed.append((started, time.monotonic(), e))
            except CommandRefused:
                self.refused += 1
                time.sleep(0.01)
            n += 1


def failover_figures(before_s: float = 2.0, after_s: float = 2.0) -> dict[str, Any]:
    with ha_pair() as pair:
        url = pair.url()
        clock = SystemClock()
        admin = JournalStore.open(url, clock)
        open_room(admin, clock, Operator("Banc", "system"), mode="live")
        writers = [_Writer(url, "poste-1"), _Writer(url, "poste-2")]
        for w in writers:
            w.start()
        time.sleep(before_s)
        pair.primary.kill()
        killed = t0 = time.monotonic()  # every process of the primary is gone
        pair.standby.promote()
        promote_s = time.monotonic() - t0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            any(asked > killed for asked, _d, _e in w.committed) for w in writers
        ):
            time.sleep(0.01)
        # Writable again: the first commit asked for after the kill has come back.
        back = min(done for w in writers for asked, done, _e in w.committed if asked > killed)
        time.sleep(after_s)
        for w in writers:
            w.stop.set()
            w.join(30)
        held = {e.position: e.hash for e in admin.iter_entries()}
        lost = sum(
            1 for w in writers for _a, _d, e in w.committed if held.get(e.position) != e.hash
        )
        verified = admin.verify().ok
        entries = len(held)
        for w in writers:
            w.store.close()
        admin.close()
    return {
        "failover_unavailable_s": round(back - killed, 3),
        "failover_lost_entries": lost,
        "failover_promote_s": round(promote_s, 3),
        "failover_chain_ok": verified,
        "failover_entries": entries,
        "failover_refused_commands": sum(w.refused for w in writers),
    }


def main() -> None:
    figures = failover_figures()
    down, promote = figures["failover_unavailable_s"], figures["failover_promote_s"]
    print(
        f"Primaire tué, secours promu : base inscriptible de nouveau après {down:.2f} s "
        f"(pg_ctl promote seul : {promote:.2f} s, rapport {down / max(promote, 1e-3):.2f})"
    )
    print(
        f"Entrées validées perdues : {figures['failover_lost_entries']} "
        f"sur {figures['failover_entries']} ; chaîne vérifiée : {figures['failover_chain_ok']} ; "
        f"refus pendant la bascule : {figures['failover_refused_commands']}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
