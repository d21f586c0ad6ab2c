"""The « agent en danger » banner: full width, red, on every console of the room.

It overrides everything: it shows as soon as the journal holds an open alert (whoever raised
it, on whichever workstation or from the feed), sounds an alarm unlike any other until a
named operator takes the alert, says who took it and when, and stays until the chief closes
the alert with an outcome. There is no mute: silencing is taking.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.models.fold_safety import DangerAlert
from scop.resources import resource_path
from scop.room import Change, CommandRefused
from scop.safety import commands as sc
from scop.ui.context import UiContext

log = logging.getLogger(__name__)

RED = "#b71c1c"
FICHE_ID = "agent_en_danger"
SOUND = ("sounds", "agent_en_danger.wav")


class _BannerLabel(QLabel):
    painted = Signal(float)  # time.perf_counter() of the paint: the benchmark's end point

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted.emit(time.perf_counter())


class AlarmSound(QObject):
    """The looped alarm. ``playing`` is what the console asked for; a workstation without
    a sound device still shows it (and the tests read it)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.playing = False
        self.effect: Any = None
        try:
            from PySide6.QtMultimedia import QSoundEffect

            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(resource_path(*SOUND))))
            effect.setLoopCount(QSoundEffect.Loop.Infinite.value)
            effect.setVolume(1.0)
            self.effect = effect
        except Exception:  # no multimedia backend: the banner still shows, loudly red
            log.exception("alarme sonore « agent en danger » indisponible sur ce poste")

    def set_playing(self, on: bool) -> None:
        if on == self.playing:
            return
        self.playing = on
        if self.effect is not None:
            if on:
                self.effect.play()
            else:
                self.effect.stop()


class DangerBanner(QToolBar):
    alert_seen = Signal(str)  # alert id, the first time this console sees it

    def __init__(
        self, ctx: UiContext, window: QMainWindow, docks: dict[str, Any] | None = None
    ) -> None:
        super().__init__("Agent en danger", window)
        self.ctx = ctx
        self.window_ = window
        self.setObjectName("danger_banner")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setEnabled(False)
        self.setStyleSheet(f"QToolBar {{ background:{RED}; border:0; }}")
        box = QWidget()
        box.setObjectName("danger_box")
        box.setStyleSheet(f"background:{RED};")
        lay = QHBoxLayout(box)
        lay.setContentsMargins(8, 4, 8, 4)
        self.label = _BannerLabel()
        self.label.setObjectName("danger_text")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setStyleSheet("color:white; font-size:17px; font-weight:bold;")
        self.label.setWordWrap(True)
        lay.addWidget(self.label, 1)
        buttons = QVBoxLayout()
        button_style = (
            "QPushButton { background:white; color:#b71c1c; font-weight:bold; padding:4px 10px; }"
        )
        self.take_button = QPushButton("Prendre l'alerte (F10)")
        self.centre_button = QPushButton("Centrer la carte")
        self.close_button = QPushButton("Clore l'alerte…")
        for b in (self.take_button, self.centre_button, self.close_button):
            b.setStyleSheet(button_style)
            buttons.addWidget(b)
        lay.addLayout(buttons)
        self.addWidget(box)
        self.box = box
        first = self._first_toolbar(window)
        if first is None:
            window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self)
        else:  # above the mode banner, on a line of its own
            window.insertToolBar(first, self)
            window.insertToolBarBreak(first)

        self.sound = AlarmSound(self)
        self.take_action = QAction("Prendre l'alerte agent en danger", self)
        self.take_action.setShortcut(QKeySequence(Qt.Key.Key_F10))
        self.take_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.take_action.triggered.connect(self.take)
        window.addAction(self.take_action)
        self.take_button.clicked.connect(self.take)
        self.centre_button.clicked.connect(self.centre)
        self.close_button.clicked.connect(self.ask_close)
        self.close_button.setVisible(ctx.room.operator.role == "chief")
        self.docks: dict[str, Any] = docks if docks is not None else {}
        self._seen: set[str] = set()  # alerts open at start-up are news to this console too
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self.refresh)
        self.refresh()

    def _first_toolbar(self, window: QMainWindow) -> Any:
        bars = [  # the window's own bars (a dock may hold a toolbar of its own)
            b
            for b in window.findChildren(
                QToolBar, options=Qt.FindChildOption.FindDirectChildrenOnly
            )
            if b is not self and window.toolBarArea(b) == Qt.ToolBarArea.TopToolBarArea
        ]
        return bars[0] if bars else None

    # -- state -----------------------------------------------------------------------------

    def alerts(self) -> list[DangerAlert]:
        return sc.open_alerts(self.ctx.room.state)

    def _line(self, a: DangerAlert) -> str:
        raised = local(a.raised_at).strftime("%H:%M:%S")
        via = "bouton d'alerte" if a.via == "flux" else f"appel radio ({a.raised_by})"
        head = f"AGENT EN DANGER — {a.call_sign} — {raised} — {via} — {a.event_id or ''}"
        if a.taken_by:
            taken = f"Prise par {a.taken_by} à {local(a.taken_at or a.raised_at):%H:%M:%S}"
        else:
            taken = "NON PRISE — alarme en cours"
        cancelled = " — ANNULÉE PAR L'ÉQUIPAGE (fausse alerte ?)" if a.cancelled_at else ""
        nearest = ", ".join(f"{c} ({round(s / 60)} min)" for c, s in a.ranked[:3]) or "aucun"
        return (
            f"{head}<br><span style='font-size:14px'>{taken}{cancelled} — plus proches : "
            f"{nearest} — clôture par le chef de salle</span>"
        )

    def refresh(self) -> None:
        alerts = self.alerts()
        prefix = "EXERCICE — " if self.ctx.room.mode == "exercise" else ""
        self.label.setText("<br>".join(prefix + self._line(a) for a in alerts))
        self.setVisible(bool(alerts))
        waiting = [a for a in alerts if a.sounding]
        self.take_button.setEnabled(bool(waiting) and not self.ctx.room.store.readonly)
        self.take_button.setVisible(bool(waiting))  # its white style hides the disabled look
        self.close_button.setEnabled(bool(alerts) and not self.ctx.room.store.readonly)
        # a replay shows the alert as it was, silently: nobody is to be called
        self.sound.set_playing(bool(waiting) and not self.ctx.room.store.readonly)
        for a in alerts:
            if a.alert_id not in self._seen:
                self._seen.add(a.alert_id)
                self._on_new(a)

    @property
    def sound_on(self) -> bool:
        return self.sound.playing

    def _on_change(self, change: Change) -> None:
        if any(e.kind.startswith("danger.") for e in change.entries) or not self.isHidden():
            self.refresh()

    # -- a new alert -----------------------------------------------------------------------

    def _on_new(self, a: DangerAlert) -> None:
        self.alert_seen.emit(a.alert_id)
        if self.ctx.room.store.readonly:
            return
        self.centre(a)
        if self.ctx.room.operator.role == "chief":
            self._launch_fiche(a)

    def _launch_fiche(self, a: DangerAlert) -> None:
        """The chief's fiche réflexe, launched on the alert's event, once in the room."""
        dock = self.docks.get("procedures")
        runner = getattr(dock, "runner", None)
        if runner is None or a.event_id is None:
            return
        if any(r.fiche_id == FICHE_ID for r in runner.runs(a.event_id)):
            return
        try:
            runner.launch(FICHE_ID, a.event_id)
        except CommandRefused as exc:
            self.ctx.notices.warning(f"Fiche « agent en danger » non lancée : {exc}")

    def centre(self, alert: DangerAlert | None = None) -> None:
        a = alert if isinstance(alert, DangerAlert) else next(iter(self.alerts()), None)
        if a is None:
            return
        self.ctx.selection.select_crew(a.call_sign)
        map_dock = self.docks.get("map")
        if map_dock is not None and hasattr(map_dock, "focus_danger"):
            map_dock.focus_danger(a)

    # -- taking and closing ----------------------------------------------------------------

    def take(self) -> None:
        waiting = [a for a in self.alerts() if a.sounding]
        if not waiting:
            return
        try:
            sc.run(self.ctx.room, sc.take_danger, waiting[0].alert_id)
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
        self.refresh()

    def close_alert(self, alert_id: str, outcome: str, false_alarm: bool = False) -> bool:
        try:
            sc.run(self.ctx.room, sc.close_danger, alert_id, outcome, false_alarm=false_alarm)
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return False
        self.refresh()
        return True

    def ask_close(self) -> None:
        alerts = self.alerts()
        if not alerts:
            return
        a = alerts[0]
        outcome, ok = QInputDialog.getText(
            self,
            "Clore l'alerte agent en danger",
            f"Issue de l'alerte {a.alert_id} ({a.call_sign}) :",
        )
        if not ok:
            return
        false_alarm = False
        if a.cancelled_at is not None:
            false_alarm = (
                QMessageBox.question(self, "Fausse alerte", "L'équipage a annulé : fausse alerte ?")
                == QMessageBox.StandardButton.Yes
            )
        self.close_alert(a.alert_id, outcome, false_alarm)

    def teardown(self) -> None:
        self.sound.set_playing(False)
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self.refresh)
