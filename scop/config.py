"""One configuration for a run of ``scop``: built once from the environment and the options,
frozen, and passed down.

Nothing below this module reads ``os.environ`` or parses an option: a service, a dock or a
loader gets the value it needs from :class:`Config`. The README lists every variable and option
read here (section « Configuration »), from :data:`ENVIRONMENT` and :func:`add_console_options`.
"""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from scop.models.vocabulary import PERSON_ROLES, Role

# The environment variables read by scop, and why (the README repeats this list).
ENVIRONMENT: dict[str, str] = {
    "SCOP_FEED_URL": "flux des positions des équipages (wss://…; ws:// en boucle locale)",
    "SCOP_PP_URL": "lien direct avec la Préfecture de Police (poste seul, sans passerelle)",
    "SCOP_PP_CA": "autorité de certification de la PP (fichier PEM)",
    "SCOP_PP_CERT": "certificat client de la console pour le lien PP",
    "SCOP_PP_KEY": "clé du certificat client",
    "SCOP_PP_SENDER_ID": "identifiant de la salle sur le lien PP (défaut : fr.police.scop)",
    "SCOP_PP_PEER_ID": "identifiant de la PP sur le lien (défaut : fr.police.pp)",
    "SCOP_TILE_URL": "modèle d'URL de tuiles de fond de carte (l'emporte sur les réglages)",
    "SCOP_FICHES_DIR": "dossier des fiches réflexes, de l'annuaire et des modèles de messages",
    "SCOP_LOG_DIR": "dossier du fichier journal technique scop.log (défaut : "
    "~/.local/state/scop/log)",
    "SCOP_ERROR_DIALOG": "1 : montrer une erreur de démarrage dans une fenêtre, 0 : jamais "
    "(défaut : seulement sans terminal)",
}

LAYOUTS = ("operateur", "chef", "formateur", "mur")
DEFAULT_SIZE = (1920, 1080)


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("scop", "VilleDeParis")) / "demo.sqlite"


def default_db_url() -> str:
    return f"sqlite:///{default_db_path()}"


def log_file(environ: Mapping[str, str]) -> Path:
    """Where tracebacks go (the terminal never shows one)."""
    folder = environ.get("SCOP_LOG_DIR", "").strip() or platformdirs.user_log_dir(
        "scop", "VilleDeParis"
    )
    return Path(folder) / "scop.log"


def error_dialog_choice(environ: Mapping[str, str]) -> bool | None:
    value = environ.get("SCOP_ERROR_DIALOG", "").strip()
    return {"1": True, "0": False}.get(value)


def shipped_fiches_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "fiches_reflexes"


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"taille attendue sous la forme 1920x1080, pas {text!r}"
        ) from None
    if not (320 <= w <= 10000 and 240 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"taille hors limites : {text}")
    return w, h


DEFAULT_SENDER_ID = "fr.police.scop"
DEFAULT_PEER_ID = "fr.police.pp"
DEFAULT_ACK_TIMEOUT = 10.0


@dataclass(frozen=True)
class PPEndpoint:
    """The PP link's settings: the same for a workstation alone and for ``scop gateway``
    (options :func:`add_link_options`, else the ``SCOP_PP_*`` variables)."""

    url: str
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    sender_id: str = DEFAULT_SENDER_ID
    peer_id: str = DEFAULT_PEER_ID
    ack_timeout: float = DEFAULT_ACK_TIMEOUT


def pp_endpoint(opts: Mapping[str, object], env: Mapping[str, str]) -> PPEndpoint | None:
    """The PP link from the options, each missing one from its variable; None without a URL."""

    def pick(option: str, variable: str) -> str | None:
        value = opts.get(option)
        if isinstance(value, str) and value.strip():
            return value.strip()
        return env.get(variable, "").strip() or None

    url = pick("pp", "SCOP_PP_URL")
    if url is None:
        return None
    timeout = opts.get("ack_timeout")
    return PPEndpoint(
        url,
        pick("ca", "SCOP_PP_CA"),
        pick("cert", "SCOP_PP_CERT"),
        pick("key", "SCOP_PP_KEY"),
        sender_id=pick("sender_id", "SCOP_PP_SENDER_ID") or DEFAULT_SENDER_ID,
        peer_id=pick("peer_id", "SCOP_PP_PEER_ID") or DEFAULT_PEER_ID,
        ack_timeout=float(timeout) if isinstance(timeout, int | float) else DEFAULT_ACK_TIMEOUT,
    )


def _option(opts: Mapping[str, object], name: str) -> str | None:
    value = opts.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"durée en secondes attendue, pas {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"durée hors limites (0 à 3600 s) : {text}")
    return value


def add_link_options(p: argparse.ArgumentParser, *, after_command: bool = False) -> None:
    """The PP link's options, the same on the console (a workstation alone) and on
    ``scop gateway``; each one missing falls back on its ``SCOP_PP_*`` variable.
    ``after_command``: as in :func:`add_console_options`."""
    d = argparse.SUPPRESS if after_command else None
    p.add_argument(
        "--feed",
        metavar="URL",
        default=d,
        help="flux des positions des équipages : wss://… (ws:// en boucle locale seulement) ;"
        " défaut SCOP_FEED_URL",
    )
    p.add_argument(
        "--pp",
        metavar="URL",
        default=d,
        help="adresse de la PP : wss://… (ws:// en boucle locale seulement) ; défaut SCOP_PP_URL",
    )
    p.add_argument("--ca", metavar="PEM", default=d, help="AC de la PP (défaut SCOP_PP_CA)")
    p.add_argument(
        "--cert", metavar="PEM", default=d, help="certificat client de la salle (SCOP_PP_CERT)"
    )
    p.add_argument("--key", metavar="PEM", default=d, help="clé du certificat (SCOP_PP_KEY)")
    p.add_argument(
        "--sender-id",
        default=d,
        help=f"identifiant de la salle sur le lien (SCOP_PP_SENDER_ID, défaut {DEFAULT_SENDER_ID})",
    )
    p.add_argument(
        "--peer-id",
        default=d,
        help=f"identifiant de la PP (SCOP_PP_PEER_ID, défaut {DEFAULT_PEER_ID})",
    )
    p.add_argument(
        "--ack-timeout",
        type=_positive_seconds,
        default=d,
        metavar="S",
        help=f"renvoi d'un message sans accusé après S secondes (défaut {DEFAULT_ACK_TIMEOUT:g})",
    )


@dataclass(frozen=True)
class Config:
    """Everything a run of the console reads from outside: its options and its environment."""

    db_url: str | None = None  # None: the local DÉMO room
    demo: bool = False
    operator: str | None = None
    role: Role = Role.OPERATOR
    workstation: str = field(default_factory=socket.gethostname)
    layout: str | None = None
    screenshot: Path | None = None
    size: tuple[int, int] = DEFAULT_SIZE
    no_sim: bool = False
    feed_url: str | None = None
    pp: PPEndpoint | None = None
    tile_url: str | None = None
    fiches_dir: Path = field(default_factory=shipped_fiches_dir)
    log_path: Path = field(default_factory=lambda: log_file({}))
    error_dialog: bool | None = None  # None: a dialog only when there is no terminal

    @property
    def headless(self) -> bool:
        return self.screenshot is not None

    @property
    def database(self) -> str:
        return self.db_url or default_db_url()

    @property
    def wants_demo(self) -> bool:
        """The default database is the demo room's; ``--demo`` asks for it on another."""
        return self.demo or self.db_url is None

    @classmethod
    def load(
        cls, args: argparse.Namespace | None = None, environ: Mapping[str, str] | None = None
    ) -> Config:
        """The configuration from parsed options (missing ones take their defaults) and the
        environment (``os.environ`` unless given). A launcher that must change a value (a
        replay starts no simulator) uses ``dataclasses.replace`` on the result."""
        env = os.environ if environ is None else environ
        opts = vars(args) if args is not None else {}

        def env_value(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        fiches = env_value("SCOP_FICHES_DIR")
        return cls(
            db_url=opts.get("db"),
            demo=bool(opts.get("demo", False)),
            operator=opts.get("operator"),
            role=Role(opts.get("role") or Role.OPERATOR),
            workstation=opts.get("workstation") or socket.gethostname(),
            layout=opts.get("layout"),
            screenshot=opts.get("screenshot"),
            size=opts.get("size") or DEFAULT_SIZE,
            no_sim=bool(opts.get("no_sim", False)),
            feed_url=_option(opts, "feed") or env_value("SCOP_FEED_URL"),
            pp=pp_endpoint(opts, env),
            tile_url=env_value("SCOP_TILE_URL"),
            fiches_dir=Path(fiches) if fiches else shipped_fiches_dir(),
            log_path=log_file(env),
            error_dialog=error_dialog_choice(env),
        )


def add_console_options(p: argparse.ArgumentParser, *, after_command: bool = False) -> None:
    """The console's options. ``after_command``: the same options accepted after a subcommand
    (``scop replay X --screenshot y.png``); SUPPRESS keeps a value given before the subcommand
    from being overwritten by the subparser's default."""
    s = argparse.SUPPRESS
    p.add_argument(
        "--operator", metavar="NOM", default=s if after_command else None, help="nom de l'opérateur"
    )
    p.add_argument(
        "--role",
        choices=[str(r) for r in PERSON_ROLES],
        default=s if after_command else "operator",
        help="rôle : operator (opérateur), chief (chef de salle), trainer (formateur)",
    )
    p.add_argument(
        "--workstation",
        default=s if after_command else socket.gethostname(),
        help="nom du poste",
    )
    p.add_argument(
        "--layout",
        choices=list(LAYOUTS),
        default=s if after_command else None,
        help="disposition nommée à appliquer au démarrage",
    )
    p.add_argument(
        "--screenshot",
        metavar="PNG",
        type=Path,
        default=s if after_command else None,
        help="démarrer sans écran, enregistrer une capture de la console et quitter",
    )
    p.add_argument(
        "--size",
        type=parse_size,
        default=s if after_command else DEFAULT_SIZE,
        metavar="LxH",
        help="taille de la fenêtre pour --screenshot (défaut 1920x1080)",
    )
    p.add_argument(
        "--no-sim",
        action="store_true",
        default=s if after_command else False,
        help="ne pas lancer les simulateurs de démonstration",
    )
