"""The barometer against counts made here from the raw journal rows, with no code of
scop.reports: sqlite3 and json only, the definitions of the README applied by hand."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scoptest.replay import START, with_reopenings

from scop.cli import main
from scop.clock import ManualClock
from scop.errors import Exit
from scop.journal.store import JournalStore
from scop.models.projection import Projection
from scop.operations.commands import check_rerouted
from scop.replay.generate import GenEntry, generate_shift, write_sqlite

TZ = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def shift(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("baro") / "shift.sqlite"
    items = generate_shift(
        START, hours=30, crews=24, events_per_hour=40, fix_period=900, notes_per_hour=10, seed=7
    )
    write_sqlite(path, with_reopenings(items))
    # a crew ends its duty mid-range, one is put on duty on the second day
    return path


def _rows(path: Path) -> list[tuple[datetime, str, str, dict[str, object]]]:
    con = sqlite3.connect(path)
    out = [
        (datetime.fromisoformat(ts), kind, source, json.loads(payload))
        for ts, kind, source, payload in con.execute(
            "SELECT ts, kind, source, payload FROM journal_entries ORDER BY position"
        )
    ]
    con.close()
    return out


def _expected(path: Path, first: date, last: date) -> dict[date, Counter[str]]:
    """Per Paris day: the README's definitions, by hand."""
    days: dict[date, Counter[str]] = {}
    d = first
    while d <= last:
        days[d] = Counter()
        d += timedelta(days=1)
    dmr: set[object] = set()
    closed_once: set[object] = set()
    for ts, kind, source, p in _rows(path):
        day = ts.astimezone(TZ).date()
        c = days.get(day)
        if kind == "event.created" and source == "dansmarue":
            dmr.add(p["id"])
        first_close = False
        if kind == "event.status_changed" and p.get("status") == "clos":
            first_close = p["id"] not in closed_once
            closed_once.add(p["id"])
        if c is None:
            continue
        if kind in ("crew.engaged", "crew.rerouted"):
            c["missions"] += 1
        if kind == "crew.rerouted":
            c["deroulements"] += 1
        if kind == "event.created":
            c["evenements"] += 1
            c[f"cat:{p['category']}"] += 1
            if source == "appel_3975":
                c["appels_3975"] += 1
        if first_close and p["id"] in dmr:
            c["dansmarue"] += 1
    return days


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


HEADERS = {
    "missions": "Missions",
    "appels_3975": "Appels reçus au 3975",
    "deroulements": "Déroulements",
    "dansmarue": "Signalements DansMaRue traités",
    "evenements": "Événements créés",
}


def test_figures_equal_counts_from_raw_rows_and_csv_sums_to_totals(
    shift: Path, tmp_path: Path
) -> None:
    out = tmp_path / "b.csv"
    code = main(
        ["barometre", "--db", str(shift), "--from", "2026-11-23", "--to", "2026-11-24",
         "--by", "day", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    rows = _csv(out)
    expected = _expected(shift, date(2026, 11, 23), date(2026, 11, 24))
    assert [r["Période"] for r in rows] == ["23/11/2026", "24/11/2026", "Total"]
    for row, (_day, want) in zip(rows, expected.items(), strict=False):
        for key, header in HEADERS.items():
            assert int(row[header]) == want[key], (row["Période"], header)
        cats = {k[4:]: v for k, v in want.items() if k.startswith("cat:")}
        got = {h.removeprefix("Événements "): int(v) for h, v in row.items() if
               h.startswith("Événements ") and h != "Événements créés" and int(v)}  # fmt: skip
        assert got == cats
    # the figures are not trivially zero, and the total row is the sum of the periods
    total = rows[-1]
    assert int(total["Déroulements"]) > 10
    assert int(total["Signalements DansMaRue traités"]) > 10
    for header in [*HEADERS.values(), *(h for h in total if h.startswith("Événements "))]:
        assert sum(int(r[header]) for r in rows[:-1]) == int(total[header]), header
    # every generated crew is on duty both days (the shift runs 30 h)
    assert [int(r["Équipages en service"]) for r in rows] == [24, 24, 24]


def test_week_and_month_cut_in_paris_time(shift: Path, tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    args = ["barometre", "--db", str(shift), "--from", "2026-11-20", "--to", "2026-12-03"]
    assert main([*args, "--by", "week", "--out", str(out)]) == 0
    rows = _csv(out)
    assert [r["Début"] for r in rows[:-1]] == [
        "2026-11-20 00:00", "2026-11-23 00:00", "2026-11-30 00:00"
    ]  # fmt: skip
    assert int(rows[0]["Missions"]) == 0
    assert int(rows[1]["Missions"]) > 0
    assert main([*args, "--by", "month", "--out", str(out)]) == 0
    assert [r["Période"] for r in _csv(out)] == ["novembre 2026", "décembre 2026", "Total"]


def test_empty_period_gives_zeroes_and_says_so(
    shift: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "vide.pdf"
    args = ["barometre", "--db", str(shift), "--from", "2025-01-01", "--to", "2025-01-03"]
    assert main([*args, "--out", str(out)]) == 0
    assert "tous les chiffres sont à zéro" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"%PDF")
    csv_out = tmp_path / "vide.csv"
    assert main([*args, "--out", str(csv_out)]) == 0
    rows = _csv(csv_out)
    assert len(rows) == 4
    assert all(int(r[h]) == 0 for r in rows for h in HEADERS.values())


@pytest.mark.parametrize(
    ("dates", "words"),
    [
        (("2026-11-24", "2026-11-23"), "période inversée"),
        (("2026-13-01", "2026-11-23"), "date illisible"),
        (("hier", "2026-11-23"), "date illisible"),
    ],
)
def test_bad_dates_are_refused_in_french(
    shift: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], dates: tuple[str, str],
    words: str,
) -> None:  # fmt: skip
    out = tmp_path / "b.csv"
    code = main(["barometre", "--db", str(shift), "--from", dates[0], "--to", dates[1],
                 "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == Exit.USAGE
    assert words in err
    assert "Traceback" not in err
    assert not out.exists()


def test_unwritable_path_is_a_french_message(
    shift: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    out = blocker / "b.pdf"  # a file where a folder should be
    args = ["barometre", "--db", str(shift), "--from", "2026-11-23", "--to", "2026-11-23"]
    code = main([*args, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == Exit.CANNOT_WRITE
    assert "Impossible d'écrire" in err
    assert "Traceback" not in err


def test_reading_only_creates_no_database(tmp_path: Path) -> None:
    missing = tmp_path / "absente.sqlite"
    out = tmp_path / "b.csv"
    code = main(["barometre", "--db", str(missing), "--from", "2026-11-23", "--to",
                 "2026-11-23", "--out", str(out)])  # fmt: skip
    assert code == Exit.DB_MISSING
    assert not missing.exists()
    assert not out.exists()


def test_exercise_figures_say_exercice(tmp_path: Path) -> None:
    path = tmp_path / "exercice.sqlite"
    items = generate_shift(START, hours=2, crews=6, events_per_hour=20, fix_period=3600, seed=2)
    write_sqlite(path, items, mode="exercise")
    out = tmp_path / "b.csv"
    args = ["barometre", "--db", str(path), "--from", "2026-11-23", "--to", "2026-11-23"]
    assert main([*args, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").startswith("# EXERCICE EXERCICE EXERCICE\n")
    html_out = tmp_path / "b.html"
    assert main([*args, "--out", str(html_out)]) == 0
    assert "EXERCICE EXERCICE EXERCICE" in html_out.read_text(encoding="utf-8")


def test_generated_deroulements_are_ones_the_console_would_record(shift: Path) -> None:
    """The generator's déroulements pass the console's own check at the state they were
    written in (an engaged crew, from its event, to another open one), the event left is
    not worked on by the crew that left it, and they are a share of the missions."""
    store = JournalStore.open(f"sqlite:///{shift}", ManualClock(), readonly=True)
    entries = store.read()
    store.close()
    proj = Projection()
    kinds: Counter[str] = Counter()
    closed: set[str] = set()
    for e in entries:
        kinds[e.kind] += 1
        if e.kind == "crew.rerouted":
            check_rerouted(proj.state, e.payload)  # CommandRefused if the console would refuse
            assert proj.state.events[e.payload["from_event_id"]].gravity < e.payload["to_gravity"]
        proj.apply(e)
        if e.kind != "event.status_changed":
            continue
        ev = e.payload["id"]
        if e.payload["status"] == "clos":
            closed.add(ev)
        elif e.payload["status"] == "en_cours" and ev not in closed:  # not a reopening
            # on scene with a crew of its own, not with one rerouted away on the way
            assert any(c.event_id == ev and c.status == "sur_les_lieux"
                       for c in proj.state.crews.values()), ev  # fmt: skip
    share = kinds["crew.rerouted"] / (kinds["crew.rerouted"] + kinds["crew.engaged"])
    assert 0.02 < share < 0.15, share


def test_generated_shift_is_busy_from_its_first_hour_with_sparse_fixes() -> None:
    """Fixes hours apart (the benchmarks') do not push the first hour's events to its end."""
    items = generate_shift(START, hours=3, crews=12, events_per_hour=60, fix_period=3600, seed=2)
    created = [i.ts for i in items if isinstance(i, GenEntry) and i.draft.kind == "event.created"]
    assert sum(t < START + timedelta(hours=1) for t in created) > 30
    assert created == sorted(created)
