"""The Préfecture de Police's side of the link reduced to its own bookkeeping, for the
gateway and failover tests: it counts what it receives by distribution id, acknowledges
(RECU), and sends its own messages again until the room acknowledges them. It uses the codec
to build frames, nothing of scop's link code."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from websockets.asyncio.server import ServerConnection

from scop.protocols.edxl import EventInfo, Identity, build_ack, build_pp_emsi, dumps

PP = Identity().swapped()


class MinimalPP:
    """The Préfecture de Police's side reduced to its bookkeeping: every frame received is
    counted by distribution id and acknowledged (RECU); its own messages are sent again on each
    connection and every 2 s until the room acknowledges them. Nothing of scop's link code."""

    def __init__(self) -> None:
        self.frames: Counter[str] = Counter()  # deliveries of the room's messages
        self.first_seen: dict[str, float] = {}
        self.outgoing: dict[str, str] = {}  # our messages: id -> frame
        self.acked_by_room: set[str] = set()
        self.connections = 0
        self.ws: ServerConnection | None = None
        self.port = 0

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        self.ws = ws
        try:
            await self._resend(ws)
            async for raw in ws:
                obj = json.loads(raw)
                did = obj["distributionID"]
                body = obj["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
                if obj["distributionKind"] == "Ack":
                    self.acked_by_room.add(body["reference"]["distributionID"])
                    continue
                if obj["distributionKind"] == "Error":
                    continue
                self.frames[did] += 1
                self.first_seen.setdefault(did, time.monotonic())
                ack = build_ack(PP, did, "RECU", now=datetime.now(UTC), exercise=False)
                await ws.send(dumps(ack))
        except Exception:
            pass
        finally:
            if self.ws is ws:
                self.ws = None

    async def _resend(self, ws: ServerConnection) -> None:
        for did, frame in list(self.outgoing.items()):
            if did not in self.acked_by_room:
                await ws.send(frame)

    def new_message(self, n: int) -> str:
        did = f"fr.police.pp_{uuid.uuid4()}"
        msg = build_pp_emsi(
            "alerte",
            EventInfo(f"PP-{n:04d}", "FIR", f"Alerte PP n° {n}"),
            identity=PP,
            now=datetime.now(UTC),
            exercise=False,
            text=f"alerte {n}",
            distribution_id=did,
        )
        self.outgoing[did] = dumps(msg)
        return did

    async def resender(self) -> None:
        while True:
            await asyncio.sleep(2)
            ws = self.ws
            if ws is not None:
                with contextlib.suppress(Exception):
                    await self._resend(ws)
