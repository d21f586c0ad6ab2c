"""The demo room: a realistic shift to open on a machine with no live feed.

Everything here is data and deterministic given its seed, so the demo, the screenshots and
the tests see the same room.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from scop.models import fold_core as k
from scop.models.entries import DEMO_SEED, Draft, Operator
from scop.models.nomenclatures import KIND_OF_MODE
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus, EventStatus
from scop.operations.duty import CrewDuty, service_drafts

if TYPE_CHECKING:
    from scop.room import Room

# Rough centre of each arrondissement (lon, lat), inside the built-up area.
ARRONDISSEMENTS: dict[int, tuple[float, float]] = {
    1: (2.3347, 48.8627),
    2: (2.3411, 48.8679),
    3: (2.3621, 48.8645),
    4: (2.3560, 48.8540),
    5: (2.3516, 48.8451),
    6: (2.3332, 48.8485),
    7: (2.3066, 48.8581),
    8: (2.3070, 48.8737),
    9: (2.3366, 48.8794),
    10: (2.3602, 48.8760),
    11: (2.3802, 48.8593),
    12: (2.3950, 48.8400),
    13: (2.3619, 48.8300),
    14: (2.3254, 48.8300),
    15: (2.2950, 48.8407),
    16: (2.2750, 48.8628),
    17: (2.3062, 48.8870),
    18: (2.3491, 48.8900),
    19: (2.3829, 48.8830),
    20: (2.4000, 48.8642),
}

DIVISIONS = {
    "Division Centre": (1, 2, 3, 4, 5, 6),
    "Division Ouest": (7, 8, 15, 16, 17),
    "Division Nord": (9, 10, 18, 19),
    "Division Est": (11, 12, 20),
    "Division Sud": (13, 14),
}

SPEEDS = {"pied": 1.3, "velo": 4.5, "vehicule": 8.0}  # m/s, in town, average

DEMO_REFERENCE = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # the test clock's start

DEMO_CHIEF = Operator("Cdt. Morel", "chief", "cmorel")
DEMO_OPERATOR = Operator("B. Lefèvre", "operator", "blefevre")
# The one-click login of the DÉMO room (no password: a demo base holds nothing real). A chief,
# so that every action of the console can be tried.
DEMO_ACCOUNT = Operator("Compte DÉMO", "chief", "demo")
# The one-click trainer of an exercise base that holds no account: an exercise never mixes
# with live data, and its trainer runs it from the room's training workstation.
EXERCISE_TRAINER = Operator("Formateur", "trainer", "exercice:formateur")

# Who called the 3975 (fictitious names, numbers from the range reserved for fiction): the
# operators' event card shows them, the wall display must not.
DEMO_CALLERS = {
    "EV-0001": "Mme Hortense Delaunay-Vidal, 01 99 00 41 27",
    "EV-0002": "M. Anatole Brissac (gérant du bar), 06 39 98 52 17",
    "EV-0006": "Mme Solène Marquet-Ybert, 07 00 00 38 64",
}

# (id, category, title, gravity, source, address, lon, lat, description, crews)
DEMO_EVENTS = [
    (
        "EV-0001",
        "FIR",
        "Feu d'appartement, fumées au 3e étage",
        4,
        "appel_3975",
        "52 Rue Oberkampf, 75011 Paris",
        2.3748,
        48.8649,
        "Appel d'une voisine : fumée noire sortant d'une fenêtre, BSPP prévenue.",
        ("V11-1", "P11-1"),
    ),
    (
        "EV-0002",
        "ASB",
        "Rixe devant un établissement de nuit",
        3,
        "appel_3975",
        "14 Rue de Lappe, 75011 Paris",
        2.3733,
        48.8535,
        "Cinq à six personnes, une personne au sol.",
        ("V12-1",),
    ),
    (
        "EV-0003",
        "ASB/ABV",
        "Véhicule abandonné sur emplacement livraison",
        1,
        "dansmarue",
        "8 Rue Caulaincourt, 75018 Paris",
        2.3318,
        48.8863,
        "Signalement DansMaRue n° 2611-4471.",
        (),
    ),
    (
        "EV-0004",
        "TRP/COL",
        "Accident matériel, chaussée encombrée",
        2,
        "equipage",
        "Place de la Nation, 75012 Paris",
        2.3958,
        48.8483,
        "Deux véhicules, pas de blessé, circulation perturbée.",
        ("V20-1",),
    ),
    (
        "EV-0005",
        "FLD",
        "Fuite d'eau importante sur la voie publique",
        2,
        "partenaire",
        "31 Rue de Vaugirard, 75006 Paris",
        2.3300,
        48.8478,
        "Eau de Paris prévenue, trottoir inondé.",
        ("P06-1",),
    ),
    (
        "EV-0006",
        "PSW/SUS",
        "Occupation illicite de hall d'immeuble",
        2,
        "appel_3975",
        "12 Rue Curial, 75019 Paris",
        2.3735,
        48.8930,
        "Bailleur social signalant des nuisances.",
        (),
    ),
    (
        "EV-0007",
        "HLT",
        "Personne vulnérable en détresse sur un banc",
        3,
        "pp",
        "Square du Temple, 75003 Paris",
        2.3609,
        48.8644,
        "Signalement de la Préfecture de Police, personne âgée désorientée.",
        ("B03-1",),
    ),
    (
        "EV-0008",
        "ASB",
        "Dépôt sauvage encombrant",
        1,
        "dansmarue",
        "45 Boulevard de Belleville, 75011 Paris",
        2.3796,
        48.8700,
        "Photo jointe au signalement.",
        (),
    ),
]


def _division(arr: int) -> str:
    return next(name for name, arrs in DIVISIONS.items() if arr in arrs)


def demo_crews(seed: int = 75) -> list[dict[str, object]]:
    """A vehicle and a bike crew in every arrondissement, foot patrols in the busiest: 48."""
    rng = random.Random(seed)
    crews: list[dict[str, object]] = []
    for arr, (lon, lat) in ARRONDISSEMENTS.items():
        modes = ["vehicule", "velo"] + (["pied"] if arr in (1, 3, 4, 6, 9, 11, 18, 19) else [])
        for mode in modes:
            letter = {"vehicule": "V", "velo": "B", "pied": "P"}[mode]
            call_sign = f"{letter}{arr:02d}-1"
            status = CrewStatus.DISPONIBLE
            if mode == "pied" and arr in (4, 9):
                status = CrewStatus.INDISPONIBLE
            if arr == 16 and mode == "velo":
                status = CrewStatus.HORS_SERVICE
            crews.append(
                {
                    "call_sign": call_sign,
                    "division": _division(arr),
                    "mode": mode,
                    "status": status,
                    "agents": 3 if mode == "vehicule" else 2,
                    "lon": round(lon + rng.uniform(-0.006, 0.006), 6),
                    "lat": round(lat + rng.uniform(-0.004, 0.004), 6),
                    "heading": rng.randrange(0, 360),
                }
            )
    return crews


def demo_duties(now: datetime | None = None, seed: int = 75) -> list[CrewDuty]:
    """The demo crews as a prise de service sees them: a twelve-hour duty begun at the last
    full hour before ``now`` (by default the test clock's start)."""
    start = (now or DEMO_REFERENCE).replace(minute=0, second=0, microsecond=0)
    return [
        CrewDuty(
            call_sign=str(c["call_sign"]),
            kind=KIND_OF_MODE[str(c["mode"])],
            division=str(c["division"]),
            agents=int(str(c["agents"])),
            duty_start=start,
            duty_end=start + timedelta(hours=12),
            radio=f"Canal {list(DIVISIONS).index(str(c['division'])) + 1}",
            lon=float(str(c["lon"])),
            lat=float(str(c["lat"])),
            heading=float(str(c["heading"])),
        )
        for c in demo_crews(seed)
    ]


def demo_drafts(now: datetime | None = None) -> list[Draft]:
    """The entries that open a demo shift: crews taking service (through the same
    prise-de-service command as a live room), events under way. All under the demo seed's
    own identity: nobody logged in wrote them."""
    drafts = [
        Draft(
            k.NOTE,
            {"text": "Prise de service de la brigade de jour — 48 équipages."},
            "operateur",
            DEMO_SEED,
        )
    ]
    drafts += service_drafts(RoomState(), demo_duties(now), DEMO_SEED)
    drafts += [
        Draft(
            k.CREW_STATUS,
            {"call_sign": c["call_sign"], "status": c["status"]},
            "equipage",
            DEMO_SEED,
        )
        for c in demo_crews()
        if c["status"] != CrewStatus.DISPONIBLE
    ]
    for ev_id, cat, title, grav, src, addr, lon, lat, desc, crews in DEMO_EVENTS:
        drafts.append(
            Draft(
                k.EVENT_CREATED,
                {
                    "id": ev_id,
                    "category": cat,
                    "title": title,
                    "gravity": grav,
                    "source": src,
                    "address": addr,
                    "lon": lon,
                    "lat": lat,
                    "description": desc,
                    **({"caller": DEMO_CALLERS[ev_id]} if ev_id in DEMO_CALLERS else {}),
                },
                src,
                DEMO_SEED,
            )
        )
        drafts += [
            Draft(k.CREW_ENGAGED, {"call_sign": c, "event_id": ev_id}, "operateur", DEMO_SEED)
            for c in crews
        ]
    drafts.append(
        Draft(
            k.CREW_STATUS,
            {"call_sign": "V11-1", "status": CrewStatus.SUR_LES_LIEUX},
            "equipage",
            DEMO_SEED,
        )
    )
    drafts.append(
        Draft(
            k.EVENT_STATUS,
            {"id": "EV-0001", "status": EventStatus.EN_COURS},
            "operateur",
            DEMO_SEED,
        )
    )
    drafts.append(
        Draft(
            k.NOTE,
            {
                "text": "BSPP sur place au 52 rue Oberkampf, périmètre "
                "de sécurité mis en place par V11-1."
            },
            "equipage",
            DEMO_SEED,
        )
    )
    from scop.protocols.pp_service import demo_pp_drafts  # the PP thread of the demo

    return drafts + demo_pp_drafts()


def seed_demo(room: Room, fiches_dir: Path | None = None) -> None:
    """Open the demo shift: its entries, and the chief's fire fiche under way on EV-0001 with
    its first step done, so that every dock shows a room at work."""
    from dataclasses import replace

    from scop.procedures.loader import load_library
    from scop.procedures.runner import ProcedureRunner

    room.record_all(demo_drafts(room.clock.now()))
    _seed_safety(room)
    library = load_library(fiches_dir)
    if "incendie" not in library.fiches:
        return  # a broken shipped fiche is reported by the procedures dock, not here
    # The same room (same journal and projection) under the seed's identity, not the person
    # who happens to open the demo first.
    runner = ProcedureRunner(replace(room, operator=DEMO_SEED), library)
    run_id = runner.launch("incendie", "EV-0001")
    runner.start(run_id, runner.view(run_id).steps[0].step.id)


def _seed_safety(room: Room) -> None:
    """A hazard flag where the demo's brawl is, and a lookout: the safety docks, the event
    card and the map's « Dangers signalés » layer show something from the start. Decided by
    the same commands, written under the seed's identity (these commands are a named
    person's in a real room: the seed is the demo's given, not a person's act)."""
    from scop.safety import commands as sc

    now = room.clock.now()
    drafts = sc.record_hazard(
        room.state,
        now,
        DEMO_SEED,
        category="violences_agents",
        text="agents pris à partie à la sortie de l'établissement lors d'une précédente "
        "intervention de nuit",
        address="14 Rue de Lappe, 75011 Paris",
        lon=2.3733,
        lat=48.8535,
    )
    room.store.append(drafts, DEMO_SEED)
    room.sync()
    drafts = sc.issue_lookout(
        room.state,
        now,
        DEMO_SEED,
        kind="personne_vulnerable",
        priority=1,
        description="Homme de 82 ans, désorienté, manteau gris et canne, parti de son "
        "domicile rue de la Roquette vers 6 h",
    )
    room.store.append(drafts, DEMO_SEED)
    room.sync()
