"""How each entry kind reads in the main courante: a French label and a one-line text."""

from __future__ import annotations

from collections.abc import Callable

from scop.models.entries import Entry

Describer = Callable[[Entry], str]

_DESCRIBERS: dict[str, Describer] = {}
KIND_LABELS: dict[str, str] = {}


def describes(kind: str, label: str) -> Callable[[Describer], Describer]:
    def register(fn: Describer) -> Describer:
        _DESCRIBERS[kind] = fn
        KIND_LABELS[kind] = label
        return fn

    return register


_loaded = False


def describe(entry: Entry) -> str:
    global _loaded
    if not _loaded:  # once: a replay seek describes tens of thousands of entries
        from scop.models.projection import _load_handlers

        _load_handlers()  # fold modules register their describers too
        _loaded = True
    fn = _DESCRIBERS.get(entry.kind)
    if fn is None:
        text = entry.payload.get("text")
        return str(text) if text else entry.kind
    return fn(entry)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)
