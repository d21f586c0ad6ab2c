"""The room's health in every console's status bar: the database, and the gateway that carries
the links (which one, since when, each link's state). A room whose gateway went silent shows an
alarm: the console must never claim the links are carried when nobody carries them."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer

from scop.journal import lease
from scop.journal.store import is_unavailable
from scop.ui.context import UiContext

log = logging.getLogger(__name__)


class RoomStatus(QObject):
    """Reads the gateway lease every second (one small row) and follows the bridge's database
    state. ``view`` is the last reading, also what the PP messages dock shows."""

    def __init__(self, ctx: UiContext, window: Any, interval_ms: int = 1000) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.view: lease.GatewayView | None = None
        self.has_gateway = False
        ctx.services["room_status"] = self
        ctx.bridge.database_changed.connect(self._on_database)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.refresh)
        if not ctx.room.store.readonly:
            self._timer.start()
            self.refresh()

    def refresh(self) -> None:
        room = self.ctx.room
        try:
            current = lease.read_lease(room.store.engine)
        except Exception as exc:
            if is_unavailable(exc):
                self.ctx.bridge.report_database(False)
            else:
                log.exception("lecture du bail de la passerelle impossible")
            return
        was = self.view
        self.view = lease.describe(current, room.clock.now())
        if self.view is None:
            return  # no gateway in this room: the console's own links show their state
        self.has_gateway = True
        if was is not None and was.active and not self.view.active:
            self.ctx.notices.warning(
                "Passerelle de la salle muette : lien PP et flux des équipages coupés."
            )
        elif was is not None and not was.active and self.view.active:
            self.ctx.notices.info(self.view.gateway[1])
        w = self.window
        # Each new label goes first: created in this order, they read gateway, PP, feed.
        w.set_link_state("feed", self.view.feed[1], self.view.feed[0])
        w.set_link_state("pp", self.view.pp[1], self.view.pp[0])
        w.set_link_state("gateway", self.view.gateway[1], self.view.gateway[0])

    def _on_database(self, up: bool) -> None:
        self.window.set_database_state(up)
        if up:
            self.refresh()
        elif self.has_gateway:
            # What the links do is unknown while the lease cannot be read: say so.
            self.window.set_link_state("gateway", "Passerelle : état inconnu (base)", "down")

    def stop(self) -> None:
        self._timer.stop()
