"""``scop users …``: the room's accounts, from a terminal on a machine that reaches the base.

Whoever can write to the room's database can run these; the journal names the terminal's
user and host as the author (``cli:user@host``), since no console session is open. A password
is read without echo from the terminal, or from standard input with ``--password-stdin``;
never from an argument, which ``ps`` and the shell history would show.
"""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from scop.accounts.passwords import PasswordTooShort, check_policy
from scop.accounts.roles import ROLE_CLI_NAME, ROLE_NAMES, role_code
from scop.accounts.store import AccountError, Accounts
from scop.clock import SystemClock
from scop.errors import Exit, ScopError, database_error, log_failure
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.room_admin import open_held_room

EXIT_OK = Exit.OK
EXIT_REFUSED = Exit.REFUSED


class PasswordInputError(Exception):
    pass


def cli_author() -> Operator:
    """Who acts from a terminal: the system user at this host (the database login is the
    credential here, not a console account)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "inconnu"
    host = socket.gethostname()
    return Operator(f"Administration ({user}@{host})", "admin", f"cli:{user}@{host}")


def read_password(from_stdin: bool, *, confirm: bool = True, stdin: TextIO | None = None) -> str:
    """The new password: one line of standard input with ``--password-stdin``, else typed
    twice at the terminal without echo."""
    stream = stdin or sys.stdin
    if from_stdin:
        line = stream.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise PasswordInputError("aucun mot de passe reçu sur l'entrée standard")
    else:
        if not stream.isatty():
            raise PasswordInputError(
                "pas de terminal pour saisir le mot de passe : utilisez --password-stdin"
            )
        password = getpass.getpass("Mot de passe (12 caractères au moins) : ")
        if confirm and getpass.getpass("Confirmez le mot de passe : ") != password:
            raise PasswordInputError("les deux saisies diffèrent ; rien n'a été modifié")
    check_policy(password)
    return password


def _role_arg(text: str) -> str:
    try:
        return role_code(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: Any) -> None:
    u = sub.add_parser(
        "users",
        help="comptes de la salle (créer, lister, désactiver, changer de rôle…)",
        description="Comptes de la salle. Codes de sortie : 0 fait, 1 refusé (compte "
        "inconnu ou existant, mot de passe trop court…), 2 option invalide, 3 base "
        "inaccessible, 4 pas de salle à cette adresse (créer la salle avec « scop room "
        "init »), 5 pas une base SCOP (tableau complet dans le README).",
    )
    usub = u.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    roles = "|".join(ROLE_NAMES)

    a = usub.add_parser("add", help="créer un compte")
    a.add_argument("login", metavar="LOGIN")
    a.add_argument("--name", required=True, metavar="NOM", help="nom affiché (signe les entrées)")
    a.add_argument("--role", required=True, type=_role_arg, metavar=roles)
    a.add_argument(
        "--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard"
    )
    a.add_argument("--db", required=True, metavar="URL")
    a.set_defaults(func=run_add)

    ls = usub.add_parser("list", help="un compte par ligne : identifiant, nom, rôle, état")
    ls.add_argument("--db", required=True, metavar="URL")
    ls.set_defaults(func=run_list)

    for name, help_, func in (
        ("disable", "désactiver un compte (il ne peut plus se connecter)", run_disable),
        ("enable", "réactiver un compte", run_enable),
    ):
        p = usub.add_parser(name, help=help_)
        p.add_argument("login", metavar="LOGIN")
        p.add_argument("--db", required=True, metavar="URL")
        p.set_defaults(func=func)

    r = usub.add_parser("set-role", help="changer le rôle d'un compte")
    r.add_argument("login", metavar="LOGIN")
    r.add_argument("role", type=_role_arg, metavar=roles)
    r.add_argument("--db", required=True, metavar="URL")
    r.set_defaults(func=run_set_role)

    pw = usub.add_parser("reset-password", help="donner un nouveau mot de passe à un compte")
    pw.add_argument("login", metavar="LOGIN")
    pw.add_argument("--password-stdin", action="store_true")
    pw.add_argument("--db", required=True, metavar="URL")
    pw.set_defaults(func=run_reset_password)


def _open(url: str) -> JournalStore:
    """The room's base, which must hold a room already: a typo in --db creates nothing."""
    return open_held_room(url, SystemClock())


def _run(args: argparse.Namespace, action: str, body: Any) -> int:
    """Run ``body(accounts)`` with the French errors and exit codes of ``scop users``."""
    try:
        store = _open(args.db)
    except ScopError as exc:  # no room there (code 4), not a SCOP base…: the table's words
        print(f"scop users {action} : {exc}", file=sys.stderr)
        return exc.exit_code
    except (SQLAlchemyError, OSError, ValueError) as exc:
        log_failure(f"base {args.db} inaccessible", exc)
        err = database_error(exc, args.db)  # the words of every command, never a class name
        print(f"scop users {action} : {err}", file=sys.stderr)
        return err.exit_code
    try:
        code: int = body(Accounts(store))
        return code
    except (AccountError, PasswordTooShort, PasswordInputError) as exc:
        print(f"scop users {action} : {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except SQLAlchemyError as exc:
        log_failure(f"scop users {action}", exc)
        err = database_error(exc, args.db)
        print(f"scop users {action} : {err}", file=sys.stderr)
        return err.exit_code
    finally:
        store.close()


def run_add(args: argparse.Namespace) -> int:
    def body(acc: Accounts) -> int:
        password = read_password(args.password_stdin)
        a = acc.add(args.login, args.name, args.role, password, cli_author())
        print(f"Compte créé : {a.login} — {a.name} — {ROLE_CLI_NAME[a.role]}")
        return EXIT_OK

    return _run(args, "add", body)


def run_list(args: argparse.Namespace) -> int:
    def body(acc: Accounts) -> int:
        now = acc.clock.now()
        for a in acc.list():
            state = a.state_label
            if a.locked_at(now):
                state += ", verrouillé"
            if a.directory:
                state += ", annuaire"
            print(f"{a.login}\t{a.name}\t{ROLE_CLI_NAME.get(a.role, a.role)}\t{state}")
        return EXIT_OK

    return _run(args, "list", body)


def run_disable(args: argparse.Namespace) -> int:
    def body(acc: Accounts) -> int:
        a = acc.set_enabled(args.login, False, cli_author())
        print(f"Compte désactivé : {a.login}")
        return EXIT_OK

    return _run(args, "disable", body)


def run_enable(args: argparse.Namespace) -> int:
    def body(acc: Accounts) -> int:
        a = acc.set_enabled(args.login, True, cli_author())
        print(f"Compte réactivé : {a.login}")
        return EXIT_OK

    return _run(args, "enable", body)


def run_set_role(args: argparse.Namespace) -> int:
    def body(acc: Accounts) -> int:
        a = acc.set_role(args.login, args.role, cli_author())
        print(f"Rôle de {a.login} : {ROLE_CLI_NAME[a.role]}")
        return EXIT_OK

    return _run(args, "set-role", body)


def run_reset_password(args: argparse.Namespace) -> int:
    def body(acc: Accounts) -> int:
        if acc.get(args.login) is None:
            raise AccountError(f"Compte inconnu : « {args.login} ».")
        password = read_password(args.password_stdin)
        a = acc.reset_password(args.login, password, cli_author())
        print(f"Mot de passe de {a.login} réinitialisé")
        return EXIT_OK

    return _run(args, "reset-password", body)
