"""Room ids of the form ``PREFIX0042`` (events, perimeters, hazards, lookouts, handovers)."""

from __future__ import annotations

from collections.abc import Iterable


def next_id(prefix: str, taken: Iterable[str], width: int = 4) -> str:
    """One past the highest number under ``prefix``. Commands call it on the state inside the
    write transaction, so two workstations never pick the same id; ids of another shape
    (imported, typed by hand) do not count and cannot make it fail."""
    numbers = [
        int(rest)
        for i in taken
        if i.startswith(prefix) and (rest := i[len(prefix) :]).isascii() and rest.isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:0{width}d}"
