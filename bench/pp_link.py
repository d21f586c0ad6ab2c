"""PP link benchmark: messages per second end to end, and latency, over loopback.

End to end = the PP simulator sends an EMSI message; the console's link parses and validates it
against the schemas, journals it in a real SQLite room (WAL, synchronous=FULL), folds it and
sends RECU then INTEGRE; the simulator parses and validates the acknowledgement. Measured:
- throughput: N messages queued at once, time until the last RECU arrives;
- latency: one message at a time, send → RECU, p50 and p99;
- steady: a message every 10 ms (100 msg/s, the goal's load) for ``--steady`` messages,
  send → RECU p50 and p99 (goal: p99 ≤ 10 ms).
Baseline, same run, same frames: a bare websockets echo (throughput pipelined, round-trip
latency one at a time) with the link's websocket settings (no permessage-deflate), and the same
echo with permessage-deflate at both ends (websockets' default, the baseline the issue's goal
was first measured on). The three runs take turns, ``--rounds`` times (default 5), and each
figure is the median over the rounds, each ratio the median of the rounds' own ratios: the
machine is shared, and one slow moment used to move a single echo run by half.

Two topologies, each with its own baseline in the same topology (``--topology``, default both):
- shared: both ends in one process and one event loop, the issue's first figures. The PP
  stand-in (which builds and validates each EMSI, and parses and validates RECU and INTEGRE) is
  then charged to the link: its CPU is about 40 % of the total.
- split: the PP stand-in in another process, as the Préfecture's system is another machine,
  and the echo's client in another process too, so that the comparison stays fair. Each side's
  CPU per message is printed. On two cores shared with other work, the echo gains more from
  the second process than the link does: the split ratio is not the flattering one.
The JSON's top-level figures are the shared topology's (the issue's); ``split`` holds the other.
On a shared, noisy machine the CPU time per message (both ends, throughput run) is printed
too: it moves far less with the load than the rates.

``--link-compression deflate`` makes the link offer permessage-deflate, as it did when the
issue's first figures were taken (its echo was websockets' default, deflate): the echo on the
link's settings then uses it too, and "ratio link/echo" is that time's same-settings ratio.

Usage: .venv/bin/python bench/pp_link.py [--messages 2000] [--serial 300] [--steady 1000]
       [--rounds 5] [--topology both|split|shared] [--link-compression none|deflate]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402

from scop.clock import SystemClock  # noqa: E402
from scop.journal.store import JournalStore  # noqa: E402
from scop.models.entries import Operator  # noqa: E402
from scop.protocols import pp_link  # noqa: E402
from scop.protocols.edxl import EventInfo, build_pp_emsi, dumps  # noqa: E402
from scop.protocols.pp_link import LinkConfig, PPLink  # noqa: E402
from scop.protocols.pp_sim import PPSimulator  # noqa: E402
from scop.room import open_room, settle_heap  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def drive(
    sim: PPSimulator, n: int, serial: int, steady: int, phase: Any = None
) -> dict[str, Any]:
    """The PP's side of the three runs; ``phase(name)`` is told when the throughput run starts
    and ends (the console's process then reads its own CPU time over the same span)."""
    ep = sim.endpoint
    acked: dict[str, float] = {}
    original = ep.mark_acked
    waiting: set[str] = set()  # sent, RECU not yet here
    all_in = asyncio.Event()

    def mark(did: str, step: str, refused: bool) -> None:
        if step == "RECU":
            acked.setdefault(did, time.perf_counter())
            waiting.discard(did)
            if not waiting:
                all_in.set()
        original(did, step, refused)

    async def until_acked(dids: list[str]) -> None:
        """Woken by the last RECU (polling the whole list was the bench's own O(n) work, charged
        to the link: up to a tenth of its CPU per message on the throughput run)."""
        waiting.update(d for d in dids if d not in acked)
        if waiting:
            all_in.clear()
            await all_in.wait()

    ep.mark_acked = mark  # type: ignore[method-assign]
    events = [
        EventInfo(f"PP-{i}", "FIR", f"Feu n° {i}", 3, "en_cours", "1 Rue X", 2.37, 48.86)
        for i in range(10)
    ]

    # throughput, pipelined
    if phase is not None:
        phase("start")
    t0, c0 = time.perf_counter(), time.process_time()
    dids = [sim.send_pp("point_de_situation", events[i % 10], f"seq {i}") for i in range(n)]
    await until_acked(dids)
    elapsed = max(acked[d] for d in dids) - t0
    cpu = time.process_time() - c0
    if phase is not None:
        phase("end")

    # latency, one at a time
    lat: list[float] = []
    for i in range(serial):
        t = time.perf_counter()
        did = sim.send_pp("point_de_situation", events[i % 10], f"serial {i}")
        await until_acked([did])
        lat.append((acked[did] - t) * 1000)

    # steady 100 msg/s: each message sent on its tick, whatever the previous ones became
    sent_at: dict[str, float] = {}
    start = time.perf_counter()
    for i in range(steady):
        delay = start + i / 100 - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        did = sim.send_pp("point_de_situation", events[i % 10], f"steady {i}")
        sent_at[did] = time.perf_counter()
    await until_acked(list(sent_at))
    steady_lat = [(acked[d] - t) * 1000 for d, t in sent_at.items()] or [0.0]
    return {
        "rate": n / elapsed,
        "sim_cpu_us": cpu / n * 1e6,
        "p50": statistics.median(lat) if lat else 0.0,
        "p99": pct(lat, 0.99) if lat else 0.0,
        "steady_p50": statistics.median(steady_lat),
        "steady_p99": pct(steady_lat, 0.99),
    }


async def open_link(db: Path, url: str) -> tuple[JournalStore, PPLink, asyncio.Task[None]]:
    clock = SystemClock()
    store = JournalStore.open(f"sqlite:///{db}", clock)
    room = open_room(store, clock, Operator("Banc d'essai", "chief"), label="Banc PP")
    settle_heap()  # as the console and the gateway do once the journal is folded
    link = PPLink(room, LinkConfig(url))
    task = asyncio.create_task(link.run())
    while not link.connected:
        await asyncio.sleep(0.01)
    return store, link, task


async def close_link(store: JournalStore, task: asyncio.Task[None]) -> int:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    entries = store.count()
    store.close()
    return entries


async def link_run(n: int, serial: int, db: Path, steady: int = 0) -> dict[str, float]:
    """Both ends in this process and loop: the CPU per message is the two sides' together."""
    sim = PPSimulator()
    await sim.start()
    store, _link, task = await open_link(db, sim.url)
    spans: dict[str, float] = {}
    out = await drive(
        sim, n, serial, steady, lambda name: spans.__setitem__(name, time.process_time())
    )
    entries = await close_link(store, task)
    await sim.stop()
    return {**out, "cpu_us": (spans["end"] - spans["start"]) / n * 1e6, "entries": entries}


def _child(args: list[str]) -> Any:
    """This script in another process (the PP, or the echo's client, is another machine)."""
    return asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


async def sim_process(n: int, serial: int, steady: int) -> None:
    """--role sim: the PP stand-in alone; prints its url, waits for a line, drives the runs,
    prints ``start``/``end`` around the throughput run and its results as the last line."""
    sim = PPSimulator()
    await sim.start()
    settle_heap()  # the collector's settings of the console (shared, the PP had them too)
    print("url", sim.url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    out = await drive(sim, n, serial, steady, lambda name: print(name, flush=True))
    await sim.stop()
    print(json.dumps(out), flush=True)


async def child_result(proc: Any) -> tuple[dict[str, float], dict[str, Any]]:
    """This process's CPU clock when the child says « start » and « end » (what it timed
    is what this side did meanwhile), and the JSON object the child ends with."""
    spans: dict[str, float] = {}
    while True:
        line = (await proc.stdout.readline()).decode().strip()
        if line in ("start", "end"):
            spans[line] = time.process_time()
        elif line.startswith("{") or not line:
            break
    await proc.wait()
    return spans, json.loads(line)


async def link_run_split(n: int, serial: int, db: Path, steady: int = 0) -> dict[str, float]:
    """The PP stand-in in another process: this process's CPU is the console's link alone."""
    proc = await _child(
        ["--role", "sim", "--messages", str(n), "--serial", str(serial), "--steady", str(steady)]
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    url = (await proc.stdout.readline()).decode().split()[1]
    store, _link, task = await open_link(db, url)
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()
    spans, out = await child_result(proc)
    entries = await close_link(store, task)
    link_cpu = (spans["end"] - spans["start"]) / n * 1e6
    return {
        **out,
        "link_cpu_us": link_cpu,
        "cpu_us": link_cpu + out["sim_cpu_us"],
        "entries": entries,
    }


async def echo_client(
    url: str, n: int, serial: int, frame: str, compression: str | None, phase: Any = None
) -> dict[str, float]:
    async with connect(url, max_size=1 << 20, compression=compression) as ws:
        if phase is not None:
            phase("start")
        t0, c0 = time.perf_counter(), time.process_time()

        async def reader() -> None:
            for _ in range(n):
                await ws.recv()

        r = asyncio.create_task(reader())
        for _ in range(n):
            await ws.send(frame)
        await r
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        if phase is not None:
            phase("end")
        lat = []
        for _ in range(serial):
            t = time.perf_counter()
            await ws.send(frame)
            await ws.recv()
            lat.append((time.perf_counter() - t) * 1000)
    return {
        "rate": n / elapsed,
        "client_cpu_us": cpu / n * 1e6,
        "p50": statistics.median(lat) if lat else 0.0,
        "p99": pct(lat, 0.99) if lat else 0.0,
    }


async def echo_client_process(url: str, n: int, serial: int, compression: str | None) -> None:
    """--role echo: the echo's client alone, in its own process like the PP stand-in."""
    out = await echo_client(
        url, n, serial, pp_frame(), compression, lambda name: print(name, flush=True)
    )
    print(json.dumps(out), flush=True)


async def echo_run(
    n: int, serial: int, frame: str, compression: str | None = None, split: bool = False
) -> dict[str, float]:
    async def echo(ws: object) -> None:
        async for msg in ws:  # type: ignore[attr-defined]
            await ws.send(msg)  # type: ignore[attr-defined]

    server = await serve(echo, "127.0.0.1", 0, max_size=1 << 20, compression=compression)
    port = next(iter(server.sockets)).getsockname()[1]
    url = f"ws://127.0.0.1:{port}"
    if not split:
        spans: dict[str, float] = {}
        out = await echo_client(
            url, n, serial, frame, compression, lambda k: spans.__setitem__(k, time.process_time())
        )
        out["cpu_us"] = (spans["end"] - spans["start"]) / n * 1e6
    else:
        proc = await _child(
            [
                "--role",
                "echo",
                "--url",
                url,
                "--messages",
                str(n),
                "--serial",
                str(serial),
                "--compression",
                compression or "none",
            ]
        )
        assert proc.stdout is not None
        spans, out = await child_result(proc)
        out["server_cpu_us"] = (spans["end"] - spans["start"]) / n * 1e6
        out["cpu_us"] = out["server_cpu_us"] + out["client_cpu_us"]
    server.close()
    await server.wait_closed()
    return out


def pp_frame() -> str:
    return dumps(
        build_pp_emsi(
            "point_de_situation",
            EventInfo("PP-0", "FIR", "Feu n° 0"),
            identity=PPSimulator().endpoint.identity,
            now=SystemClock().now(),
            exercise=False,
            text="seq 0",
        )
    )


def topology(args: argparse.Namespace, frame: str, split: bool) -> dict[str, Any]:
    """``--rounds`` rounds, each one run of the echo (the link's settings), of the deflate echo
    and of the link, back to back: a hiccup of the shared machine moves one round, and each
    figure is the median over the rounds, each ratio the median of the rounds' ratios. The
    echo's run lasts a tenth of the link's; one slow moment used to move it by half. Latency
    and the steady run are measured in the last round only."""
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as d:
        for r in range(args.rounds):
            last = r == args.rounds - 1
            serial = args.serial if last else 0
            # The link's websocket settings (no permessage-deflate): its transport alone.
            base = asyncio.run(echo_run(args.messages, serial, frame, pp_link.COMPRESSION, split))
            # websockets' default (permessage-deflate), the baseline the issue's goal was set on.
            deflate = asyncio.run(echo_run(args.messages, 0, frame, "deflate", split))
            run = link_run_split if split else link_run
            db = Path(d) / f"bench-{r}.sqlite"
            link = asyncio.run(run(args.messages, serial, db, args.steady if last else 0))
            rounds.append({"base": base, "deflate": deflate, "link": link})
    return {"rounds": rounds}


def _median(rounds: list[dict[str, Any]], key: Any) -> float:
    return float(statistics.median(key(r) for r in rounds))


def report(name: str, r: dict[str, Any], steady: int) -> dict[str, Any]:
    rounds = r["rounds"]
    last = rounds[-1]
    sides_known = "link_cpu_us" in last["link"]
    base = {
        "rate": _median(rounds, lambda x: x["base"]["rate"]),
        "cpu_us": _median(rounds, lambda x: x["base"]["cpu_us"]),
        "p50": last["base"]["p50"],
        "p99": last["base"]["p99"],
    }
    deflate = {
        "rate": _median(rounds, lambda x: x["deflate"]["rate"]),
        "cpu_us": _median(rounds, lambda x: x["deflate"]["cpu_us"]),
    }
    link = {
        **last["link"],
        "rate": _median(rounds, lambda x: x["link"]["rate"]),
        "cpu_us": _median(rounds, lambda x: x["link"]["cpu_us"]),
    }
    if sides_known:
        link["link_cpu_us"] = _median(rounds, lambda x: x["link"]["link_cpu_us"])
        link["sim_cpu_us"] = _median(rounds, lambda x: x["link"]["sim_cpu_us"])
    ratio = _median(rounds, lambda x: x["link"]["rate"] / x["base"]["rate"])
    ratio_deflate = _median(rounds, lambda x: x["link"]["rate"] / x["deflate"]["rate"])
    print(f"-- {name}: medians of {len(rounds)} rounds (echo, deflate echo, link, in turn)")
    print(
        f"bare websockets echo : {base['rate']:8.0f} msg/s, round trip p50 "
        f"{base['p50']:.2f} ms, p99 {base['p99']:.2f} ms (the link's settings: "
        f"{pp_link.COMPRESSION or 'no deflate'})"
    )
    print(
        f"  same, with deflate : {deflate['rate']:8.0f} msg/s (websockets' default, the "
        "baseline of the issue's goal)"
    )
    print(
        f"PP link end to end   : {link['rate']:8.0f} msg/s (validate, journal, RECU+INTEGRE),"
        f" p50 {link['p50']:.2f} ms, p99 {link['p99']:.2f} ms ({link['entries']} entries)"
    )
    print(
        f"PP link steady 100/s : {steady} messages, send → RECU p50 "
        f"{link['steady_p50']:.2f} ms, p99 {link['steady_p99']:.2f} ms (goal p99 ≤ 10 ms)"
    )
    print(
        f"ratio link/echo: throughput {ratio:.3f} ({ratio_deflate:.3f} against the deflate "
        f"echo), p50 latency x{link['p50'] / base['p50']:.1f}; the rounds' ratios: "
        + ", ".join(f"{x['link']['rate'] / x['base']['rate']:.3f}" for x in rounds)
        + " ("
        + ", ".join(f"{x['link']['rate'] / x['deflate']['rate']:.3f}" for x in rounds)
        + ")"
    )
    sides = (
        f" = console's link {link['link_cpu_us']:.0f} + PP stand-in {link['sim_cpu_us']:.0f}"
        if "link_cpu_us" in link
        else " (the PP stand-in's included)"
    )
    print(
        f"CPU per message (both ends): link {link['cpu_us']:.0f} µs{sides}, "
        f"echo {base['cpu_us']:.0f} µs (x{link['cpu_us'] / base['cpu_us']:.1f}), "
        f"deflate echo {deflate['cpu_us']:.0f} µs"
    )
    out = {
        "link_msg_per_s": round(link["rate"], 1),
        "link_p50_ms": round(link["p50"], 3),
        "link_p99_ms": round(link["p99"], 3),
        "echo_msg_per_s": round(base["rate"], 1),
        "echo_p50_ms": round(base["p50"], 3),
        "echo_p99_ms": round(base["p99"], 3),
        "throughput_ratio": round(ratio, 4),
        "echo_deflate_msg_per_s": round(deflate["rate"], 1),
        "throughput_ratio_vs_deflate_echo": round(ratio_deflate, 4),
        "steady_100_p50_ms": round(link["steady_p50"], 3),
        "steady_100_p99_ms": round(link["steady_p99"], 3),
        "p50_latency_ratio": round(link["p50"] / base["p50"], 2),
        "link_cpu_us_per_msg": round(link["cpu_us"], 1),
        "echo_cpu_us_per_msg": round(base["cpu_us"], 1),
        "echo_deflate_cpu_us_per_msg": round(deflate["cpu_us"], 1),
        "rounds": len(rounds),
        "round_ratios": [round(x["link"]["rate"] / x["base"]["rate"], 4) for x in rounds],
        "round_ratios_vs_deflate_echo": [
            round(x["link"]["rate"] / x["deflate"]["rate"], 4) for x in rounds
        ],
    }
    if "link_cpu_us" in link:
        out["console_side_cpu_us_per_msg"] = round(link["link_cpu_us"], 1)
        out["pp_side_cpu_us_per_msg"] = round(link["sim_cpu_us"], 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--serial", type=int, default=300)
    ap.add_argument("--steady", type=int, default=1000)
    ap.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="echo, deflate echo and link runs in turn, this many times; medians are reported",
    )
    ap.add_argument(
        "--topology",
        choices=("both", "split", "shared"),
        default="both",
        help="split: the PP stand-in (and the echo's client) in another process; shared: one "
        "process and loop for both ends (the issue's first figures); both (default)",
    )
    ap.add_argument(
        "--link-compression",
        choices=("none", "deflate"),
        default="none",
        help="deflate: the link offers permessage-deflate, as it did when the issue's first "
        "figures were taken, and the echo on the link's settings uses it too (the same-settings "
        "ratio of that time); none (default): the link as it ships",
    )
    ap.add_argument("--role", choices=("sim", "echo"), help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--compression", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.link_compression == "deflate":
        pp_link.COMPRESSION = "deflate"  # type: ignore[assignment]  # read at each connection
    if args.role == "sim":
        asyncio.run(sim_process(args.messages, args.serial, args.steady))
        return
    if args.role == "echo":
        compression = None if args.compression == "none" else args.compression
        asyncio.run(echo_client_process(args.url, args.messages, args.serial, compression))
        return
    frame = pp_frame()
    print(f"frame size: {len(frame.encode())} bytes")
    result: dict[str, Any] = {
        "bench": "pp_link",
        "messages": args.messages,
        "serial": args.serial,
        "frame_bytes": len(frame.encode()),
        "steady_messages": args.steady,
        "topology": args.topology,
        "link_compression": args.link_compression,
    }
    if args.topology in ("both", "shared"):
        shared = report(
            "one process, one loop (PP stand-in's CPU charged to the link)",
            topology(args, frame, split=False),
            args.steady,
        )
        result.update(shared)  # the figures were measured in this topology
    if args.topology in ("both", "split"):
        split = report(
            "two processes (the PP stand-in, and the echo's client, in another process)",
            topology(args, frame, split=True),
            args.steady,
        )
        if args.topology == "split":
            result.update(split)
        result["split"] = split
    print(json.dumps(result))


if __name__ == "__main__":
    main()
