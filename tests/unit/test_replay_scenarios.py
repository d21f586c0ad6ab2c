"""Scenario files: every shipped one loads; every broken one gets its errors at its lines.

Each broken file marks the lines where a problem is expected with ``# ERREUR: fragment``;
the loader must report a problem on each marked line whose message contains the fragment,
and no problem on an unmarked line.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from scop.replay.scenario import (
    ScenarioError,
    load_scenario,
    parse_duration,
    shipped_scenarios,
)

BROKEN = Path(__file__).resolve().parents[1] / "data" / "scenarios_broken"
MARK = re.compile(r"#\s*ERREUR:\s*(.+?)\s*$")


def expected_marks(path: Path) -> dict[int, str]:
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = MARK.search(line)
        if m:
            out[n] = m.group(1)
    return out


@pytest.mark.parametrize("path", shipped_scenarios(), ids=lambda p: p.name)
def test_shipped_scenario_loads(path: Path) -> None:
    s = load_scenario(path)
    assert s.injects
    assert s.expected
    assert all("EXERCICE" in i.text for i in s.injects), "every inject says EXERCICE"
    assert [i.at for i in s.injects] == sorted(i.at for i in s.injects)
    assert all(i.at <= s.duration for i in s.injects)


def test_shipped_scenarios_cover_the_three_crises() -> None:
    ids = {load_scenario(p).id for p in shipped_scenarios()}
    assert {"incendie_11e", "canicule_paris_50", "crue_seine"} <= ids


def test_fire_scenario_expects_the_fiche_and_the_umip() -> None:
    s = load_scenario(next(p for p in shipped_scenarios() if p.name == "incendie_11e.yaml"))
    by_id = {e.id: e for e in s.expected}
    assert by_id["fiche_incendie"].delay == timedelta(minutes=3)
    assert by_id["fiche_incendie"].params["fiche"] == "incendie"
    assert by_id["umip"].delay == timedelta(minutes=15)
    assert by_id["umip"].params["modele"] == "demande_umip"
    assert s.demo_crews
    assert s.events()["EV-EX-0001"].category == "FIR"


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.name)
def test_broken_scenario_errors_at_their_lines(path: Path) -> None:
    marks = expected_marks(path)
    assert marks, f"{path.name} marks no expected error"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    for p in problems:
        assert p.path == str(path)
        assert p.line in marks, f"unexpected problem at line {p.line}: {p}"
    for line, fragment in marks.items():
        at_line = [p.message for p in problems if p.line == line]
        assert any(fragment in m for m in at_line), (
            f"line {line}: expected « {fragment} », got {at_line}"
        )
    assert str(info.value).startswith(f"{path}:")


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="illisible"):
        load_scenario(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3 min", 180), ("1 h 30 min", 5400), ("90 s", 90), ("12:30", 750), ("0 min", 0)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["3", "trois minutes", "3 jours", "", "1h30"])
def test_bad_durations(text: str) -> None:
    assert parse_duration(text) is None
