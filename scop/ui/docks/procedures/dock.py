"""The procedures dock: the fiches running per event, and one step at a time with its
countdown. It holds which fiche and step are shown, turns presses into the runner's commands,
and repaints; the widgets (``run_tree``, ``step_panel``, ``call_form``, ``launch``) only show.

Everything shown is recomputed from the room's state and clock (``run_view``); the one-second
timer only repaints, so a replay seek or an exercise fork shows the procedures as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from scop.models.vocabulary import EventStatus, StepStatus
from scop.procedures import situation
from scop.procedures.runner import ProcedureRunner, RunView, StepView, run_view
from scop.procedures.texts import run_header
from scop.room import Change, CommandRefused
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.docks.procedures.actions import install_shortcuts
from scop.ui.docks.procedures.launch import LaunchDialog
from scop.ui.docks.procedures.run_tree import RunTree, StepList
from scop.ui.docks.procedures.step_panel import StepPanel
from scop.ui.docks.procedures.style import BIG, OVERDUE_BG, READONLY_WHY, enable
from scop.ui.situation_dialog import SituationDialog, SituationWindow

CHANGES = ("procedure.", "event.", "pp.message")  # entries that change what this dock shows


class ProceduresDock(ScopDock):
    dock_id = "procedures"
    title = "Fiches réflexes"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        if ctx.procedures is None:
            raise ValueError("the procedures dock needs the room's ProcedureRunner (scop.app)")
        self.runner: ProcedureRunner = ctx.procedures
        self.library = self.runner.library
        self.run_id: str | None = None
        self.step_id: str | None = None
        self._dialog: LaunchDialog | None = None
        self.situation = SituationWindow()

        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.launch_button = QPushButton("Lancer une fiche…  (Ctrl+Maj+F)")
        self.launch_button.setStyleSheet(BIG)
        top.addWidget(self.launch_button)
        self.summary = QLabel()
        top.addWidget(self.summary, 1)
        outer.addLayout(top)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split, 1)
        self.tree = RunTree()
        self.steps = StepList()
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.tree)
        left.addWidget(self.steps)
        left.setSizes([260, 440])
        split.addWidget(left)
        self.panel = StepPanel(self.library.mairies)
        split.addWidget(self.panel)
        split.setSizes([340, 560])
        self.set_content(root)

        p = self.panel
        self.launch_button.clicked.connect(self.open_launch_dialog)
        self.tree.run_chosen.connect(self.select_run)
        self.steps.currentRowChanged.connect(self._on_step_row)
        p.back_button.clicked.connect(self.go_back)
        p.next_button.clicked.connect(self.go_next)
        p.start_button.clicked.connect(self.start_step)
        p.done_button.clicked.connect(self.mark_done)
        p.skip_button.clicked.connect(self.skip_step)
        p.skip_reason.returnPressed.connect(self.skip_step)
        p.call.button.clicked.connect(self.log_call)
        p.close_button.clicked.connect(self.close_run)
        p.branch_chosen.connect(self.choose_branch)
        p.situation_requested.connect(self.open_situation)
        self._shortcuts = install_shortcuts(self, root, self)

        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self.refresh)
        ctx.selection.event_selected.connect(self._on_event_selected)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self.repaint_times)
        self._tick.start(1000)
        self.refresh()

    # -- data ---------------------------------------------------------------------------------

    @property
    def readonly(self) -> bool:
        return bool(self.ctx.room.store.readonly)

    def _now(self) -> datetime:
        return self.ctx.room.clock.now()

    def _views(self) -> list[RunView]:
        now = self._now()
        out = []
        for run in self.runner.runs():
            fiche = self.library.fiches.get(run.fiche_id)
            if fiche is not None:
                out.append(run_view(fiche, run, now))
        return out

    def current_view(self) -> RunView | None:
        if self.run_id is None:
            return None
        try:
            return self.runner.view(self.run_id)
        except CommandRefused:
            return None

    def _on_change(self, change: Change) -> None:
        if any(e.kind.startswith(CHANGES) for e in change.entries):
            self.refresh()

    def refresh(self) -> None:
        """Rebuild everything from the state (new entries, replay seek, exercise fork)."""
        if self.run_id not in {r.run_id for r in self.runner.runs()}:
            self.run_id = None
            self.step_id = None
        self._fill_tree()
        self._show_run()

    def repaint_times(self) -> None:
        """Once a second: countdowns and overdue colours move with the clock, nothing else."""
        self._fill_tree(rebuild=False)
        v = self.current_view()
        if v is not None:
            self.steps.show_steps(v, self.step_id)
            if self.step_id is not None:
                self.panel.show_countdown(v.step(self.step_id), self._now())

    def _fill_tree(self, rebuild: bool = True) -> None:
        views = self._views()
        shown = {v.run.run_id for v in views}
        self.tree.show_runs(
            views,
            orphans=[r for r in self.runner.runs() if r.run_id not in shown],
            broken=self.library.broken,
            events=self.ctx.room.state.events,
            selected=self.run_id,
            now=self._now(),
            rebuild=rebuild,
        )
        running = [v for v in views if not v.run.is_closed]
        overdue = sum(len(v.overdue) for v in running)
        text = f"{len(running)} fiche(s) en cours"
        if overdue:
            text += (
                f" — <span style='color:{OVERDUE_BG}'><b>{overdue} étape(s) en retard</b></span>"
            )
        if self.library.broken:
            text += f" — {len(self.library.broken)} fichier(s) en erreur"
        self.summary.setText(text)

    # -- showing a run and a step ---------------------------------------------------------------

    def select_run(self, run_id: str, step_id: str | None = None) -> None:
        self.run_id = run_id
        v = self.current_view()
        self.step_id = step_id or (v.current if v else None) or (v.steps[0].step.id if v else None)
        self._show_run()

    def _show_run(self) -> None:
        v = self.current_view()
        self.steps.setEnabled(v is not None)
        enable(self.launch_button, not self.readonly, READONLY_WHY)
        if v is None:
            self.steps.clear()
            self.panel.show_nothing(self.readonly)
            return
        ev = self.ctx.room.state.events.get(v.run.event_id)
        self.panel.header.setToolTip(f"{v.run.event_id} — {ev.title if ev else ''}")
        self.panel.header.setText(run_header(v))
        if self.step_id is None or v.fiche.step(self.step_id) is None:
            self.step_id = v.current or v.steps[0].step.id
        self.steps.show_steps(v, self.step_id)
        self._show_step(v, v.step(self.step_id))

    def _show_step(self, v: RunView, sv: StepView) -> None:
        step = sv.step
        mairie = None
        if step.kind == "carte" and step.means != "VPU":  # a VPU goes to the event's address
            m = self.runner.default_mairie(v.run.event_id)
            mairie = m.code if m is not None else None
        self.panel.show_step(
            v,
            sv,
            self._now(),
            contacts=self.runner.contacts_now(step, v.run.event_id),
            warning=self.library.warning,
            readonly=self.readonly,
            mairie=mairie,
            preview=self._preview(v, sv),
            prefill=self._situation_prefill(v, sv),
        )

    def _situation_prefill(self, v: RunView, sv: StepView) -> dict[str, str] | None:
        """A « point de situation » step shows in its own fields what the room knows (verified
        information only); other steps: None."""
        step = sv.step
        if step.kind != "message" or step.template != situation.TEMPLATE:
            return None
        if v.run.event_id not in self.ctx.room.state.events:
            return {}
        return situation.template_fields(self.ctx.room.state, v.run.event_id, self._now())

    def open_situation(self) -> SituationDialog | None:
        """The point de situation dialog, prefilled from this step's fields; sending it
        completes the step."""
        v = self.current_view()
        if v is None or self.step_id is None:
            return None
        if v.run.event_id not in self.ctx.room.state.events:
            self.ctx.notices.warning(f"L'événement {v.run.event_id} n'existe plus.")
            return None
        origin = (v.run.run_id, self.step_id)
        return self.situation.show(
            SituationDialog(
                self.ctx, v.run.event_id, self, origin=origin, prefill=self.panel.inputs()
            )
        )

    def _preview(self, v: RunView, sv: StepView) -> str | None:
        """The message a « message » step prepares; once done, where its draft stands."""
        step = sv.step
        if step.kind != "message" or step.template not in self.library.templates:
            return None
        if sv.status == StepStatus.FAIT:
            note = (
                "<br><i>Brouillon déposé en main courante : le chef de salle le "
                "valide et l'envoie (panneau Messages).</i>"
            )
            for state in self._draft_states(v.run.run_id, step.id):
                note += f"<br><b>État du message : {state}</b>"
            return "<b>Message préparé</b><br>" + note
        subject, body = self.runner.render(
            step.template, self.runner.message_fields(v.run, step, {})
        )
        return f"<b>{subject}</b><br>{body.replace(chr(10), '<br>')}"

    def _draft_states(self, run_id: str, step_id: str) -> list[str]:
        """The PP link's view of the drafts of this step."""
        return [
            f"{m.state_label} ({m.key})"
            for m in self.ctx.room.state.messages.values()
            if m.origin is not None
            and m.origin.get("run_id") == run_id
            and m.origin.get("step_id") == step_id
        ]

    def _on_event_selected(self, event_id: str) -> None:
        """The map or the events list picked an event: show its most recent fiche."""
        runs = [r for r in self.runner.runs(event_id) if not r.is_closed]
        if runs and (self.run_id is None or self.runner.view(self.run_id).run.event_id != event_id):
            self.select_run(runs[-1].run_id)
            self._fill_tree()

    def _on_step_row(self, row: int) -> None:
        step_id = self.steps.step_at(row)
        if step_id is None:
            return
        self.step_id = step_id
        v = self.current_view()
        if v is not None:
            self.steps.show_steps(v, self.step_id)
            self._show_step(v, v.step(self.step_id))

    # -- actions -----------------------------------------------------------------------------

    def _act(self, command: Callable[[], object]) -> bool:
        try:
            command()
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return False
        return True

    def _advance(self) -> None:
        """After a transition, follow the fiche: show its next step."""
        v = self.current_view()
        if v is not None and v.current is not None:
            self.step_id = v.current
        self._show_run()

    def open_launch_dialog(self) -> None:
        if self.readonly:
            return
        events = [e for e in self.ctx.room.state.events.values() if e.status != EventStatus.CLOS]
        if not events:
            self.ctx.notices.warning("Aucun événement ouvert sur lequel lancer une fiche.")
            return
        dialog = LaunchDialog(self.library, events, self.ctx.selection.event_id, self)
        self._dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted:
            fiche_id, event_id = dialog.chosen()
            if fiche_id and event_id:
                self.launch(fiche_id, str(event_id))
        self._dialog = None

    def launch(self, fiche_id: str, event_id: str) -> str | None:
        try:
            run_id = self.runner.launch(fiche_id, event_id)
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return None
        self.select_run(run_id)
        self.refresh()
        self.show()
        self.raise_()
        self.steps.setFocus()
        return run_id

    def start_step(self) -> None:
        run_id, step_id = self.run_id, self.step_id
        if run_id and step_id and self.panel.start_button.isEnabled():
            self._act(lambda: self.runner.start(run_id, step_id))
            self._show_run()

    def mark_done(self) -> None:
        run_id, step_id = self.run_id, self.step_id
        if not (run_id and step_id and self.panel.done_button.isEnabled()):
            return
        inputs, mairie = self.panel.inputs(), self.panel.chosen_mairie()
        if self._act(lambda: self.runner.complete(run_id, step_id, inputs, mairie=mairie)):
            self._advance()

    def focus_skip(self) -> None:
        if self.panel.skip_reason.isEnabled():
            self.panel.skip_reason.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def skip_step(self) -> None:
        run_id, step_id = self.run_id, self.step_id
        if not (run_id and step_id and self.panel.skip_button.isEnabled()):
            return
        reason = self.panel.skip_reason.text()
        if not reason.strip():
            self.ctx.notices.warning("Indiquez le motif pour sauter l'étape, puis Entrée.")
            self.focus_skip()
            return
        if self._act(lambda: self.runner.skip(run_id, step_id, reason)):
            self.panel.skip_reason.clear()
            self._advance()

    def choose_branch(self, index: int) -> None:
        run_id, step_id = self.run_id, self.step_id
        if not (run_id and step_id) or not self.panel.branch_enabled(index):
            return
        if self._act(lambda: self.runner.choose(run_id, step_id, index)):
            self._advance()

    def log_call(self) -> None:
        run_id, step_id, call = self.run_id, self.step_id, self.panel.call
        if not (run_id and step_id and call.isVisible() and call.button.isEnabled()):
            return
        contact, outcome = call.chosen()
        if contact is None:
            return
        v = self.current_view()
        sv = v.step(step_id) if v else None
        done = outcome == "joint" and sv is not None and sv.is_open and not sv.step.inputs
        note = call.note.text()
        if self._act(
            lambda: self.runner.log_call(run_id, step_id, contact, outcome, note, done=done)
        ):
            call.note.clear()
            if done:
                self._advance()
            else:
                self._show_run()

    def close_run(self) -> None:
        run_id = self.run_id
        reason = self.panel.skip_reason.text() or ""
        if run_id and self._act(lambda: self.runner.close(run_id, reason)):
            self.panel.skip_reason.clear()
            self.refresh()

    def go_back(self) -> None:
        row = self.steps.currentRow()
        if row > 0:
            self.steps.setCurrentRow(row - 1)

    def go_next(self) -> None:
        row = self.steps.currentRow()
        if 0 <= row < self.steps.count() - 1:
            self.steps.setCurrentRow(row + 1)

    def teardown(self) -> None:
        self._tick.stop()
        self.situation.close()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self.refresh)
        self.ctx.selection.event_selected.disconnect(self._on_event_selected)
