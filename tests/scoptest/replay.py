"""What the replay UI tests share: the instant their generated shifts start."""

from __future__ import annotations

from datetime import UTC, datetime

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
