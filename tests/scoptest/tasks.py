"""Stopping the asyncio services a test started (PP link, crew feed, simulators)."""

from __future__ import annotations

import asyncio
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
