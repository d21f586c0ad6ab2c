"""``scop room init`` / ``scop room info``: a room put in service and read, without a screen."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from scop.clock import SystemClock, local
from scop.errors import log_failure, log_file, no_room
from scop.journal.store import Decision
from scop.room_admin import (
    EXIT_DATABASE,
    EXIT_NO_ROOM,
    EXIT_REFUSED,
    EXIT_URL,
    MODE_NAMES,
    ROOM_MODES,
    RoomAdminError,
    existing_mode,
    init_room,
    open_held_room,
    open_store,
    room_info,
)


def register(sub: Any) -> None:
    r = sub.add_parser("room", help="créer une salle ou lire ce qu'elle contient")
    rsub = r.add_subparsers(dest="room_command", required=True, metavar="ACTION")
    i = rsub.add_parser(
        "init",
        help="mettre une salle en service sur une base neuve",
        description="Crée la salle (mode, nom, première entrée de la main courante) ; les "
        "consoles, la passerelle et le flux l'ouvrent ensuite. Refuse une base qui tient "
        "déjà une salle. Codes de sortie : 0 créée, 1 refusée, 2 adresse ou option invalide, "
        "3 base inaccessible (tableau complet dans le README).",
    )
    i.add_argument("--db", required=True, metavar="URL", help="base de la salle (URL SQLAlchemy)")
    i.add_argument("--mode", required=True, choices=list(ROOM_MODES), help="live ou exercise")
    i.add_argument("--name", required=True, metavar="NOM", help="nom de la salle")
    i.add_argument(
        "--admin",
        metavar="LOGIN",
        help="créer le premier compte administrateur (mot de passe demandé sans écho)",
    )
    i.add_argument(
        "--admin-name", metavar="NOM", help="nom affiché de l'administrateur (défaut : LOGIN)"
    )
    i.add_argument(
        "--password-stdin",
        action="store_true",
        help="lire le mot de passe de l'administrateur sur l'entrée standard",
    )
    i.set_defaults(func=run_init)
    n = rsub.add_parser(
        "info",
        help="mode, nom, tête de la main courante, équipages en service",
        description="Lecture seule : ne crée ni fichier ni table. Codes de sortie : 0, "
        "2 adresse invalide, 3 base inaccessible, 4 pas de salle à cette adresse, 5 pas une "
        "base SCOP (tableau complet dans le README).",
    )
    n.add_argument("--db", required=True, metavar="URL", help="base de la salle (URL SQLAlchemy)")
    n.set_defaults(func=run_info)
    g = rsub.add_parser(
        "grant",
        help="PostgreSQL : le rôle de connexion des consoles (lecture et ajout seulement)",
        description="Crée le rôle de connexion (mot de passe demandé sans écho, ou "
        "--password-stdin) ou complète un rôle existant, et lui donne SELECT et INSERT sur la "
        "main courante et ce que les comptes et les positions demandent, rien de plus. "
        "Codes de sortie : 0 fait, 1 refusé (mot de passe), 2 option invalide (--db SQLite, "
        "nom de rôle), 3 base inaccessible, 4 pas de salle à cette adresse (tableau complet "
        "dans le README).",
    )
    g.add_argument("--db", required=True, metavar="URL", help="base de la salle (propriétaire)")
    g.add_argument("--role", required=True, metavar="NOM", help="rôle PostgreSQL des consoles")
    g.add_argument("--password-stdin", action="store_true")
    g.set_defaults(func=run_grant)

    c = sub.add_parser("crews", help="équipages : tableau de service")
    csub = c.add_subparsers(dest="crews_command", required=True, metavar="ACTION")
    imp = csub.add_parser(
        "import",
        help="mettre en service les équipages d'un tableau CSV",
        description="Tableau exporté d'un tableur : UTF-8 ou Windows-1252, séparateur ; ou ,, "
        "en-tête « indicatif;type;division;agents;noms;radio;début;fin ». Chaque problème est "
        "signalé « fichier:ligne: problème » et rien n'est importé tant qu'il en reste un. Un "
        "indicatif déjà en service est mis à jour, pas doublé. Codes de sortie : 0 importé "
        "(ou vérifié), 1 tableau refusé, 2 option invalide (--db manquant pour importer), "
        "3 base inaccessible, 4 pas de salle à cette adresse, 5 pas une base SCOP (tableau "
        "complet dans le README).",
    )
    imp.add_argument("roster", type=Path, metavar="TABLEAU.csv")
    imp.add_argument("--db", metavar="URL", help="base de la salle (facultative avec --check)")
    imp.add_argument("--check", action="store_true", help="vérifier seulement, rien n'est écrit")
    imp.add_argument(
        "--operator",
        metavar="NOM",
        default=getpass.getuser(),
        help="qui importe (inscrit en main courante ; défaut : l'utilisateur du système)",
    )
    imp.add_argument(
        "--role",
        choices=["operator", "chief"],
        default="chief",
        help="rôle de qui importe : chief (chef de salle, défaut) ou operator",
    )
    imp.set_defaults(func=run_crews_import)


def init_from_args(args: argparse.Namespace) -> list[str]:
    """The room creation behind ``scop room init``; returns the lines to print. Options that
    add to the creation (accounts…) read ``args`` here."""
    admin = None
    if getattr(args, "admin", None):
        admin = first_admin(args)  # checked before the room exists: a refusal creates nothing
    created = []
    also = None
    if admin is not None:
        # the account is made in the room's own first transaction: never a room without it
        also, login, name = admin_creation(*admin)
        created.append(f"Administrateur créé : {login} — {name}")
    info = init_room(args.db, args.mode, args.name, SystemClock(), also=also)
    mode = MODE_NAMES.get(info.mode, info.mode)
    return [f"Salle créée : « {info.name} » ({mode})", *created, *info.lines()]


def first_admin(args: argparse.Namespace) -> tuple[str, str, str]:
    """(login, name, password) of the first administrator, read and checked."""
    from scop.accounts.cli import PasswordInputError, read_password
    from scop.accounts.passwords import PasswordTooShort
    from scop.accounts.store import AccountError, check_login

    try:
        login = check_login(args.admin)
        name = " ".join((args.admin_name or login).split())
        return login, name, read_password(args.password_stdin)
    except (AccountError, PasswordTooShort, PasswordInputError) as exc:
        raise RoomAdminError(f"administrateur : {exc}", EXIT_REFUSED) from None


def admin_creation(login: str, name: str, password: str) -> tuple[Decision, str, str]:
    """The first administrator's account as a step of the room's first transaction (its
    password hashed now, before the transaction begins), with its login and name."""
    from scop.accounts.cli import cli_author
    from scop.accounts.passwords import Hasher, PasswordTooShort
    from scop.accounts.store import AccountError, account_creation

    try:
        change, key = account_creation(
            login, name, "admin", password, cli_author(), hasher=Hasher(), clock=SystemClock()
        )
    except (AccountError, PasswordTooShort) as exc:
        raise RoomAdminError(f"administrateur : {exc}", EXIT_REFUSED) from None
    return change, key, " ".join(name.split())


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


def run_crews_import(args: argparse.Namespace) -> int:
    from scop.models.entries import Operator
    from scop.operations.roster import import_roster, read_roster_file
    from scop.room import CommandRefused, open_room

    name = "scop crews import"
    clock = SystemClock()
    today = local(clock.now()).date()
    if args.db is None:
        if not args.check:
            print(f"{name} : --db URL est obligatoire pour importer", file=sys.stderr)
            return EXIT_URL
        report = read_roster_file(args.roster, None, today)
        return _report(name, report, checked=True)
    try:
        # an import writes into a room that exists: a typo in --db creates nothing
        if args.check:
            store = open_store(args.db, clock, readonly=True)
        else:
            store = open_held_room(args.db, clock)
    except RoomAdminError as exc:
        print(f"{name} : {exc}", file=sys.stderr)
        return exc.code
    try:
        if existing_mode(store) is None:
            print(f"{name} : {no_room(args.db)}", file=sys.stderr)
            return EXIT_NO_ROOM
        operator = Operator(args.operator or "inconnu", args.role)
        room = open_room(store, clock, operator, workstation="scop-crews-import")
        report = read_roster_file(args.roster, room.state, today)
        if args.check or not report.ok:
            return _report(name, report, checked=args.check)
        try:
            import_roster(room, report)
        except CommandRefused as exc:
            print(f"{name} : {exc}", file=sys.stderr)
            return EXIT_REFUSED
        marker = "EXERCICE EXERCICE EXERCICE — " if room.mode == "exercise" else ""
        print(f"{marker}Tableau importé : {report.summary()}")
        return 0
    except Exception as exc:  # a database that fails mid-way: logged, said in French
        log_failure(f"import du tableau {args.roster}", exc)
        print(
            f"{name} : base inaccessible pendant l'import ; rien n'a été importé", file=sys.stderr
        )
        return EXIT_DATABASE
    finally:
        store.close()


def run_grant(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from scop.accounts.cli import PasswordInputError, read_password
    from scop.accounts.grant import GrantError, check_role_name, grant_console_role, role_exists
    from scop.accounts.passwords import PasswordTooShort

    try:
        if not args.db.startswith("postgresql"):  # said before any file is made
            raise GrantError("ne concerne que PostgreSQL (une base SQLite n'a pas de rôles)")
        check_role_name(args.role)
    except GrantError as exc:
        print(f"scop room grant : {exc}", file=sys.stderr)
        return EXIT_URL
    try:
        # the room's own base: one that holds none gets no tables from a grant
        store = open_held_room(args.db, SystemClock())
    except RoomAdminError as exc:
        print(f"scop room grant : {exc}", file=sys.stderr)
        return exc.code
    try:
        password = None
        if not role_exists(store.engine, args.role):
            password = read_password(args.password_stdin)
        for line in grant_console_role(store.engine, args.role, password):
            print(line)
        return 0
    except (GrantError, PasswordTooShort, PasswordInputError) as exc:
        print(f"scop room grant : {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except SQLAlchemyError as exc:
        log_failure("scop room grant", exc)
        print(
            "scop room grant : refusé par la base ; il faut les droits du propriétaire des "
            f"tables (détail dans le fichier journal {log_file()})",
            file=sys.stderr,
        )
        return EXIT_DATABASE
    finally:
        store.close()


def _report(name: str, report: Any, *, checked: bool) -> int:
    if report.problems:
        print("\n".join(report.problems), file=sys.stderr)
        print(
            f"{name} : tableau refusé, {len(report.problems)} problème(s) ; rien n'a été importé",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    print(f"Tableau valide : {report.summary()}" + (" (vérification seule)" if checked else ""))
    return 0
