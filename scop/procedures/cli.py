"""``scop fiches check [PATH…]``: every problem of every fiche, one ``file:line:column:`` line
each, so that an editor (or CI) can jump to it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scop.config import Config
from scop.procedures.loader import DATA_FILES, fiche_files, load_library


def register(sub: Any) -> None:
    f = sub.add_parser("fiches", help="fiches réflexes : vérifier les fichiers")
    fsub = f.add_subparsers(dest="fiches_command", required=True, metavar="ACTION")
    c = fsub.add_parser("check", help="vérifier des fiches (défaut : toutes les fiches livrées)")
    c.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="CHEMIN",
        help="fichiers .yaml ou dossiers (défaut : le dossier des fiches)",
    )
    c.add_argument(
        "--annuaire",
        type=Path,
        metavar="DOSSIER",
        help="dossier de l'annuaire et des modèles de messages (défaut : celui des "
        "fiches, sinon le dossier livré)",
    )
    c.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    fiches_dir = Config.load(args).fiches_dir
    base = args.annuaire
    files: list[Path] = []
    # a path that names nothing is a problem of the check, as a scenario's is for
    # « scop exercise --check »: listed with the others, code 1
    missing: list[str] = []
    for p in args.paths or [fiches_dir]:
        if p.is_dir():
            files += fiche_files(p)
            base = base or (p if (p / DATA_FILES[0]).exists() else None)
        elif p.exists():
            if p.name not in DATA_FILES:
                files.append(p)
        else:
            missing.append(f"{p}:1:1: fichier introuvable")
    directory = base or fiches_dir
    library = load_library(directory, files)
    problems = [*missing, *library.problems]
    for problem in problems:
        print(problem)
    ok = len(library.fiches)
    print(
        f"{ok} fiche(s) valide(s), {len(library.broken) + len(missing)} fichier(s) en erreur, "
        f"{len(problems)} problème(s).",
        file=sys.stderr,
    )
    return 1 if problems else 0
