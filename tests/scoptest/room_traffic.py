"""Workstations sending random commands at one room, each in its own process (spawned by
the concurrency tests). Each draws its commands from its own, possibly stale, copy of the
state, as an operator clicks on what their screen shows."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from typing import Any

from scop import map_commands as mc
from scop import operations as ops
from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.models.state import RoomState
from scop.protocols import outbox
from scop.room import CommandRefused, Room

# How long a worker waits for the others or for its start: a bound for a hang (spawning a
# process and importing the console takes seconds on a loaded machine), not a measure of speed.
PATIENCE = 120.0
OBERKAMPF = (2.37282, 48.864649)


def open_workstation(url: str, name: str) -> Room:
    store = JournalStore.open(url, SystemClock())
    room = Room(store, SystemClock(), Operator(name, "chief"), f"poste-{name}")
    room.load()
    return room


def snapshot(st: RoomState) -> dict[str, Any]:
    """What two folds of one journal must agree on."""
    return {
        "position": st.position,
        "crews": dict(st.crews),
        "events": dict(st.events),
        "perimeters": dict(st.perimeters),
        "corrections": dict(st.corrections),
        "messages": {k: repr(m) for k, m in st.messages.items()},
    }


def _pick(rng: random.Random, items: list[str]) -> str | None:
    return rng.choice(items) if items else None


def random_command(room: Room, rng: random.Random) -> Callable[[], object] | None:
    st = room.state
    events = sorted(st.events)
    open_events = [i for i, e in st.events.items() if e.status != "clos"]
    crews = sorted(st.crews)
    engaged = [c for c, x in st.crews.items() if x.status in ("engage", "sur_les_lieux")]
    r = rng.random()
    lon, lat = OBERKAMPF[0] + rng.uniform(-0.01, 0.01), OBERKAMPF[1] + rng.uniform(-0.01, 0.01)
    if r < 0.15 or len(open_events) < 3:
        return lambda: ops.create_event(
            room, source="appel_3975", category="FIR", gravity=rng.randint(1, 4), lon=lon, lat=lat
        )
    if r < 0.45:
        cs, ev = _pick(rng, crews), _pick(rng, open_events)
        return (lambda: ops.engage(room, cs, ev)) if cs and ev else None
    if r < 0.55:
        cs, ev = _pick(rng, engaged), _pick(rng, open_events)
        return (lambda: ops.reroute(room, cs, ev)) if cs and ev else None
    if r < 0.63:
        cs = _pick(rng, engaged)
        return (lambda: ops.release(room, cs)) if cs else None
    if r < 0.68:
        cs = _pick(rng, engaged)
        return (lambda: ops.crew_on_scene(room, cs)) if cs else None
    if r < 0.73:
        cs = _pick(rng, crews)
        status = rng.choice(["indisponible", "disponible", "hors_service"])
        return (lambda: ops.set_crew_status(room, cs, status)) if cs else None
    if r < 0.78:
        ev = _pick(rng, open_events)
        return (lambda: ops.close_event(room, ev, "traité")) if ev else None
    if r < 0.83:
        ev = _pick(rng, events)
        return (lambda: ops.change_gravity(room, ev, rng.randint(1, 4))) if ev else None
    if r < 0.88:
        ev = _pick(rng, events)
        return (lambda: ops.add_info(room, ev, "témoin rappelle", "appel_3975")) if ev else None
    if r < 0.91:
        return lambda: mc.draw_circle(room, lon, lat, 50.0)
    if r < 0.94:
        per = _pick(rng, sorted(st.perimeters))
        return (lambda: mc.lift_perimeter(room, per)) if per else None
    drafts = sorted(k for k, m in st.messages.items() if m.state == "brouillon")
    if r < 0.96:
        ev = _pick(rng, open_events)
        return (
            (lambda: outbox.draft_message(room, ev, "alerte", {"texte": "point"})) if ev else None
        )
    if r < 0.98:
        d = _pick(rng, drafts)
        return (lambda: outbox.validate_draft(room, d)) if d else None
    if r < 0.99:
        d = _pick(rng, drafts)
        return (lambda: outbox.discard_draft(room, d, "doublon")) if d else None
    return lambda: room.note(f"note {rng.randint(0, 999)}")


def run_random(
    url: str, name: str, seed: int, count: int, start: Any = None, finished: Any = None
) -> dict[str, Any]:
    """Send ``count`` random commands; never sync by hand between them (only commands catch
    up, inside their transaction). Once every worker is ``finished`` (a barrier), sync and
    return counts and the final state."""
    room = open_workstation(url, name)
    rng = random.Random(seed)
    if start is not None:
        start.wait(PATIENCE)
    done = refused = 0
    while done + refused < count:
        command = random_command(room, rng)
        if command is None:
            continue
        try:
            command()
            done += 1
        except CommandRefused:
            refused += 1
    if finished is not None:
        finished.wait(PATIENCE)
    room.sync()
    result = {"done": done, "refused": refused, "state": snapshot(room.state)}
    room.store.close()
    return result


def engage_at_once(url: str, name: str, call_sign: str, event_id: str, start: Any) -> str:
    """Wait for the start signal, then engage: 'ok' or the refusal's text."""
    room = open_workstation(url, name)
    start.wait(PATIENCE)
    try:
        ops.engage(room, call_sign, event_id)
        return "ok"
    except CommandRefused as e:
        return str(e)
    finally:
        room.store.close()


def traffic_until(url: str, name: str, seed: int, stop: Any) -> int:
    """Random commands until ``stop`` is set (or the process is killed)."""
    room = open_workstation(url, name)
    rng = random.Random(seed)
    n = 0
    while not stop.is_set():
        command = random_command(room, rng)
        if command is None:
            continue
        with contextlib.suppress(CommandRefused):
            command()
        n += 1
    room.store.close()
    return n
