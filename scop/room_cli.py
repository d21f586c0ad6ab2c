"""``scop room init`` / ``scop room info``: a room put in service and read, without a screen."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from scop.clock import SystemClock
from scop.room_admin import ROOM_MODES, RoomAdminError, init_room, room_info

log = logging.getLogger("scop.room")


def register(sub: Any) -> None:
    r = sub.add_parser("room", help="créer une salle ou lire ce qu'elle contient")
    rsub = r.add_subparsers(dest="room_command", required=True, metavar="ACTION")
    i = rsub.add_parser(
        "init",
        help="mettre une salle en service sur une base neuve",
        description="Crée la salle (mode, nom, première entrée de la main courante) ; les "
        "consoles, la passerelle et le flux l'ouvrent ensuite. Refuse une base qui tient "
        "déjà une salle. Codes de sortie : 0 créée, 1 refusée, 2 base inaccessible.",
    )
    i.add_argument("--db", required=True, metavar="URL", help="base de la salle (URL SQLAlchemy)")
    i.add_argument("--mode", required=True, choices=list(ROOM_MODES), help="live ou exercise")
    i.add_argument("--name", required=True, metavar="NOM", help="nom de la salle")
    i.set_defaults(func=run_init)
    n = rsub.add_parser(
        "info",
        help="mode, nom, tête de la main courante, équipages en service",
        description="Lecture seule : ne crée ni fichier ni table. Codes de sortie : 0, "
        "1 pas de salle à cette adresse, 2 base inaccessible.",
    )
    n.add_argument("--db", required=True, metavar="URL", help="base de la salle (URL SQLAlchemy)")
    n.set_defaults(func=run_info)


def init_from_args(args: argparse.Namespace) -> list[str]:
    """The room creation behind ``scop room init``; returns the lines to print. Options that
    add to the creation (accounts…) read ``args`` here."""
    info = init_room(args.db, args.mode, args.name, SystemClock())
    return [f"Salle créée : « {info.name} » ({ROOM_MODES[info.mode]})", *info.lines()]


def run_init(args: argparse.Namespace) -> int:
    try:
        lines = init_from_args(args)
    except RoomAdminError as exc:
        print(f"scop room init : {exc}", file=sys.stderr)
        return exc.code
    print("\n".join(lines))
    return 0


def run_info(args: argparse.Namespace) -> int:
    try:
        info = room_info(args.db, SystemClock())
    except RoomAdminError as exc:
        print(f"scop room info : {exc}", file=sys.stderr)
        return exc.code
    print("\n".join(info.lines()))
    return 0
