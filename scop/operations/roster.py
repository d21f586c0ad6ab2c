"""The day's roster (tableau de service) from a spreadsheet's CSV export.

What a spreadsheet writes: UTF-8 (with or without BOM) or Windows-1252, ``;`` or ``,``
between fields, a header row in French. Every problem of the file is reported as
``file:line: problem``, all of them at once, and nothing goes on duty while any remains:
half a roster on duty is worse than none, the chief would not know which half.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from scop.clock import local
from scop.errors import os_reason
from scop.models.nomenclatures import CREW_KINDS, CrewKind, crew_kind, crew_kind_label
from scop.models.state import RoomState
from scop.operations.duty import (
    CrewDuty,
    composition_changes,
    duty_problems,
    normalise_call_sign,
    put_on_duty,
)
from scop.room import CommandRefused, Room

PARIS = ZoneInfo("Europe/Paris")
MAX_ROSTER_BYTES = 5 * 1024 * 1024

# Column -> the headers a spreadsheet may carry for it (compared without accents or case).
COLUMNS: dict[str, tuple[str, ...]] = {
    "indicatif": ("indicatif", "indicatif radio"),
    "type": ("type", "type d'equipage", "nature"),
    "division": ("division", "secteur", "division ou secteur", "division/secteur"),
    "agents": ("agents", "nombre d'agents", "nb agents", "effectif"),
    "noms": ("noms", "noms des agents", "agents (noms)"),
    "radio": ("radio", "tph", "radio ou tph", "radio/tph", "canal radio", "canal"),
    "debut": ("début", "debut de service", "prise de service"),
    "fin": ("fin", "fin de service", "fin prevue", "fin de service prevue"),
}
REQUIRED = ("indicatif", "type", "division", "agents", "debut", "fin")
_HOUR = timedelta(hours=1)
_PLACEHOLDER = datetime(2000, 1, 1, tzinfo=PARIS)
HEADER_EXAMPLE = "indicatif;type;division;agents;noms;radio;début;fin"

_DATE_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(text.replace("’", "'").split())


_HEADER_NAMES = {_fold(alias): col for col, aliases in COLUMNS.items() for alias in aliases}


_TIME_ONLY = re.compile(r"^(\d{1,2})[:hH](\d{2})$")


def parse_when(text: str, today: date | None = None) -> datetime | None:
    """A date and time as a spreadsheet writes them; without an offset, Paris time. A time
    alone (``07:00``, ``19h00``) is on ``today``: the day's roster need not repeat the date."""
    text = text.strip()
    if not text:
        return None
    m = _TIME_ONLY.match(text)
    if m is not None:
        if today is None or int(m[1]) > 23 or int(m[2]) > 59:
            return None
        return datetime.combine(today, time(int(m[1]), int(m[2])), tzinfo=PARIS)
    t: datetime | None = None
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                t = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=PARIS)


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in re.split(r"[/|+]", text) if n.strip())


def decode(data: bytes) -> str:
    """UTF-8 when it is, else Windows-1252 (what a French Excel writes)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


@dataclass
class RosterReport:
    """What a roster holds, and every problem found in it (``file:line: problem``)."""

    name: str
    duties: list[CrewDuty] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)  # call signs a prise de service would bring
    updated: list[str] = field(default_factory=list)  # on duty, with changes
    unchanged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, line: int, text: str) -> None:
        self.problems.append(f"{self.name}:{line}: {text}")

    def summary(self) -> str:
        return (
            f"{len(self.duties)} équipage(s) : {len(self.new)} prise(s) de service, "
            f"{len(self.updated)} mise(s) à jour, {len(self.unchanged)} inchangé(s)"
        )


def read_roster(
    data: bytes, name: str, state: RoomState | None = None, today: date | None = None
) -> RosterReport:
    """Every line of the roster checked on its own and against the others (and against the
    crews on duty in ``state``, when given). ``today`` (Paris date) dates the lines that give
    only times; an end at or before its start, both given as times alone, is the next day
    (a night duty)."""
    report = RosterReport(name)
    if len(data) > MAX_ROSTER_BYTES:
        report.problem(1, f"fichier trop gros ({len(data)} octets, {MAX_ROSTER_BYTES} au plus)")
        return report
    text = decode(data)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        report.problem(1, f"fichier vide : une ligne d'en-tête est attendue ({HEADER_EXAMPLE})")
        return report
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[first]))
    header: list[str] | None = None
    columns: list[str | None] = []
    seen: dict[str, int] = {}
    row_start = 1
    for row in reader:
        line = row_start
        row_start = reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = row
            bad = False
            for cell in row:
                col = _HEADER_NAMES.get(_fold(cell))
                if col is None:
                    report.problem(
                        line,
                        f"colonne inconnue « {cell.strip()} » (colonnes : {HEADER_EXAMPLE})",
                    )
                    bad = True
                elif col in columns:
                    report.problem(line, f"colonne « {cell.strip()} » en double")
                    bad = True
                columns.append(col)
            for col in REQUIRED:
                if col not in columns:
                    report.problem(line, f"colonne obligatoire manquante : {COLUMNS[col][0]}")
                    bad = True
            if bad:
                return report
            continue
        if len(row) != len(columns):
            report.problem(
                line, f"{len(row)} champ(s) au lieu de {len(columns)} (séparateur dans un champ ?)"
            )
            continue
        cells = {c: v.strip() for c, v in zip(columns, row, strict=True) if c is not None}
        problems: list[str] = []
        call_sign = normalise_call_sign(cells["indicatif"])
        kind = crew_kind(cells["type"])
        if kind is None:
            known = ", ".join(i.kind.value for i in CREW_KINDS.values())
            problems.append(
                f"type d'équipage inconnu « {cells['type']} » (attendu : {known})"
                if cells["type"]
                else "type d'équipage manquant"
            )
        try:
            agents: int | None = int(cells["agents"])
        except ValueError:
            problems.append(
                f"nombre d'agents « {cells['agents']} » : un entier est attendu"
                if cells["agents"]
                else "nombre d'agents manquant"
            )
            agents = None
        start, end = parse_when(cells["debut"], today), parse_when(cells["fin"], today)
        if (
            start is not None
            and end is not None
            and end <= start
            and _TIME_ONLY.match(cells["debut"])
            and _TIME_ONLY.match(cells["fin"])
        ):
            end += timedelta(days=1)
        for label, raw, when in (("début", cells["debut"], start), ("fin", cells["fin"], end)):
            if when is None:
                problems.append(
                    f"{label} « {raw} » : heure attendue (HH:MM ou JJ/MM/AAAA HH:MM)"
                    if raw
                    else f"{label} de service manquant"
                )
        names = _names(cells.get("noms", ""))
        # Checked as a whole even when a field is unreadable (a stand-in takes its place),
        # so that one line shows all its problems at once.
        s0 = start or (end - _HOUR if end else _PLACEHOLDER)
        duty = CrewDuty(
            call_sign,
            kind or CrewKind.PATROUILLE_PORTEE,
            cells["division"],
            agents if agents is not None else max(len(names), 1),
            s0,
            end or s0 + _HOUR,
            names,
            cells.get("radio", ""),
        )
        problems += duty_problems(duty)
        if call_sign and call_sign in seen:
            problems.append(f"indicatif {call_sign} en double (déjà ligne {seen[call_sign]})")
        elif call_sign:
            seen[call_sign] = line
        crew = state.crews.get(call_sign) if state is not None and call_sign else None
        if crew is not None and kind is not None and crew.kind and crew.kind != kind.value:
            problems.append(
                f"{call_sign} est en service comme {crew_kind_label(crew.kind)}, "
                f"pas {crew_kind_label(kind.value)}"
            )
        if problems:
            for p in problems:
                report.problem(line, p)
            continue
        report.duties.append(duty)
        if crew is None:
            report.new.append(call_sign)
        elif composition_changes(crew, duty):
            report.updated.append(call_sign)
        else:
            report.unchanged.append(call_sign)
    if header is None:
        report.problem(1, f"fichier vide : une ligne d'en-tête est attendue ({HEADER_EXAMPLE})")
    elif not report.duties and not report.problems:
        report.problem(row_start - 1, "aucun équipage dans le tableau (en-tête seul)")
    return report


def read_roster_file(
    path: Path, state: RoomState | None = None, today: date | None = None
) -> RosterReport:
    try:
        data = path.read_bytes()
    except OSError as exc:
        report = RosterReport(str(path))
        report.problem(1, f"lecture impossible ({os_reason(exc)})")  # strerror is English
        return report
    return read_roster(data, str(path), state, today)


def import_roster(room: Room, report: RosterReport) -> RosterReport:
    """Put a checked roster on duty in one transaction; refuses a roster with problems.

    Re-checked against the room's state inside the command: another workstation may have
    put one of these crews on duty since the file was read."""
    if not report.ok:
        raise CommandRefused(
            f"Tableau refusé, {len(report.problems)} problème(s) : rien n'a été importé."
        )
    room.sync()
    put_on_duty(room, report.duties)
    return report


def import_roster_file(room: Room, path: Path) -> RosterReport:
    room.sync()
    report = read_roster_file(path, room.state, local(room.clock.now()).date())
    if report.ok:
        import_roster(room, report)
    return report


def format_problems(problems: Sequence[str], limit: int = 0) -> str:
    shown = list(problems[:limit] if limit else problems)
    if limit and len(problems) > limit:
        shown.append(f"… et {len(problems) - limit} autre(s)")
    return "\n".join(shown)
