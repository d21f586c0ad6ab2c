"""``scop barometre``: the Observatoire's figures over a period, as CSV, PDF or HTML.

Reads only: the source is opened read-only (a database URL, a SQLite file or an export), and
nothing is written but the file asked for.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, ColumnElement, cast, func, select, type_coerce

from scop.clock import ManualClock, SystemClock, to_iso
from scop.errors import UsageError
from scop.journal.store import JournalStore
from scop.journal.tables import journal_entries
from scop.models.fold_core import CREW_ENGAGED, CREW_REGISTERED, EVENT_CREATED, EVENT_STATUS
from scop.models.fold_duty import CREW_DUTY_ENDED
from scop.models.fold_operations import CREW_REROUTED
from scop.models.vocabulary import EventStatus
from scop.reports.barometre import (
    SOURCE_DMR,
    Barometre,
    Count,
    PeriodError,
    Step,
    assemble,
    date_range,
    on_duty,
)


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


def _field(store: JournalStore, key: str) -> ColumnElement[str]:
    """A string field of the payload, read by the database (SQLite's JSON1, PostgreSQL's
    json; the column is text): decoding a quarter's payloads in Python cost more than the
    whole GROUP BY (bench/dashboard.py)."""
    col = journal_entries.c.payload
    doc = cast(col, JSON) if store.engine.dialect.name == "postgresql" else type_coerce(col, JSON)
    field: ColumnElement[str] = doc[key].as_string()
    return field


def _hour(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def barometer_of(store: JournalStore, first: date, last: date, step: Step) -> Barometre:
    """The barometer of whole days, counted by the database: events created and crews
    engaged or rerouted grouped by UTC hour (each hour lies within one Paris day), the first
    closure of each DansMaRue event, and the crews' duty entries, which are few. The same
    figures as :func:`scop.reports.barometre.compute` over the entries (tests/unit/
    test_barometre.py checks both against the raw rows)."""
    start, end = date_range(first, last)
    c = journal_entries.c
    hour = func.substr(c.ts, 1, 13)
    in_range = (c.ts >= to_iso(start), c.ts < to_iso(end))
    category = _field(store, "category")
    created = (
        select(hour, c.source, category, func.count())
        .where(c.kind == EVENT_CREATED, *in_range)
        .group_by(hour, c.source, category)
    )
    missions = (
        select(hour, c.kind, func.count())
        .where(c.kind.in_((CREW_ENGAGED, CREW_REROUTED)), *in_range)
        .group_by(hour, c.kind)
    )
    event_id = _field(store, "id")
    dmr = select(event_id).where(
        c.kind == EVENT_CREATED, c.source == SOURCE_DMR, c.ts < to_iso(end)
    )
    first_closures = (
        select(func.min(c.ts))
        .where(
            c.kind == EVENT_STATUS,
            c.ts < to_iso(end),
            _field(store, "status") == EventStatus.CLOS.value,
            event_id.in_(dmr),
        )
        .group_by(event_id)
    )
    duty = (
        select(c.ts, c.kind, _field(store, "call_sign"))
        .where(c.kind.in_((CREW_REGISTERED, CREW_DUTY_ENDED)), c.ts < to_iso(end))
        .order_by(c.position)
    )
    with store.engine.connect() as conn:
        counts: list[Count] = [
            (_hour(h), EVENT_CREATED, source, "?" if cat is None else cat, n)
            for h, source, cat, n in conn.execute(created)
        ]
        counts += [(_hour(h), kind, "", "", n) for h, kind, n in conn.execute(missions)]
        closures = [datetime.fromisoformat(ts) for (ts,) in conn.execute(first_closures)]
        spells = on_duty(
            ((datetime.fromisoformat(ts), kind, str(cs)) for ts, kind, cs in conn.execute(duty)),
            end,
        )
    return assemble(start, end, step, counts, closures, spells)


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
