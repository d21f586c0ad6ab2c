"""Where a replay reads from: a room database, or a file written by ``scop journal export``.

An export is loaded into a temporary SQLite journal first, so that everything downstream
(the engine, the console's docks, the debrief) reads one kind of store, read-only.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select, update

from scop.clock import Clock, to_iso
from scop.errors import Exit, InputError, database_error, no_room
from scop.journal.export import ExportError, read_export
from scop.journal.store import JournalStore, entry_row, is_sqlite_file
from scop.journal.tables import crew_positions, journal_entries, journal_head
from scop.journal.verify import verify_chain
from scop.models.entities import PositionFix
from scop.models.entries import GENESIS_HASH, Entry
from scop.room_admin import existing_mode


class SourceError(InputError):
    """A source that cannot be replayed; the message is for the trainer, in French."""


def import_entries(store: JournalStore, entries: Sequence[Entry]) -> None:
    """Append already sealed entries, keeping their positions, times and hashes.

    The chain must continue the store's head exactly: this copies a journal, it never
    rewrites one (the store's own ``append`` would re-stamp time and author)."""
    if not entries:
        return
    position, prev = store.head()
    for e in entries:
        if e.position != position + 1 or e.prev_hash != prev:
            raise SourceError(
                f"l'entrée n° {e.position} ne prolonge pas la main courante (tête n° {position})"
            )
        position, prev = e.position, e.hash
    with store._write_engine.begin() as conn:
        if conn.execute(select(journal_head.c.id)).first() is None:
            conn.execute(insert(journal_head).values(id=1, position=0, hash=GENESIS_HASH))
        conn.execute(insert(journal_entries), [entry_row(e) for e in entries])
        conn.execute(
            update(journal_head).where(journal_head.c.id == 1).values(position=position, hash=prev)
        )


def import_positions(store: JournalStore, fixes: Iterable[PositionFix], batch: int = 50_000) -> int:
    n = 0
    chunk: list[dict[str, object]] = []

    def flush() -> None:
        if chunk:
            with store._write_engine.begin() as conn:
                conn.execute(insert(crew_positions), chunk)
            chunk.clear()

    for f in fixes:
        chunk.append(
            {
                "ts": to_iso(f.ts),
                "call_sign": f.call_sign,
                "lon": f.lon,
                "lat": f.lat,
                "heading": f.heading,
                "speed": f.speed,
            }
        )
        n += 1
        if len(chunk) >= batch:
            flush()
    flush()
    return n


@dataclass
class OpenedSource:
    """A read-only store over the source, and what to clean up when the replay ends."""

    store: JournalStore
    name: str
    temp_dir: Path | None = None
    header: dict[str, object] = field(default_factory=dict)

    def close(self) -> None:
        self.store.close()
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)


def _looks_like_url(source: str) -> bool:
    return "://" in source


def open_source(source: str, clock: Clock) -> OpenedSource:
    """Open ``source`` read-only: a database URL, a SQLite file, or an export file."""
    if _looks_like_url(source):
        store = JournalStore.open(source, clock, readonly=True)
        try:
            held = existing_mode(store) is not None
        except Exception as exc:
            store.close()
            raise database_error(exc, source) from exc
        if not held:  # SCOP's tables but no room: the README's 4, as for an empty base
            store.close()
            raise no_room(source, option="")
        return OpenedSource(store, source)
    path = Path(source)
    if not path.exists():
        raise SourceError(
            f"Fichier introuvable : {path}",
            "Donner un export (scop journal export), un fichier .sqlite ou une URL de base.",
            code=Exit.DB_MISSING,
        )
    if is_sqlite_file(path):
        return open_source(f"sqlite:///{path.resolve()}", clock)
    return load_export(path, clock)


def load_export(path: Path, clock: Clock) -> OpenedSource:
    try:
        shift = read_export(path)
    except ExportError as exc:
        raise SourceError(exc.message, exc.hint, code=exc.exit_code) from exc
    if shift.head is None:
        raise SourceError(
            f"{path} : l'export n'a pas de ligne de fin (fichier tronqué)",
            "Refaire l'export (scop journal export) ou recopier le fichier en entier.",
        )
    report = verify_chain(shift.entries, shift.head)
    if not report.ok:
        raise SourceError(
            f"{path} : relecture refusée, export altéré : {report.message()}",
            f"Lancer « scop journal verify {path} ».",
            code=Exit.CHECK_FAILED,
        )
    temp_dir = Path(tempfile.mkdtemp(prefix="scop-relecture-"))
    url = f"sqlite:///{temp_dir / 'relecture.sqlite'}"
    writer = JournalStore.open(url, clock)
    try:
        import_entries(writer, shift.entries)
        import_positions(writer, shift.positions)
        writer.set_meta("mode", str(shift.header.get("mode") or "live"))
        writer.set_meta("label", str(shift.header.get("label") or ""))
    finally:
        writer.close()
    store = JournalStore.open(url, clock, readonly=True)
    return OpenedSource(store, str(path), temp_dir, dict(shift.header))


def raw_sqlite_read(path: Path) -> tuple[int, int]:
    """The baseline of the benchmark: every entry and position row, with no parsing."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        n_entries = sum(1 for _ in conn.execute("SELECT * FROM journal_entries ORDER BY position"))
        n_fixes = sum(1 for _ in conn.execute("SELECT * FROM crew_positions ORDER BY id"))
    finally:
        conn.close()
    return n_entries, n_fixes


class MemoryJournal(JournalStore):
    """A recorded journal whose entries the replay already holds: ``read`` answers from
    memory (a seek reloads the main courante up to T, tens of thousands of rows), everything
    else goes to the read-only store underneath."""

    def __init__(self, store: JournalStore, entries: Sequence[Entry]) -> None:
        super().__init__(store.engine, store.clock, readonly=True)
        if entries and (entries[0].position != 1 or entries[-1].position != len(entries)):
            raise SourceError("main courante incomplète : relecture impossible")
        self._entries = entries

    def read(
        self, after: int = 0, limit: int | None = None, until: datetime | None = None
    ) -> list[Entry]:
        out = self._entries[max(0, after) :]
        if until is not None:
            out = [e for e in out if e.ts <= until]
        return list(out[:limit] if limit is not None else out)
