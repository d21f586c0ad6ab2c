"""``scop barometre`` counts in the database (grouped by hour, payload fields read by SQLite's
JSON1 or PostgreSQL's json): on a real PostgreSQL, on a SQLite file and from an export, it
gives exactly the figures of the definition computed over the entries in Python."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from scoptest.replay import START, with_reopenings

from scop.clock import ManualClock
from scop.journal.export import export_journal
from scop.journal.store import JournalStore
from scop.models.entries import SYSTEM, Draft
from scop.replay.generate import GenEntry, Item, generate_shift, write_sqlite
from scop.replay.source import import_entries, open_source
from scop.reports.barometre import Step, compute, date_range
from scop.reports.cli import barometer_of

pytestmark = pytest.mark.postgres


def _odd_entries(items: Iterator[Item]) -> Iterator[Item]:
    """An event without a category, a crew going off duty: what the generator does not
    write (reopened reports: scoptest's)."""
    for n, item in enumerate(items):
        yield item
        if n == 3000 and isinstance(item, GenEntry):
            t = item.ts + timedelta(seconds=1)
            yield GenEntry(t, Draft("event.created", {"id": "EV-SANS", "title": "?"}, "pp"), SYSTEM)
            yield GenEntry(t, Draft("crew.duty_ended", {"call_sign": "V01-1"}), SYSTEM)


@pytest.mark.parametrize("step", [Step.DAY, Step.WEEK])
def test_sql_counts_equal_the_definition_on_postgresql_sqlite_and_an_export(
    pg_store: JournalStore, tmp_path: Path, step: Step
) -> None:
    path = tmp_path / "shift.sqlite"
    items = generate_shift(
        START, hours=30, crews=24, events_per_hour=40, fix_period=3600, notes_per_hour=10, seed=9
    )
    write_sqlite(path, _odd_entries(with_reopenings(items)))
    sqlite = JournalStore.open(f"sqlite:///{path}", ManualClock(), readonly=True)
    entries = sqlite.read()
    import_entries(pg_store, entries)
    export = tmp_path / "shift.jsonl.gz"
    export_journal(sqlite, export)
    first, last = date(2026, 11, 23), date(2026, 11, 24)
    start, end = date_range(first, last)
    want = compute(entries, start, end, step)
    assert want.total.deroulements > 0
    assert want.total.dansmarue_traites > 0
    assert "?" in want.total.by_category
    assert barometer_of(sqlite, first, last, step) == want
    assert barometer_of(pg_store, first, last, step) == want
    src = open_source(str(export), ManualClock())
    try:
        assert barometer_of(src.store, first, last, step) == want
    finally:
        src.close()
    # a day inside the journal: entries before it (a report created the day before and
    # closed that day, crews on duty since) count as the definition says
    assert barometer_of(pg_store, last, last, step) == compute(
        entries, *date_range(last, last), step
    )
    sqlite.close()
