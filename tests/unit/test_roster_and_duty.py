"""The roster import: every problem of a broken roster named with its exact line, nothing put
on duty while one remains, a roster read twice updates and never doubles; and the duty
commands (prise de service, composition, fin de service refused while engaged)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scop import operations as ops
from scop.clock import ManualClock
from scop.models import fold_duty as kd
from scop.models.nomenclatures import CrewKind, crew_kind
from scop.operations.duty import CrewDuty, change_composition, end_service, take_service
from scop.operations.roster import import_roster_file, read_roster, read_roster_file
from scop.resources import resource_path
from scop.room import CommandRefused, Room

BROKEN = Path(__file__).parent.parent / "data" / "rosters_broken"
PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 12, 1)
HEADER = "indicatif;type;division;agents;noms;radio;début;fin\n"

# Each broken roster, and every problem it must give: (line, message), in file order.
CORPUS: list[tuple[str, list[tuple[int, str]]]] = [
    (
        "01_type_inconnu.csv",
        [
            (
                3,
                "type d'équipage inconnu « sous-marin » (attendu : patrouille_portee, vtt,"
                " pedestre, motocycliste, cynophile, uasa, vpu)",
            )
        ],
    ),
    ("02_indicatif_en_double.csv", [(4, "indicatif V11-1 en double (déjà ligne 2)")]),
    ("03_fin_avant_debut.csv", [(2, "fin de service avant le début")]),
    ("04_colonne_manquante.csv", [(1, "colonne obligatoire manquante : division")]),
    ("05_agents_non_entier.csv", [(2, "nombre d'agents « trois » : un entier est attendu")]),
    (
        "06_heure_illisible.csv",
        [(2, "début « 7 heures » : heure attendue (HH:MM ou JJ/MM/AAAA HH:MM)")],
    ),
    ("07_champ_manquant.csv", [(2, "7 champ(s) au lieu de 8 (séparateur dans un champ ?)")]),
    (
        "08_colonne_inconnue.csv",
        [
            (
                1,
                "colonne inconnue « couleur » (colonnes :"
                " indicatif;type;division;agents;noms;radio;début;fin)",
            )
        ],
    ),
    (
        "09_vide.csv",
        [
            (
                1,
                "fichier vide : une ligne d'en-tête est attendue"
                " (indicatif;type;division;agents;noms;radio;début;fin)",
            )
        ],
    ),
    ("10_indicatif_manquant.csv", [(2, "indicatif manquant")]),
    ("11_trop_de_noms.csv", [(2, "3 noms d'agents pour 2 agent(s)")]),
    (
        "12_division_vide_zero_agent.csv",
        [(2, "division ou secteur manquant"), (2, "nombre d'agents 0 hors limites (1 à 12)")],
    ),
    ("13_entete_seul.csv", [(1, "aucun équipage dans le tableau (en-tête seul)")]),
    ("14_service_trop_long.csv", [(2, "service de plus de 24 h")]),
    (
        "15_virgules_indicatif_invalide.csv",
        [(4, "indicatif « V11 1 » invalide (lettres, chiffres et tirets, 20 au plus)")],
    ),
    ("16_colonne_en_double.csv", [(1, "colonne « Fin de service » en double")]),
    (
        "17_cp1252_heure_hors_limites.csv",
        [(3, "début « 25:00 » : heure attendue (HH:MM ou JJ/MM/AAAA HH:MM)")],
    ),
]


def test_the_corpus_is_complete() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.csv")) == sorted(n for n, _ in CORPUS)
    assert len(CORPUS) >= 12


@pytest.mark.parametrize(("name", "expected"), CORPUS, ids=[n for n, _ in CORPUS])
def test_broken_roster_names_each_problem_at_its_line(
    name: str, expected: list[tuple[int, str]]
) -> None:
    path = BROKEN / name
    report = read_roster_file(path, None, DAY)
    assert report.problems == [f"{path}:{line}: {msg}" for line, msg in expected]
    assert not report.ok


@pytest.mark.parametrize(("name", "expected"), CORPUS[:6], ids=[n for n, _ in CORPUS[:6]])
def test_nothing_is_imported_from_a_broken_roster(
    room: Room, name: str, expected: list[tuple[int, str]]
) -> None:
    head = room.store.head()
    report = import_roster_file(room, BROKEN / name)
    assert len(report.problems) == len(expected)
    assert room.store.head() == head
    assert not room.state.crews


def _at(h: int, m: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, tzinfo=PARIS)


@pytest.fixture
def shift_room(room: Room, clock: ManualClock) -> Room:
    clock.set(_at(6, 50))
    return room


def test_example_roster_goes_on_duty_then_updates_not_doubles(
    shift_room: Room, tmp_path: Path
) -> None:
    room = shift_room
    example = resource_path("exemples", "equipages_exemple.csv")
    report = import_roster_file(room, example)
    assert report.ok, report.problems
    crews = room.state.crews
    assert len(crews) == 12
    u13 = crews["U13-1"]
    assert (u13.kind, u13.mode, u13.agents, u13.radio) == ("uasa", "vehicule", 2, "TPH 4213")
    assert (u13.duty_start, u13.duty_end) == (_at(19), _at(7, day=DAY + timedelta(days=1)))
    assert crews["V11-1"].names == ("Brig. Durand", "G. Petit", "A. Moreau")
    registered = [e for e in room.store.read() if e.kind == "crew.registered"]
    assert len(registered) == 12
    assert {e.author for e in registered} == {room.operator.name}

    head = room.store.head()[0]
    again = import_roster_file(room, example)
    assert again.ok
    assert len(again.unchanged) == 12
    assert room.store.head()[0] == head  # nothing new: nothing journaled

    changed = example.read_text(encoding="utf-8").replace(
        "V11-1;patrouille portée;Division Est;3;Brig. Durand / G. Petit / A. Moreau;Canal 2;"
        "07:00;19:00",
        "V11-1;patrouille portée;Division Est;2;Brig. Durand / G. Petit;Canal 5;07:00;20:00",
    )
    path = tmp_path / "tableau.csv"
    path.write_bytes(changed.encode("cp1252"))
    third = import_roster_file(room, path)
    assert third.ok
    assert third.updated == ["V11-1"]
    last = room.store.read(after=head)
    assert [e.kind for e in last] == [kd.CREW_COMPOSITION]
    assert last[0].payload["agents"] == 2
    assert last[0].payload["radio"] == "Canal 5"
    v11 = room.state.crews["V11-1"]
    assert (v11.agents, v11.names, v11.duty_end) == (2, ("Brig. Durand", "G. Petit"), _at(20))
    assert len(room.state.crews) == 12


def test_comma_separated_utf8_bom_roster(shift_room: Room) -> None:
    data = (
        "\ufeffIndicatif,Type d'équipage,Secteur,Nombre d'agents,Radio ou TPH,Prise de service,"
        "Fin prévue\nC19-1,Brigade cynophile,Division Nord,2,Canal 3,"
        "01/12/2026 13:00,01/12/2026 21:00\n"
    ).encode()
    report = read_roster(data, "t.csv", shift_room.state, DAY)
    assert report.ok, report.problems
    assert report.duties[0].kind is CrewKind.CYNOPHILE


def test_a_crew_on_duty_under_another_kind_is_a_problem_of_its_line(shift_room: Room) -> None:
    take_service(shift_room, _duty("V11-1", CrewKind.PATROUILLE_PORTEE))
    data = (HEADER + "X1;VTT;D;2;;;07:00;15:00\nV11-1;VTT;Division Est;2;;;07:00;15:00\n").encode()
    report = read_roster(data, "t.csv", shift_room.state, DAY)
    assert report.problems == [
        "t.csv:3: V11-1 est en service comme Patrouille portée (véhicule), pas Patrouille VTT"
    ]


def test_kind_spellings() -> None:
    assert crew_kind("Patrouille portée") is CrewKind.PATROUILLE_PORTEE
    assert crew_kind("pedestre") is CrewKind.PEDESTRE
    assert crew_kind("  uasa ") is CrewKind.UASA
    assert crew_kind("MOTO") is CrewKind.MOTOCYCLISTE
    assert crew_kind("hélicoptère") is None


def _duty(call_sign: str, kind: CrewKind = CrewKind.VTT, **kw: object) -> CrewDuty:
    args: dict[str, object] = {
        "division": "Division Centre",
        "agents": 2,
        "duty_start": _at(7),
        "duty_end": _at(15),
    }
    args.update(kw)
    return CrewDuty(call_sign, kind, **args)  # type: ignore[arg-type]


def test_prise_de_service_composition_and_fin_de_service(shift_room: Room) -> None:
    room = shift_room
    take_service(room, _duty("B03-1", names=("M. Fontaine",), radio="TPH 4103"))
    with pytest.raises(CommandRefused, match="déjà en service"):
        take_service(room, _duty("B03-1"))
    with pytest.raises(CommandRefused, match="fin de service avant le début"):
        take_service(room, _duty("B04-1", duty_end=_at(6)))
    crew = room.state.crews["B03-1"]
    assert (crew.kind, crew.mode, crew.names, crew.radio) == (
        "vtt",
        "velo",
        ("M. Fontaine",),
        "TPH 4103",
    )

    assert change_composition(room, "B03-1", agents=3, names=["M. Fontaine", "J. Chevalier"])
    last = room.store.read(after=room.state.position - 1)[0]
    assert last.kind == kd.CREW_COMPOSITION
    assert last.payload == {
        "call_sign": "B03-1",
        "agents": 3,
        "names": ["M. Fontaine", "J. Chevalier"],
    }
    assert room.state.crews["B03-1"].agents == 3
    assert not change_composition(room, "B03-1", agents=3)  # nothing changed, nothing written
    with pytest.raises(CommandRefused, match="hors limites"):
        change_composition(room, "B03-1", agents=0)

    ev = ops.create_event(
        room, source="appel_3975", category="FIR", gravity=3, address="1 rue de Rivoli"
    )
    ops.engage(room, "B03-1", ev)
    head = room.store.head()
    with pytest.raises(CommandRefused, match=f"B03-1 est engagé sur {ev}. Dégagez-le"):
        end_service(room, "B03-1")
    assert room.store.head() == head
    ops.release(room, "B03-1")
    end_service(room, "B03-1", "fin de vacation")
    assert "B03-1" not in room.state.crews
    assert room.store.read(after=head[0])[-1].kind == kd.CREW_DUTY_ENDED
    take_service(room, _duty("B03-1"))  # back on duty later: a new prise de service
    assert room.state.crews["B03-1"].agents == 2


def test_planned_end_passed(shift_room: Room, clock: ManualClock) -> None:
    take_service(shift_room, _duty("P01-1", CrewKind.PEDESTRE))
    crew = shift_room.state.crews["P01-1"]
    assert not crew.duty_overdue(_at(14, 59))
    assert crew.duty_overdue(_at(15))


def test_the_demo_seed_puts_its_crews_on_duty_through_the_prise_de_service(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every crew.registered of the demo journal is a draft the prise-de-service builder made:
    none is written any other way."""
    import scop.operations.duty as duty
    from scop.demo import seed_demo
    from scop.models.entries import canonical_json
    from scop.models.projection import fold

    made: list[str] = []
    original = duty.registration_draft

    def spy(*args: object, **kw: object) -> object:
        draft = original(*args, **kw)  # type: ignore[arg-type]
        made.append(canonical_json(draft.payload))
        return draft

    monkeypatch.setattr(duty, "registration_draft", spy)
    seed_demo(room)
    entries = room.store.read()
    registered = [canonical_json(e.payload) for e in entries if e.kind == "crew.registered"]
    assert len(registered) == 48
    assert sorted(registered) == sorted(made)
    state = fold(entries)
    assert len(state.crews) == 48
    assert all(c.kind and c.duty_end is not None for c in state.crews.values())
    assert state.crews["P04-1"].status == "indisponible"
