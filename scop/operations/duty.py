"""Crews on duty: prise de service, changes of composition, fin de service.

Every crew of a room comes in through :func:`registration_draft`, whoever puts it on duty
(the chief at the Équipages dock, a roster import, the demo seed), so that a crew has the
same fields and the same checks whatever the path. The draft builders are functions of the
room's state; the commands below run them and append what they return in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scop.clock import local, to_iso
from scop.models import fold_core as k
from scop.models import fold_duty as kd
from scop.models.entities import Crew
from scop.models.entries import Draft, Operator
from scop.models.nomenclatures import CREW_KINDS, CrewKind, crew_kind_label
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus
from scop.room import CommandRefused, Room, entry_check

MAX_AGENTS = 12
MAX_DUTY_HOURS = 24
CALL_SIGN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/")
KIND_VALUES = frozenset(k.value for k in CrewKind)
ENGAGED = (CrewStatus.ENGAGE, CrewStatus.SUR_LES_LIEUX)


@dataclass(frozen=True, slots=True)
class CrewDuty:
    """One crew's duty as the chief or the roster gives it."""

    call_sign: str
    kind: CrewKind
    division: str
    agents: int
    duty_start: datetime
    duty_end: datetime
    names: tuple[str, ...] = ()
    radio: str = ""
    # where the crew starts (its base), when known: the map shows it before the first fix
    lon: float | None = None
    lat: float | None = None
    heading: float | None = None


def normalise_call_sign(text: str) -> str:
    return text.strip().upper()


def duty_problems(d: CrewDuty) -> list[str]:
    """What is wrong with ``d`` on its own, in French; empty when it can go on duty."""
    out: list[str] = []
    if not d.call_sign:
        out.append("indicatif manquant")
    elif not set(d.call_sign) <= CALL_SIGN_CHARS or len(d.call_sign) > 20:
        out.append(
            f"indicatif « {d.call_sign} » invalide (lettres, chiffres et tirets, 20 au plus)"
        )
    if not d.division.strip():
        out.append("division ou secteur manquant")
    if not 1 <= d.agents <= MAX_AGENTS:
        out.append(f"nombre d'agents {d.agents} hors limites (1 à {MAX_AGENTS})")
    if len(d.names) > d.agents:
        out.append(f"{len(d.names)} noms d'agents pour {d.agents} agent(s)")
    if d.duty_start.tzinfo is None or d.duty_end.tzinfo is None:
        out.append("heure sans fuseau")
    elif d.duty_end <= d.duty_start:
        out.append("fin de service avant le début")
    elif (d.duty_end - d.duty_start).total_seconds() > MAX_DUTY_HOURS * 3600:
        out.append(f"service de plus de {MAX_DUTY_HOURS} h")
    return out


def registration_draft(
    d: CrewDuty, author: Operator | None = None, source: str = "operateur"
) -> Draft:
    """The one shape of a ``crew.registered`` entry."""
    payload: dict[str, Any] = {
        "call_sign": d.call_sign,
        "kind": d.kind.value,
        "mode": CREW_KINDS[d.kind].mode,
        "division": d.division.strip(),
        "agents": d.agents,
        "names": list(d.names),
        "radio": d.radio.strip(),
        "duty_start": to_iso(d.duty_start),
        "duty_end": to_iso(d.duty_end),
    }
    if d.lon is not None and d.lat is not None:
        payload.update(lon=d.lon, lat=d.lat, heading=d.heading)
    return Draft(k.CREW_REGISTERED, payload, source, author)


def composition_changes(crew: Crew, d: CrewDuty) -> dict[str, Any]:
    """What differs between the crew on duty and ``d`` (a roster line for the same call sign),
    as a ``crew.composition_changed`` payload's fields. The kind does not change: another
    kind is another crew."""
    out: dict[str, Any] = {}
    if crew.agents != d.agents:
        out["agents"] = d.agents
    if crew.names != d.names:
        out["names"] = list(d.names)
    if crew.radio != d.radio.strip():
        out["radio"] = d.radio.strip()
    if crew.division != d.division.strip():
        out["division"] = d.division.strip()
    if crew.duty_end != d.duty_end:
        out["duty_end"] = to_iso(d.duty_end)
    return out


def service_drafts(
    state: RoomState,
    duties: Iterable[CrewDuty],
    author: Operator | None = None,
    source: str = "operateur",
) -> list[Draft]:
    """Drafts putting ``duties`` on duty: a prise de service for a new call sign, a change of
    composition for one already on duty (a roster read twice updates, never doubles).
    Refuses the whole batch at the first problem."""
    drafts: list[Draft] = []
    seen: set[str] = set()
    for d in duties:
        problems = duty_problems(d)
        if problems:
            raise CommandRefused(f"{d.call_sign or '?'} : " + " ; ".join(problems) + ".")
        if d.call_sign in seen:
            raise CommandRefused(f"{d.call_sign} apparaît deux fois.")
        seen.add(d.call_sign)
        crew = state.crews.get(d.call_sign)
        if crew is None:
            drafts.append(registration_draft(d, author, source))
            continue
        if crew.kind and crew.kind != d.kind.value:
            raise CommandRefused(
                f"{d.call_sign} est déjà en service comme {crew_kind_label(crew.kind)} :"
                " un autre type est un autre équipage (fin de service d'abord)."
            )
        changes = composition_changes(crew, d)
        if changes:
            drafts.append(
                Draft(
                    kd.CREW_COMPOSITION,
                    {
                        "call_sign": d.call_sign,
                        **changes,
                        "reason": "mise à jour du tableau de service",
                    },
                    source,
                    author,
                )
            )
    return drafts


@entry_check(k.CREW_REGISTERED)
def check_registered(st: RoomState, p: Mapping[str, Any]) -> None:
    crew = st.crews.get(str(p.get("call_sign")))
    if crew is not None:
        raise CommandRefused(f"{crew.call_sign} est déjà en service{_since(crew)}.")


@entry_check(kd.CREW_COMPOSITION)
def check_composition(st: RoomState, p: Mapping[str, Any]) -> None:
    _on_duty(st, str(p.get("call_sign")))


@entry_check(kd.CREW_DUTY_ENDED)
def check_duty_ended(st: RoomState, p: Mapping[str, Any]) -> None:
    crew = _on_duty(st, str(p.get("call_sign")))
    if crew.status in ENGAGED:
        raise CommandRefused(
            f"Fin de service refusée : {crew.call_sign} est {crew.status_label.lower()} sur "
            f"{crew.event_id}. Dégagez-le d'abord (ou déroulez-le vers un autre équipage)."
        )


def _on_duty(st: RoomState, call_sign: str) -> Crew:
    crew = st.crews.get(call_sign)
    if crew is None:
        raise CommandRefused(f"{call_sign} n'est pas en service.")
    return crew


def _since(crew: Crew) -> str:
    return f" depuis {local(crew.duty_start):%H:%M}" if crew.duty_start else ""


def take_service(room: Room, duty: CrewDuty) -> None:
    """Prise de service of one crew. A call sign already on duty is refused here (the
    roster import, not the dock, is the place that updates)."""

    def decide(st: RoomState) -> list[Draft]:
        check_registered(st, {"call_sign": duty.call_sign})
        return service_drafts(st, [duty])

    room.execute("crew.take_service", decide)


def put_on_duty(room: Room, duties: Sequence[CrewDuty]) -> list[Draft]:
    """A whole roster in one transaction; returns what was journaled (empty: nothing new).
    Decided at the journal's head: a crew another workstation put on duty meanwhile is
    updated, not doubled."""
    out: list[Draft] = []

    def decide(st: RoomState) -> list[Draft]:
        out[:] = service_drafts(st, duties)
        return list(out)

    room.execute("crew.roster_import", decide)
    return out


def change_composition(
    room: Room,
    call_sign: str,
    *,
    agents: int | None = None,
    names: Sequence[str] | None = None,
    radio: str | None = None,
    division: str | None = None,
    duty_end: datetime | None = None,
    reason: str = "",
) -> bool:
    """Journal what changed in a crew on duty; returns False when nothing did."""
    now = room.clock.now()

    def decide(st: RoomState) -> list[Draft]:
        crew = _on_duty(st, call_sign)
        start = crew.duty_start or now
        kind = crew.kind if crew.kind in KIND_VALUES else CrewKind.PATROUILLE_PORTEE.value
        wanted = CrewDuty(
            call_sign,
            CrewKind(kind),
            crew.division if division is None else division,
            crew.agents if agents is None else agents,
            start,
            duty_end or crew.duty_end or start + timedelta(hours=1),
            crew.names if names is None else tuple(n.strip() for n in names if n.strip()),
            crew.radio if radio is None else radio,
        )
        problems = duty_problems(wanted)
        if problems:
            raise CommandRefused(f"{call_sign} : " + " ; ".join(problems) + ".")
        changes = composition_changes(crew, wanted)
        if duty_end is None:
            changes.pop("duty_end", None)
        if not changes:
            return []
        payload: dict[str, Any] = {"call_sign": call_sign, **changes}
        if reason.strip():
            payload["reason"] = reason.strip()
        return [Draft(kd.CREW_COMPOSITION, payload)]

    return bool(room.execute("crew.composition", decide))


def end_service(room: Room, call_sign: str, reason: str = "") -> None:
    """Fin de service. Refused while the crew is engaged: it must be released (or rerouted)
    first, or its event would lose a crew nobody released."""

    def decide(st: RoomState) -> list[Draft]:
        payload: dict[str, Any] = {"call_sign": call_sign}
        if reason.strip():
            payload["reason"] = reason.strip()
        check_duty_ended(st, payload)
        return [Draft(kd.CREW_DUTY_ENDED, payload)]

    room.execute("crew.end_service", decide)
