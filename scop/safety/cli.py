"""``scop hazards list`` and ``scop hazards export``: the hazard flags for periodic review.

Flags are personal data in many cases: the chief reviews them regularly, lifts those no
longer justified, and lets the rest expire. Both commands only read the journal (opened
read-only: nothing is created, nothing is written).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from scop.clock import SystemClock, local
from scop.config import default_db_url
from scop.errors import Exit, cannot_write, database_error, log_failure, no_room
from scop.journal.store import JournalStore
from scop.models.fold_safety import Hazard
from scop.models.projection import Projection
from scop.room_admin import existing_mode

COLUMNS = (
    "n°",
    "catégorie",
    "adresse",
    "latitude",
    "longitude",
    "description",
    "auteur",
    "enregistré le",
    "expire le",
    "état",
)

EXIT_OK = Exit.OK


def register(sub: Any) -> None:
    h = sub.add_parser("hazards", help="signalements de danger sur des lieux (revue périodique)")
    hsub = h.add_subparsers(dest="hazards_command", required=True, metavar="ACTION")
    ls = hsub.add_parser("list", help="lister les signalements en vigueur")
    ls.add_argument("--db", metavar="URL", help="base de la salle (défaut : base de démonstration)")
    ls.add_argument("--all", action="store_true", help="aussi les signalements expirés ou levés")
    ls.set_defaults(func=_list)
    ex = hsub.add_parser("export", help="exporter les signalements en CSV pour leur revue")
    ex.add_argument("--db", metavar="URL", help="base de la salle (défaut : base de démonstration)")
    ex.add_argument("--out", "-o", type=Path, help="fichier CSV (défaut : sortie standard)")
    ex.add_argument("--all", action="store_true", help="aussi les signalements expirés ou levés")
    ex.set_defaults(func=_export)


def state_label(h: Hazard, now: datetime) -> str:
    if h.lifted_at is not None:
        return f"levé le {local(h.lifted_at):%d/%m/%Y} ({h.lifted_reason})"
    if not h.active(now):
        return "expiré"
    return "en vigueur"


def rows(hazards: list[Hazard], now: datetime) -> list[tuple[str, ...]]:
    return [
        (
            h.id,
            h.category_label,
            h.address,
            f"{h.lat:.6f}" if h.lat is not None else "",
            f"{h.lon:.6f}" if h.lon is not None else "",
            h.text,
            h.author,
            f"{local(h.recorded_at):%d/%m/%Y %H:%M}",
            f"{local(h.expires_at):%d/%m/%Y}",
            state_label(h, now),
        )
        for h in hazards
    ]


def load_hazards(
    url: str, everything: bool = False, now: datetime | None = None
) -> tuple[list[Hazard], datetime]:
    clock = SystemClock()
    store = JournalStore.open(url, clock, readonly=True)
    try:
        if existing_mode(store) is None:  # SCOP's tables but no room: the README's 4
            raise no_room(url)
        projection = Projection()
        projection.apply_all(store.iter_entries())
    finally:
        store.close()
    now = now or clock.now()
    hazards = [h for h in projection.state.hazards.values() if isinstance(h, Hazard)]
    if not everything:
        hazards = [h for h in hazards if h.active(now)]
    hazards.sort(key=lambda h: h.recorded_at)
    return hazards, now


def _db(args: argparse.Namespace) -> str:
    return str(args.db) if args.db else default_db_url()


def _missing_sqlite(url: str) -> bool:
    """A read-only command never creates a file: SQLite would create an empty base."""
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except Exception:
        return False
    return (
        u.get_backend_name() == "sqlite"
        and bool(u.database)
        and u.database != ":memory:"
        and not Path(str(u.database)).is_file()
    )


def _load(args: argparse.Namespace, name: str) -> tuple[list[Hazard], datetime] | Exit:
    """The hazards, or the exit code of the README's table once the failure is said."""
    url = _db(args)
    if _missing_sqlite(url):
        print(f"scop hazards {name} : base introuvable : {url}", file=sys.stderr)
        return Exit.DB_MISSING
    try:
        return load_hazards(url, args.all)
    except Exception as exc:  # the person gets a sentence; the traceback goes to the log
        log_failure("lecture des signalements impossible", exc)
        err = database_error(exc, url)
        print(f"scop hazards {name} : {err}", file=sys.stderr)
        return err.exit_code


def _list(args: argparse.Namespace) -> int:
    loaded = _load(args, "list")
    if isinstance(loaded, Exit):
        return loaded
    hazards, now = loaded
    if not hazards:
        print("Aucun signalement " + ("enregistré." if args.all else "en vigueur."))
        return EXIT_OK
    for row in rows(hazards, now):
        n, cat, address, lat, lon, text, author, recorded, expires, state = row
        where = address or f"{lat}, {lon}"
        print(f"{n}  {cat} — {where}")
        print(f"      {text}")
        print(f"      par {author} le {recorded}, expire le {expires} — {state}")
    print(f"{len(hazards)} signalement(s). Un signalement ne nomme jamais une personne.")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    loaded = _load(args, "export")
    if isinstance(loaded, Exit):
        return loaded
    hazards, now = loaded
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(rows(hazards, now))
    if args.out is None:
        sys.stdout.write(buf.getvalue())
        return EXIT_OK
    try:
        args.out.write_text(buf.getvalue(), encoding="utf-8")
    except OSError as exc:
        err = cannot_write(args.out, exc)  # the French reason: strerror is English
        print(f"scop hazards export : {err}", file=sys.stderr)
        return err.exit_code
    print(f"{len(hazards)} signalement(s) exporté(s) dans {args.out}", file=sys.stderr)
    return EXIT_OK
