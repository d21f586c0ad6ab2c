"""Les cartes de l'observatoire: what a refresh of the map's layer costs.

On a 24 h generated shift (the generator's usual volume), and on DAYS of it, for the layer's
default period (the last 12 h):
1. switching the layer on: the journal's entries into a fresh tally, both levels counted
   (each event of the period placed by point-in-polygon, both levels), the page's JSON built;
2. a refresh while on, or after a replay seek (the tally keeps a replay's journal): both
   levels counted again at another instant and the JSON built;
3. the whole journal's events placed at once (a period as long as the journal);
against the baseline of the same run: one pass over the entries that only picks the
``event.created`` ones (what any count must at least do), as ratios.

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from scop.models.entries import GENESIS_HASH, Entry, seal
from scop.replay.generate import GenEntry, generate_shift
from scop.reports.choropleth import Level, Tally, layer_payload

START = datetime(2026, 10, 1, 4, 0, tzinfo=UTC)


def journal(days: int) -> list[Entry]:
    out: list[Entry] = []
    prev = GENESIS_HASH
    for d in range(days):
        items = generate_shift(START + timedelta(days=d), hours=24, fix_period=3600, seed=d)
        for g in sorted((i for i in items if isinstance(i, GenEntry)), key=lambda g: g.ts):
            e = seal(len(out) + 1, g.ts, g.author, g.draft, prev)
            prev = e.hash
            out.append(e)
    return out


def best_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times)


def run(days: int, repeat: int) -> dict[str, float]:
    entries = journal(days)
    events = sum(1 for e in entries if e.kind == "event.created")
    end = entries[-1].ts
    baseline = best_ms(lambda: [e for e in entries if e.kind == "event.created"], repeat)

    def refresh(tally: Tally, at: datetime = end) -> None:
        by = {lv: tally.count(at - timedelta(hours=12), at, "", lv) for lv in Level}
        json.dumps(layer_payload(by))

    def switch_on() -> Tally:
        t = Tally()
        t.add(entries)
        refresh(t)
        return t

    first = best_ms(switch_on, repeat)
    tally = switch_on()

    times = []
    for i in range(repeat * 5):
        t0 = time.perf_counter()
        refresh(tally, end - timedelta(minutes=7 * i))  # the instant moves (live, or a seek)
        times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)

    def whole() -> None:
        t = Tally()
        t.add(entries)
        for lv in Level:
            t.count(START, end + timedelta(seconds=1), "", lv)

    whole_ms = best_ms(whole, 1)
    print(
        f"{days} day(s): {len(entries)} entries, {events} events; baseline pass {baseline:.1f} ms;"
        f" switch on (12 h) {first:.1f} ms ({first / baseline:.1f}x);"
        f" refresh or seek median {med:.1f} ms"
        f" ({med / baseline:.1f}x); whole journal placed {whole_ms:.0f} ms"
        f" ({whole_ms / baseline:.0f}x)"
    )
    return {
        f"d{days}_entries": len(entries),
        f"d{days}_events": events,
        f"d{days}_baseline_ms": baseline,
        f"d{days}_switch_on_ms": first,
        f"d{days}_refresh_ms": med,
        f"d{days}_refresh_ratio": med / baseline,
        f"d{days}_whole_ms": whole_ms,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    out: dict[str, float] = {}
    for days in sorted({1, args.days}):
        out |= run(days, args.repeat)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
