"""``scop pp-sim`` (the Préfecture de Police simulator) and ``scop gateway`` (one PP link for a
whole room, headless)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
from typing import Any

from scop.config import Config, add_link_options


def register(sub: Any) -> None:
    p = sub.add_parser(
        "pp-sim",
        help="simulateur de la Préfecture de Police (lien EDXL-DE/EMSI)",
        description="Serveur websockets parlant le profil EDXL-DE/EMSI du lien PP : "
        "accuse réception, répond aux demandes de moyens, suit un "
        "script d'exercice.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--script", type=Path, help="script d'exercice (YAML ou JSON, voir la doc)")
    p.add_argument("--exercise", action="store_true", help="trafic marqué Exercise")
    p.add_argument(
        "--answer",
        choices=["ACCEPTE", "REFUS", "PARTIELLE"],
        default="ACCEPTE",
        help="réponse par défaut aux demandes de moyens",
    )
    p.add_argument(
        "--answer-delay",
        type=float,
        default=5.0,
        metavar="S",
        help="délai de réponse aux demandes de moyens (s)",
    )
    p.add_argument("--cert", help="certificat du serveur (wss)")
    p.add_argument("--key", help="clé du serveur (wss)")
    p.add_argument("--client-ca", help="AC des certificats clients admis (TLS mutuel)")
    p.set_defaults(func=run_sim)

    g = sub.add_parser(
        "gateway",
        help="passerelle de la salle sans écran : lien PP et flux équipages",
        description="Porte les liens de la salle (PP et flux des positions des équipages) : "
        "envoie à la PP les messages validés, journalise ce qui arrive, enregistre les "
        "positions. Plusieurs passerelles peuvent tourner : une seule est active (bail en "
        "base), les autres attendent et prennent la relève en moins de 10 s.",
    )
    g.add_argument("--db", required=True, metavar="URL", help="base de la salle (URL SQLAlchemy)")
    g.add_argument(
        "--exercise", action="store_true", help="lien d'exercice (refuse le trafic réel)"
    )
    add_link_options(g, after_command=True)
    g.add_argument(
        "--check",
        action="store_true",
        help="vérifier le déploiement et quitter : charge les certificats, se connecte une "
        "fois à la PP (et au flux), dit ce qu'elle a trouvé ; code 0 si tout répond, "
        "1 sinon, 2 si les options sont incomplètes, 4 si la base ne tient aucune salle "
        "(autres échecs : codes du tableau du README)",
    )
    g.add_argument(
        "--name",
        help="nom de cette passerelle dans la barre d'état des postes (défaut : machine-pid)",
    )
    g.add_argument(
        "--lease-ttl",
        type=float,
        default=5.0,
        metavar="S",
        help="silence après lequel une passerelle en attente prend la relève (défaut 5 s)",
    )
    g.set_defaults(func=run_gateway)


def _sim_script(path: Path) -> Any:
    """The exercise script, or the README's code 7 with one French line: the YAML parser's
    own text is English and spans several lines."""
    import yaml

    from scop.errors import InputError, cannot_read
    from scop.protocols.pp_sim import ScriptError, parse_script

    hint = "Vérifier le script (son format : docstring de scop/protocols/pp_sim.py)."
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"Script du simulateur illisible : {path} n'est pas du texte", hint
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InputError(f"Script du simulateur illisible : {where} : YAML invalide", hint) from exc
    try:
        return parse_script(data, str(path))
    except ScriptError as exc:
        raise InputError(f"Script du simulateur refusé : {exc}", hint) from exc


def run_sim(args: argparse.Namespace) -> int:
    import ssl

    from scop.errors import InputError, UsageError
    from scop.protocols.pp_sim import PPSimulator, server_ssl_context

    if bool(args.cert) != bool(args.key) or (args.cert and not args.client_ca):
        raise UsageError(
            "--cert, --key et --client-ca vont ensemble", "Voir « scop pp-sim --help »."
        )
    script = _sim_script(args.script) if args.script else None
    exercise = args.exercise or bool(script and script.exercise)
    try:
        ctx = server_ssl_context(args.cert, args.key, args.client_ca) if args.cert else None
    except (OSError, ssl.SSLError) as exc:
        raise InputError(
            f"Certificats du simulateur illisibles ({args.cert}, {args.key}, {args.client_ca}) : "
            "fichier absent, contenu PEM invalide, ou clé qui ne va pas avec le certificat",
            "Vérifier les fichiers donnés à --cert, --key et --client-ca.",
        ) from exc

    async def main() -> None:
        sim = PPSimulator(
            exercise=exercise,
            answer_delay=args.answer_delay,
            answers={"default": args.answer},
            ssl_context=ctx,
        )
        await sim.start(args.host, args.port)
        print(
            f"Simulateur PP à l'écoute sur {'wss' if ctx else 'ws'}://{args.host}:{sim.port}"
            f" ({'EXERCICE' if exercise else 'réel'})",
            flush=True,
        )
        try:
            if script is not None:
                await sim.run_script(script)
            await asyncio.Future()
        finally:
            await sim.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


def _check(config: Any, feed_url: str | None, mode: str) -> int:
    """``--check``: what the deployment looks like, in French; 0 if every link answered."""
    from scop.protocols.link_check import Finding, check_feed, check_pp

    async def run() -> list[Finding]:
        label = {"live": "réel", "exercise": "EXERCICE", "demo": "DÉMO"}.get(mode, mode)
        found = [Finding(True, f"Base : salle trouvée (mode {label})")]
        if config is not None:
            found += await check_pp(config)
        if feed_url:
            found += await check_feed(feed_url)
        return found

    findings = asyncio.run(run())
    for f in findings:
        if f.text.startswith(" "):
            print(f.text if f.ok else "  ✘ " + f.text.strip())
        else:
            print(("✔ " if f.ok else "✘ ") + f.text)
    failed = [f for f in findings if not f.ok]
    print(
        "Vérification réussie : la passerelle peut porter ses liens."
        if not failed
        else f"Vérification en échec : {len(failed)} problème(s)."
    )
    return 1 if failed else 0


def _link_files(config: Any) -> None:
    """The PP link's certificates and key, read before anything else: a file that cannot be
    read is said at start, not met by the link's first connection after the lease is taken."""
    from scop.errors import InputError
    from scop.protocols.link_check import certificate_problem

    problem = certificate_problem(config)
    if problem is not None:
        raise InputError(
            f"Lien PP : {problem}",
            "Vérifier les fichiers donnés à --ca, --cert et --key (chemin, droits, contenu).",
        )


def run_gateway(args: argparse.Namespace) -> int:
    """Every failure is a :class:`scop.errors.ScopError` that ``scop``'s main turns into one
    French line and the README's exit code, like every other command, ``--check`` included
    (a base that holds no room is 4 there too: a deployment script reads one table)."""
    import os
    import signal
    import socket

    from scop.clock import SystemClock
    from scop.errors import UsageError, WrongMode
    from scop.protocols.crew_feed import check_url
    from scop.protocols.gateway import Gateway
    from scop.protocols.pp_link import LinkConfigError, check_config, link_config
    from scop.room_admin import existing_mode, open_held_room

    settings = Config.load(args)
    feed_url = settings.feed_url
    if settings.pp is None and not feed_url:
        raise UsageError(
            "Aucun lien à porter", "Donner --pp, --feed, ou les deux (voir scop gateway --help)."
        )
    config = None
    if settings.pp is not None:
        config = link_config(settings.pp, exercise=args.exercise, tick=0.3)
        try:
            check_config(config)
        except LinkConfigError as e:
            raise UsageError(str(e).rstrip("."), "Voir « scop gateway --help ».") from e
        if not args.check:  # --check says it among its findings (code 1)
            _link_files(config)
    if feed_url:
        try:
            check_url(feed_url)
        except ValueError as e:
            raise UsageError(str(e).rstrip("."), "Voir « scop gateway --help ».") from e
    clock = SystemClock()
    # A typo in --db must not leave an empty room behind (a file, tables): rooms are made
    # by room init, and a base that holds none is refused before anything is written. Its
    # failures (unreachable, not a SCOP base…) are scop.errors' own, with their codes.
    store = open_held_room(args.db, clock)
    try:
        mode = existing_mode(store) or "live"
        if (mode == "exercise") != args.exercise:
            raise WrongMode(
                "La base est "
                + ("d'exercice" if mode == "exercise" else "réelle")
                + " et le lien "
                + ("d'exercice" if args.exercise else "réel")
                + " : le trafic ne doit pas se mélanger",
                "Lien d'exercice (--exercise) sur une base d'exercice seulement.",
            )
        if args.check:
            return _check(config, feed_url, mode)
        name = args.name or f"{socket.gethostname()}-{os.getpid()}"
        gateway = Gateway(
            store,
            clock,
            name=name,
            pp=config,
            feed_url=feed_url,
            ttl=args.lease_ttl,
        )

        async def main() -> None:
            task = asyncio.current_task()
            assert task is not None
            # SIGTERM (systemd stop, operator) releases the lease so that a standby takes
            # over at once rather than after the lease's time to live.
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
            await gateway.run()

        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            asyncio.run(main())
        return 1 if gateway.fatal else 0
    finally:
        store.close()
