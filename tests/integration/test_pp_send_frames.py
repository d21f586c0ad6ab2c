"""Several frames sent in one pass of websockets' send path (scop.protocols.pp_link.send_frames)
arrive whole and in order, more than a pass holds included; on a closed connection it raises
``ConnectionClosed`` as ``send`` does, having sent nothing; a connection of another shape gets
one ``send`` a frame. Real websockets on loopback."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from scoptest.ws_collector import frames_received
from websockets.exceptions import ConnectionClosed

from scop.protocols.pp_link import SEND_CHUNK, send_frames


def test_frames_arrive_whole_and_in_order_without_one_send_each() -> None:
    texts = [f"trame {i} " + "é" * (i % 7) for i in range(2 * SEND_CHUNK + 3)]

    async def body(ws: Any) -> None:
        async def no_send(_text: str) -> None:
            raise AssertionError("send() appelé : le chemin groupé n'a pas servi")

        ws.send = no_send
        await send_frames(ws, texts)

    assert asyncio.run(frames_received(body, len(texts))) == texts


def test_a_closed_connection_raises_as_send_does_and_sends_nothing() -> None:
    raised: list[BaseException] = []

    async def body(ws: Any) -> None:
        await ws.close()
        try:
            await send_frames(ws, ["un", "deux"])
        except ConnectionClosed as exc:
            raised.append(exc)

    assert asyncio.run(frames_received(body, 0)) == []
    assert len(raised) == 1


class SendOnly:
    """A connection with ``send`` alone (a test's stand-in, another library's shape)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, text: str) -> None:
        self.sent.append(text)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_another_shape_gets_one_send_a_frame(n: int) -> None:
    wire = SendOnly()
    texts = [f"t{i}" for i in range(n)]
    asyncio.run(send_frames(wire, texts))
    assert wire.sent == texts
