"""Every failure a person meets on the command line: one French message, a documented exit
code, no traceback on screen (it goes to the log file), and no file created or changed.

Each case runs the real ``scop`` command in its own process. They run a few at a time in a
module fixture (each pays Python's and SQLAlchemy's start-up), and each case is one test.
"""

from __future__ import annotations

import gzip
import os
import re
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from scoptest.exit_codes import helps_of, statements

from scop.cli import build_parser
from scop.clock import ManualClock
from scop.errors import Exit
from scop.journal.export import export_journal
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.room import open_room


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    code: Exit
    says: str  # a French fragment the message must hold
    # paths (relative to the case folder) that must not exist afterwards
    absent: tuple[str, ...] = ()
    # files (relative to the data folder) whose bytes must not change
    unchanged: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    lines: int = 1  # lines on stderr: one, or a check's list of problems under its summary


# {d} is the data folder (shared, read-only for the cases), {w} the case's own empty folder.
CASES = [
    # -- the rows of issue 15's table --------------------------------------------------
    Case(
        "postgres-unreachable",
        ("--db", "postgresql+psycopg://nobody@127.0.0.1:1/x", "--operator", "A"),
        Exit.DB_UNREACHABLE,
        "injoignable",
    ),
    # a console never creates its room (scop room init does): no folder is even tried
    Case(
        "sqlite-folder-missing",
        ("--db", "sqlite:////proc/nope/room.db", "--operator", "A"),
        Exit.DB_MISSING,
        "scop room init",
    ),
    Case(
        "sqlite-folder-unwritable",
        ("--db", "sqlite:////sys/room.db", "--operator", "A"),
        Exit.DB_MISSING,
        "scop room init",
    ),
    Case(
        "console-on-random-bytes",
        ("--db", "sqlite:///{d}/corrupt.db", "--operator", "A"),
        Exit.NOT_SCOP,
        "n'est pas une base SCOP",
        unchanged=("corrupt.db",),
    ),
    Case(
        "verify-random-bytes",
        ("journal", "verify", "{d}/corrupt.db"),
        Exit.NOT_SCOP,
        "n'est pas un export de main courante SCOP",
        unchanged=("corrupt.db",),
    ),
    Case(
        "verify-mistyped-db",
        ("journal", "verify", "--db", "sqlite:///{w}/salle-typo.sqlite"),
        Exit.DB_MISSING,
        "n'existe pas",
        absent=("salle-typo.sqlite",),
    ),
    Case(
        "mysql-url",
        ("--db", "mysql://scop@serveur/salle", "--operator", "A"),
        Exit.USAGE,
        "non pris en charge",
    ),
    Case("not-a-url", ("--db", "notaurl", "--operator", "A"), Exit.USAGE, "Adresse de base"),
    Case(
        "replay-truncated-gzip",
        ("replay", "{d}/tronque.jsonl.gz"),
        Exit.BAD_INPUT,
        "export tronqué",
    ),
    Case(
        "verify-truncated-gzip",
        ("journal", "verify", "{d}/tronque.jsonl.gz"),
        Exit.BAD_INPUT,
        "export tronqué",
    ),
    Case(
        "debrief-truncated-gzip",
        ("debrief", "{d}/tronque.jsonl.gz", "--out", "{w}/retex.pdf"),
        Exit.BAD_INPUT,
        "export tronqué",
        absent=("retex.pdf",),
    ),
    Case(
        "debrief-out-unwritable",
        ("debrief", "{d}/vacation.jsonl.gz", "--out", "/sys/retex.pdf"),
        Exit.CANNOT_WRITE,
        "Impossible d'écrire",
    ),
    Case(
        "export-out-unwritable",
        ("journal", "export", "--db", "sqlite:///{d}/salle.sqlite", "--out", "/proc/x.jsonl"),
        Exit.CANNOT_WRITE,
        "Impossible d'écrire",
        unchanged=("salle.sqlite",),
    ),
    Case(
        "role-boss",
        ("--role", "boss"),
        Exit.USAGE,
        "choix invalide : 'boss'",
    ),
    # -- more found while trying ---------------------------------------------------------
    Case(
        "export-mistyped-db",
        ("journal", "export", "--db", "sqlite:///{w}/typo.sqlite", "--out", "{w}/v.jsonl"),
        Exit.DB_MISSING,
        "n'existe pas",
        absent=("typo.sqlite", "v.jsonl", "v.jsonl.partiel"),
    ),
    Case(
        "export-default-demo-missing",
        ("journal", "export", "--out", "{w}/v.jsonl"),
        Exit.DB_MISSING,
        "n'existe pas",
        absent=("v.jsonl", "data/scop/demo.sqlite", "data/scop"),
    ),
    Case(
        "verify-default-demo-missing",
        ("journal", "verify"),
        Exit.DB_MISSING,
        "n'existe pas",
        absent=("data/scop/demo.sqlite", "data/scop"),
    ),
    Case(
        "replay-missing-file",
        ("replay", "{w}/absente.jsonl.gz"),
        Exit.DB_MISSING,
        "introuvable",
        absent=("absente.jsonl.gz",),
    ),
    Case(
        "replay-mistyped-db",
        ("replay", "sqlite:///{w}/typo.sqlite"),
        Exit.DB_MISSING,
        "n'existe pas",
        absent=("typo.sqlite",),
    ),
    Case(
        "debrief-foreign-sqlite",
        ("debrief", "sqlite:///{d}/etrangere.sqlite", "--out", "{w}/r.pdf"),
        Exit.NOT_SCOP,
        "n'est pas une base SCOP",
        absent=("r.pdf",),
        unchanged=("etrangere.sqlite",),
    ),
    Case(
        "console-foreign-sqlite",
        ("--db", "sqlite:///{d}/etrangere.sqlite", "--operator", "A"),
        Exit.NOT_SCOP,
        "n'est pas une base SCOP",
        unchanged=("etrangere.sqlite",),
    ),
    Case(
        "verify-damaged-scop-db",
        ("journal", "verify", "--db", "sqlite:///{d}/endommagee.sqlite"),
        Exit.DB_DAMAGED,
        "Base SCOP endommagée",
        unchanged=("endommagee.sqlite",),
    ),
    Case(
        "verify-garbled-payload",
        ("journal", "verify", "--db", "sqlite:///{d}/brouillee.sqlite"),
        Exit.DB_DAMAGED,
        "scop journal verify",
        unchanged=("brouillee.sqlite",),
    ),
    Case(
        "console-on-exercise-db",
        ("--db", "sqlite:///{d}/exercice.sqlite", "--operator", "A"),
        Exit.WRONG_MODE,
        "base d'exercice",
        unchanged=("exercice.sqlite",),
    ),
    Case("journal-without-action", ("journal",), Exit.USAGE, "arguments obligatoires"),
    Case(
        "export-without-out",
        ("journal", "export", "--db", "sqlite:///{d}/salle.sqlite"),
        Exit.USAGE,
        "--out",
    ),
    Case("unknown-command", ("frobnicate",), Exit.USAGE, "choix invalide"),
    Case("size-out-of-range", ("--size", "10x10"), Exit.USAGE, "taille hors limites"),
    Case(
        "export-until-unreadable",
        ("journal", "export", "--out", "{w}/v.jsonl", "--until", "hier"),
        Exit.USAGE,
        "heure illisible",
        absent=("v.jsonl",),
    ),
    Case(
        "debrief-docx",
        ("debrief", "{d}/vacation.jsonl.gz", "--out", "{w}/retex.docx"),
        Exit.USAGE,
        ".pdf ou .html",
        absent=("retex.docx",),
    ),
    Case(
        "verify-text-file",
        ("journal", "verify", "{d}/notes.txt"),
        Exit.BAD_INPUT,
        "JSON illisible",
    ),
    Case(
        "verify-gz-not-gzip",
        ("journal", "verify", "{d}/pas-gzip.jsonl.gz"),
        Exit.BAD_INPUT,
        "gzip",
    ),
    Case("replay-empty-file", ("replay", "{d}/vide.jsonl"), Exit.BAD_INPUT, "fichier vide"),
    Case(
        "verify-altered-export",
        ("journal", "verify", "{d}/alteree.jsonl"),
        Exit.CHECK_FAILED,
        "n° 2",
    ),
    Case(  # room init is what creates a room, and its folder: this one cannot be made
        "room-init-folder-missing",
        ("room", "init", "--db", "sqlite:////proc/nope/room.db", "--mode", "live", "--name", "S"),
        Exit.DB_UNREACHABLE,
        "dossier",
    ),
    Case(
        "console-new-sqlite-file",
        ("--db", "sqlite:///{w}/nouvelle/salle.sqlite", "--operator", "A"),
        Exit.DB_MISSING,
        "Aucune salle dans la base",
        absent=("nouvelle",),
    ),
    Case(
        "console-empty-sqlite-file",
        ("--db", "sqlite:///{d}/vide.sqlite", "--operator", "A"),
        Exit.DB_MISSING,
        "scop room init",
        unchanged=("vide.sqlite",),
    ),
    Case(
        "console-sqlite-path-is-a-folder",
        ("--db", "sqlite:///{w}", "--operator", "A"),
        Exit.DB_UNREACHABLE,
        "Impossible d'ouvrir",
    ),
    Case(
        "console-without-display",
        ("--operator", "A"),
        Exit.NO_DISPLAY,
        "Aucun écran",
        absent=("data/scop",),
        env={"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""},
    ),
    Case("pp-sim-port-not-a-number", ("pp-sim", "--port", "huit"), Exit.USAGE, "valeur invalide"),
    # -- scop gateway: the same codes as every command ---------------------------------------
    Case("gateway-no-link", ("gateway", "--db", "sqlite:///{d}/salle.sqlite"), Exit.USAGE, "--pp"),
    Case(
        "gateway-ws-off-loopback",
        ("gateway", "--db", "sqlite:///{d}/salle.sqlite", "--pp", "ws://pp.example:443"),
        Exit.USAGE,
        "boucle locale",
    ),
    Case(
        "gateway-wss-without-certificates",
        ("gateway", "--db", "sqlite:///{d}/salle.sqlite", "--pp", "wss://pp.example:443"),
        Exit.USAGE,
        "TLS mutuel",
    ),
    Case(
        "gateway-feed-not-websocket",
        ("gateway", "--db", "sqlite:///{d}/salle.sqlite", "--feed", "http://geoloc/x"),
        Exit.USAGE,
        "flux équipages",
    ),
    Case(
        "gateway-certificate-missing",
        (
            "gateway",
            "--db",
            "sqlite:///{d}/salle.sqlite",
            "--pp",
            "wss://pp.example:443",
            "--ca",
            "{w}/ac.pem",
            "--cert",
            "{d}/notes.txt",
            "--key",
            "{d}/notes.txt",
        ),
        Exit.BAD_INPUT,
        "certificat illisible (--ca)",
    ),
    Case(
        "gateway-certificate-not-pem",
        (
            "gateway",
            "--db",
            "sqlite:///{d}/salle.sqlite",
            "--pp",
            "wss://pp.example:443",
            "--ca",
            "{d}/notes.txt",
            "--cert",
            "{d}/notes.txt",
            "--key",
            "{d}/notes.txt",
        ),
        Exit.BAD_INPUT,
        "illisibles",
    ),
    Case(
        "gateway-postgres-unreachable",
        (
            "gateway",
            "--db",
            "postgresql+psycopg://nobody@127.0.0.1:1/x",
            "--pp",
            "ws://127.0.0.1:9",
        ),
        Exit.DB_UNREACHABLE,
        "injoignable",
    ),
    Case(
        "gateway-mistyped-db",
        ("gateway", "--db", "sqlite:///{w}/typo.sqlite", "--pp", "ws://127.0.0.1:9"),
        Exit.DB_MISSING,
        "Aucune salle dans la base",
        absent=("typo.sqlite",),
    ),
    Case(
        "gateway-empty-sqlite-file",
        ("gateway", "--db", "sqlite:///{d}/vide.sqlite", "--feed", "ws://127.0.0.1:9/x"),
        Exit.DB_MISSING,
        "scop room init",
        unchanged=("vide.sqlite",),
    ),
    Case(
        "gateway-foreign-sqlite",
        ("gateway", "--db", "sqlite:///{d}/etrangere.sqlite", "--pp", "ws://127.0.0.1:9"),
        Exit.NOT_SCOP,
        "n'est pas une base SCOP",
        unchanged=("etrangere.sqlite",),
    ),
    Case(
        "gateway-live-link-on-exercise-db",
        ("gateway", "--db", "sqlite:///{d}/exercice.sqlite", "--pp", "ws://127.0.0.1:9"),
        Exit.WRONG_MODE,
        "base est d'exercice",
        unchanged=("exercice.sqlite",),
    ),
    # --check has the table's codes too: a base that holds no room is 4, and it creates
    # nothing (it only reads)
    Case(
        "gateway-check-mistyped-db",
        ("gateway", "--check", "--db", "sqlite:///{w}/typo.sqlite", "--pp", "ws://127.0.0.1:9"),
        Exit.DB_MISSING,
        "scop room init",
        absent=("typo.sqlite", "typo.sqlite-journal", "typo.sqlite-wal"),
    ),
    Case(
        "gateway-check-tables-but-no-room",
        (
            "gateway",
            "--check",
            "--db",
            "sqlite:///{d}/sans-salle.sqlite",
            "--pp",
            "ws://127.0.0.1:9",
        ),
        Exit.DB_MISSING,
        "scop room init",
        unchanged=("sans-salle.sqlite",),
    ),
    # the readers say a base with SCOP's tables but no room as 4 too (they read it as an
    # empty journal: « main courante vide » 7, zeros, « aucun signalement »)
    Case(
        "verify-tables-but-no-room",
        ("journal", "verify", "--db", "sqlite:///{d}/sans-salle.sqlite"),
        Exit.DB_MISSING,
        "Aucune salle dans la base",
        unchanged=("sans-salle.sqlite",),
    ),
    Case(
        "export-tables-but-no-room",
        ("journal", "export", "--db", "sqlite:///{d}/sans-salle.sqlite", "--out", "{w}/v.jsonl"),
        Exit.DB_MISSING,
        "scop room init",
        absent=("v.jsonl", "v.jsonl.partiel"),
        unchanged=("sans-salle.sqlite",),
    ),
    Case(
        "replay-tables-but-no-room",
        ("replay", "sqlite:///{d}/sans-salle.sqlite"),
        Exit.DB_MISSING,
        "Aucune salle dans la base",
        unchanged=("sans-salle.sqlite",),
    ),
    Case(
        "debrief-tables-but-no-room",
        ("debrief", "sqlite:///{d}/sans-salle.sqlite", "--out", "{w}/retex.pdf"),
        Exit.DB_MISSING,
        "scop room init",
        absent=("retex.pdf",),
        unchanged=("sans-salle.sqlite",),
    ),
    Case(
        "barometre-tables-but-no-room",
        (
            "barometre",
            "--db",
            "sqlite:///{d}/sans-salle.sqlite",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-02",
            "--out",
            "{w}/b.csv",
        ),
        Exit.DB_MISSING,
        "Aucune salle dans la base",
        absent=("b.csv",),
        unchanged=("sans-salle.sqlite",),
    ),
    Case(
        "hazards-tables-but-no-room",
        ("hazards", "list", "--db", "sqlite:///{d}/sans-salle.sqlite"),
        Exit.DB_MISSING,
        "Aucune salle dans la base",
        unchanged=("sans-salle.sqlite",),
    ),
    Case(
        "gateway-check-empty-sqlite-file",
        ("gateway", "--check", "--db", "sqlite:///{d}/vide.sqlite", "--feed", "ws://127.0.0.1:9/x"),
        Exit.DB_MISSING,
        "Aucune salle dans la base",
        unchanged=("vide.sqlite",),
    ),
    # -- the simulators: the same codes, one French line, nothing created --------------------
    Case(
        "feed-sim-mistyped-db",
        ("feed-sim", "--db", "sqlite:///{w}/typo.sqlite"),
        Exit.DB_MISSING,
        "Aucune salle dans la base",
        absent=("typo.sqlite",),
    ),
    Case(
        "feed-sim-on-a-live-room",
        ("feed-sim", "--db", "sqlite:///{d}/salle.sqlite"),
        Exit.WRONG_MODE,
        "pas une salle de démonstration ou d'exercice",
        unchanged=("salle.sqlite",),
    ),
    Case("feed-sim-period-zero", ("feed-sim", "--period", "0"), Exit.USAGE, "--period"),
    Case(
        "pp-sim-script-missing",
        ("pp-sim", "--script", "{w}/absent.yaml"),
        Exit.BAD_INPUT,
        "Impossible de lire",
    ),
    Case(
        "pp-sim-script-not-yaml",
        ("pp-sim", "--script", "{d}/pas-yaml.yaml"),
        Exit.BAD_INPUT,
        "YAML invalide",
    ),
    Case(
        "pp-sim-script-unknown-key",
        ("pp-sim", "--script", "{d}/cle-inconnue.yaml"),
        Exit.BAD_INPUT,
        "clé(s) inconnue(s) : foo",
    ),
    Case(
        "pp-sim-script-not-a-number",
        ("pp-sim", "--script", "{d}/pas-un-nombre.yaml"),
        Exit.BAD_INPUT,
        "étape 1 : at : un nombre est attendu, pas « bientôt »",
    ),
    Case(
        "pp-sim-certificate-not-pem",
        (
            "pp-sim",
            "--cert",
            "{d}/notes.txt",
            "--key",
            "{d}/notes.txt",
            "--client-ca",
            "{d}/notes.txt",
        ),
        Exit.BAD_INPUT,
        "Certificats du simulateur illisibles",
    ),
    Case("pp-sim-cert-without-key", ("pp-sim", "--cert", "{d}/notes.txt"), Exit.USAGE, "ensemble"),
    # -- room administration: nothing made by a command that refuses --------------------------
    Case(
        "crews-import-mistyped-db",
        (
            "crews",
            "import",
            "resources/exemples/equipages_exemple.csv",
            "--db",
            "sqlite:///{w}/typo.sqlite",
        ),
        Exit.DB_MISSING,
        "Aucune salle dans la base",
        absent=("typo.sqlite",),
    ),
    Case(
        "room-grant-on-sqlite",
        ("room", "grant", "--db", "sqlite:///{w}/typo.sqlite", "--role", "consoles"),
        Exit.USAGE,
        "ne concerne que PostgreSQL",
        absent=("typo.sqlite",),
    ),
    Case(
        "room-init-blank-name",
        ("room", "init", "--db", "sqlite:///{w}/s.sqlite", "--mode", "live", "--name", " "),
        Exit.USAGE,
        "nom de la salle est obligatoire",
        absent=("s.sqlite",),
    ),
    Case(
        "users-on-a-foreign-sqlite",
        ("users", "list", "--db", "sqlite:///{d}/etrangere.sqlite"),
        Exit.NOT_SCOP,
        "n'est pas une base SCOP",
        unchanged=("etrangere.sqlite",),
    ),
    Case(
        "hazards-export-out-unwritable",
        ("hazards", "export", "--db", "sqlite:///{d}/salle.sqlite", "--out", "/proc/revue.csv"),
        Exit.CANNOT_WRITE,
        "Impossible d'écrire /proc/revue.csv",
        unchanged=("salle.sqlite",),
    ),
    Case(
        "fiches-check-missing-file",
        ("fiches", "check", "{w}/absente.yaml"),
        Exit.CHECK_FAILED,
        "absente.yaml:1:1: fichier introuvable",
    ),
    Case(
        "releve-print-without-handover",
        ("releve", "print", "sqlite:///{d}/salle.sqlite", "--out", "{w}/releve.pdf"),
        Exit.REFUSED,
        "Aucune relève",
        absent=("releve.pdf",),
        unchanged=("salle.sqlite",),
    ),
    Case(
        "releve-print-mistyped-db",
        ("releve", "print", "sqlite:///{w}/typo.sqlite", "--out", "{w}/releve.pdf"),
        Exit.DB_MISSING,
        "n'existe pas",
        absent=("typo.sqlite", "releve.pdf"),
    ),
    # a scenario that cannot be read: an input refused (7), or a check that failed (1)
    Case(
        "exercise-scenario-missing",
        ("exercise", "{w}/absent.yaml", "--batch"),
        Exit.BAD_INPUT,
        "absent.yaml:1:1: fichier illisible : introuvable",
        lines=2,
    ),
    Case(
        "exercise-check-scenario-missing",
        ("exercise", "{w}/absent.yaml", "--check"),
        Exit.CHECK_FAILED,
        "fichier illisible : introuvable",
        lines=2,
    ),
    Case(
        "exercise-pp-script-unwritable",
        ("exercise", "scenarios/incendie_11e.yaml", "--pp-script", "/proc/pp.yaml"),
        Exit.CANNOT_WRITE,
        "Impossible d'écrire /proc/pp.yaml",
    ),
    Case(  # said before the exercise runs, not after
        "exercise-debrief-docx",
        ("exercise", "scenarios/incendie_11e.yaml", "--batch", "--debrief", "{w}/retex.docx"),
        Exit.USAGE,
        ".pdf ou .html",
        absent=("retex.docx",),
    ),
    Case(
        "exercise-fork-without-at",
        ("exercise", "scenarios/incendie_11e.yaml", "--fork", "{d}/vacation.jsonl.gz"),
        Exit.USAGE,
        "--fork et --at",
    ),
]

# English that a French message must not hold (argparse's, Python's, the drivers').
ENGLISH = re.compile(
    r"Traceback|Error\b|error:|usage:|\binvalid\b|\bfailed\b|\bdenied\b|No such|"
    r"\bthe following\b|\brequired\b|\bnot a\b|\bcould not\b|\bunable\b",
)


@dataclass
class Outcome:
    case: Case
    code: int
    stdout: str
    stderr: str
    work: Path


def _seed(data: Path) -> None:
    op = Operator("A. Martin", "operator")
    clock = ManualClock()
    (data / "corrupt.db").write_bytes(bytes(range(256)) * 16)
    store = JournalStore.open(f"sqlite:///{data / 'salle.sqlite'}", clock)
    room = open_room(store, clock, op, mode="live", label="Salle")
    for i in range(3):
        room.note(f"note {i}")
    export_journal(store, data / "vacation.jsonl.gz")
    export_journal(store, data / "alteree.jsonl", with_positions=False)
    store.close()
    raw = (data / "vacation.jsonl.gz").read_bytes()
    (data / "tronque.jsonl.gz").write_bytes(raw[: len(raw) // 2])
    lines = (data / "alteree.jsonl").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("note 0", "note zéro")
    (data / "alteree.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (data / "notes.txt").write_text("ceci n'est pas un export\n", encoding="utf-8")
    (data / "pas-gzip.jsonl.gz").write_text('{"type": "header"}\n', encoding="utf-8")
    (data / "vide.jsonl").write_text("", encoding="utf-8")
    (data / "vide.sqlite").write_bytes(b"")
    (data / "pas-yaml.yaml").write_text("steps: [\n  {at: 1\n", encoding="utf-8")
    (data / "cle-inconnue.yaml").write_text("foo: 1\nsteps: []\n", encoding="utf-8")
    (data / "pas-un-nombre.yaml").write_text(
        "steps:\n  - at: bientôt\n    send: alerte\n    event: {id: PP-1}\n", encoding="utf-8"
    )
    foreign = sqlite3.connect(data / "etrangere.sqlite")
    foreign.execute("CREATE TABLE factures (id INTEGER PRIMARY KEY, montant REAL)")
    foreign.commit()
    foreign.close()
    for name, sql in (
        ("endommagee.sqlite", "DROP TABLE journal_head"),
        (  # altered behind the store's back (its triggers refuse an UPDATE)
            "brouillee.sqlite",
            "DROP TRIGGER IF EXISTS journal_entries_no_update;"
            "UPDATE journal_entries SET payload = '{pas du json' WHERE position = 2",
        ),
    ):
        (data / name).write_bytes((data / "salle.sqlite").read_bytes())
        conn = sqlite3.connect(data / name)
        conn.executescript(sql)
        conn.commit()
        conn.close()
    JournalStore.open(f"sqlite:///{data / 'sans-salle.sqlite'}", clock).close()  # tables only
    ex = JournalStore.open(f"sqlite:///{data / 'exercice.sqlite'}", clock)
    open_room(ex, clock, op, mode="exercise", label="Exercice")
    ex.close()
    for extra in data.glob("*-wal"):
        extra.unlink()
    for extra in data.glob("*-shm"):
        extra.unlink()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _run(case: Case, data: Path, root: Path) -> Outcome:
    work = root / case.name
    work.mkdir()
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_DATA_HOME=str(work / "data"),
        XDG_CONFIG_HOME=str(work / "config"),
        SCOP_LOG_DIR=str(root / "logs" / case.name),
        SCOP_ERROR_DIALOG="0",
    )
    env.update(case.env)
    args = [a.replace("{d}", str(data)).replace("{w}", str(work)) for a in case.args]
    repo = Path(__file__).resolve().parents[2]
    res = subprocess.run(
        [sys.executable, "-c", "import sys; from scop.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=repo,
        stdin=subprocess.DEVNULL,
    )
    return Outcome(case, res.returncode, res.stdout, res.stderr, work)


@dataclass
class Run:
    by_case: dict[str, Outcome]
    data_changed: list[str]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("cli-errors")
    data = root / "donnees"
    data.mkdir()
    _seed(data)
    before = _snapshot(data)
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(lambda c: _run(c, data, root), CASES))
    # Checked once for all: nothing in the shared data changed, nothing was added to it.
    after = _snapshot(data)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return Run({o.case.name: o for o in done}, changed)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_failure_is_french_with_its_exit_code_and_changes_nothing(
    case: Case, outcomes: Run
) -> None:
    o = outcomes.by_case[case.name]
    out = o.stderr + o.stdout
    assert o.code == case.code, f"code {o.code}, attendu {case.code}:\n{out}"
    assert case.says in out, out
    assert not ENGLISH.search(out), f"de l'anglais à l'écran :\n{out}"
    assert "Traceback" not in out, out
    assert 'File "' not in out, out
    # the message is short: one line, or argparse's usage plus the error and the hint
    lines = [ln for ln in o.stderr.splitlines() if ln.strip()]
    assert lines, out
    assert len(lines) <= case.lines or case.code == Exit.USAGE, o.stderr
    for rel in case.absent:
        assert not (o.work / rel).exists(), f"{rel} créé par une commande en échec"
    created = [p for p in o.work.rglob("*") if p.is_file()]
    assert created == [], f"fichiers créés : {created}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_help_that_lists_its_codes_lists_this_one(case: Case) -> None:
    """``scop COMMANDE --help`` that lists codes without sending to the README's table for
    the others lists the code the command returned (a usage error is argparse's, anywhere)."""
    helps = helps_of(build_parser(), case.args)
    stated = {c for h in helps for s in statements(h, case.name) for c in s.codes}
    sends = re.compile(r"tableau (?:complet|du README)")
    if (
        not stated
        or case.code == Exit.USAGE
        or any(sends.search(" ".join(h.split())) for h in helps)
    ):
        return
    assert case.code in stated, f"{case.code} absent de l'aide, qui donne {sorted(stated)}"


def test_no_failing_command_changed_the_files_it_was_given(outcomes: Run) -> None:
    assert outcomes.data_changed == []


def test_the_traceback_goes_to_the_log_file(outcomes: Run) -> None:
    o = outcomes.by_case["verify-truncated-gzip"]
    log = o.work.parent / "logs" / "verify-truncated-gzip" / "scop.log"
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text
    assert "EOFError" in text  # the cause, for whoever reads the log
    assert "export tronqué" in text


def test_the_truncated_export_is_named_the_same_by_every_reader(outcomes: Run) -> None:
    said = {
        outcomes.by_case[n].stderr.split(" : ", 1)[1]
        for n in ("replay-truncated-gzip", "verify-truncated-gzip", "debrief-truncated-gzip")
    }
    assert len(said) == 1, said


def test_foreign_and_damaged_are_different_messages(outcomes: Run) -> None:
    foreign = outcomes.by_case["debrief-foreign-sqlite"].stderr
    damaged = outcomes.by_case["verify-damaged-scop-db"].stderr
    assert "Ce fichier n'est pas une base SCOP" in foreign
    assert "endommagée" not in foreign
    assert "scop journal verify" in damaged
    assert "n'est pas une base SCOP" not in damaged


def test_a_gzip_export_is_still_read(tmp_path: Path) -> None:
    """The guard for the truncated case must not refuse a whole file."""
    good = tmp_path / "ok.jsonl.gz"
    with gzip.open(good, "wt", encoding="utf-8") as f:
        f.write('{"type": "header", "format": "scop-journal", "version": 1}\n')
        f.write('{"type": "head", "position": 0, "hash": "' + "0" * 64 + '"}\n')
    res = subprocess.run(
        [sys.executable, "-m", "scop.cli", "journal", "verify", str(good)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "SCOP_LOG_DIR": str(tmp_path / "logs")},
    )
    assert res.returncode == 0, res.stderr


@pytest.mark.postgres
def test_console_on_an_empty_postgresql_base_creates_no_room(
    pg_room_url: str, tmp_path: Path
) -> None:
    """A mistyped database name on the room's server is refused as holding no room: the
    console leaves no tables (and no live room) behind; ``scop room init`` makes rooms."""
    from sqlalchemy import create_engine, inspect

    case = Case("console-empty-postgresql", ("--db", pg_room_url, "--operator", "A"), Exit.OK, "")
    o = _run(case, tmp_path, tmp_path)
    assert o.code == Exit.DB_MISSING, o.stderr
    assert o.stderr.strip().splitlines() == [
        f"scop : Aucune salle dans la base {pg_room_url}. Seule « scop room init » crée une "
        "salle : « scop room init --db URL --mode live --name … », ou vérifier l'adresse "
        "donnée à --db."
    ]
    engine = create_engine(pg_room_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
