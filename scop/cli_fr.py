"""argparse in French: usage, errors and help of every ``scop`` command.

argparse takes its texts through ``gettext`` with no French catalogue on a Debian
workstation, so the texts a person can meet are translated here and looked up in place of
gettext's. Programming errors (conflicting options…) stay in English: no operator sees them.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from scop.errors import Exit

# argparse's own texts (Python 3.11 to 3.13) that a person can read, and their French.
MESSAGES: dict[str, str] = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (valeurs admises : %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "ignored explicit argument %r": "valeur %r ignorée : cette option n'en prend pas",
    "unexpected option string: %s": "option inattendue : %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue %(parser_name)r (commandes : %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
    "subcommands": "commandes",
    "%(prog)s: error: %(message)s": "%(prog)s : erreur : %(message)s",
}
PLURALS: dict[str, tuple[str, str]] = {
    "expected %s argument": ("%s valeur attendue", "%s valeurs attendues"),
}

HINT = "« scop --help » (ou « scop COMMANDE --help ») pour l'aide."


def gettext_fr(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext_fr(singular: str, plural: str, n: int) -> str:
    if singular in PLURALS:
        one, many = PLURALS[singular]
        return one if n == 1 else many
    return singular if n == 1 else plural


def install() -> None:
    """Route argparse's texts through the French table (idempotent)."""
    argparse._ = gettext_fr  # type: ignore[attr-defined]
    argparse.ngettext = ngettext_fr  # type: ignore[attr-defined]


class FrenchArgumentParser(argparse.ArgumentParser):
    """A usage error says what is wrong, shows the usage and where to find help, and exits
    with :attr:`Exit.USAGE`; subcommands' parsers are of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        install()
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(
            Exit.USAGE,
            gettext_fr("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message}
            + HINT
            + "\n",
        )
