"""``scop pp-sim`` (the Préfecture de Police simulator) and ``scop gateway`` (one PP link for a
whole room, headless)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from pathlib import Path
from typing import Any

from scop.protocols.edxl import Identity


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
        help="passerelle PP sans écran : un seul lien pour la salle",
        description="Surveille la main courante, envoie à la PP les messages validés "
        "et journalise ce qui arrive.",
    )
    g.add_argument("--db", required=True, metavar="URL", help="base de la salle (URL SQLAlchemy)")
    g.add_argument(
        "--pp",
        required=True,
        metavar="URL",
        help="adresse de la PP : wss://… (ws:// en boucle locale seulement)",
    )
    g.add_argument("--ca", help="AC de la PP")
    g.add_argument("--cert", help="certificat client de la salle")
    g.add_argument("--key", help="clé du certificat client")
    g.add_argument(
        "--exercise", action="store_true", help="lien d'exercice (refuse le trafic réel)"
    )
    g.add_argument("--sender-id", default="fr.police.scop")
    g.add_argument("--peer-id", default="fr.police.pp")
    g.add_argument("--ack-timeout", type=float, default=10.0, metavar="S")
    g.set_defaults(func=run_gateway)


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def run_sim(args: argparse.Namespace) -> int:
    from scop.protocols.pp_sim import PPSimulator, ScriptError, load_script, server_ssl_context

    _logging()
    script = None
    if args.script:
        try:
            script = load_script(args.script)
        except ScriptError as e:
            print(f"scop pp-sim : {e}", file=sys.stderr)
            return 2
    if bool(args.cert) != bool(args.key) or (args.cert and not args.client_ca):
        print("scop pp-sim : --cert, --key et --client-ca vont ensemble", file=sys.stderr)
        return 2
    exercise = args.exercise or bool(script and script.exercise)
    ctx = server_ssl_context(args.cert, args.key, args.client_ca) if args.cert else None

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


def run_gateway(args: argparse.Namespace) -> int:
    from scop.clock import SystemClock
    from scop.journal.store import JournalStore
    from scop.models.entries import PP_GATEWAY
    from scop.protocols.pp_link import LinkConfig, LinkConfigError, PPLink
    from scop.room import open_room

    _logging()
    config = LinkConfig(
        args.pp,
        Identity(args.sender_id, args.peer_id),
        exercise=args.exercise,
        cafile=args.ca,
        certfile=args.cert,
        keyfile=args.key,
        ack_timeout=args.ack_timeout,
        tick=0.3,
    )
    clock = SystemClock()
    try:
        store = JournalStore.open(args.db, clock)
    except Exception as e:
        print(f"scop gateway : base inaccessible : {e}", file=sys.stderr)
        return 2
    try:
        mode = store.meta("mode")
        if mode is None:
            print(
                "scop gateway : cette base n'a pas encore de salle : créez-la avec "
                "« scop room init --db URL --mode live --name … »",
                file=sys.stderr,
            )
            return 2
        if (mode == "exercise") != args.exercise:
            print(
                "scop gateway : la base est "
                + ("d'exercice" if mode == "exercise" else "réelle")
                + " et le lien "
                + ("d'exercice" if args.exercise else "réel")
                + " : le trafic ne doit pas se mélanger.",
                file=sys.stderr,
            )
            return 2
        room = open_room(store, clock, PP_GATEWAY, workstation="passerelle-pp")

        def show(state: str, text: str) -> None:
            print(f"[{state}] {text}", file=sys.stderr, flush=True)

        try:
            link = PPLink(room, config, listener=show)
        except LinkConfigError as e:
            print(f"scop gateway : {e}", file=sys.stderr)
            return 2
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(link.run())
        return 1 if link.fatal else 0
    finally:
        store.close()
