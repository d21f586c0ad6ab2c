"""A minimal Préfecture de Police for the tests, written from the profile and nothing else.

The simulator (:mod:`scop.protocols.pp_sim`) shares the console's endpoint, its duplicate
detection and its ordering: a bug there would be on both ends and cancel itself out. This
peer keeps its own books in plain dictionaries and reads frames with ``json.loads``; it uses
the codec only to *build* valid messages (the console refuses anything the schemas refuse).

What it does: acknowledges each EMSI message (RECU then INTEGRE, again for a copy), applies a
message once and only after its predecessor on the same event (``CONTEXT.LINK``), sends its
own messages and sends them again after each reconnection and every ``resend_after`` seconds
until the console says RECU, and records every frame it receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from scop.clock import SystemClock
from scop.protocols.edxl import SUBPROTOCOL, EventInfo, Identity, build_ack, build_pp_emsi, dumps

PP = Identity("fr.police.pp", "fr.police.scop", "Préfecture de Police")


def point_frames(identity: Identity, n: int, prefix: str = "PP") -> list[str]:
    """``n`` points de situation from ``identity``, one event each (``{prefix}-{i}``), sent now."""
    now = SystemClock().now()
    return [
        dumps(
            build_pp_emsi(
                "point_de_situation",
                EventInfo(f"{prefix}-{i}", "FIR", f"Feu n° {i}"),
                identity=identity,
                now=now,
                exercise=False,
                text=f"point {i}",
            )
        )
        for i in range(n)
    ]


def inner_message(obj: Any) -> dict[str, Any]:
    """The RC-DE message inside an EDXL-DE envelope, or {} when the frame has none."""
    try:
        inner = obj["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    except (KeyError, IndexError, TypeError):
        return {}
    return inner if isinstance(inner, dict) else {}


class MinimalPP:
    def __init__(
        self,
        *,
        resend_after: float = 1.0,
        identity: Identity = PP,
        ping_interval: float | None = 20.0,
    ) -> None:
        self.identity = identity
        self.ping_interval = ping_interval  # None: no keepalive (a harness that pauses its loop)
        self.resend_after = resend_after
        self.clock = SystemClock()
        self.connections = 0
        self.frames_in = 0
        # the console's EMSI messages: every copy counted, each applied once and in order
        self.copies: Counter[str] = Counter()
        self.applied: list[str] = []
        self.text: dict[str, str] = {}
        self.event_of: dict[str, str] = {}
        self.waiting: dict[str, list[dict[str, Any]]] = {}  # predecessor -> its successors
        self.held = 0  # how many arrived before their predecessor
        # what the console answered: acknowledgements and RS-ERRORs, by distribution id
        self.acks: dict[str, list[str]] = {}
        self.errors: dict[str, list[dict[str, Any]]] = {}
        self.unreadable: list[str] = []
        # our own messages, until the console says RECU
        self.outbox: dict[str, str] = {}
        self.sent: list[str] = []
        self._last_by_event: dict[str, str] = {}
        self._ws: ServerConnection | None = None
        self._server: Server | None = None
        self._resender: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await serve(
            self._serve,
            "127.0.0.1",
            0,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            max_size=1 << 20,
            ping_interval=self.ping_interval,
        )
        self.port = int(next(iter(self._server.sockets)).getsockname()[1])
        self._resender = asyncio.create_task(self._resend_loop())

    async def stop(self) -> None:
        if self._resender is not None:
            self._resender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resender
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    # -- sending -------------------------------------------------------------------------------

    def queue(self, event: EventInfo, text: str, kind_name: str = "point_de_situation") -> str:
        """One of the PP's messages on ``event``, linked to the previous one on that event."""
        msg = build_pp_emsi(
            kind_name,
            event,
            identity=self.identity,
            now=self.clock.now(),
            exercise=False,
            text=text,
            previous_id=self._last_by_event.get(event.id),
        )
        did = str(msg["distributionID"])
        self._last_by_event[event.id] = did
        self.outbox[did] = dumps(msg)
        self.sent.append(did)
        return did

    async def send(self, event: EventInfo, text: str) -> str:
        """Queue a message and send it at once if a console is there (else after it comes)."""
        did = self.queue(event, text)
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(self.outbox[did])
        return did

    async def send_raw(self, frame: str | bytes) -> None:
        if self._ws is None:
            raise ConnectionError("pas de console connectée")
        await self._ws.send(frame)

    async def flush(self) -> None:
        """Send every message not yet acknowledged (after a connection, and now and then)."""
        ws = self._ws
        for text in list(self.outbox.values()):
            if ws is None or ws is not self._ws:
                return
            with contextlib.suppress(ConnectionClosed):
                await ws.send(text)

    async def _resend_loop(self) -> None:
        while True:
            await asyncio.sleep(self.resend_after)
            await self.flush()

    async def _ack(self, ws: ServerConnection, did: str) -> None:
        for step in ("RECU", "INTEGRE"):
            ack = build_ack(self.identity, did, step, now=self.clock.now(), exercise=False)
            await ws.send(dumps(ack))

    # -- receiving -----------------------------------------------------------------------------

    async def _serve(self, ws: ServerConnection) -> None:
        old, self._ws = self._ws, ws
        if old is not None:
            await old.close(1001, "remplacée")
        self.connections += 1
        try:
            await self.flush()
            async for frame in ws:
                await self._on_frame(ws, frame)
        except ConnectionClosed:
            pass
        finally:
            if self._ws is ws:
                self._ws = None

    async def _on_frame(self, ws: ServerConnection, frame: str | bytes) -> None:
        self.frames_in += 1
        try:
            obj = json.loads(frame)
        except ValueError:
            self.unreadable.append(str(frame)[:200])
            return
        inner = inner_message(obj)
        if "reference" in inner:
            ref = inner["reference"]
            self.acks.setdefault(str(ref["distributionID"]), []).append(str(ref["step"]))
            if ref["step"] == "RECU":
                self.outbox.pop(str(ref["distributionID"]), None)
        elif "error" in inner:
            body = inner["error"]
            ref_id = str(body["referencedDistributionID"])
            self.errors.setdefault(ref_id, []).append(body)
            self.outbox.pop(ref_id, None)
        elif "emsi" in inner:
            await self._on_emsi(ws, str(obj["distributionID"]), inner["emsi"])
        else:
            self.unreadable.append(str(frame)[:200])

    async def _on_emsi(self, ws: ServerConnection, did: str, emsi: dict[str, Any]) -> None:
        self.copies[did] += 1
        if did in self.event_of:  # applied already: say so again, apply nothing
            await self._ack(ws, did)
            return
        if any(did == str(m["distributionID"]) for ms in self.waiting.values() for m in ms):
            return
        prefix = self.identity.peer_id + "_"
        before = [
            str(link["ID"])
            for link in emsi["CONTEXT"].get("LINK", [])
            if str(link["ID"]).startswith(prefix)
        ]
        missing = [p for p in before if p not in self.event_of]
        if missing:
            self.held += 1
            self.waiting.setdefault(missing[0], []).append({"distributionID": did, "emsi": emsi})
            return
        await self._apply(ws, did, emsi)

    async def _apply(self, ws: ServerConnection, did: str, emsi: dict[str, Any]) -> None:
        self.applied.append(did)
        self.event_of[did] = str(emsi["EVENT"]["ID"])
        self.text[did] = str(emsi["CONTEXT"].get("FREETEXT", ""))
        await self._ack(ws, did)
        for nxt in self.waiting.pop(did, []):
            await self._apply(ws, str(nxt["distributionID"]), nxt["emsi"])

    # -- for the assertions --------------------------------------------------------------------

    def applied_by_event(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for did in self.applied:
            out.setdefault(self.event_of[did], []).append(did)
        return out
