"""``scop replay``, ``scop exercise`` and ``scop debrief``.

No Qt here: the console windows are handed in by :mod:`scop.cli` (``args.windows``) and
import the UI only when a window is asked for, so ``scop debrief`` and ``scop exercise
--batch`` run on a machine with no display.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scop.clock import ManualClock, SystemClock
from scop.config import Config, add_console_options, default_db_url
from scop.errors import Exit, InputError, ScopError, UsageError, cannot_write
from scop.replay.scenario import ScenarioError, load_scenario

if TYPE_CHECKING:
    from scop.replay.exercise import ExerciseRunner
    from scop.replay.source import OpenedSource


@dataclass(frozen=True)
class ReplayOptions:
    at: datetime | None = None
    speed: float | None = 10.0  # None: as fast as possible
    play: bool = False


class Windows(Protocol):
    """The console windows, handed in by ``scop.cli`` (``args.windows``): this module stays
    below the UI and runs where there is no display."""

    def replay(self, config: Config, src: OpenedSource, options: ReplayOptions) -> int: ...

    def exercise(self, config: Config, runner: ExerciseRunner, start: bool) -> int: ...


def _when(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"heure illisible {text!r} : attendu 2026-11-23T14:30:00+01:00"
        ) from None
    if t.tzinfo is None:
        raise argparse.ArgumentTypeError(
            "heure attendue avec son décalage, ex. 2026-11-23T14:30:00+01:00"
        )
    return t


def _speed(text: str) -> float | None:
    if text.lower() in ("max", "maximum", "0"):
        return None
    try:
        value = float(text.lstrip("x×"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"vitesse {text!r} : 1, 2, 5, 10, 30, 60 ou max") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("la vitesse est positive (ou « max »)")
    return value


def register(sub: Any) -> None:
    r = sub.add_parser(
        "replay",
        help="rejouer une vacation enregistrée (base ou fichier d'export), en lecture seule",
    )
    r.add_argument("source", help="fichier d'export (scop journal export) ou URL de base")
    r.add_argument("--at", dest="at", type=_when, help="se placer à cette heure au démarrage")
    r.add_argument(
        "--speed",
        type=_speed,
        default=10.0,
        help="vitesse de lecture au démarrage (1, 2, 5, 10, 30, 60, max)",
    )
    r.add_argument("--play", action="store_true", help="lancer la lecture au démarrage")
    add_console_options(r, after_command=True)
    r.set_defaults(func=_replay)

    e = sub.add_parser("exercise", help="conduire un exercice sur une base d'exercice séparée")
    e.add_argument("scenario", type=Path, help="fichier de scénario (YAML)")
    e.add_argument(
        "--db",
        dest="exercise_db",
        metavar="URL",
        help="base d'exercice (défaut : nouvelle base sous le dossier de données)",
    )
    e.add_argument(
        "--fork",
        metavar="SOURCE",
        help="repartir d'une vacation enregistrée (export ou URL de base)",
    )
    e.add_argument("--at", dest="at", type=_when, help="instant de la vacation d'où repartir")
    e.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="vitesse du scénario : 1, 2, 5, 10, 30, 60 ou max (défaut 1)",
    )
    e.add_argument(
        "--check",
        action="store_true",
        help="vérifier le scénario (erreurs fichier:ligne) et quitter",
    )
    e.add_argument(
        "--batch",
        action="store_true",
        help="sans console : jouer tous les injects aussi vite que possible",
    )
    e.add_argument("--start", action="store_true", help="démarrer l'exercice dès l'ouverture")
    e.add_argument(
        "--pp-script",
        type=Path,
        metavar="FICHIER",
        help="écrire le script « scop pp-sim » des messages PP du scénario et quitter",
    )
    e.add_argument(
        "--pp-sim",
        action="store_true",
        help="les messages de la PP viennent du simulateur (scop pp-sim --script) par le lien,"
        " au lieu d'être écrits par le formateur",
    )
    e.add_argument(
        "--debrief",
        type=Path,
        metavar="FICHIER",
        help="avec --batch : écrire le RETEX (.pdf ou .html) à la fin",
    )
    add_console_options(e, after_command=True)
    e.set_defaults(func=_exercise)

    d = sub.add_parser("debrief", help="RETEX d'une vacation ou d'un exercice en PDF ou HTML")
    d.add_argument("source", help="fichier d'export ou URL de base (réelle ou d'exercice)")
    d.add_argument("--out", "-o", type=Path, required=True, help="fichier .pdf ou .html")
    d.set_defaults(func=_debrief)

    rl = sub.add_parser("releve", help="relève entre chefs de salle : réimprimer")
    rlsub = rl.add_subparsers(dest="releve_command", required=True, metavar="ACTION")
    rp = rlsub.add_parser(
        "print",
        help="écrire en PDF une relève de la main courante (la dernière par défaut)",
        description="Relit la relève dans la main courante seule (base ou fichier d'export) "
        "et l'écrit en PDF, identique à l'original. Lecture seule. Codes de sortie : 0 "
        "écrite, 1 relève refusée (aucune, ou pas celle demandée), 2 option invalide, 3-6 "
        "base, 7 export illisible, 8 fichier impossible à écrire (tableau du README).",
    )
    rp.add_argument("source", help="fichier d'export ou URL de base")
    rp.add_argument("--id", metavar="RL-…", help="relève à imprimer (défaut : la dernière)")
    rp.add_argument("--out", "-o", type=Path, required=True, help="fichier .pdf")
    rp.set_defaults(func=_releve_print)


def _replay(args: argparse.Namespace) -> int:
    from scop.replay.source import open_source

    src = open_source(args.source, ManualClock())
    try:
        if src.store.head()[0] == 0:
            raise InputError(f"{args.source} : main courante vide", "Rien à rejouer.")
        windows: Windows = args.windows
        options = ReplayOptions(args.at, args.speed, args.play)
        return windows.replay(Config.load(args), src, options)
    finally:
        src.close()


def _load(path: Path) -> Any:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        print(
            f"scop exercise : {len(exc.problems)} problème(s) dans le scénario :", file=sys.stderr
        )
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        return None


def _exercise(args: argparse.Namespace) -> int:
    from scop.replay.exercise import open_exercise

    scenario = _load(args.scenario)
    if scenario is None:  # a check that found problems (1), or an input file refused (7)
        return Exit.CHECK_FAILED if args.check else Exit.BAD_INPUT
    if args.check:
        print(
            f"Scénario valide : « {scenario.title} », {len(scenario.injects)} injects, "
            f"{len(scenario.expected)} actions attendues."
        )
        return 0
    if args.pp_script is not None:
        from scop.replay.ppscript import write_pp_sim_script

        try:
            n = write_pp_sim_script(scenario, args.pp_script)
        except OSError as exc:
            raise cannot_write(args.pp_script, exc, "--pp-script") from exc
        print(
            f"Script du simulateur PP écrit : {args.pp_script} ({n} message(s)) — "
            f"scop pp-sim --exercise --script {args.pp_script}"
        )
        return 0
    if (args.fork is None) != (args.at is None):
        raise UsageError(
            "--fork et --at vont ensemble",
            "Exemple : --fork vacation.jsonl.gz --at 2026-11-23T14:30:00+01:00.",
        )
    if args.debrief and args.debrief.suffix.lower() not in (".pdf", ".html", ".htm"):
        # said before the exercise runs, as « scop debrief » says it
        raise UsageError(
            f"{args.debrief} : extension .pdf ou .html attendue", "Exemple : --debrief retex.pdf."
        )
    live = tuple(u for u in (default_db_url(), getattr(args, "db", None)) if u)
    operator = None
    if args.batch:
        from scop.replay.exercise import TRAINER

        operator = TRAINER
    runner = open_exercise(
        scenario,
        url=args.exercise_db,
        operator=operator or _operator_placeholder(),
        fork=args.fork,
        at=args.at,
        now=SystemClock().now(),
        live_urls=live,
        speed=args.speed,
    )
    runner.pp_via_sim = args.pp_sim
    store = runner.room.store
    print(f"Base d'exercice : {store.url}")
    try:
        if args.batch:
            outcomes = runner.run_to_end()
            for o in outcomes:
                print(f"  {o.status_label:<11} {o.expected.label}")
            if args.debrief:
                from scop.replay.debrief import build_debrief, write

                write(build_debrief(store.read(), source=store.url), args.debrief)
                print(f"RETEX écrit : {args.debrief}")
            return 0
        windows: Windows = args.windows
        return windows.exercise(Config.load(args), runner, args.start)
    finally:
        store.close()


def _operator_placeholder() -> Any:
    """The console asks who is at the keyboard; until then the journal's opening is the
    system's own (open_room records room.opened as SCOP)."""
    from scop.models.entries import Operator

    return Operator("Formateur", "trainer")


def _releve_print(args: argparse.Namespace) -> int:
    from scop.replay.handover import sheet_from_journal, write_pdf
    from scop.replay.source import open_source
    from scop.room import CommandRefused

    if args.out.suffix.lower() != ".pdf":
        raise UsageError(f"{args.out} : extension .pdf attendue", "Exemple : --out releve.pdf.")
    src = open_source(args.source, ManualClock(SystemClock().now()))
    try:
        sheet = sheet_from_journal(src.store.read(), args.id)
        write_pdf(sheet, args.out)
    except CommandRefused as exc:
        raise ScopError(f"{args.source} : {exc}", code=Exit.REFUSED) from exc
    except OSError as exc:
        raise cannot_write(args.out, exc) from exc
    finally:
        src.close()
    print(f"Relève {sheet.handover.id} écrite : {args.out}")
    return 0


def _debrief(args: argparse.Namespace) -> int:
    from scop.replay.debrief import build_debrief, write
    from scop.replay.source import open_source

    if args.out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise UsageError(
            f"{args.out} : extension .pdf ou .html attendue", "Exemple : --out retex.pdf."
        )
    src = open_source(args.source, ManualClock(SystemClock().now()))
    try:
        entries = src.store.read()
        if not entries:
            raise InputError(f"{args.source} : main courante vide", "Rien à analyser.")
        d = build_debrief(entries, source=args.source)
        write(d, args.out)
    finally:
        src.close()
    print(
        f"RETEX écrit : {args.out} ({d.entries} entrées, {len(d.fiches)} fiche(s), "
        f"{len(d.messages)} message(s), {len(d.expected)} action(s) attendue(s))"
    )
    return 0
