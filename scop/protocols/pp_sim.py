"""The Préfecture de Police simulator: a websockets server speaking the link's profile.

It acknowledges (RECU, INTEGRE), answers requests for means after a delay (accepted, refused,
partial), sends the PP's own messages (alert, CUMP activation, request for a point de
situation), follows an exercise script, and injects faults on demand: drops the connection,
duplicates its messages, delays its acknowledgements, sends malformed, expired or oversized
frames. The demo and the tests use it.

Script format (YAML or JSON), for ``scop pp-sim --script FILE``::

    exercise: true              # optional: traffic marked Exercise (the console must match)
    answer_delay: 5             # seconds before the PP answers a request for means
    answers:                    # per request template, or "default": ACCEPTE, REFUS, PARTIELLE
      default: ACCEPTE
      demande_vpu: REFUS
    steps:                      # run in order, "at" in seconds after the first connection
      - at: 10
        send: alerte            # alerte | activation_cump | demande_point_de_situation
                                # | point_de_situation
        event: {id: PP-2026-001, category: FIR, title: "Feu de parking",
                address: "3 Rue X, 75011 Paris", lon: 2.37, lat: 48.86, gravity: 3}
        text: "Feu de parking souterrain, fumées importantes"
      - at: 30
        fault: drop             # drop | duplicate | no_duplicate | delay_acks (seconds: 8)
                                # | malformed (count: 3) | expired | oversize

Unknown keys are refused, with the step's number in the message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import yaml
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from scop.clock import Clock, SystemClock
from scop.models.vocabulary import ANSWER_LABELS
from scop.protocols import edxl
from scop.protocols.edxl import (
    SUBPROTOCOL,
    EmsiSummary,
    EventInfo,
    Identity,
    InvalidMessage,
    Message,
    build_pp_emsi,
    dumps,
)
from scop.protocols.pp_link import Endpoint, OutItem

log = logging.getLogger(__name__)

PP_KINDS = ("alerte", "activation_cump", "demande_point_de_situation", "point_de_situation")
FAULTS = ("drop", "duplicate", "no_duplicate", "delay_acks", "malformed", "expired", "oversize")
DEFAULT_IDENTITY = Identity("fr.police.pp", "fr.police.scop", "Préfecture de Police")


class ScriptError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Step:
    at: float
    send: str | None = None
    fault: str | None = None
    event: EventInfo | None = None
    event_id: str | None = None
    text: str = ""
    seconds: float = 0.0
    count: int = 1


@dataclass(frozen=True, slots=True)
class Script:
    steps: tuple[Step, ...] = ()
    exercise: bool | None = None
    answer_delay: float | None = None
    answers: Mapping[str, str] = field(default_factory=dict)


_STEP_KEYS = {"at", "send", "fault", "event", "event_id", "text", "seconds", "count"}
_EVENT_KEYS = {"id", "category", "title", "address", "lon", "lat", "gravity", "description"}


def load_script(path: Path | str) -> Script:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ScriptError(f"{path} : illisible ({e})") from None
    return parse_script(data, str(path))


def _number(value: Any, kind: type[float] | type[int], at: str, key: str) -> Any:
    """``kind(value)``, or the script's fault in French (``float("x")`` says it in English)."""
    if isinstance(value, bool) or value is None:
        raise ScriptError(f"{at} : {key} : un nombre est attendu, pas « {value} »")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ScriptError(f"{at} : {key} : un nombre est attendu, pas « {value} »") from None


def parse_script(data: Any, where: str = "script") -> Script:
    if not isinstance(data, dict):
        raise ScriptError(f"{where} : un objet (exercise, answer_delay, answers, steps) attendu")
    unknown = set(data) - {"exercise", "answer_delay", "answers", "steps"}
    if unknown:
        raise ScriptError(f"{where} : clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
    answers = data.get("answers") or {}
    if not isinstance(answers, dict) or any(v not in ANSWER_LABELS for v in answers.values()):
        raise ScriptError(f"{where} : answers : valeurs admises {', '.join(ANSWER_LABELS)}")
    steps: list[Step] = []
    for i, raw in enumerate(data.get("steps") or [], start=1):
        at = f"{where} : étape {i}"
        if not isinstance(raw, dict):
            raise ScriptError(f"{at} : un objet attendu")
        unknown = set(raw) - _STEP_KEYS
        if unknown:
            raise ScriptError(f"{at} : clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
        if ("send" in raw) == ("fault" in raw):
            raise ScriptError(f"{at} : « send » ou « fault », l'un des deux")
        if "send" in raw and raw["send"] not in PP_KINDS:
            raise ScriptError(f"{at} : send : {raw['send']} inconnu ({', '.join(PP_KINDS)})")
        if "fault" in raw and raw["fault"] not in FAULTS:
            raise ScriptError(f"{at} : fault : {raw['fault']} inconnu ({', '.join(FAULTS)})")
        event = None
        if "event" in raw:
            ev = raw["event"]
            if not isinstance(ev, dict) or "id" not in ev or set(ev) - _EVENT_KEYS:
                raise ScriptError(
                    f"{at} : event : id obligatoire, clés admises {', '.join(sorted(_EVENT_KEYS))}"
                )
            event = EventInfo(
                str(ev["id"]),
                str(ev.get("category", "PSW")),
                str(ev.get("title", ev["id"])),
                _number(ev.get("gravity", 2), int, at, "event.gravity"),
                "en_cours",
                str(ev.get("address", "")),
                None if ev.get("lon") is None else _number(ev["lon"], float, at, "event.lon"),
                None if ev.get("lat") is None else _number(ev["lat"], float, at, "event.lat"),
                str(ev.get("description", "")),
            )
        if "send" in raw and event is None and "event_id" not in raw:
            raise ScriptError(
                f"{at} : un message de la PP porte sur un « event » ou un « event_id »"
            )
        steps.append(
            Step(
                _number(raw.get("at", 0), float, at, "at"),
                raw.get("send"),
                raw.get("fault"),
                event,
                raw.get("event_id"),
                str(raw.get("text", "")),
                _number(raw.get("seconds", 0), float, at, "seconds"),
                _number(raw.get("count", 1), int, at, "count"),
            )
        )
    delay = data.get("answer_delay")
    return Script(
        tuple(sorted(steps, key=lambda s: s.at)),
        data.get("exercise"),
        None if delay is None else _number(delay, float, where, "answer_delay"),
        answers,
    )


class SimEndpoint(Endpoint):
    """The PP's side, in memory; what it saw is kept for the tests to check."""

    def __init__(
        self,
        identity: Identity,
        clock: Clock,
        *,
        exercise: bool,
        ack_timeout: float,
        answer_delay: float,
        answers: Mapping[str, str],
    ) -> None:
        super().__init__(
            identity, clock, exercise=exercise, ack_timeout=ack_timeout, hold_timeout=30.0
        )
        self.outbox: dict[str, OutItem] = {}
        self.acks: dict[str, list[str]] = {}
        self.errors: list[Mapping[str, Any]] = []
        self.inbox: dict[str, EmsiSummary] = {}
        self.applied: list[str] = []
        self.applied_by_event: dict[str, list[str]] = {}
        self.invalid: list[InvalidMessage] = []
        self.sent_counts: dict[str, int] = {}
        self.last_by_event: dict[str, str] = {}
        self.answer_delay = answer_delay
        self.answers = dict(answers)
        self.duplicate = False
        self.ack_delay = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def pending_out(self) -> Iterable[OutItem]:
        return self.outbox.values()

    def mark_sent(self, did: str) -> None:
        pass

    async def send_text(self, text: str) -> None:
        await super().send_text(text)
        if self.duplicate and '"reference"' not in text:
            await super().send_text(text)

    async def send_texts(self, texts: Sequence[str]) -> None:
        if not self.duplicate:
            await super().send_texts(texts)
            return
        for text in texts:
            await self.send_text(text)

    async def send_ack(self, did: str, step: str) -> None:
        if self.ack_delay > 0:
            self._spawn(self._late_ack(did, step, self.ack_delay))
            return
        await super().send_ack(did, step)

    async def send_acks(self, dids: Sequence[str], step: str) -> None:
        if self.ack_delay <= 0:
            await super().send_acks(dids, step)
            return
        for did in dids:
            await self.send_ack(did, step)

    async def _late_ack(self, did: str, step: str, delay: float) -> None:
        await asyncio.sleep(delay)
        with contextlib.suppress(ConnectionClosed, ConnectionError):
            await super().send_ack(did, step)

    def mark_acked(self, did: str, step: str, refused: bool) -> None:
        self.acks.setdefault(did, []).append(step)
        if step == "RECU" or refused:
            self.outbox.pop(did, None)

    def mark_error(self, did: str, code: int, cause: str) -> None:
        self.errors.append({"ref": did, "code": code, "cause": cause})
        self.outbox.pop(did, None)

    def mark_expired(self, did: str) -> None:
        self.outbox.pop(did, None)

    def acks_for(self, did: str) -> tuple[str, ...] | None:
        if did in self.inbox:
            return ("RECU", "INTEGRE")
        return () if did in self.outbox or did in self.acks else None

    def store(self, msg: Message, summary: EmsiSummary) -> None:
        self.inbox[msg.distribution_id] = summary
        self.applied.append(msg.distribution_id)
        self.applied_by_event.setdefault(summary.event_id, []).append(msg.distribution_id)

    def integrate(self, msg: Message, summary: EmsiSummary) -> None:
        if (
            summary.template.startswith("demande_")
            and summary.template != "demande_point_de_situation"
        ):
            answer = self.answers.get(summary.template, self.answers.get("default", "ACCEPTE"))
            self._spawn(self._answer(msg, summary, answer))

    def on_invalid(self, err: InvalidMessage) -> None:
        self.invalid.append(err)

    async def _answer(self, msg: Message, summary: EmsiSummary, answer: str) -> None:
        await asyncio.sleep(self.answer_delay)
        event = EventInfo(
            summary.event_id,
            summary.category or "PSW",
            summary.event_name or summary.event_id,
            2,
            "en_cours",
            summary.address,
            summary.lon,
            summary.lat,
        )
        label = edxl.INCOMING_LABELS.get(summary.template, summary.template)
        text = {
            "ACCEPTE": f"{label} : accordée",
            "REFUS": f"{label} : refusée, moyens indisponibles",
            "PARTIELLE": f"{label} : accordée partiellement",
        }[answer]
        self.queue("reponse", event, text=text, answer=answer, request_id=msg.distribution_id)

    def queue(
        self,
        kind_name: str,
        event: EventInfo,
        *,
        text: str = "",
        answer: str | None = None,
        request_id: str | None = None,
        ttl: timedelta = edxl.DEFAULT_TTL,
    ) -> str:
        """Put one of the PP's messages in the outbox (sent at once when connected)."""
        now = self.clock.now()
        msg = build_pp_emsi(
            kind_name,
            event,
            identity=self.identity,
            now=now,
            exercise=self.exercise,
            text=text,
            answer=answer,
            request_id=request_id,
            previous_id=self.last_by_event.get(event.id),
            ttl=ttl,
        )
        did = str(msg["distributionID"])
        self.last_by_event[event.id] = did
        self.outbox[did] = OutItem(did, dumps(msg), now + ttl, self.exercise)
        self.wake()
        return did


class PPSimulator:
    def __init__(
        self,
        *,
        identity: Identity = DEFAULT_IDENTITY,
        clock: Clock | None = None,
        exercise: bool = False,
        ack_timeout: float = 5.0,
        answer_delay: float = 3.0,
        answers: Mapping[str, str] | None = None,
        max_size: int = 1 << 20,
        ssl_context: ssl.SSLContext | None = None,
        ping_interval: float = 3.0,
        ping_timeout: float = 6.0,
    ) -> None:
        self.endpoint = SimEndpoint(
            identity,
            clock or SystemClock(),
            exercise=exercise,
            ack_timeout=ack_timeout,
            answer_delay=answer_delay,
            answers=answers or {"default": "ACCEPTE"},
        )
        self.max_size = max_size
        self.ssl_context = ssl_context
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.server: Server | None = None
        self.connections = 0
        self.refused_versions: list[str] = []
        self.close_codes: list[int | None] = []
        self.connected = asyncio.Event()
        self.port = 0

    @property
    def url(self) -> str:
        return f"{'wss' if self.ssl_context else 'ws'}://127.0.0.1:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.server = await serve(
            self._handler,
            host,
            port,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            process_request=self._check_version,
            ssl=self.ssl_context,
            max_size=self.max_size,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            close_timeout=2,
        )
        self.port = int(next(iter(self.server.sockets)).getsockname()[1])
        return self.port

    async def stop(self) -> None:
        for task in list(self.endpoint._tasks):
            task.cancel()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def _check_version(self, connection: ServerConnection, request: Request) -> Response | None:
        offered = [
            p.strip()
            for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")
            if p.strip()
        ]
        if SUBPROTOCOL in offered:
            return None
        self.refused_versions.append(", ".join(offered) or "aucune")
        return connection.respond(
            HTTPStatus.UPGRADE_REQUIRED,
            f"Version du profil non prise en charge : {', '.join(offered) or 'aucune'} "
            f"(attendue : {SUBPROTOCOL})\n",
        )

    async def _handler(self, ws: ServerConnection) -> None:
        old = self.endpoint.ws
        if old is not None:  # one console (or gateway) at a time: the newest wins
            with contextlib.suppress(Exception):
                await old.close(1001, "remplacée par une nouvelle connexion")
        self.connections += 1
        self.connected.set()
        try:
            await self.endpoint.serve_connection(ws)
        except ConnectionClosed:
            pass
        finally:
            self.close_codes.append(ws.close_code)
            if self.endpoint.ws is None:
                self.connected.clear()

    # -- on demand: the PP's messages and faults ------------------------------------------------

    def send_pp(self, kind_name: str, event: EventInfo, text: str = "") -> str:
        return self.endpoint.queue(kind_name, event, text=text)

    def drop(self) -> None:
        ws = self.endpoint.ws
        if ws is not None:
            ws.transport.abort()

    async def send_raw(self, text: str | bytes) -> None:
        await self.endpoint.send_text(text) if isinstance(
            text, str
        ) else await self.endpoint.ws.send(text)

    async def send_malformed(self, count: int = 1) -> None:
        for i in range(count):
            await self.endpoint.send_text(
                '{"distributionID": "fr.police.pp_x' + str(i) + '", "content": ['
            )

    async def send_expired(self, event: EventInfo) -> None:
        past = self.endpoint.clock.now() - timedelta(hours=2)
        msg = build_pp_emsi(
            "point_de_situation",
            event,
            identity=self.endpoint.identity,
            now=past,
            exercise=self.endpoint.exercise,
            text="message périmé",
        )
        await self.endpoint.send_text(dumps(msg))

    async def send_oversize(self) -> None:
        await self.endpoint.send_text("x" * (self.max_size + 1))

    async def fault(self, step: Step, event: EventInfo | None = None) -> None:
        ep = self.endpoint
        if step.fault == "drop":
            self.drop()
        elif step.fault == "duplicate":
            ep.duplicate = True
        elif step.fault == "no_duplicate":
            ep.duplicate = False
        elif step.fault == "delay_acks":
            ep.ack_delay = step.seconds
        elif step.fault == "malformed":
            await self.send_malformed(step.count)
        elif step.fault == "expired":
            await self.send_expired(event or EventInfo("PP-EXP", "PSW", "Message périmé"))
        elif step.fault == "oversize":
            await self.send_oversize()

    async def run_script(self, script: Script) -> None:
        if script.answer_delay is not None:
            self.endpoint.answer_delay = float(script.answer_delay)
        self.endpoint.answers.update(script.answers)
        await self.connected.wait()
        loop = asyncio.get_running_loop()
        start = loop.time()
        for step in script.steps:
            await asyncio.sleep(max(0.0, start + step.at - loop.time()))
            event = step.event or EventInfo(str(step.event_id), "PSW", str(step.event_id))
            try:
                if step.send:
                    self.send_pp(step.send, event, step.text)
                else:
                    await self.fault(step, event)
            except (ConnectionClosed, ConnectionError) as e:
                log.warning("simulateur PP : étape à %.0f s non jouée (%s)", step.at, e)


def server_ssl_context(certfile: str, keyfile: str, client_ca: str) -> ssl.SSLContext:
    """Mutual TLS: the PP demands the SCOP's client certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certfile, keyfile)
    ctx.load_verify_locations(client_ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
