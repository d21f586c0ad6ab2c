"""``scop journal verify`` and ``scop journal export``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from scop.clock import SystemClock
from scop.config import default_db_url
from scop.errors import Exit, InputError, OutputError, ScopError, database_error, no_room
from scop.journal.export import export_journal, verify_export
from scop.journal.store import JournalStore, is_sqlite_file
from scop.journal.verify import VerifyReport


def _when(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"heure illisible {text!r} : attendu 2026-11-23T07:00+01:00"
        ) from None
    if t.tzinfo is None:
        raise argparse.ArgumentTypeError(
            "heure attendue avec son décalage, ex. 2026-11-23T07:00+01:00"
        )
    return t


def register(sub: Any) -> None:
    j = sub.add_parser("journal", help="vérifier ou exporter la main courante")
    jsub = j.add_subparsers(dest="journal_command", required=True, metavar="ACTION")
    v = jsub.add_parser("verify", help="vérifier la chaîne d'empreintes (base ou fichier d'export)")
    v.add_argument("source", nargs="?", type=Path, help="fichier d'export (sinon --db)")
    v.add_argument("--db", metavar="URL", help="base à vérifier (défaut : base de démonstration)")
    v.set_defaults(func=_verify)
    e = jsub.add_parser("export", help="écrire une vacation dans un seul fichier vérifiable")
    e.add_argument("--db", metavar="URL", help="base à exporter (défaut : base de démonstration)")
    e.add_argument("--out", "-o", type=Path, required=True, help="fichier (.jsonl ou .jsonl.gz)")
    e.add_argument("--since", type=_when, help="positions des équipages à partir de cette heure")
    e.add_argument("--until", type=_when, help="arrêter l'export à cette heure")
    e.add_argument("--no-positions", action="store_true", help="sans les positions des équipages")
    e.set_defaults(func=_export)


def _verify(args: argparse.Namespace) -> int:
    """A chain altered is exit code 1 with the first entry altered; anything that keeps the
    check from running (missing, foreign, unreadable) is a ScopError, reported by scop.cli."""
    if args.source is not None:
        if is_sqlite_file(args.source):
            report = _verify_db(f"sqlite:///{args.source.resolve()}", option="")
        elif not args.source.exists():
            raise InputError(
                f"Fichier introuvable : {args.source}",
                "Donner un export (scop journal export) ou une base avec --db.",
                code=Exit.DB_MISSING,
            )
        else:
            report = verify_export(args.source)
    else:
        report = _verify_db(args.db or default_db_url())
    print(report.message(), file=sys.stdout if report.ok else sys.stderr)
    return Exit.OK if report.ok else Exit.CHECK_FAILED


@contextlib.contextmanager
def _reading(url: str, option: str = "--db") -> Iterator[JournalStore]:
    """The base at ``url``, read-only; a read that fails names the base (damaged…)."""
    store = JournalStore.open(url, SystemClock(), readonly=True)
    try:
        if store.meta("mode") is None and store.head()[0] == 0:
            # SCOP's tables but no room (room_admin.existing_mode is None): the README's 4,
            # as for an empty base, not « chaîne intègre : 0 entrées » or an empty export
            raise no_room(url, option)
        yield store
    except ScopError:
        raise
    except Exception as exc:
        raise database_error(exc, url) from exc
    finally:
        store.close()


def _verify_db(url: str, option: str = "--db") -> VerifyReport:
    with _reading(url, option) as store:
        return store.verify()


def _export(args: argparse.Namespace) -> int:
    if args.out.is_dir():
        raise OutputError(
            f"{args.out} est un dossier", "Donner un nom de fichier : --out vacation.jsonl.gz."
        )
    with _reading(args.db or default_db_url()) as store:
        n = export_journal(
            store,
            args.out,
            since=args.since,
            until=args.until,
            with_positions=not args.no_positions,
        )
    print(f"{n} entrées exportées dans {args.out}")
    return 0
