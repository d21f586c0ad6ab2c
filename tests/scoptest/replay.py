"""What the replay and barometer tests share: the instant their generated shifts start, and
the reopenings the generator does not make."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from scop.models.entries import Draft
from scop.replay.generate import GenEntry, Item

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def with_reopenings(items: Iterator[Item]) -> Iterator[Item]:
    """The generator reopens no event: reopen some, as the room records it."""
    closed = 0
    for item in items:
        yield item
        if not isinstance(item, GenEntry):
            continue
        p = item.draft.payload
        if item.draft.kind == "event.status_changed" and p.get("status") == "clos":
            closed += 1
            if closed % 5 == 0:  # reopened and closed again: a DansMaRue report counts once
                for status in ("en_cours", "clos"):
                    d = Draft("event.status_changed", {"id": p["id"], "status": status})
                    yield GenEntry(item.ts + timedelta(seconds=2), d, item.author)
