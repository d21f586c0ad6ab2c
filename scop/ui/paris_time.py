"""Date-time fields in Paris time, whatever zone the workstation (or the CI) runs in.

The room reads Paris wall-clock time everywhere (clock, journal, summaries): a field built
with the machine's zone would say 10:00 on a PC set to UTC where the journal says 12:00.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import QDateTimeEdit

from scop.clock import PARIS

PARIS_ZONE = QTimeZone(PARIS.key.encode())


def to_qt(t: datetime) -> QDateTime:
    """The instant ``t`` as Paris wall-clock time."""
    return QDateTime.fromSecsSinceEpoch(int(t.timestamp()), PARIS_ZONE)


def from_qt(q: QDateTime) -> datetime:
    """The instant a field holds, in UTC as the store keeps it."""
    return datetime.fromtimestamp(q.toSecsSinceEpoch(), UTC)


def paris_edit(edit: QDateTimeEdit) -> QDateTimeEdit:
    """``edit`` shows and reads Paris time: without its zone, a field converts what it is
    given to the machine's zone (and a chief's 12:00 would be read as 12:00 UTC)."""
    edit.setTimeZone(PARIS_ZONE)
    return edit
