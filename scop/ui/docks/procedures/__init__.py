"""The fiches réflexes dock, split by job as Frescobaldi's ``snippet`` package is:

- ``dock``: the dock itself (which fiche and step are shown, presses turned into commands);
- ``run_tree``: the fiches under way by event, and the steps of the chosen one;
- ``step_panel``: one step, its countdown and its buttons; ``call_form``: an « appel » step;
- ``launch``: the dialog that launches a fiche; ``actions``: the keyboard;
- ``style``: colours and sizes.

The words (contacts, facts, countdowns, button captions) are pure functions in
``scop.procedures.texts``; the runner is built in ``scop.app`` and handed in by ``UiContext``.
"""

from scop.ui.docks.procedures.dock import ProceduresDock
from scop.ui.docks.procedures.launch import LaunchDialog
from scop.ui.docks.procedures.style import OVERDUE_BG

__all__ = ["OVERDUE_BG", "LaunchDialog", "ProceduresDock"]
