"""What a person sees when something goes wrong, in one place.

A failure at start-up or on the command line gives one French sentence that says what is
wrong and what to do, and an exit code from :class:`Exit` (the README's table is checked
against it). The traceback goes to the log file only. Code that knows what went wrong raises
a :class:`ScopError` subclass; :func:`explain` turns anything else (SQLAlchemy, sqlite3,
psycopg, OS errors…) into one, so every command and the console share the same words.

Pure Python: the command line imports it on servers with no display.
"""

from __future__ import annotations

import errno
import logging
import logging.handlers
import sys
from enum import IntEnum
from pathlib import Path
from typing import Any, TextIO

import platformdirs

log = logging.getLogger("scop")
# Failures reported to a person: the traceback goes to the log file only, never to the
# terminal (whose handler is on the root logger).
_failures = logging.getLogger("scop.failures")
_failures.propagate = False
_failures.addHandler(logging.NullHandler())


class Exit(IntEnum):
    """Exit codes of ``scop``: the README's table lists each with :data:`EXIT_MEANINGS`."""

    OK = 0
    CHECK_FAILED = 1
    REFUSED = 1  # the same code: the command ran and said no
    USAGE = 2
    DB_UNREACHABLE = 3
    DB_MISSING = 4
    NOT_SCOP = 5
    DB_DAMAGED = 6
    BAD_INPUT = 7
    CANNOT_WRITE = 8
    WRONG_MODE = 9
    CANCELLED = 10
    NO_DISPLAY = 11
    INTERNAL = 70
    INTERRUPTED = 130


EXIT_MEANINGS: dict[Exit, str] = {
    Exit.OK: "succès",
    Exit.CHECK_FAILED: "la vérification a trouvé un problème (main courante altérée, fiche "
    "ou scénario en erreur) ou l'opération est refusée (salle déjà créée…)",
    Exit.USAGE: "option ou argument invalide (voir `scop --help`)",
    Exit.DB_UNREACHABLE: "base inaccessible : serveur injoignable, accès refusé, dossier "
    "impossible à créer",
    Exit.DB_MISSING: "la base indiquée n'existe pas ou ne tient aucune salle (ni la console ni "
    "une commande de lecture n'en créent : `scop room init`)",
    Exit.NOT_SCOP: "le fichier ou la base n'est pas une base SCOP",
    Exit.DB_DAMAGED: "base SCOP endommagée : lancer `scop journal verify`",
    Exit.BAD_INPUT: "fichier d'entrée illisible ou invalide (export tronqué, scénario…)",
    Exit.CANNOT_WRITE: "impossible d'écrire le fichier demandé",
    Exit.WRONG_MODE: "base du mauvais mode (exercice, démonstration, réel)",
    Exit.CANCELLED: "identification annulée par l'opérateur",
    Exit.NO_DISPLAY: "aucun écran pour la console (session graphique absente)",
    Exit.INTERNAL: "erreur interne inattendue : détail dans le fichier journal",
    Exit.INTERRUPTED: (
        "interrompu (Ctrl+C) ; la passerelle et les simulateurs (`gateway`, `pp-sim`, "
        "`feed-sim`), pour qui Ctrl+C ou SIGTERM est l'arrêt normal, rendent 0"
    ),
}

DB_URL_EXAMPLE = "sqlite:////chemin/salle.sqlite ou postgresql+psycopg://utilisateur@serveur/base"


class ScopError(Exception):
    """A failure a person can act on: ``message`` says what is wrong, ``hint`` what to do."""

    exit_code: Exit = Exit.INTERNAL

    def __init__(self, message: str, hint: str = "", *, code: Exit | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.exit_code = code

    def __str__(self) -> str:
        return f"{self.message}. {self.hint}" if self.hint else self.message


class UsageError(ScopError):
    exit_code = Exit.USAGE


class DatabaseUnreachable(ScopError):
    exit_code = Exit.DB_UNREACHABLE


class DatabaseMissing(ScopError):
    exit_code = Exit.DB_MISSING


class NotScopDatabase(ScopError):
    exit_code = Exit.NOT_SCOP


class DatabaseDamaged(ScopError):
    exit_code = Exit.DB_DAMAGED


class InputError(ScopError):
    exit_code = Exit.BAD_INPUT


class OutputError(ScopError):
    exit_code = Exit.CANNOT_WRITE


class WrongMode(ScopError):
    exit_code = Exit.WRONG_MODE


class InternalError(ScopError):
    exit_code = Exit.INTERNAL


# -- turning foreign exceptions into ScopErrors --------------------------------------------

_OS_REASONS = {
    errno.ENOENT: "introuvable",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "disque plein",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EEXIST: "existe déjà",
    errno.ENAMETOOLONG: "nom trop long",
    errno.EDQUOT: "quota disque dépassé",
    errno.ECONNREFUSED: "connexion refusée",
    errno.ECONNRESET: "connexion interrompue",
    errno.EHOSTUNREACH: "hôte injoignable",
    errno.ENETUNREACH: "réseau injoignable",
    errno.ETIMEDOUT: "délai dépassé",
    errno.EADDRINUSE: "adresse déjà utilisée",
}


def os_reason(exc: OSError) -> str:
    """The French for an OS error (its strerror follows the machine's locale)."""
    return _OS_REASONS.get(exc.errno or 0, f"erreur système {exc.errno}")


def cannot_write(path: Path | str, exc: OSError, option: str = "--out") -> OutputError:
    return OutputError(
        f"Impossible d'écrire {path} : {os_reason(exc)}",
        f"Choisir un fichier dans un dossier accessible en écriture ({option}).",
    )


def cannot_read(path: Path | str, exc: OSError) -> InputError:
    return InputError(
        f"Impossible de lire {path} : {os_reason(exc)}",
        "Vérifier le chemin et les droits du fichier.",
    )


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, outermost first (SQLAlchemy wraps the driver's)."""
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = getattr(cur, "orig", None) or cur.__cause__ or cur.__context__
    return seen


def database_error(exc: BaseException, url: str) -> ScopError:
    """What an exception raised while opening or reading the database at ``url`` means for
    the person who gave that URL. Decides between unreachable, not a SCOP base and damaged."""
    if isinstance(exc, ScopError):
        return exc
    shown = safe_url(url)
    texts = " | ".join(str(e) for e in _chain(exc))
    low = texts.lower()
    kinds = {type(e).__name__ for e in _chain(exc)}
    path = sqlite_path(url)
    damage = ("malformed", "disk image", "could not decode", "no such table", "no such column")
    if "ArgumentError" in kinds and "could not parse" in low:
        return UsageError(
            f"Adresse de base illisible : {url!r}", f"Attendu par exemple {DB_URL_EXAMPLE}."
        )
    if "NoSuchModuleError" in kinds or "ModuleNotFoundError" in kinds:
        scheme = url.split(":", 1)[0]
        return UsageError(
            f"Type de base non pris en charge : {scheme}",
            f"La console travaille sur SQLite ou PostgreSQL : {DB_URL_EXAMPLE}.",
        )
    if path is not None and "file is not a database" in low:
        return NotScopDatabase(
            f"Ce fichier n'est pas une base SCOP : {path} (ni même une base SQLite)",
            "Vérifier le chemin donné à --db.",
        )
    if any(s in low for s in damage):
        return damaged(url)
    if path is not None:
        if "unable to open database file" in low or isinstance(exc, OSError):
            folder = Path(path).parent
            return DatabaseUnreachable(
                f"Impossible d'ouvrir ou de créer la base {path} : le dossier {folder} "
                "n'existe pas ou n'est pas accessible en écriture",
                "Choisir un fichier dans un dossier accessible, par exemple "
                "--db sqlite:////home/moi/salle.sqlite.",
            )
        if "readonly" in low or "read-only" in low:
            return DatabaseUnreachable(
                f"La base {path} est en lecture seule",
                "Vérifier les droits du fichier et de son dossier.",
            )
        if "locked" in low:
            return DatabaseUnreachable(
                f"La base {path} est verrouillée par un autre programme",
                "Réessayer dans un instant.",
            )
    if "connection refused" in low or "could not connect" in low or "timeout" in low:
        return DatabaseUnreachable(
            f"Serveur de base injoignable : {shown}",
            "Vérifier que le serveur PostgreSQL est démarré, son adresse et son port, et le "
            "réseau de la salle.",
        )
    if "could not translate host name" in low or "name or service not known" in low:
        return DatabaseUnreachable(
            f"Serveur de base inconnu : {shown}", "Vérifier le nom du serveur dans --db."
        )
    if (
        "authentication failed" in low
        or "no password supplied" in low
        or ("role" in low and "does not exist" in low)
    ):
        return DatabaseUnreachable(
            f"Accès refusé par le serveur de base : {shown}",
            "Vérifier l'utilisateur et le mot de passe (fichier ~/.pgpass).",
        )
    if "database" in low and "does not exist" in low:
        return DatabaseMissing(
            f"La base n'existe pas sur le serveur : {shown}",
            "Vérifier le nom de la base dans --db, ou la créer.",
        )
    if "permission denied" in low:
        return DatabaseUnreachable(
            f"Accès refusé à la base : {shown}", "Vérifier les droits de l'utilisateur."
        )
    if "DatabaseError" in kinds or "DataError" in kinds or "JSONDecodeError" in kinds:
        return damaged(url)
    return DatabaseUnreachable(
        f"Base inaccessible : {shown}",
        f"Vérifier l'adresse donnée à --db ; le détail est dans le fichier journal {log_file()}.",
    )


def damaged(url: str) -> DatabaseDamaged:
    return DatabaseDamaged(
        f"Base SCOP endommagée : {safe_url(url)}",
        f"Lancer « scop journal verify --db {safe_url(url)} » pour trouver la première entrée "
        "atteinte, et repartir de la dernière sauvegarde.",
    )


def no_room(url: str, option: str = "--db") -> DatabaseMissing:
    """A command given a database that holds no room (the console, the gateway, ``scop
    users``, a replay…): rooms are made by ``scop room init`` only (a typo in --db must not
    leave an empty live room behind). ``option`` is where the person gave ``url``."""
    shown = safe_url(url)
    path = sqlite_path(url)
    missing = " (le fichier n'existe pas)" if path is not None and not Path(path).exists() else ""
    given = f"l'adresse donnée à {option}" if option else "l'adresse de la base"
    return DatabaseMissing(
        f"Aucune salle dans la base {shown}{missing}",
        "Seule « scop room init » crée une salle : « scop room init --db URL --mode live "
        f"--name … », ou vérifier {given}.",
    )


def explain(exc: BaseException, url: str = "") -> ScopError:
    """Any exception as what a person reads; ``url`` is the database the command worked on.
    Unknown exceptions are internal errors: their detail is in the log file, whose path the
    message gives."""
    if isinstance(exc, ScopError):
        return exc
    if isinstance(exc, UnicodeDecodeError | EOFError):
        return InputError(
            "Fichier illisible : contenu tronqué ou qui n'est pas du texte",
            "Vérifier qu'il s'agit bien d'un export complet (scop journal export).",
        )
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        # a simulator's --port (scop pp-sim, scop feed-sim): what to change is an option
        return UsageError(
            "Port d'écoute déjà utilisé par un autre programme",
            "Choisir un autre --port, ou arrêter le programme qui l'occupe.",
        )
    if isinstance(exc, OSError) and exc.filename:
        return ScopError(
            f"Fichier inaccessible : {exc.filename} ({os_reason(exc)})",
            "Vérifier le chemin et les droits.",
            code=Exit.CANNOT_WRITE if exc.errno in (errno.EROFS, errno.ENOSPC) else Exit.BAD_INPUT,
        )
    module = type(exc).__module__
    if module.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        return database_error(exc, url)
    return InternalError(
        f"Erreur interne inattendue ({type(exc).__name__})",
        f"Le détail est dans le fichier journal {log_file()} : le transmettre au support.",
    )


# -- URLs -----------------------------------------------------------------------------------


def safe_url(url: str) -> str:
    """The URL as it can be shown: no password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:///`` URL (None for another backend or ``:memory:``)."""
    if not url.startswith("sqlite"):
        return None
    try:
        from sqlalchemy.engine import make_url

        db = make_url(url).database
    except Exception:
        return None
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return db


# -- the log file ---------------------------------------------------------------------------


_log_path: Path | None = None


def log_file() -> Path:
    """Where tracebacks go: the path given to :func:`setup_logging` (from ``scop.config``),
    else the user's state folder."""
    if _log_path is not None:
        return _log_path
    return Path(platformdirs.user_log_dir("scop", "VilleDeParis")) / "scop.log"


class _LazyFileHandler(logging.handlers.RotatingFileHandler):
    """Creates its folder and file at the first record only: a command that runs cleanly and
    logs nothing leaves nothing behind."""

    def _open(self) -> Any:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        # An unwritable log folder must not turn a clear message into a logging traceback.
        pass


class _NoTraceback(logging.Formatter):
    """The terminal gets one line per record; tracebacks stay in the file."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_LEVEL = logging.INFO
_configured = False


def setup_logging(path: Path, stream: TextIO | None = None, level: int = LOG_LEVEL) -> None:
    """The logging of every ``scop`` process, set up once by ``scop.cli.main`` before any
    subcommand runs (the console, the gateway, the simulators…, none adds its own: each used
    to call ``basicConfig``, which a second set-up silently ignores): records to the
    terminal without tracebacks, and in full to the log file at ``path``."""
    global _configured, _log_path
    if _configured:
        return
    _configured = True
    _log_path = path
    root = logging.getLogger()
    root.setLevel(level)
    to_file = _LazyFileHandler(path, maxBytes=5_000_000, backupCount=3, delay=True)
    to_file.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(to_file)
    _failures.addHandler(to_file)
    out = stream if stream is not None else sys.stderr
    if out is not None:
        to_term = logging.StreamHandler(out)
        to_term.setFormatter(_NoTraceback(LOG_FORMAT))
        to_term.setLevel(level)
        root.addHandler(to_term)


def log_failure(what: str, exc: BaseException) -> None:
    """The traceback of a failure that a command says in its own words: to the log file
    only (a record on a module's logger would also print a line on the terminal)."""
    _failures.warning("%s", what, exc_info=(type(exc), exc, exc.__traceback__))


def report(exc: BaseException, command: str = "scop", url: str = "") -> ScopError:
    """Log ``exc`` with its traceback (file only), print its French explanation to stderr,
    and return it (its ``exit_code`` is what the process returns)."""
    err = explain(exc, url)
    _failures.error("%s : %s", command, err, exc_info=(type(exc), exc, exc.__traceback__))
    if sys.stderr is not None:
        print(f"{command} : {err}", file=sys.stderr, flush=True)
    return err
