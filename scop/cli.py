"""The ``scop`` command: the console itself, and the tools of the room around it.

Nothing here imports Qt: ``scop journal verify`` must run on a server with no display, and
the console's own start imports :mod:`scop.app` only when it is asked for.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from scop.config import Config, add_console_options

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
    "scop.safety.cli",
)


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
    add_console_options(p)
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
    args = build_parser().parse_args(argv)
    if args.command is None:
        from scop.app import run_console

        return run_console(Config.load(args))
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
