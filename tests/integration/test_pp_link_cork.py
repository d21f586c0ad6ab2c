"""Acknowledgements sent together leave corked (few TCP segments), and the socket is never left
corked: what was sent inside the block reaches the peer once it ends, even when it ends by an
exception. Real websockets on loopback; Linux only (TCP_CORK)."""

from __future__ import annotations

import asyncio
import socket

import pytest
from scoptest.ws_collector import frames_received

from scop.protocols.pp_link import corked

pytestmark = pytest.mark.skipif(not hasattr(socket, "TCP_CORK"), reason="TCP_CORK (Linux)")


def cork_state(ws: object) -> int:
    sock = ws.transport.get_extra_info("socket")  # type: ignore[attr-defined]
    return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK))


def test_frames_sent_corked_arrive_and_the_socket_is_uncorked() -> None:
    seen: list[int] = []

    async def body(ws: object) -> None:
        with corked(ws, 3):
            seen.append(cork_state(ws))
            for i in range(3):
                await ws.send(f"ack {i}")  # type: ignore[attr-defined]
        seen.append(cork_state(ws))

    got = asyncio.run(frames_received(body, 3))
    assert seen == [1, 0]
    assert got == ["ack 0", "ack 1", "ack 2"]


def test_uncorked_even_when_the_block_fails() -> None:
    seen: list[int] = []

    async def cut(ws: object) -> None:
        with corked(ws, 3):
            for i in range(3):
                await ws.send(f"ack {i}")  # type: ignore[attr-defined]
            raise ConnectionError("coupure")

    async def body(ws: object) -> None:
        with pytest.raises(ConnectionError, match="coupure"):
            await cut(ws)
        seen.append(cork_state(ws))

    got = asyncio.run(frames_received(body, 3))
    assert seen == [0]
    assert got == ["ack 0", "ack 1", "ack 2"]


def test_one_frame_or_no_socket_is_not_corked() -> None:
    seen: list[int] = []

    async def body(ws: object) -> None:
        with corked(ws, 1):
            seen.append(cork_state(ws))
        with corked(None, 5), corked(object(), 5):  # a test's fake connection has no socket
            pass
        for i in range(3):
            await ws.send(f"ack {i}")  # type: ignore[attr-defined]

    asyncio.run(frames_received(body, 3))
    assert seen == [0]
