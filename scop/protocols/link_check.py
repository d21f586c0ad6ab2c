"""``scop gateway --check``: verify a deployment without carrying anything.

Loads the certificates, connects once to each link, says in French what it found and closes.
It takes no lease, writes no journal entry and sends no message: it can run beside the
room's active gateway.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websockets
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.exceptions import InvalidMessage as WsInvalidMessage

from scop.errors import log_failure, os_reason
from scop.protocols.edxl import PROFILE_VERSION, SUBPROTOCOL
from scop.protocols.pp_link import LinkConfig, client_ssl_context


@dataclass(frozen=True, slots=True)
class Finding:
    ok: bool
    text: str


def _name(cert: Any, field: str) -> str:
    """A certificate's subject or issuer as ``CN=…, O=…`` (``getpeercert()`` nests tuples)."""
    parts = [f"{k}={v}" for rdn in cert.get(field, ()) for k, v in rdn]
    return ", ".join(parts) or "?"


def certificate_problem(config: LinkConfig) -> str | None:
    """What is wrong with the PP link's certificate files, in French, or None if they load.
    The OS's and OpenSSL's own texts are English: they go to the log file only."""
    for option, path in (
        ("--ca", config.cafile),
        ("--cert", config.certfile),
        ("--key", config.keyfile),
    ):
        if not path:
            continue
        try:
            Path(path).read_bytes()
        except OSError as exc:
            return f"certificat illisible ({option}) : {path} ({os_reason(exc)})"
    try:
        client_ssl_context(config)
    except (OSError, ssl.SSLError) as exc:
        log_failure("certificats du lien PP", exc)
        return (
            f"certificats illisibles ({config.cafile}, {config.certfile}, {config.keyfile}) : "
            "contenu PEM invalide, ou clé qui ne va pas avec le certificat"
        )
    return None


def _failure(exc: BaseException, what: str) -> Finding:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Finding(False, f"{what} : certificat du serveur refusé ({exc.verify_message})")
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        body = exc.response.body.decode("utf-8", "replace").strip() if exc.response.body else ""
        return Finding(False, f"{what} : refus HTTP {status}" + (f" ({body})" if body else ""))
    if isinstance(exc, WsInvalidMessage):
        return Finding(
            False,
            f"{what} : connexion fermée pendant la négociation (certificat client refusé ?)",
        )
    if isinstance(exc, ssl.SSLError):
        return Finding(False, f"{what} : TLS refusé ({exc.reason or exc})")
    if isinstance(exc, TimeoutError):
        return Finding(False, f"{what} : pas de réponse (délai dépassé)")
    if isinstance(exc, ConnectionRefusedError):
        return Finding(False, f"{what} : injoignable (connexion refusée : rien n'écoute là)")
    if isinstance(exc, socket.gaierror):
        return Finding(False, f"{what} : injoignable (nom de serveur inconnu)")
    if isinstance(exc, OSError):
        return Finding(False, f"{what} : injoignable ({os_reason(exc)})")
    return Finding(False, f"{what} : {type(exc).__name__} : {exc}"[:300])


def _tls(ws: Any) -> list[Finding]:
    tls = ws.transport.get_extra_info("ssl_object")
    if tls is None:
        return [Finding(True, "  sans chiffrement (ws://, boucle locale)")]
    cert = tls.getpeercert() or {}
    cipher = tls.cipher()
    return [
        Finding(True, f"  TLS : {tls.version()}, {cipher[0] if cipher else '?'}"),
        Finding(True, f"  certificat du serveur : {_name(cert, 'subject')}"),
        Finding(
            True, f"    émis par {_name(cert, 'issuer')}, valable jusqu'au {cert.get('notAfter')}"
        ),
    ]


async def check_pp(config: LinkConfig) -> list[Finding]:
    """The PP link: certificates loaded, one connection, the profile version agreed."""
    out: list[Finding] = []
    problem = certificate_problem(config)
    if problem is not None:
        return [Finding(False, f"Lien PP : {problem}")]
    ctx = client_ssl_context(config)
    if ctx is not None:
        out.append(
            Finding(
                True,
                f"Lien PP : certificats chargés (AC {config.cafile}, certificat "
                f"{config.certfile}, clé {config.keyfile})",
            )
        )
    started = time.perf_counter()
    try:
        async with connect(
            config.url,
            subprotocols=[websockets.Subprotocol(SUBPROTOCOL)],
            ssl=ctx,
            open_timeout=config.open_timeout,
            close_timeout=config.close_timeout,
            max_size=config.max_size,
        ) as ws:
            ms = (time.perf_counter() - started) * 1000
            out.append(Finding(True, f"Lien PP : {config.url} joint en {ms:.0f} ms"))
            out += _tls(ws)
            if ws.subprotocol == SUBPROTOCOL:
                out.append(Finding(True, f"  profil EDXL-DE/EMSI {PROFILE_VERSION} accepté"))
            else:
                out.append(
                    Finding(
                        False,
                        f"  la PP ne parle pas la version {PROFILE_VERSION} du profil "
                        f"(sous-protocole reçu : {ws.subprotocol or 'aucun'})",
                    )
                )
            out.append(
                Finding(
                    True,
                    f"  identifiants : salle {config.identity.sender_id}, "
                    f"PP {config.identity.peer_id}"
                    + (" ; lien d'EXERCICE" if config.exercise else " ; lien réel"),
                )
            )
    except (OSError, InvalidHandshake, TimeoutError, EOFError) as e:
        out.append(_failure(e, f"Lien PP : {config.url}"))
    return out


async def check_feed(url: str) -> list[Finding]:
    """The crew feed: one connection."""
    started = time.perf_counter()
    try:
        async with connect(url, open_timeout=5, close_timeout=1) as ws:
            ms = (time.perf_counter() - started) * 1000
            return [Finding(True, f"Flux équipages : {url} joint en {ms:.0f} ms"), *_tls(ws)]
    except (OSError, InvalidHandshake, TimeoutError, EOFError) as e:
        return [_failure(e, f"Flux équipages : {url}")]
