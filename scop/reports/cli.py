"""``scop barometre``: the Observatoire's figures over a period, as CSV, PDF or HTML.

Reads only: the source is opened read-only (a database URL, a SQLite file or an export), and
nothing is written but the file asked for.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import select

from scop.clock import ManualClock, SystemClock, to_iso
from scop.errors import UsageError
from scop.journal.store import JournalStore
from scop.journal.tables import journal_entries
from scop.reports.barometre import KINDS, Barometre, PeriodError, Step, compute, date_range


def _day(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(
        f"date illisible {text!r} : attendu AAAA-MM-JJ (ex. 2026-11-23) ou JJ/MM/AAAA"
    )


def register(sub: Any) -> None:
    b = sub.add_parser(
        "barometre",
        help="l'activité de la SCOP sur une période (missions, appels 3975, déroulements, "
        "DansMaRue) en CSV, PDF ou HTML",
        description="Calcule depuis la main courante les chiffres publiés par l'Observatoire "
        "(définitions : README, « Baromètres »). Lecture seule. Codes de sortie : 0 succès, "
        "2 dates ou options invalides, 3-6 base, 7 export illisible, 8 fichier impossible à "
        "écrire.",
    )
    b.add_argument(
        "--db",
        dest="source",
        required=True,
        metavar="URL|EXPORT",
        help="base de la salle (URL), fichier .sqlite ou export (scop journal export)",
    )
    b.add_argument("--from", dest="first", type=_day, required=True, help="premier jour inclus")
    b.add_argument("--to", dest="last", type=_day, required=True, help="dernier jour inclus")
    b.add_argument(
        "--by",
        choices=[s.value for s in Step],
        default=Step.DAY.value,
        help="une ligne par jour (défaut), semaine ou mois",
    )
    b.add_argument("--out", "-o", type=Path, required=True, help="fichier .csv, .pdf ou .html")
    b.set_defaults(func=_barometre)


class Counted(NamedTuple):
    """The four columns the barometer reads: no hash, no author (a quarter is millions of
    rows; building whole entries was most of the time, bench/dashboard.py)."""

    ts: datetime
    kind: str
    source: str
    payload: dict[str, Any]


def barometer_entries(store: JournalStore, end: datetime) -> Iterator[Counted]:
    """Only the kinds the barometer counts, before ``end``, in journal order."""
    c = journal_entries.c
    q = (
        select(c.ts, c.kind, c.source, c.payload)
        .where(c.kind.in_(KINDS), c.ts < to_iso(end))
        .order_by(c.position)
    )
    with store.engine.connect() as conn:
        for ts, kind, source, payload in conn.execution_options(yield_per=20000).execute(q):
            yield Counted(
                datetime.fromisoformat(ts),
                kind,
                source,
                json.loads(payload) if isinstance(payload, str) else payload,
            )


def barometer_of(store: JournalStore, first: date, last: date, step: Step) -> Barometre:
    start, end = date_range(first, last)
    return compute(barometer_entries(store, end), start, end, step)


def _barometre(args: argparse.Namespace) -> int:
    from scop.replay.source import open_source
    from scop.reports.render import EMPTY_TEXT, write

    out: Path = args.out
    if out.suffix.lower() not in (".csv", ".pdf", ".html", ".htm"):
        raise UsageError(
            f"{out} : extension .csv, .pdf ou .html attendue", "Exemple : --out barometre.pdf."
        )
    try:
        date_range(args.first, args.last)
    except PeriodError as exc:
        raise UsageError(f"Période invalide : {exc}", "Donner --from avant --to.") from exc
    src = open_source(args.source, ManualClock(SystemClock().now()))
    try:
        b = barometer_of(src.store, args.first, args.last, Step(args.by))
        mode = src.store.meta("mode") or ""
    finally:
        src.close()
    write(b, args.source, out, mode)
    t = b.total
    print(
        f"Baromètre écrit : {out} ({len(b.periods)} période(s) ; {t.missions} missions, "
        f"{t.appels_3975} appels 3975, {t.deroulements} déroulements, "
        f"{t.dansmarue_traites} signalements DansMaRue traités)"
    )
    if b.empty:
        print(EMPTY_TEXT)
    return 0
