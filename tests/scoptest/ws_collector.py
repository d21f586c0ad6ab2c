"""A websocket peer on loopback that keeps every frame it receives, for tests of what a
connection sends (corked blocks, frames sent in one pass)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve


async def frames_received(body: Callable[[Any], Awaitable[None]], expect: int) -> list[str]:
    """Run ``body`` with a client connection to a fresh peer, then wait up to 3 s for
    ``expect`` frames to arrive; the frames the peer received, in order."""
    got: list[str] = []

    async def handler(ws: Any) -> None:
        async for frame in ws:
            got.append(frame)

    server = await serve(handler, "127.0.0.1", 0)
    port = next(iter(server.sockets)).getsockname()[1]
    try:
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            await body(ws)
            for _ in range(300):
                if len(got) >= expect:
                    break
                await asyncio.sleep(0.01)
    finally:
        server.close()
        await server.wait_closed()
    return got
