"""The ``scop`` command: the console itself, and the tools of the room around it.

Nothing here imports Qt: ``scop journal verify`` must run on a server with no display, and
the console's own start imports :mod:`scop.app` only when it is asked for.
"""

from __future__ import annotations

import argparse
import importlib
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import platformdirs

# Each module registers its subcommands: register(subparsers) setting ``func`` to a callable
# taking the parsed arguments and returning an exit code.
COMMAND_MODULES = (
    "scop.journal.cli",
    "scop.protocols.cli",
    "scop.protocols.feed_sim",
    "scop.procedures.cli",
    "scop.replay.cli",
    "scop.safety.cli",
)


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("scop", "VilleDeParis")) / "demo.sqlite"


def default_db_url() -> str:
    return f"sqlite:///{default_db_path()}"


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"taille attendue sous la forme 1920x1080, pas {text!r}"
        ) from None
    if not (320 <= w <= 10000 and 240 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"taille hors limites : {text}")
    return w, h


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="scop",
        description="Console de la Salle de Commandement Opérationnel Parisienne (SCOP).",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="base de la salle (URL SQLAlchemy : sqlite:///…, postgresql+psycopg://…);"
        " par défaut la base de démonstration locale",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="ouvrir en mode DÉMO (implicite avec la base par défaut)",
    )
    p.add_argument("--operator", metavar="NOM", help="nom de l'opérateur (sinon demandé)")
    p.add_argument(
        "--role",
        choices=["operator", "chief", "trainer"],
        default="operator",
        help="rôle : operator (opérateur), chief (chef de salle), trainer (formateur)",
    )
    p.add_argument("--workstation", default=socket.gethostname(), help="nom du poste")
    p.add_argument(
        "--layout",
        choices=["operateur", "chef", "formateur"],
        help="disposition nommée à appliquer au démarrage",
    )
    p.add_argument(
        "--screenshot",
        metavar="PNG",
        type=Path,
        help="démarrer sans écran, enregistrer une capture de la console et quitter",
    )
    p.add_argument(
        "--size",
        type=parse_size,
        default=(1920, 1080),
        metavar="LxH",
        help="taille de la fenêtre pour --screenshot (défaut 1920x1080)",
    )
    p.add_argument(
        "--no-sim", action="store_true", help="ne pas lancer les simulateurs de démonstration"
    )
    sub = p.add_subparsers(dest="command", metavar="COMMANDE")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from scop.app import run_console

        return run_console(args)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
