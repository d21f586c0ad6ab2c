"""The one table of exit codes and messages (scop.errors) and argparse in French."""

from __future__ import annotations

import argparse
import errno
import re
from pathlib import Path

import pytest
from scoptest.exit_codes import (
    SYNONYMS,
    WORDS,
    Statement,
    contradictions,
    parsers,
    readme_table,
    statements,
)

from scop.cli import build_parser, main, wants_dialog
from scop.cli_fr import MESSAGES, PLURALS
from scop.errors import (
    EXIT_MEANINGS,
    Exit,
    InputError,
    NotScopDatabase,
    ScopError,
    database_error,
    explain,
    report,
)

README = Path(__file__).resolve().parents[2] / "README.md"

# argparse texts only a programmer meets (a broken parser definition), left in English.
PROGRAMMER_ONLY = {
    "'required' is an invalid argument for positionals",
    "%r is not callable",
    ".__call__() not defined",
    'argument "-" with mode %r',
    "cannot have multiple subparser arguments",
    "cannot merge actions - two groups are named %r",
    "conflicting subparser alias: %s",
    "conflicting subparser: %s",
    "dest= is required for options like %r",
    "invalid conflict_resolution value: %r",
    "invalid option string %(option)r: ",
    "mutually exclusive arguments must be optional",
    "conflicting option string: %s",
    "conflicting option strings: %s",
}


def test_readme_table_is_the_exit_codes() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- exit-codes:", 1)[1].split("\n\n", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| (.+) \|$", block, flags=re.M))
    assert {int(k): v for k, v in rows.items()} == {int(c): m for c, m in EXIT_MEANINGS.items()}
    assert set(EXIT_MEANINGS) == set(Exit)


def test_every_argparse_text_a_person_can_read_is_french() -> None:
    source = Path(argparse.__file__).read_text(encoding="utf-8")
    found = set(re.findall(r"\b_\(\s*'((?:[^'\\]|\\.)*)'", source))
    found |= set(re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)*)"', source))
    found |= set(re.findall(r"ngettext\(\s*'([^']*)'", source))
    found = {f.encode().decode("unicode_escape") for f in found}
    missing = {f for f in found - PROGRAMMER_ONLY if f not in MESSAGES and f not in PLURALS}
    assert missing == set()


def test_help_and_usage_errors_are_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation : scop")
    assert "afficher cette aide et quitter" in out
    for english in ("usage:", "show this help", "positional arguments", "subcommands"):
        assert english not in out
    assert main(["journal", "export"]) == Exit.USAGE
    err = capsys.readouterr().err
    assert "arguments obligatoires manquants : --out" in err
    assert "scop --help" in err
    assert "error" not in err


def test_subcommand_parsers_are_french_too() -> None:
    parser = build_parser()
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["replay", "x", "--speed", "vite"])
    assert stop.value.code == Exit.USAGE


def test_exit_codes_are_distinct() -> None:
    values = [e.value for name, e in Exit.__members__.items() if name != "REFUSED"]
    assert len(values) == len(set(values))
    assert Exit.REFUSED == Exit.CHECK_FAILED


@pytest.mark.parametrize(
    ("exc", "url", "kind", "code", "says"),
    [
        (
            PermissionError(errno.EACCES, "Permission denied", "/x"),
            "",
            ScopError,
            7,
            "accès refusé",
        ),
        (EOFError("Compressed file ended"), "", InputError, 7, "tronqué"),
        (KeyError("boom"), "", ScopError, 70, "scop.log"),
        (
            __import__("sqlite3").DatabaseError("file is not a database"),
            "sqlite:////tmp/x.db",
            NotScopDatabase,
            5,
            "n'est pas une base SCOP",
        ),
        (
            __import__("sqlite3").DatabaseError("database disk image is malformed"),
            "sqlite:////tmp/x.db",
            ScopError,
            6,
            "scop journal verify",
        ),
    ],
)
def test_explain_maps_foreign_exceptions(
    exc: BaseException, url: str, kind: type, code: int, says: str
) -> None:
    err = explain(exc, url) if url == "" else database_error(exc, url)
    assert isinstance(err, kind)
    assert err.exit_code == code
    assert says in str(err)


def test_report_prints_one_french_line_and_no_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    try:
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")
    except EOFError as exc:
        err = report(exc, "scop replay")
    printed = capsys.readouterr().err
    assert err.exit_code == Exit.BAD_INPUT
    assert printed.count("\n") == 1
    assert printed.startswith("scop replay : Fichier illisible")
    assert "Traceback" not in printed
    assert "EOFError" not in printed


def test_password_never_shown() -> None:
    err = database_error(
        RuntimeError("connection refused"), "postgresql+psycopg://scop:secret@srv:5432/salle"
    )
    assert "secret" not in str(err)
    assert err.exit_code == Exit.DB_UNREACHABLE


@pytest.mark.parametrize(
    ("env", "stderr_tty", "stdin_tty", "expected"),
    [
        ({"DISPLAY": ":0"}, False, False, True),  # desktop icon
        ({"DISPLAY": ":0"}, True, True, False),  # a terminal reads the message
        ({}, False, False, False),  # no display to show it on
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False, False, False),
        ({"SCOP_ERROR_DIALOG": "1"}, True, True, True),
        ({"DISPLAY": ":0", "SCOP_ERROR_DIALOG": "0"}, False, False, False),
    ],
)
def test_when_a_dialog_shows_the_start_up_failure(
    env: dict[str, str], stderr_tty: bool, stdin_tty: bool, expected: bool
) -> None:
    assert wants_dialog(env, stderr_tty, stdin_tty, None) is expected


def test_logging_is_set_up_in_one_place_only() -> None:
    """``scop.errors.setup_logging`` is the one set-up (file, level, format) of every scop
    process: a subcommand or the console calling ``basicConfig`` or adding a handler to the
    root logger is a second one, with its own format, that differs the day the first is
    absent."""
    scop = Path(__file__).resolve().parents[2] / "scop"
    own = re.compile(
        r"logging\.basicConfig|logging\.getLogger\(\s*\)|logging\.root\b|dictConfig|fileConfig"
    )
    found = [
        f"{path.relative_to(scop.parent)}:{n}: {line.strip()}"
        for path in sorted(scop.rglob("*.py"))
        if path.name != "errors.py" or path.parent != scop
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if own.search(line)
    ]
    assert found == []


def test_every_word_for_a_code_is_in_the_readme_table() -> None:
    """The words that decide what a help text may say of a code come from the table."""
    table = readme_table()
    assert {int(c) for c in Exit} == set(table)
    assert [w for w in WORDS if not any(re.search(w, m.lower()) for m in table.values())] == []
    assert all(rows <= set(table) for rows in SYNONYMS.values())


def test_no_help_text_states_a_code_the_readme_table_contradicts() -> None:
    """``scop --help`` and every ``scop COMMANDE --help``, and the README's own sentences
    (« Codes de sortie : 0 fait, 1 refusé… »): each code they state is in the table, and
    said of what the table gives it."""
    table = readme_table()
    stated = [
        s
        for name, parser in parsers(build_parser())
        for s in statements(parser.format_help(), name)
    ]
    stated += statements(README.read_text(encoding="utf-8"), "README")
    assert len({s.where for s in stated}) >= 8  # the commands that state codes were read
    assert [c for s in stated for c in contradictions(s, table)] == []


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("Codes de sortie : 0, 2 erreur.", "« erreur » est dit du code 1, 70"),
        ("code 0 si tout répond, 1 sinon, 2 si la salle absente", "dit du code 4"),
        ("Codes de sortie : 0 fait, 12 base perdue.", "code 12 absent du tableau"),
        ("Codes de sortie : 3 pas une base SCOP.", "dit du code 5"),
        ("Codes de sortie : 4 base (tableau complet)", ""),
        ("Code de sortie 0 : tout répond ; 1 : un lien ne répond pas ; 2 : options", ""),
    ],
)
def test_the_help_check_reads_what_a_text_says(text: str, wrong: str) -> None:
    found = [c for s in statements(text, "t") for c in contradictions(s, readme_table())]
    assert (wrong in " ".join(found)) if wrong else found == []
    assert all(isinstance(s, Statement) for s in statements(text, "t"))
