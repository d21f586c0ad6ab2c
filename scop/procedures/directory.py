"""Who is on call now, and which mairie d'arrondissement an event belongs to.

Schedules are read in Paris time (astreintes change at 08:30 Paris, whatever the season);
the instant comes from the room's clock, so replay shows who was on call then.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scop.clock import local
from scop.models.entities import Event
from scop.procedures.model import EVENT_MAIRIE, Contact, Library, Mairie, Person, Slot

_POSTCODE = re.compile(r"\b750(\d\d)\b")


@dataclass(frozen=True, slots=True)
class OnCall:
    contact: Contact
    person: Person
    slot: Slot | None  # None: no named on-call duty now, the switchboard answers

    @property
    def label(self) -> str:
        return self.slot.label if self.slot else "Standard (aucune astreinte nominative)"


def _covers(slot: Slot, t: datetime) -> bool:
    clock, day = t.time(), t.weekday()
    if slot.start == slot.end:  # around the clock
        return day in slot.days
    if slot.start < slot.end:
        return day in slot.days and slot.start <= clock < slot.end
    # past midnight: the part after midnight belongs to the day the slot began
    if clock >= slot.start:
        return day in slot.days
    return clock < slot.end and (day - 1) % 7 in slot.days


def _slot_start(slot: Slot, t: datetime) -> date:
    if slot.start > slot.end and t.time() < slot.end:
        return (t - timedelta(days=1)).date()
    return t.date()


def on_call(contact: Contact, now: datetime, rotation_start: str = "2026-01-05") -> OnCall:
    t = local(now)
    for slot in contact.slots:
        if _covers(slot, t):
            person = slot.people[0]
            if len(slot.people) > 1:
                ref = date.fromisoformat(rotation_start)
                began = _slot_start(slot, t)
                week = (began - ref).days // 7
                person = slot.people[week % len(slot.people)]
            return OnCall(contact, person, slot)
    return OnCall(contact, Person("Standard", contact.switchboard), None)


def arrondissement(event: Event) -> int | None:
    m = _POSTCODE.search(event.address or "")
    if m and 1 <= int(m.group(1)) <= 20:
        return int(m.group(1))
    return None


def mairie_for(library: Library, event: Event | None) -> Mairie | None:
    """The event's mairie from its postcode, else the nearest one."""
    if event is None or not library.mairies:
        return None
    arr = arrondissement(event)
    if arr is not None:
        for m in library.mairies:
            if arr in m.arrondissements:
                return m
    if event.lon is not None and event.lat is not None:
        lon, lat = event.lon, event.lat
        return min(library.mairies, key=lambda m: math.hypot((m.lon - lon) * 0.66, m.lat - lat))
    return None


def resolve_contact(library: Library, contact_id: str, event: Event | None) -> Contact | None:
    if contact_id == EVENT_MAIRIE:
        m = mairie_for(library, event)
        return library.contacts.get(m.contact) if m else None
    return library.contacts.get(contact_id)


def local_hhmm(t: time) -> str:
    return t.strftime("%H:%M")
