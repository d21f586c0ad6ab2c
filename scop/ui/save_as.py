"""« Exporter… »: ask where, write, and say how it went in the console's notices."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from scop.ui.context import Notices

log = logging.getLogger("scop.ui")


def save_as(
    parent: QWidget,
    notices: Notices,
    *,
    title: str,
    default_name: str,
    filters: str,
    export: Callable[[Path], None],
    done: str,
) -> Path | None:
    """The file chosen, written by ``export``; a name typed without a suffix takes the one of
    the filter chosen. A failure is one French notice (its detail in the log), never a
    traceback; ``None`` when nothing was written."""
    name, chosen = QFileDialog.getSaveFileName(parent, title, default_name, filters)
    if not name:
        return None
    path = Path(name)
    if not path.suffix:
        path = path.with_suffix("." + chosen.split("*.")[-1].rstrip(")"))
    try:
        export(path)
    except Exception as exc:  # a French message, never a traceback
        log.warning("%s : %s", title, path, exc_info=True)
        notices.error(str(exc))
        return None
    notices.info(f"{done} : {path}")
    return path
