"""The ``scop`` command: the console itself, and the tools of the room around it.

Nothing here imports Qt: ``scop journal verify`` must run on a server with no display, and
the console's own start imports :mod:`scop.app` only when it is asked for.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from scop.cli_fr import FrenchArgumentParser
from scop.config import (
    Config,
    add_console_options,
    add_link_options,
    default_db_url,
    error_dialog_choice,
    log_file,
)
from scop.errors import Exit, report, setup_logging

if TYPE_CHECKING:
    from scop.replay.cli import ReplayOptions
    from scop.replay.exercise import ExerciseRunner
    from scop.replay.source import OpenedSource

# Each module registers its subcommands: register(subparsers) setting ``func`` to a callable
# taking the parsed arguments and returning an exit code.
COMMAND_MODULES = (
    "scop.journal.cli",
    "scop.protocols.cli",
    "scop.protocols.feed_sim",
    "scop.procedures.cli",
    "scop.replay.cli",
    "scop.room_cli",
    "scop.accounts.cli",
    "scop.safety.cli",
    "scop.reports.cli",
)


def build_parser() -> argparse.ArgumentParser:
    p = FrenchArgumentParser(
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
    add_console_options(p)
    add_link_options(p)
    sub = p.add_subparsers(dest="command", metavar="COMMANDE")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    # The replay and exercise commands open a console window: they get its launchers here,
    # so that they never import the UI (nor this module) themselves.
    p.set_defaults(windows=ConsoleWindows())
    return p


class ConsoleWindows:
    """The Qt windows a subcommand may open (``scop.replay.cli.Windows``), imported only when
    one is asked for: ``scop debrief`` runs on a server with no display."""

    def replay(self, config: Config, src: OpenedSource, options: ReplayOptions) -> int:
        from scop.ui.replay.launch import run_replay

        return run_replay(config, src, options)

    def exercise(self, config: Config, runner: ExerciseRunner, start: bool) -> int:
        from scop.ui.replay.launch import run_exercise

        return run_exercise(config, runner, start)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``scop``. Every failure ends here as one French message and an :class:`Exit`
    code; its traceback goes to the log file. Called with no ``argv`` (the installed
    command, ``python -m scop.cli``, ``main.py``), the logging is set up here, by
    :func:`scop.errors.setup_logging` only, for every subcommand; tests pass ``argv`` and
    keep theirs."""
    if argv is None:
        setup_logging(log_file(os.environ))
    args: argparse.Namespace | None = None
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help, or a usage error already printed in French
            return exc.code if isinstance(exc.code, int) else Exit.USAGE
        if args.command is None:
            from scop.app import run_console

            return run_console(Config.load(args))
        code: int = args.func(args)
        return code
    except KeyboardInterrupt:
        print("scop : interrompu.", file=sys.stderr)
        return Exit.INTERRUPTED
    except Exception as exc:
        err = report(exc, _command_name(args), url=_database_of(args))
        if (args is None or args.command is None) and wants_dialog(
            os.environ, _isatty(sys.stderr), _isatty(sys.stdin), args
        ):
            from scop.app import show_error_dialog

            show_error_dialog(err)
        return int(err.exit_code)


def _command_name(args: argparse.Namespace | None) -> str:
    if args is None or args.command is None:
        return "scop"
    sub = next((v for k, v in vars(args).items() if k.endswith("_command") and v), None)
    return " ".join(x for x in ("scop", args.command, sub) if x)


def _database_of(args: argparse.Namespace | None) -> str:
    """The database a failed command worked on, for naming it in the message."""
    if args is None:
        return ""
    for name in ("db", "exercise_db", "source"):
        value = getattr(args, name, None)
        if isinstance(value, str) and "://" in value:
            return value
    return "" if args.command in ("fiches", "pp-sim") else default_db_url()


def _isatty(stream: object) -> bool:
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def wants_dialog(
    env: Mapping[str, str], stderr_tty: bool, stdin_tty: bool, args: argparse.Namespace | None
) -> bool:
    """A console started from a desktop icon has no terminal to print to: its failure is
    shown in a dialog. ``SCOP_ERROR_DIALOG=1`` or ``0`` forces the choice."""
    forced = error_dialog_choice(env)
    if forced is not None:
        return forced
    if args is not None and getattr(args, "screenshot", None) is not None:
        return False
    if stderr_tty or stdin_tty:
        return False
    if env.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


if __name__ == "__main__":
    sys.exit(main())
