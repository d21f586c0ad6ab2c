"""The exit codes a text states (a command's ``--help``, a README sentence), and what each
statement is about, to hold them to the README's table (``scop.errors.EXIT_MEANINGS``).

A help text states codes as « Codes de sortie : 0 fait, 1 refusé, 3 base inaccessible » or
« code 0 si tout répond, 1 sinon, 2 si … ». Each stated code comes with a phrase; the words of
the phrase say what it is about (« inaccessible », « aucune salle », « illisible »…), and the
table's meanings say which codes each word may be said of. A phrase that says of a code what
the table says of another (« 2 si … la salle absente », « 2 erreur ») contradicts it.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from scop.errors import Exit

README = Path(__file__).resolve().parents[2] / "README.md"

# Words a phrase uses to say what a code is about. Each belongs to the rows of the README's
# table whose meaning holds it (« base » to several), so the table decides what a word may
# be said of; tests/unit/test_errors.py checks each is in the table.
WORDS = (
    r"succès",
    r"refus",
    r"problème",
    r"erreur",
    r"altér",
    r"option",
    r"argument",
    r"invalide",
    r"inaccessible",
    r"injoignable",
    r"n'existe pas",
    r"aucune salle",
    r"pas une base scop",
    r"endommagée",
    r"illisible",
    r"écrire",
    r"mauvais mode",
    r"annulée",
    r"écran",
    r"interne",
    r"interrompu",
    r"\bbase\b",
)
# Words the table does not use, and the rows they belong to.
SYNONYMS: dict[str, set[int]] = {
    r"pas de salle|salle absente": {Exit.DB_MISSING},
    r"introuvable": {Exit.DB_MISSING, Exit.BAD_INPUT},
    r"écriture": {Exit.CANNOT_WRITE},
    r"\bsinon\b|ne répond pas": {Exit.CHECK_FAILED},
    r"\bdates?\b|incomplète|adresse invalide": {Exit.USAGE},
}


def readme_table() -> dict[int, str]:
    """The README's table of exit codes: code → meaning."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- exit-codes:", 1)[1].split("\n\n", 1)[0]
    return {int(k): v for k, v in re.findall(r"^\| (\d+) \| (.+) \|$", block, flags=re.M)}


def rows_of_words(table: dict[int, str]) -> dict[str, set[int]]:
    """Each word and the rows of ``table`` it belongs to."""
    rows = {w: {c for c, meaning in table.items() if re.search(w, meaning.lower())} for w in WORDS}
    return {**rows, **SYNONYMS}


_START = re.compile(r"\bcodes?\b(?: de sortie)?(?: \([^)]*\))?\s*:?\s*(?=\d)", re.I)
_ITEM = re.compile(r"^(\d+)(?:-(\d+))?\b\s*:?\s*(.*)$", re.S)


@dataclass(frozen=True)
class Statement:
    codes: tuple[int, ...]
    phrase: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {'-'.join(map(str, self.codes))} {self.phrase}"


def _top_level(text: str, stops: str) -> Iterator[tuple[int, str]]:
    """Positions and characters of ``stops`` outside parentheses and « quotes »."""
    depth = 0
    for i, c in enumerate(text):
        if c in "(«":
            depth += 1
        elif c in ")»":
            depth = max(0, depth - 1)
        elif depth == 0 and c in stops:
            yield i, c


def _segment(text: str) -> str:
    """The sentence from a « code(s) : » on: up to its full stop outside parentheses."""
    for i, _c in _top_level(text, "."):
        if i + 1 == len(text) or text[i + 1].isspace():
            return text[:i]
    return text


def statements(text: str, where: str) -> list[Statement]:
    """Every « N phrase » that ``text`` states after « code(s) (de sortie) : »."""
    found: list[Statement] = []
    for block in _blocks(text):
        found += _statements(" ".join(block.split()), where)
    return found


_NEW_BLOCK = ("-", "#", "scop ", "```", "|")


def _blocks(text: str) -> list[str]:
    """Paragraphs, and each option of a help text, list item or line of a code example."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(_NEW_BLOCK):
            blocks.append([])
        blocks[-1].append(line)
    return ["\n".join(b) for b in blocks if any(x.strip() for x in b)]


def _statements(flat: str, where: str) -> list[Statement]:
    found: list[Statement] = []
    for m in _START.finditer(flat):
        segment = _segment(flat[m.end() :])
        bounds = [-1, *(i for i, _c in _top_level(segment, ",;")), len(segment)]
        parts = [segment[a + 1 : b] for a, b in pairwise(bounds)]
        for part in parts:
            item = _ITEM.match(part.strip())
            if item is None:
                continue
            first = int(item[1])
            last = int(item[2]) if item[2] else first
            found.append(Statement(tuple(range(first, last + 1)), item[3].strip(), where))
    return found


def contradictions(statement: Statement, table: dict[int, str]) -> list[str]:
    """What is wrong with ``statement`` against ``table``: a code the table lacks, a phrase
    that names nothing the code means, or that names what another code means."""
    wrong = [f"{statement} : code {c} absent du tableau" for c in statement.codes if c not in table]
    if wrong or not statement.phrase or statement.codes == (0,):
        return wrong
    low = statement.phrase.lower()
    said = {w: rows for w, rows in rows_of_words(table).items() if re.search(w, low)}
    if not said:
        return [f"{statement} : ne dit rien de ce que le tableau donne à ce code"]
    return [
        f"{statement} : « {w} » est dit du code {', '.join(map(str, sorted(rows)))} au tableau"
        for w, rows in said.items()
        if not rows & set(statement.codes)
    ]


def parsers(
    parser: argparse.ArgumentParser, name: str = "scop"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """``scop`` and each of its subcommands, with their full names."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, p in action.choices.items():
                yield from parsers(p, f"{name} {sub}")


def helps_of(parser: argparse.ArgumentParser, args: tuple[str, ...]) -> list[str]:
    """The help texts of the command that ``args`` run: ``scop``'s, then each subcommand's
    down to it (« scop users » states the codes of « scop users list »)."""
    helps, current = [parser.format_help()], parser
    for arg in args:
        subs = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        if subs and arg in subs[0].choices:
            current = subs[0].choices[arg]
            helps.append(current.format_help())
    return helps
