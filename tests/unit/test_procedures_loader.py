"""Every shipped fiche loads; every broken file reports the expected problem at its place."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from scop.cli import main
from scop.procedures.loader import default_fiches_dir, fiche_files, load_fiche, load_library
from scop.procedures.model import Library

BROKEN = Path(__file__).resolve().parent.parent / "data" / "fiches_broken"

# file -> every expected problem: (line, column, part of the message)
EXPECTED: dict[str, list[tuple[int, int, str]]] = {
    "01_syntaxe_yaml.yaml": [(13, 9, "erreur de syntaxe YAML")],
    "02_cle_inconnue.yaml": [
        (11, 5, "clé obligatoire « titre » manquante"),
        (12, 5, "clé inconnue « titel »"),
    ],
    "03_id_etape_double.yaml": [(11, 9, "identifiant d'étape « a » en double (déjà ligne 7)")],
    "04_branche_vers_inconnue.yaml": [
        (17, 30, "branche vers une étape inconnue « etape_absente »")
    ],
    "05_cycle.yaml": [(19, 12, "cycle dans l'enchaînement des étapes : a → b → c → a")],
    "06_contact_inconnu.yaml": [(15, 22, "contact inconnu « pompiers_de_lyon »")],
    "07_modele_inconnu.yaml": [(15, 13, "modèle de message inconnu « telegramme »")],
    "08_echeance_invalide.yaml": [(11, 15, "échéance invalide « dans dix minutes »")],
    "09_echeance_etape_inconnue.yaml": [(15, 15, "échéance relative à une étape inconnue")],
    "10_champ_obligatoire_manquant.yaml": [(11, 5, "clé obligatoire « role » manquante")],
    "11_type_invalide.yaml": [(3, 10, "« version » : type attendu entier, trouvé « un »")],
    "12_type_etape_inconnu.yaml": [(13, 11, "valeur « telephoner » inconnue")],
    "13_cle_double.yaml": [(4, 1, "clé « titre » en double (déjà ligne 2)")],
    "14_role_non_declare.yaml": [(14, 11, "rôle « chef_de_salle » absent des rôles de la fiche")],
    "15_suite_inconnue.yaml": [(11, 12, "« suite » vers une étape inconnue « etape_absente »")],
    "16_message_sans_modele.yaml": [(11, 5, "clé obligatoire « modele » manquante")],
    "17_saisie_choix_sans_liste.yaml": [(14, 9, "une saisie de type choix doit lister")],
    "18_categorie_invalide.yaml": [(4, 19, "valeur « feu » invalide (code EMSI")],
    "19_fichier_vide.yaml": [(1, 1, "fichier vide")],
    "20_pas_un_dictionnaire.yaml": [(1, 1, "une fiche est un dictionnaire")],
    "21_duree_invalide.yaml": [(11, 12, "durée invalide « longtemps »")],
    "22_saisie_entier_mal_typee.yaml": [(12, 53, "« min » : type attendu entier")],
}


def test_every_shipped_fiche_validates() -> None:
    library = load_library()
    assert library.problems == []
    assert len(library.fiches) >= 10
    assert {
        "incendie",
        "ouverture_care",
        "demande_vpu",
        "demande_umip",
        "explosion_gaz",
        "crue_seine",
        "canicule",
        "effondrement_immeuble",
        "attentat",
        "evacuation_batiment_municipal",
    } <= set(library.fiches)
    assert len(library.mairies) == 17
    assert "fictifs" in library.warning.lower() or "fictive" in library.warning.lower()


def test_shipped_fiches_agree_with_the_published_schema() -> None:
    """The JSON Schema beside the fiches is what other tools will use: it must accept them."""
    schema = json.loads((default_fiches_dir() / "fiche.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in fiche_files(default_fiches_dir()):
        jsonschema.validate(yaml.safe_load(path.read_text("utf-8")), schema)


def test_shipped_phone_numbers_are_all_in_the_fiction_range() -> None:
    text = (default_fiches_dir() / "annuaire.yaml").read_text("utf-8")
    library = load_library()
    phones = [c.switchboard for c in library.contacts.values()]
    phones += [p.phone for c in library.contacts.values() for s in c.slots for p in s.people]
    assert len(phones) > 100
    assert all(p.startswith("01 99 ") and len(p) == 14 for p in phones)
    assert "01 99 00 00 00" in text
    assert "fiction" in text


def test_broken_corpus_covers_at_least_fifteen_files() -> None:
    files = sorted(p.name for p in BROKEN.glob("*.yaml"))
    assert len(files) >= 15
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_fiche_reports_its_problem_where_it_is(name: str, library: Library) -> None:
    fiche, problems = load_fiche(BROKEN / name, library.contacts, library.templates)
    assert fiche is None
    got = [(p.line, p.column, p.message) for p in problems]
    assert len(got) == len(EXPECTED[name]), got
    for (line, col, text), (gl, gc, gm) in zip(EXPECTED[name], got, strict=True):
        assert (gl, gc) == (line, col), got
        assert text in gm
    assert all(str(p).startswith(f"{BROKEN / name}:{p.line}:{p.column}: ") for p in problems)


def test_one_broken_file_never_stops_the_others(tmp_path: Path) -> None:
    for name in ("annuaire.yaml", "messages.yaml", "incendie.yaml", "demande_vpu.yaml"):
        (tmp_path / name).write_bytes((default_fiches_dir() / name).read_bytes())
    for name in ("05_cycle.yaml", "01_syntaxe_yaml.yaml"):
        (tmp_path / name).write_bytes((BROKEN / name).read_bytes())
    (tmp_path / "latin1.yaml").write_bytes("titre: \xe9t\xe9\n".encode("latin-1"))
    library = load_library(tmp_path)
    assert set(library.fiches) == {"incendie", "demande_vpu"}
    assert sorted(b.name for b in library.broken) == [
        "01_syntaxe_yaml.yaml",
        "05_cycle.yaml",
        "latin1.yaml",
    ]
    assert "UTF-8" in next(b for b in library.broken if b.name == "latin1.yaml").problems[0].message


def test_a_fiche_defined_twice_is_refused(tmp_path: Path) -> None:
    for name in ("annuaire.yaml", "messages.yaml", "incendie.yaml"):
        (tmp_path / name).write_bytes((default_fiches_dir() / name).read_bytes())
    (tmp_path / "zz_copie.yaml").write_bytes((default_fiches_dir() / "incendie.yaml").read_bytes())
    library = load_library(tmp_path)
    assert list(library.fiches) == ["incendie"]
    assert "déjà définie dans incendie.yaml" in library.broken[0].problems[0].message


def test_broken_directory_is_reported_with_its_line(tmp_path: Path) -> None:
    text = (default_fiches_dir() / "annuaire.yaml").read_text("utf-8")
    text = text.replace('standard: "01 99 10 00 01"', 'standard: "01 45 67 89 00"', 1)
    (tmp_path / "annuaire.yaml").write_text(text, "utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "01 45 67 89 00" in t)
    library = load_library(tmp_path)
    problems = library.problems
    assert [(p.line, "numéro fictif" in p.message) for p in problems] == [(line, True)]


def test_cli_check_prints_every_problem_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fiches", "check"]) == 0
    code = main(["fiches", "check", str(BROKEN), "--annuaire", str(default_fiches_dir())])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert len(out) == sum(len(v) for v in EXPECTED.values())
    assert f"{BROKEN / '05_cycle.yaml'}:19:12: cycle" in "\n".join(out)
    # a path that names nothing is one more problem (code 1, as « scop exercise --check »
    # says of a scenario), and the other paths are still checked
    code = main(["fiches", "check", str(BROKEN / "absent.yaml"), str(BROKEN)])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0] == f"{BROKEN / 'absent.yaml'}:1:1: fichier introuvable"
    assert len(out) == 1 + sum(len(v) for v in EXPECTED.values())
