"""Stopping the asyncio services a test started (PP link, crew feed, simulators)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any


async def stop_tasks(*tasks: asyncio.Future[Any]) -> None:
    """Cancel ``tasks``, wait for them, and fail with whatever one of them raised.

    ``gather(..., return_exceptions=True)`` alone would drop a link that crashed (before or
    while it was cancelled) and the test would still pass; only the cancellation is expected.
    """
    for t in tasks:
        t.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    errors = [
        r
        for r in results
        if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError)
    ]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BaseExceptionGroup("several tasks failed", errors)


@contextlib.asynccontextmanager
async def pp_link_to_simulator(
    room: Any, ctx: Any = None, **sim_options: Any
) -> AsyncIterator[tuple[Any, Any]]:
    """A PP simulator on loopback and the room's link to it, running (registered as the UI
    context's « pp_link » service when ``ctx`` is given); both stopped at the end, and a link
    that crashed meanwhile fails the test (:func:`stop_tasks`)."""
    from scop.protocols.pp_link import LinkConfig, PPLink
    from scop.protocols.pp_sim import PPSimulator

    sim = PPSimulator(**sim_options)
    await sim.start()
    link = PPLink(room, LinkConfig(sim.url, tick=0.1))
    if ctx is not None:
        ctx.services["pp_link"] = link
    task = asyncio.create_task(link.run())
    try:
        yield sim, link
    finally:
        try:
            await stop_tasks(task)
        finally:
            await sim.stop()
