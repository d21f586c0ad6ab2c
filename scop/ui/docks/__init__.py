"""The console's docks, in the order the View menu lists them."""

from __future__ import annotations

from scop.ui.docks.base import ScopDock
from scop.ui.docks.crews_dock import CrewsDock
from scop.ui.docks.dashboard_dock import DashboardDock
from scop.ui.docks.event_card import EventCardDock
from scop.ui.docks.events_dock import EventsDock
from scop.ui.docks.journal_dock import JournalDock
from scop.ui.docks.lookouts_dock import LookoutsDock
from scop.ui.docks.messages_dock import MessagesDock
from scop.ui.docks.procedures import ProceduresDock
from scop.ui.docks.safety_dock import SafetyDock
from scop.ui.map.dock import MapDock

DOCK_CLASSES: tuple[type[ScopDock], ...] = (
    MapDock,
    EventsDock,
    EventCardDock,
    CrewsDock,
    JournalDock,
    ProceduresDock,
    MessagesDock,
    SafetyDock,
    LookoutsDock,
    DashboardDock,
)
