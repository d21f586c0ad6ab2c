"""Reading the map page's own state from a test: what the page draws, not what Python sent."""

from __future__ import annotations

import json
from typing import Any


def page_state(qtbot: Any, dock: Any) -> dict[str, Any]:
    box: list[dict[str, Any]] = []
    dock.read_page_state(box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5000)
    return box[0]


def wait_page(qtbot: Any, dock: Any, predicate: Any, timeout: int = 30000) -> dict[str, Any]:
    """Poll the page's own state until ``predicate(state)`` holds."""
    last: dict[str, Any] = {}

    def check() -> bool:
        last.clear()
        last.update(page_state(qtbot, dock))
        return bool(predicate(last))

    qtbot.waitUntil(check, timeout=timeout)
    return last


def js_value(qtbot: Any, dock: Any, expr: str) -> Any:
    """The JSON value of a JavaScript expression evaluated in the map page."""
    box: list[Any] = []
    dock.page.runJavaScript(f"JSON.stringify({expr})", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=30000)
    return json.loads(box[0]) if box[0] else None
