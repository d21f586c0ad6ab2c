"""The link with the Préfecture de Police: one websocket, acknowledged, never losing a message.

Both ends of the link (the console's client here, the simulator's server in
:mod:`scop.protocols.pp_sim`) share :class:`Endpoint`, the protocol logic:

* outbox: every message waiting for ``RECU`` is (re)sent, with the same distribution id, after
  each (re)connection and after ``ack_timeout`` without an answer; past its expiry it is marked
  expired (an alarm) and no longer sent;
* inbox: each frame is parsed and validated (:func:`scop.protocols.edxl.parse`); an invalid one
  gets an RS-ERROR and the link stays up; acks and errors are never acknowledged; a duplicate
  is acknowledged again and never applied twice; a message whose predecessor on the same event
  (the ``CONTEXT.LINK`` to the sender's previous message) has not arrived is held back, so that
  updates to one event apply in the order they were sent.

Where the messages live differs: the console keeps them in the journal (:class:`RoomEndpoint`),
the simulator in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidHandshake,
    InvalidStatus,
)
from websockets.exceptions import InvalidMessage as WsInvalidMessage

from scop.clock import Clock, to_iso
from scop.config import PPEndpoint
from scop.models import fold_messages as fm
from scop.models.entries import SYSTEM, Draft
from scop.models.vocabulary import ACK_STEP_STATE, MESSAGE_RANK, AckStep, MessageState
from scop.protocols import edxl
from scop.protocols.edxl import (
    SUBPROTOCOL,
    EmsiSummary,
    Identity,
    InvalidMessage,
    Message,
    build_ack,
    build_error,
    dumps,
    summarize,
)
from scop.room import Change, Room

log = logging.getLogger(__name__)

LinkListener = Callable[[str, str], None]  # state ("ok", "warning", "error"), French text


# No permessage-deflate offered: the profile does not ask for it, and zlib cost a tenth of the
# link's CPU (compressing each 1.2 kB frame and each acknowledgement, both ways) for frames that
# cross a LAN. A server that wants it still talks to us: the extension is only ever offered.
COMPRESSION: None = None


_CORK = getattr(socket, "TCP_CORK", None)  # Linux


@contextlib.contextmanager
def corked(ws: Any, frames: int) -> Iterator[None]:
    """Frames sent inside leave in as few TCP segments as the kernel can make of them.

    Profiled on the link (bench/pp_link.py): the socket's ``send`` was about a seventh of the
    console's CPU, one loopback segment and one wake-up of the peer per acknowledgement.
    Corked, each ``send`` only queues; full segments leave at once, the last one when the block
    ends (``finally``: never left corked). The RECU block opens once the journal has committed
    and closes before INTEGRE's: a block holds sends, not the work an acknowledgement waits
    for. One frame is not corked (two more system calls for nothing). Where TCP_CORK does not
    exist (or the socket refuses it), a no-op."""
    transport = getattr(ws, "transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if frames < 2 or _CORK is None or sock is None:
        yield
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, _CORK, 1)
    except OSError:
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, _CORK, 0)


# At most this many frames per pass of :func:`send_frames`: the peer's backpressure (websockets
# waits for the socket to drain at the end of each pass) still applies to a long outbox.
SEND_CHUNK = 100


async def send_frames(ws: Any, texts: Sequence[str]) -> None:
    """``await ws.send(text)`` for each of ``texts``, in order, with websockets' own checks, in one
    pass of its send path per :data:`SEND_CHUNK` frames.

    Profiled on the link (bench/pp_link.py): each ``send`` entered and left websockets' send
    context (the state check, the write, the wait for the socket to drain), about 3.5 µs a frame,
    and the link sends two acknowledgements per message. ``send`` itself is that context around
    the sans-I/O protocol's ``send_text``; here several ``send_text`` share one context, which
    checks the connection is open on entry (else raises ``ConnectionClosed``, as ``send`` does),
    writes and drains on exit. A connection without that shape (another websockets version, a
    test's stand-in), or one with a fragmented message under way, gets one ``send`` a frame."""
    context = getattr(ws, "send_context", None)
    protocol = getattr(ws, "protocol", None)
    if (
        len(texts) < 2
        or context is None
        or protocol is None
        or getattr(ws, "send_in_progress", True) is not None
    ):
        for text in texts:
            await ws.send(text)
        return
    for start in range(0, len(texts), SEND_CHUNK):
        async with context():
            for text in texts[start : start + SEND_CHUNK]:
                protocol.send_text(text.encode())


class LinkConfigError(ValueError):
    """A configuration the link refuses to start with; the text is for the operator."""


class FatalLinkError(Exception):
    """Retrying cannot help (certificate, profile version): shown, not looped on."""


@dataclass(frozen=True, slots=True)
class LinkConfig:
    url: str
    identity: Identity = field(default_factory=Identity)
    exercise: bool = False
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    ack_timeout: float = 10.0  # resend what has no RECU after this long
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    # A dead link is seen within ping_interval + ping_timeout + close_timeout = 8 s.
    ping_interval: float = 2.0
    ping_timeout: float = 5.0
    close_timeout: float = 1.0
    open_timeout: float = 5.0
    max_size: int = 1 << 20  # a bigger frame closes the connection with 1009
    hold_timeout: float = 30.0  # an out-of-order message waits this long for its predecessor
    tick: float = 1.0
    label: str = ""  # how the status bar names the peer (e.g. the DÉMO simulator)


def link_config(endpoint: PPEndpoint, *, exercise: bool, **kw: Any) -> LinkConfig:
    """The link's settings from the configuration: one way for the console and the gateway."""
    return LinkConfig(
        endpoint.url,
        Identity(endpoint.sender_id, endpoint.peer_id),
        exercise=exercise,
        cafile=endpoint.cafile,
        certfile=endpoint.certfile,
        keyfile=endpoint.keyfile,
        ack_timeout=endpoint.ack_timeout,
        **kw,
    )


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_config(config: LinkConfig) -> None:
    parts = urlsplit(config.url)
    if parts.scheme == "ws":
        if not is_loopback(parts.hostname):
            raise LinkConfigError(
                f"Adresse refusée : {config.url}. Une adresse ws:// (sans chiffrement) n'est "
                "admise qu'en boucle locale ; la PP se joint en wss:// avec certificats."
            )
        return
    if parts.scheme != "wss":
        raise LinkConfigError(f"Adresse du lien PP invalide : {config.url} (ws:// ou wss://).")
    missing = [
        name
        for name, value in (
            ("--ca", config.cafile),
            ("--cert", config.certfile),
            ("--key", config.keyfile),
        )
        if not value
    ]
    if missing:
        raise LinkConfigError(
            "Le lien wss:// exige le TLS mutuel : " + ", ".join(missing) + " manquant(s)."
        )


def client_ssl_context(config: LinkConfig) -> ssl.SSLContext | None:
    if urlsplit(config.url).scheme != "wss":
        return None
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=config.cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if config.certfile:
        ctx.load_cert_chain(config.certfile, config.keyfile)
    return ctx


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Capped exponential backoff with full jitter in [d/2, d]: a room of consoles restarting
    together does not hammer the PP in step."""
    delay = min(cap, base * float(2 ** min(attempt, 30)))
    jitter: float = (rng or random.Random()).random()
    return delay * (0.5 + 0.5 * jitter)


@dataclass(slots=True)
class OutItem:
    distribution_id: str
    text: str
    expires_at: datetime
    exercise: bool


@dataclass(slots=True)
class _Held:
    message: Message
    summary: EmsiSummary
    since: float


class Endpoint:
    """Protocol logic of one side of the link; subclasses say where messages are kept."""

    def __init__(
        self,
        identity: Identity,
        clock: Clock,
        *,
        exercise: bool,
        ack_timeout: float = 10.0,
        hold_timeout: float = 30.0,
    ) -> None:
        self.identity = identity
        self.clock = clock
        self.exercise = exercise
        self.ack_timeout = ack_timeout
        self.hold_timeout = hold_timeout
        self.ws: Any = None
        self._last_sent: dict[str, float] = {}
        self._held: dict[str, list[_Held]] = {}
        self._held_ids: set[str] = set()
        self._wake = asyncio.Event()
        self.errors_sent = 0
        self.frames_in = 0

    # -- storage hooks -----------------------------------------------------------------------

    def pending_out(self) -> Iterable[OutItem]:
        raise NotImplementedError

    def mark_sent(self, did: str) -> None:
        raise NotImplementedError

    def mark_acked(self, did: str, step: str, refused: bool) -> None:
        raise NotImplementedError

    def mark_error(self, did: str, code: int, cause: str) -> None:
        raise NotImplementedError

    def mark_expired(self, did: str) -> None:
        raise NotImplementedError

    def acks_for(self, did: str) -> tuple[str, ...] | None:
        """Steps to acknowledge again for an incoming message already stored, None if new."""
        raise NotImplementedError

    def store(self, msg: Message, summary: EmsiSummary) -> None:
        """Journal (or keep) an incoming message: ``RECU`` follows."""
        raise NotImplementedError

    def integrate(self, msg: Message, summary: EmsiSummary) -> None:
        """Project it into the business state: ``INTEGRE`` follows."""

    def pending_acks(self) -> list[tuple[str, str]]:
        """Acknowledgements owed outside the inbox flow (e.g. CONSULTE once a person read)."""
        return []

    def ack_sent(self, did: str, step: str) -> None:
        """Record that ``step`` was acknowledged for ``did``."""

    def on_invalid(self, err: InvalidMessage) -> None:
        """Told of every refused input (the console logs it; the simulator counts it)."""

    # -- sending -----------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def _socket(self) -> Any:
        ws = self.ws
        if ws is None:
            raise ConnectionError("lien PP non connecté")
        return ws

    async def send_text(self, text: str) -> None:
        await self._socket().send(text)

    async def send_texts(self, texts: Sequence[str]) -> None:
        """Several frames, in order (see :func:`send_frames`); corked, so that they leave in as
        few TCP segments as they fit in."""
        if not texts:
            return
        ws = self._socket()
        with corked(ws, len(texts)):
            await send_frames(ws, texts)

    def ack_text(self, did: str, step: str) -> str:
        msg = build_ack(self.identity, did, step, now=self.clock.now(), exercise=self.exercise)
        return dumps(msg)

    async def send_ack(self, did: str, step: str) -> None:
        await self.send_text(self.ack_text(did, step))

    async def send_acks(self, dids: Sequence[str], step: str) -> None:
        """``step`` acknowledged for each of ``dids``, in order."""
        await self.send_texts([self.ack_text(did, step) for did in dids])

    async def pump(self) -> None:
        """Send what waits for ``RECU``: at once when new or after a reconnection, again after
        ``ack_timeout``. Runs while a connection is up."""
        self._last_sent.clear()
        loop = asyncio.get_running_loop()
        for did, step in self.pending_acks():
            await self.send_ack(did, step)
            self.ack_sent(did, step)
        while True:
            self._wake.clear()
            now = loop.time()
            due: list[OutItem] = []
            for item in list(self.pending_out()):
                last = self._last_sent.get(item.distribution_id)
                if last is not None and now - last < self.ack_timeout:
                    continue
                if item.exercise != self.exercise:
                    self.mark_error(
                        item.distribution_id,
                        0,
                        "message d'exercice refusé sur un lien réel"
                        if item.exercise
                        else "message réel refusé sur un lien d'exercice",
                    )
                    continue
                due.append(item)
            await self.send_texts([item.text for item in due])
            for item in due:
                first = item.distribution_id not in self._last_sent
                self._last_sent[item.distribution_id] = now
                if first:
                    self.mark_sent(item.distribution_id)
            for did, step in self.pending_acks():
                await self.send_ack(did, step)
                self.ack_sent(did, step)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(1.0, self.ack_timeout / 2))

    def housekeeping(self) -> None:
        """Expiry of the outbox, and the hold of out-of-order messages; runs connected or not."""
        now = self.clock.now()
        for item in list(self.pending_out()):
            if item.expires_at <= now:
                self.mark_expired(item.distribution_id)
                self._last_sent.pop(item.distribution_id, None)

    async def release_stale_held(self) -> None:
        """A predecessor that never comes (expired at the sender) must not block an event."""
        loop = asyncio.get_running_loop()
        for pred in list(self._held):
            # Read again: applying one group releases what waited on it, maybe a later key.
            items = self._held.get(pred)
            if items and loop.time() - items[0].since > self.hold_timeout:
                del self._held[pred]
                for h in items:
                    self._held_ids.discard(h.message.distribution_id)
                    log.warning(
                        "lien PP : %s appliqué sans son prédécesseur %s",
                        h.message.distribution_id,
                        pred,
                    )
                await self._apply([(h.message, h.summary) for h in items])

    # -- receiving ---------------------------------------------------------------------------

    async def on_frame(self, frame: str | bytes) -> None:
        await self.on_frames([frame])

    async def _read(self, frame: str | bytes) -> Message | None:
        """Parse one frame; answer it if invalid, take acks and errors; return EMSI messages."""
        self.frames_in += 1
        try:
            msg = edxl.parse(
                frame,
                now=self.clock.now(),
                peer_id=self.identity.peer_id,
                exercise=self.exercise,
                own_id=self.identity.sender_id,
            )
        except InvalidMessage as err:
            self.on_invalid(err)
            if err.kind == "Error":
                return None  # nobody answers an error, even a broken one
            exercise = self.exercise if err.exercise is None else err.exercise
            reply = build_error(self.identity, err, now=self.clock.now(), exercise=exercise)
            self.errors_sent += 1
            await self.send_text(dumps(reply))
            return None
        if msg.payload_key == "reference":
            ref = msg.payload
            step = str(ref.get("step", AckStep.RECU))
            if step in edxl.ACK_STEPS or ref.get("refused"):
                self.mark_acked(str(ref["distributionID"]), step, bool(ref.get("refused")))
            return None
        if msg.payload_key == "error":
            body = msg.payload
            self.mark_error(
                str(body["referencedDistributionID"]),
                int(body["errorCode"]["statusCode"]),
                str(body["errorCause"]),
            )
            return None
        return msg

    async def on_frames(self, frames: list[str | bytes]) -> None:
        """Frames that arrived together: the new messages among them are stored in one go
        (one transaction for the console), then acknowledged."""
        batch: list[tuple[Message, EmsiSummary]] = []
        pending: set[str] = set()
        again: list[str] = []
        loop = asyncio.get_running_loop()
        for frame in frames:
            msg = await self._read(frame)
            if msg is None:
                continue
            did = msg.distribution_id
            if did in pending:
                again.append(did)
                continue
            steps = self.acks_for(did)
            if steps is not None:
                for step in steps:  # a duplicate: acknowledged again, never applied twice
                    await self.send_ack(did, step)
                continue
            if did in self._held_ids:
                continue
            summary = summarize(msg.payload)
            prefix = msg.sender_id + "_"
            missing = next(
                (
                    link
                    for link in summary.links
                    if link.startswith(prefix)
                    and link != did
                    and link not in pending
                    and self.acks_for(link) is None
                ),
                None,
            )
            if missing is not None:  # its predecessor on the event has not arrived yet
                self._held.setdefault(missing, []).append(_Held(msg, summary, loop.time()))
                self._held_ids.add(did)
                continue
            batch.append((msg, summary))
            pending.add(did)
        if batch:
            await self._apply(batch)
        for did in again:
            for step in self.acks_for(did) or ():
                await self.send_ack(did, step)

    async def _apply(self, batch: list[tuple[Message, EmsiSummary]]) -> None:
        self.store_many(batch)
        dids = [msg.distribution_id for msg, _summary in batch]
        await self.send_acks(dids, AckStep.RECU)
        for msg, summary in batch:
            self.integrate(msg, summary)
        await self.send_acks(dids, AckStep.INTEGRE)
        released: list[tuple[Message, EmsiSummary]] = []
        for msg, _summary in batch:
            for h in self._held.pop(msg.distribution_id, []):
                self._held_ids.discard(h.message.distribution_id)
                released.append((h.message, h.summary))
        if released:
            await self._apply(released)

    def store_many(self, batch: list[tuple[Message, EmsiSummary]]) -> None:
        for msg, summary in batch:
            self.store(msg, summary)

    async def serve_connection(self, ws: Any) -> None:
        """Run one connection until it closes: frames in (read ahead into a bounded queue so
        that what arrived together is stored together), the pump out."""
        self.ws = ws
        queue: asyncio.Queue[str | bytes | None] = asyncio.Queue(maxsize=256)

        async def reader() -> None:
            try:
                while True:
                    try:  # bytes: parse() decodes them once (str cost websockets' decode too)
                        frame = await ws.recv(decode=False)
                    except ConnectionClosedOK:
                        return  # as ``async for frame in ws`` ends
                    await queue.put(frame)
            finally:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(None)

        read = asyncio.create_task(reader())
        pump = asyncio.create_task(self.pump())
        try:
            closing = False
            while not closing:
                item = await queue.get()
                if item is None:
                    break
                frames = [item]
                while len(frames) < 200 and not queue.empty():
                    nxt = queue.get_nowait()
                    if nxt is None:
                        closing = True
                        break
                    frames.append(nxt)
                await self.on_frames(frames)
                if pump.done():
                    pump.result()
                if read.done() and queue.empty():
                    break
            await read  # a broken connection raises here
        finally:
            for task in (pump, read):
                task.cancel()
            for task in (pump, read):
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, ConnectionError):
                    await task
            if self.ws is ws:
                self.ws = None


class RoomEndpoint(Endpoint):
    """The console's side: messages live in the journal, whoever wrote them (this workstation,
    another one, the gateway)."""

    def __init__(self, room: Room, config: LinkConfig) -> None:
        super().__init__(
            config.identity,
            room.clock,
            exercise=config.exercise,
            ack_timeout=config.ack_timeout,
            hold_timeout=config.hold_timeout,
        )
        self.room = room
        self._out: dict[str, OutItem] = {}
        self._consulted: list[str] = []
        # "sent" and "acknowledged" entries are written in batches: losing one in a crash only
        # means the message is sent again and the PP acknowledges the duplicate.
        self._batch: list[Draft] = []
        self._batch_rank: dict[str, int] = {}
        self._flush_handle: asyncio.TimerHandle | None = None
        self._rebuild()
        self._unsubscribe = room.subscribe(self._on_change)

    def close(self) -> None:
        self.flush()
        self._unsubscribe()

    def flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._batch:
            batch, self._batch = self._batch, []
            self._batch_rank.clear()
            self.room.record_all(batch)

    def _later(self, draft: Draft) -> None:
        self._batch.append(draft)
        if len(self._batch) >= 200:
            self.flush()
        elif self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_later(0.05, self.flush)

    def _rebuild(self) -> None:
        st = self.room.state
        self._out.clear()
        self._consulted.clear()
        for did, key in st.message_ids.items():
            m = st.messages.get(key)
            if m is None:
                continue
            if m.awaiting_ack and m.expires_at is not None:
                self._out[did] = OutItem(did, dumps(dict(m.message)), m.expires_at, m.exercise)
            elif m.direction == "in" and m.consulted_by and AckStep.CONSULTE not in m.acks_sent:
                self._consulted.append(did)

    def _on_change(self, change: Change) -> None:
        st = self.room.state
        for e in change.entries:
            did = e.payload.get("distribution_id")
            if not isinstance(did, str):
                continue
            if e.kind == fm.VALIDATED:
                m = fm.by_distribution_id(st, did)
                if m is not None and m.awaiting_ack and m.expires_at is not None:
                    self._out[did] = OutItem(did, dumps(dict(m.message)), m.expires_at, m.exercise)
                    self.wake()
            elif e.kind in (fm.ACK_RECEIVED, fm.ERROR, fm.EXPIRED):
                m = fm.by_distribution_id(st, did)
                if m is None or not m.awaiting_ack:
                    self._out.pop(did, None)
            elif e.kind == fm.CONSULTED:
                self._consulted.append(did)
                self.wake()

    def _record(self, kind: str, payload: dict[str, Any], source: str = "systeme") -> None:
        self.flush()
        self.room.record_all([Draft(kind, payload, source, SYSTEM)])

    def _ids(self, did: str) -> dict[str, Any]:
        m = fm.by_distribution_id(self.room.state, did)
        if m is None:
            return {"distribution_id": did}
        return {
            "distribution_id": did,
            "draft_id": m.key,
            "event_id": m.event_id,
            "template": m.template,
        }

    def pending_out(self) -> Iterable[OutItem]:
        return self._out.values()

    def mark_sent(self, did: str) -> None:
        m = fm.by_distribution_id(self.room.state, did)
        if m is not None and m.state == MessageState.VALIDE and did not in self._batch_rank:
            self._batch_rank[did] = MESSAGE_RANK[MessageState.ENVOYE]
            self._later(Draft(fm.SENT, self._ids(did), "systeme", SYSTEM))

    def mark_acked(self, did: str, step: str, refused: bool) -> None:
        m = fm.by_distribution_id(self.room.state, did)
        if m is None or m.direction != "out":
            return
        if m.state not in MESSAGE_RANK or m.state == MessageState.BROUILLON:
            return
        target = ACK_STEP_STATE.get(step)
        want = MESSAGE_RANK[target] if target is not None else 0
        if refused:
            self._record(fm.ACK_RECEIVED, {**self._ids(did), "step": step, "refused": True}, "pp")
        elif want > max(MESSAGE_RANK[m.state], self._batch_rank.get(did, 0)):
            self._batch_rank[did] = want
            self._later(
                Draft(
                    fm.ACK_RECEIVED,
                    {**self._ids(did), "step": step, "refused": False},
                    "pp",
                    SYSTEM,
                )
            )

    def mark_error(self, did: str, code: int, cause: str) -> None:
        m = fm.by_distribution_id(self.room.state, did)
        if m is None or m.direction != "out" or m.state == MessageState.ERREUR:
            log.warning("lien PP : erreur reçue sur %s : %s %s", did, code, cause)
            return
        self._record(
            fm.ERROR, {**self._ids(did), "code": code, "cause": cause}, "pp" if code else "systeme"
        )

    def mark_expired(self, did: str) -> None:
        m = fm.by_distribution_id(self.room.state, did)
        if m is not None and m.awaiting_ack:
            self._record(fm.EXPIRED, self._ids(did))
        self._out.pop(did, None)

    def acks_for(self, did: str) -> tuple[str, ...] | None:
        m = fm.by_distribution_id(self.room.state, did)
        if m is None:
            return None
        if m.direction == "out":
            return ()  # our own message echoed back: never applied, never acknowledged
        steps = [AckStep.RECU, AckStep.INTEGRE]
        if AckStep.CONSULTE in m.acks_sent:
            steps.append(AckStep.CONSULTE)
        return tuple(steps)

    def store(self, msg: Message, summary: EmsiSummary) -> None:
        self.store_many([(msg, summary)])

    @staticmethod
    def _received(msg: Message, summary: EmsiSummary) -> dict[str, Any]:
        """The journal's record of a message read: plain JSON values (the frame as decoded,
        strings, a list of strings, a boolean), which nothing changes afterwards."""
        payload = {
            "distribution_id": msg.distribution_id,
            "event_id": summary.event_id,
            "event_name": summary.event_name,
            "template": summary.template,
            "text": summary.text,
            "links": list(summary.links),
            "sender": msg.sender_id,
            "exercise": msg.exercise,
            "kind": msg.kind,
            "expires_at": to_iso(msg.expires_at),
            "message": dict(msg.raw),
        }
        if summary.answer is not None:  # no null: the journal's fast canonical text has none
            payload["answer"] = summary.answer
        return payload

    def store_many(self, batch: list[tuple[Message, EmsiSummary]]) -> None:
        self.flush()
        self.room.record_all(
            [
                Draft(fm.RECEIVED, self._received(msg, summary), "pp", SYSTEM, plain_json=True)
                for msg, summary in batch
            ]
        )

    def ack_sent(self, did: str, step: str) -> None:
        m = fm.by_distribution_id(self.room.state, did)
        if m is not None and m.direction == "in" and step not in m.acks_sent:
            self._record(
                fm.ACK_SENT,
                {
                    "distribution_id": did,
                    "step": step,
                    "event_id": m.event_id,
                    "template": m.template,
                },
            )
        if step == AckStep.CONSULTE and did in self._consulted:
            self._consulted.remove(did)

    def pending_acks(self) -> list[tuple[str, str]]:
        return [(did, AckStep.CONSULTE) for did in list(self._consulted)]

    def on_invalid(self, err: InvalidMessage) -> None:
        log.warning("lien PP : message refusé (%s) : %s", err.code[0], err.cause[:300])


class PPLink:
    """The client: connects, reconnects with capped exponential backoff and jitter, and stops
    (showing why) on a certificate or profile-version error."""

    def __init__(
        self, room: Room, config: LinkConfig, listener: LinkListener | None = None
    ) -> None:
        check_config(config)
        self.config = config
        self.endpoint = RoomEndpoint(room, config)
        self.listener = listener
        self.state = ("warning", "Lien PP : démarrage")
        self.connections = 0
        self.fatal: str | None = None
        self._rng = random.Random()

    def _set(self, state: str, text: str) -> None:
        self.state = (state, text)
        if self.listener is not None:
            try:
                self.listener(state, text)
            except Exception:
                log.exception("affichage de l'état du lien PP")

    @property
    def connected(self) -> bool:
        return self.endpoint.ws is not None

    async def run(self) -> None:
        house = asyncio.create_task(self._housekeeping())
        try:
            await self._connect_loop()
        finally:
            house.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await house
            self.endpoint.close()

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(self.config.tick)
            try:
                self.endpoint.room.sync()  # entries of other workstations (validated messages)
                self.endpoint.housekeeping()
                await self.endpoint.release_stale_held()
            except Exception:
                log.exception("lien PP : tâche périodique")

    async def _connect_loop(self) -> None:
        cfg = self.config
        attempt = 0
        silent_closes = 0  # TLS accepted, then closed before any HTTP answer
        mode = cfg.label or ("EXERCICE" if cfg.exercise else "réel")
        while True:
            started = time.monotonic()
            try:
                async with connect(
                    cfg.url,
                    subprotocols=[websockets.Subprotocol(SUBPROTOCOL)],
                    ssl=client_ssl_context(cfg),
                    open_timeout=cfg.open_timeout,
                    ping_interval=cfg.ping_interval,
                    ping_timeout=cfg.ping_timeout,
                    max_size=cfg.max_size,
                    close_timeout=cfg.close_timeout,
                    compression=COMPRESSION,
                ) as ws:
                    self._check_subprotocol(ws)
                    self.connections += 1
                    attempt = silent_closes = 0
                    self._set("ok", f"Lien PP connecté ({mode})")
                    await self.endpoint.serve_connection(ws)
                    reason = "fermé par la PP"
            except FatalLinkError as e:
                self.fatal = str(e)
                self._set("error", f"Lien PP arrêté : {e}")
                log.error("lien PP arrêté : %s", e)
                return
            except ssl.SSLCertVerificationError as e:
                self.fatal = f"certificat de la PP refusé ({e.verify_message})"
                self._set("error", f"Lien PP arrêté : {self.fatal}")
                return
            except InvalidStatus as e:
                status = e.response.status_code
                body = e.response.body.decode("utf-8", "replace") if e.response.body else ""
                if status in (403, 426):
                    self.fatal = f"refusé par la PP ({status}) : {body.strip() or 'version'}"
                    self._set("error", f"Lien PP arrêté : {self.fatal}")
                    return
                reason = f"refus HTTP {status}"
            except ssl.SSLError as e:
                if "CERTIFICATE" in str(e).upper():
                    self.fatal = f"certificat refusé ({e.reason or e})"
                    self._set("error", f"Lien PP arrêté : {self.fatal}")
                    return
                reason = f"TLS : {e.reason or e}"
            except WsInvalidMessage as e:
                # With TLS 1.3 a server refusing our certificate closes the connection after the
                # handshake and the alert never reaches asyncio: three in a row is a refusal.
                silent_closes += 1
                if self.config.url.startswith("wss") and silent_closes >= 3:
                    self.fatal = (
                        "certificat client refusé par la PP (connexion fermée dès la "
                        "négociation TLS, trois fois de suite)"
                    )
                    self._set("error", f"Lien PP arrêté : {self.fatal}")
                    return
                reason = f"pas de réponse HTTP ({e})"
            except ConnectionClosed as e:
                code = e.rcvd.code if e.rcvd else (e.sent.code if e.sent else 1006)
                reason = f"coupure (code {code})"
            except (OSError, InvalidHandshake, TimeoutError, EOFError) as e:
                reason = f"{type(e).__name__}: {e}"[:120]
            if time.monotonic() - started > 10 * cfg.backoff_base:
                attempt = 0  # it held a while: start again from the short delay
            delay = backoff(attempt, cfg.backoff_base, cfg.backoff_cap, self._rng)
            attempt += 1
            self._set("warning", f"Lien PP perdu ({reason}) — nouvel essai dans {delay:.0f} s")
            await asyncio.sleep(delay)

    @staticmethod
    def _check_subprotocol(ws: ClientConnection) -> None:
        if ws.subprotocol != SUBPROTOCOL:
            raise FatalLinkError(
                f"la PP ne parle pas la version {edxl.PROFILE_VERSION} du profil "
                f"(sous-protocole reçu : {ws.subprotocol or 'aucun'})"
            )
