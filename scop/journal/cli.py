"""``scop journal verify`` and ``scop journal export``."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from scop.clock import SystemClock
from scop.config import default_db_url
from scop.journal.export import ExportError, export_journal, verify_export
from scop.journal.store import JournalStore


def _when(text: str) -> datetime:
    t = datetime.fromisoformat(text)
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
    try:
        if args.source is not None:
            report = verify_export(args.source)
        else:
            store = JournalStore.open(args.db or default_db_url(), SystemClock(), readonly=True)
            try:
                report = store.verify()
            finally:
                store.close()
    except ExportError as exc:
        print(f"scop journal verify : {exc}", file=sys.stderr)
        return 2
    print(report.message(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def _export(args: argparse.Namespace) -> int:
    store = JournalStore.open(args.db or default_db_url(), SystemClock(), readonly=True)
    try:
        n = export_journal(
            store,
            args.out,
            since=args.since,
            until=args.until,
            with_positions=not args.no_positions,
        )
    except ExportError as exc:
        print(f"scop journal export : {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{n} entrées exportées dans {args.out}")
    return 0
