"""A synthetic shift: calls, events, crews engaged, rerouted (déroulements) and moving,
fiches, PP messages.

Deterministic for a seed. It feeds the replay tests (played live through a real room, then
replayed) and the benchmarks (written straight into SQLite, hash chain sealed by the journal
code: bench/dashboard.py's 24 hours at 240 events an hour and 180 crews are ~50,000 entries).
"""

from __future__ import annotations

import heapq
import json
import math
import random
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scop.clock import ManualClock, to_iso
from scop.demo import ARRONDISSEMENTS, DEMO_CHIEF, DEMO_OPERATOR, DIVISIONS, SPEEDS
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models import fold_operations as ko
from scop.models.entities import PositionFix
from scop.models.entries import GENESIS_HASH, SYSTEM, Draft, Operator, seal
from scop.models.nomenclatures import KIND_OF_MODE
from scop.models.vocabulary import (
    AckStep,
    CrewMode,
    CrewStatus,
    EventStatus,
    MessageKind,
    Source,
)
from scop.operations.duty import CrewDuty, registration_draft
from scop.room import Room

CATEGORIES = (
    ("ASB", "Tapage nocturne", 1),
    ("ASB", "Rixe sur la voie publique", 3),
    ("ASB/ABV", "Véhicule gênant sur emplacement livraison", 1),
    ("TRP/COL", "Accident matériel", 2),
    ("FLD", "Fuite d'eau sur la voie publique", 2),
    ("PSW/SUS", "Occupation de hall d'immeuble", 2),
    ("HLT", "Personne vulnérable en détresse", 3),
    ("ASB", "Dépôt sauvage", 1),
    ("FIR", "Feu de poubelle", 2),
    ("FIR", "Feu d'appartement", 4),
)
# A few apartment fires a day, not one event in ten.
CATEGORY_WEIGHTS = (14, 8, 16, 10, 6, 8, 8, 14, 4, 0.4)
# A serious event (gravity 3+) takes, this often, a crew still on its way to a less serious
# one of its division (a déroulement), and always when the division has no crew free.
REROUTE_SHARE = 0.15
SOURCES = (
    Source.APPEL_3975,
    Source.APPEL_3975,
    Source.APPEL_3975,
    Source.DANSMARUE,
    Source.EQUIPAGE,
    Source.PARTENAIRE,
    Source.PP,
)
STREETS = (
    "Rue Oberkampf",
    "Rue de la Roquette",
    "Boulevard Voltaire",
    "Rue du Faubourg Saint-Antoine",
    "Rue de Rivoli",
    "Boulevard de Belleville",
    "Rue de Vaugirard",
    "Avenue de Clichy",
    "Rue de Charenton",
    "Boulevard Magenta",
)
NOTES = (
    "Équipage sur place, situation calme.",
    "Requérant rappelé, pas de réponse.",
    "Périmètre de sécurité mis en place.",
    "Bailleur prévenu par téléphone.",
    "Personne prise en charge par la BSPP.",
    "Renfort demandé par l'équipage.",
)
FIRE_STEPS = ("confirmer_bspp", "perimetre", "alerte_pp", "informer_mairie", "evacuation")
OPERATORS = (
    DEMO_OPERATOR,
    Operator("C. Nguyen", "operator"),
    Operator("D. Haddad", "operator"),
    Operator("E. Rousseau", "operator"),
)


@dataclass(frozen=True, slots=True)
class GenEntry:
    ts: datetime
    draft: Draft
    author: Operator


Item = GenEntry | PositionFix


@dataclass
class _Crew:
    call_sign: str
    arr: int
    mode: str
    lon: float
    lat: float
    status: str = CrewStatus.DISPONIBLE
    event: str | None = None
    target: tuple[float, float] | None = None


@dataclass
class _Sim:
    rng: random.Random
    start: datetime
    crews: dict[str, _Crew] = field(default_factory=dict)
    events: dict[str, tuple[float, float]] = field(default_factory=dict)
    meta: dict[str, tuple[int, str, int]] = field(default_factory=dict)  # arr, category, gravity
    heap: list[tuple[float, int, Callable[[float], list[Draft]]]] = field(default_factory=list)
    seq: int = 0
    next_event: int = 1
    position: int = 0
    notes: list[int] = field(default_factory=list)

    def at(self, when: float, action: Callable[[float], list[Draft]]) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (when, self.seq, action))


def _division(arr: int) -> str:
    return next(name for name, arrs in DIVISIONS.items() if arr in arrs)


def _crews(n: int, rng: random.Random) -> list[_Crew]:
    out: list[_Crew] = []
    modes = (CrewMode.VEHICULE, CrewMode.VELO, CrewMode.PIED)
    i = 0
    while len(out) < n:
        arr = (i % 20) + 1
        mode = modes[(i // 20) % 3]
        rank = i // 60 + 1
        letter = {CrewMode.VEHICULE: "V", CrewMode.VELO: "B", CrewMode.PIED: "P"}[mode]
        lon, lat = ARRONDISSEMENTS[arr]
        out.append(
            _Crew(
                f"{letter}{arr:02d}-{rank}",
                arr,
                mode,
                lon + rng.uniform(-0.006, 0.006),
                lat + rng.uniform(-0.004, 0.004),
            )
        )
        i += 1
    return out


def _new_event(sim: _Sim, now: float) -> list[Draft]:
    rng = sim.rng
    arr = rng.randint(1, 20)
    cat, title, gravity = rng.choices(CATEGORIES, weights=CATEGORY_WEIGHTS)[0]
    source = rng.choice(SOURCES)
    lon, lat = ARRONDISSEMENTS[arr]
    lon, lat = (
        round(lon + rng.uniform(-0.008, 0.008), 6),
        round(lat + rng.uniform(-0.005, 0.005), 6),
    )
    ev_id = f"EV-{sim.next_event:04d}"  # the room's one format (operations.next_event_id)
    sim.next_event += 1
    sim.events[ev_id] = (lon, lat)
    sim.meta[ev_id] = (arr, cat, gravity)
    address = f"{rng.randint(1, 120)} {rng.choice(STREETS)}, 750{arr:02d} Paris"
    payload = {
        "id": ev_id,
        "category": cat,
        "title": title,
        "gravity": gravity,
        "source": source,
        "address": address,
        "lon": lon,
        "lat": lat,
        "description": f"{title} signalé ({address}).",
    }
    sim.at(now + rng.uniform(20, 180), lambda t: _engage(sim, t, ev_id, arr, cat, gravity))
    return [Draft(k.EVENT_CREATED, payload, source)]


def _engage(  # noqa: PLR0917
    sim: _Sim, now: float, ev_id: str, arr: int, cat: str, gravity: int, first: bool = True
) -> list[Draft]:
    rng = sim.rng
    division = _division(arr)
    free = [c for c in sim.crews.values() if c.status == CrewStatus.DISPONIBLE]
    local = [c for c in free if _division(c.arr) == division]
    near = local or free
    chosen: list[_Crew] = []
    drafts: list[Draft] = []
    if gravity >= 3 and (not local or rng.random() < REROUTE_SHARE):
        drafts += _reroute(sim, now, ev_id, division, gravity, chosen, first)
    for c in rng.sample(near, min(len(near), 1 + (gravity >= 3) - len(chosen))):
        c.status, c.event, c.target = CrewStatus.ENGAGE, ev_id, sim.events[ev_id]
        chosen.append(c)
        drafts.append(Draft(k.CREW_ENGAGED, {"call_sign": c.call_sign, "event_id": ev_id}))
    if chosen:
        sim.at(now + rng.uniform(180, 720), lambda t: _on_scene(sim, t, ev_id, chosen))
    elif first:
        sim.at(now + rng.uniform(600, 1800), lambda t: _close(sim, t, ev_id, []))
    if cat == "FIR" and gravity >= 4 and first:
        _fire_procedure(sim, now, ev_id)
    return drafts


def _reroute(  # noqa: PLR0917
    sim: _Sim, now: float, ev_id: str, division: str, gravity: int, chosen: list[_Crew], new: bool
) -> list[Draft]:
    """Déroulement: a crew still on its way to a less serious event of the division is sent
    to this one instead, with the entries the console writes (operations.commands.reroute);
    the event it leaves gets a crew again a few minutes later."""
    rng = sim.rng
    on_way = [
        c
        for c in sim.crews.values()
        if c.status == CrewStatus.ENGAGE
        and c.event is not None
        and c.event != ev_id
        and _division(c.arr) == division
        and sim.meta[c.event][2] < gravity
    ]
    if not on_way:
        return []
    c = rng.choice(on_way)
    left = c.event
    assert left is not None
    c.event, c.target = ev_id, sim.events[ev_id]
    chosen.append(c)
    arr, cat, left_gravity = sim.meta[left]
    payload = {
        "call_sign": c.call_sign,
        "from_event_id": left,
        "to_event_id": ev_id,
        "from_gravity": left_gravity,
        "to_gravity": gravity,
        "reason": "Événement plus grave",
    }
    drafts = [Draft(ko.CREW_REROUTED, payload)]
    if new:  # a new event is taken in hand with its first crew
        drafts.append(Draft(k.EVENT_STATUS, {"id": ev_id, "status": EventStatus.PRIS_EN_COMPTE}))
    if not any(o.event == left for o in sim.crews.values()):
        sim.at(
            now + rng.uniform(120, 600),
            lambda t: _engage(sim, t, left, arr, cat, left_gravity, first=False),
        )
    return drafts


def _on_scene(sim: _Sim, now: float, ev_id: str, crews: list[_Crew]) -> list[Draft]:
    rng = sim.rng
    crews = [c for c in crews if c.event == ev_id]  # not those rerouted on the way
    if not crews:  # all rerouted: the event waits for the crew sent again (_reroute)
        return []
    drafts: list[Draft] = []
    for c in crews:
        c.status = CrewStatus.SUR_LES_LIEUX
        drafts.append(
            Draft(
                k.CREW_STATUS,
                {"call_sign": c.call_sign, "status": CrewStatus.SUR_LES_LIEUX},
                Source.EQUIPAGE,
            )
        )
    drafts.append(Draft(k.EVENT_STATUS, {"id": ev_id, "status": EventStatus.EN_COURS}))
    for _ in range(rng.randint(0, 3)):
        sim.at(
            now + rng.uniform(30, 600),
            lambda _t: [Draft(k.NOTE, {"text": f"{ev_id} : {rng.choice(NOTES)}"}, Source.EQUIPAGE)],
        )
    sim.at(now + rng.uniform(600, 2400), lambda t: _close(sim, t, ev_id, crews))
    return drafts


def _close(sim: _Sim, _now: float, ev_id: str, crews: list[_Crew]) -> list[Draft]:
    drafts = [Draft(k.EVENT_STATUS, {"id": ev_id, "status": EventStatus.CLOS, "reason": "Traité"})]
    for c in crews:
        if c.event == ev_id:
            c.status, c.event, c.target = CrewStatus.DISPONIBLE, None, None
            drafts.append(Draft(k.CREW_RELEASED, {"call_sign": c.call_sign}))
    return drafts


def _fire_procedure(sim: _Sim, now: float, ev_id: str) -> None:
    rng = sim.rng
    run_id = f"R-{ev_id}"
    sim.at(
        now + rng.uniform(30, 150),
        lambda _t: [
            Draft(
                "procedure.launched",
                {"run_id": run_id, "fiche_id": "incendie", "event_id": ev_id},
                author=DEMO_CHIEF,
            )
        ],
    )
    t = now + 200
    for step in FIRE_STEPS:
        t += rng.uniform(30, 240)
        sim.at(t, _step_done(run_id, step))
    dist = f"SCOP-{ev_id}-UMIP"
    draft = f"BR-{ev_id}-UMIP"
    ids = {"draft_id": draft, "event_id": ev_id, "template": MessageKind.DEMANDE_UMIP}
    t_sent = now + rng.uniform(300, 900)
    sim.at(t_sent - 60, lambda _t: [Draft("pp.message_drafted", dict(ids))])
    sim.at(
        t_sent,
        lambda _t: [
            Draft(
                "pp.message_validated",
                {**ids, "distribution_id": dist, "exercise": False, "text": "Demande UMIP"},
                author=DEMO_CHIEF,
            ),
            Draft("pp.message_sent", {"distribution_id": dist}, Source.SYSTEME, SYSTEM),
        ],
    )
    sim.at(
        t_sent + rng.uniform(40, 300),
        lambda _t: [
            Draft("pp.ack_received", {"distribution_id": dist, "step": AckStep.RECU}, Source.PP)
        ],
    )


def _step_done(run_id: str, step: str) -> Callable[[float], list[Draft]]:
    return lambda _t: [Draft("procedure.step_done", {"run_id": run_id, "step_id": step})]


def _misc(sim: _Sim, now: float, period: float) -> list[Draft]:
    rng = sim.rng
    sim.at(now + rng.expovariate(1 / period), lambda t: _misc(sim, t, period))
    if sim.notes and rng.random() < 0.05:
        return [Draft(k.CORRECTION, {"corrects": rng.choice(sim.notes), "text": "Horaire erroné"})]
    return [Draft(k.NOTE, {"text": rng.choice(NOTES)})]


def _arrivals(sim: _Sim, now: float, mean_gap: float) -> list[Draft]:
    sim.at(now + sim.rng.expovariate(1 / mean_gap), lambda t: _arrivals(sim, t, mean_gap))
    return _new_event(sim, now)


def _move(c: _Crew, rng: random.Random, dt: float) -> tuple[float, float, float]:
    if c.target is None or c.status == CrewStatus.SUR_LES_LIEUX:
        if c.status == CrewStatus.SUR_LES_LIEUX:
            return c.lon, c.lat, 0.0
        if c.target is None or rng.random() < 0.02:
            lon, lat = ARRONDISSEMENTS[c.arr]
            c.target = (lon + rng.uniform(-0.008, 0.008), lat + rng.uniform(-0.005, 0.005))
    assert c.target is not None
    tlon, tlat = c.target
    dx, dy = (tlon - c.lon) * 73_000.0, (tlat - c.lat) * 111_000.0
    dist = math.hypot(dx, dy)
    heading = (math.degrees(math.atan2(dx, dy)) + 360.0) % 360.0
    step = SPEEDS[c.mode] * (1.5 if c.event else 0.6) * dt
    if dist <= step or dist == 0:
        c.lon, c.lat = tlon, tlat
        if c.event is None:
            c.target = None
    else:
        f = step / dist
        c.lon += (tlon - c.lon) * f
        c.lat += (tlat - c.lat) * f
    return c.lon, c.lat, heading


def generate_shift(
    start: datetime | None = None,
    *,
    hours: float = 24.0,
    crews: int = 120,
    events_per_hour: float = 200.0,
    fix_period: float = 5.0,
    notes_per_hour: float = 60.0,
    seed: int = 1,
    label: str = "Vacation générée",
) -> Iterator[Item]:
    """Yield the shift in time order: entries (as the room would record them) and crew
    position fixes (every ``fix_period`` seconds for every crew on the move)."""
    rng = random.Random(seed)
    t0 = start or datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    sim = _Sim(rng, t0)
    for c in _crews(crews, rng):
        sim.crews[c.call_sign] = c

    def ts(sec: float) -> datetime:
        return t0 + timedelta(microseconds=round(sec * 1_000_000))

    opening = [
        Draft(k.ROOM_OPENED, {"mode": "live", "label": label}, Source.SYSTEME, SYSTEM),
        Draft(k.LOGIN, {"workstation": "poste-1"}),
        Draft(k.NOTE, {"text": f"Prise de service — {len(sim.crews)} équipages."}),
    ]
    # the crews go on duty for the whole generated shift, through the prise de service
    opening += [
        registration_draft(
            CrewDuty(
                call_sign=c.call_sign,
                kind=KIND_OF_MODE[c.mode],
                division=_division(c.arr),
                agents=3 if c.mode == CrewMode.VEHICULE else 2,
                duty_start=t0,
                duty_end=t0 + timedelta(hours=max(hours, 1.0)),
                lon=round(c.lon, 6),
                lat=round(c.lat, 6),
                heading=0.0,
            ),
            source=Source.EQUIPAGE,
        )
        for c in sim.crews.values()
    ]
    for i, d in enumerate(opening):
        sim.position += 1
        yield GenEntry(ts(0.001 + i * 0.0001), d, d.author or DEMO_OPERATOR)
    sim.at(60.0, lambda t: _arrivals(sim, t, 3600.0 / events_per_hour))
    sim.at(90.0, lambda t: _misc(sim, t, 3600.0 / notes_per_hour))
    end = hours * 3600.0

    def due(until: float, after: float) -> Iterator[GenEntry]:
        """The entries before ``until``, none before ``after`` (the last fixes' time)."""
        while sim.heap and sim.heap[0][0] < until:
            when, _, action = heapq.heappop(sim.heap)
            when = max(when, after)
            if when >= end:
                sim.heap.clear()
                return
            author = OPERATORS[int(when // 3600) % len(OPERATORS)]
            for d in action(when):
                sim.position += 1
                if d.kind == k.NOTE:
                    sim.notes.append(sim.position)
                yield GenEntry(ts(when), d, d.author or author)

    # Entries between two rounds of fixes, from the start: the first hour is not left empty
    # when the fixes are hours apart (the benchmarks' sparse positions).
    last, tick = 0.0, fix_period
    while tick <= end:
        yield from due(tick, last + 0.000_01)
        for c in sim.crews.values():  # on scene too: a terminal reports even when parked
            lon, lat, heading = _move(c, rng, fix_period)
            yield PositionFix(
                c.call_sign, ts(tick), round(lon, 6), round(lat, 6), round(heading, 1), None
            )
        last, tick = tick, tick + fix_period
    yield from due(end, last + 0.000_01)


def write_sqlite(path: Path, items: Iterator[Item], *, mode: str = "live") -> tuple[int, int]:
    """Write a generated shift straight into a SQLite journal: ``executemany`` for speed,
    every entry sealed by :func:`scop.models.entries.seal` so the chain verifies."""
    url = f"sqlite:///{path}"
    store = JournalStore.open(url, ManualClock())
    store.set_meta("mode", mode)
    store.set_meta("label", "Vacation générée")
    store.close()
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA synchronous=OFF")
    entries: list[tuple[object, ...]] = []
    fixes: list[tuple[object, ...]] = []
    position, prev = 0, GENESIS_HASH
    n_fixes = 0

    def flush() -> None:
        conn.executemany(
            "INSERT INTO journal_entries (position, ts, author, role, source, kind, payload,"
            " prev_hash, hash, author_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            entries,
        )
        conn.executemany(
            "INSERT INTO crew_positions (ts, call_sign, lon, lat, heading, speed)"
            " VALUES (?,?,?,?,?,?)",
            fixes,
        )
        entries.clear()
        fixes.clear()

    with conn:
        for item in items:
            if isinstance(item, PositionFix):
                fixes.append(
                    (to_iso(item.ts), item.call_sign, item.lon, item.lat, item.heading, item.speed)
                )
                n_fixes += 1
            else:
                position += 1
                e = seal(position, item.ts, item.author, item.draft, prev)
                prev = e.hash
                entries.append(
                    (
                        e.position,
                        e.ts_iso,
                        e.author,
                        e.role,
                        e.source,
                        e.kind,
                        json.dumps(e.payload, ensure_ascii=False, sort_keys=True),
                        e.prev_hash,
                        e.hash,
                        e.author_id,
                    )
                )
            if len(fixes) >= 100_000 or len(entries) >= 100_000:  # a quarter: millions
                flush()
        flush()
        conn.execute(
            "INSERT INTO journal_head (id, position, hash) VALUES (1, ?, ?)", (position, prev)
        )
    conn.close()
    return position, n_fixes


def play_live(
    room: Room, clock: ManualClock, items: Iterator[Item], on_change: Callable[[], None]
) -> None:
    """Feed a shift through a real room as it would have been lived: each entry recorded at
    its time, each tick's fixes stored together; ``on_change`` runs after each step."""
    batch: list[PositionFix] = []
    for item in items:
        if isinstance(item, PositionFix):
            if batch and batch[-1].ts != item.ts:
                clock.set(batch[-1].ts)
                room.record_positions(batch)
                on_change()
                batch = []
            batch.append(item)
            continue
        if batch:
            clock.set(batch[-1].ts)
            room.record_positions(batch)
            on_change()
            batch = []
        clock.set(item.ts)
        # Straight to the journal, not through the room's commands: this replays a made-up
        # shift with its made-up authors (a test and bench fixture), nobody acts here.
        room.store.append(
            [Draft(item.draft.kind, item.draft.payload, item.draft.source, item.author)]
        )
        room.sync()
        on_change()
    if batch:
        clock.set(batch[-1].ts)
        room.record_positions(batch)
        on_change()
