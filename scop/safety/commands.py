"""Commands of agent safety, in the room's one command shape.

Each is a decision: a pure function of the folded state, the time and who acts, returning
the journal drafts (or raising :class:`CommandRefused` with a French message). :func:`run`
hands it to ``room.execute``, which runs it inside the journal's write transaction against
the journal's head, so two consoles never ask the same check twice nor raise one alert twice.
Who may issue each command (the chief alone closes an alert…) is the guard's business: the
``safety.*`` rows of the role table, :mod:`scop.models.permissions`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Concatenate, ParamSpec

from scop.clock import to_iso
from scop.geo.area import in_paris
from scop.models import fold_core as k
from scop.models import fold_safety as ks
from scop.models.entities import Crew
from scop.models.entries import CREW_FEED, Draft, Entry, Operator
from scop.models.fold_safety import DangerAlert, settings_of
from scop.models.ids import next_id
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus
from scop.operations.commands import next_event_id
from scop.room import CommandRefused, Room
from scop.safety.watch import crew_point, due_reason, nearest_available, watch_of

P = ParamSpec("P")
Command = Callable[Concatenate[RoomState, datetime, Operator, P], list[Draft]]

DANGER_CATEGORY = "PSW/ALM"  # EMSI « Alarme »: the event an agent-in-danger alert opens
MAX_TEXT = 300

# Services acting on their own: every entry names who really acted.
SAFETY_WATCH = Operator("Veille sécurité", "system", "service:veille-securite")
FEED = CREW_FEED


def run(room: Room, command: Command[P], *args: P.args, **kwargs: P.kwargs) -> list[Entry]:
    """Run a command as the logged-in operator (see :func:`run_as`)."""
    return run_as(room, room.operator, command, *args, **kwargs)


def run_as(
    room: Room, actor: Operator, command: Command[P], *args: P.args, **kwargs: P.kwargs
) -> list[Entry]:
    """Run a command under ``actor`` (a service names itself): the guard, then the decision
    in the write transaction. The time is read once, before: a decision reads no clock."""
    now = room.clock.now()
    return room.execute(
        f"safety.{command.__name__}",
        lambda st: command(st, now, actor, *args, **kwargs),
        author=actor,
    )


def _crew(state: RoomState, call_sign: str) -> Crew:
    crew = state.crews.get(call_sign)
    if crew is None:
        raise CommandRefused(f"Équipage inconnu : {call_sign}.")
    return crew


def _d(kind: str, payload: dict[str, Any], actor: Operator, source: str = "operateur") -> Draft:
    return Draft(kind, payload, source, actor)


# -- status checks ---------------------------------------------------------------------------


def due_checks(state: RoomState, now: datetime, actor: Operator) -> list[Draft]:
    """The checks that the clock has made due: one ``safety.check_due`` per crew. Written by
    the room's safety watch under its own identity; a check already asked is not asked
    again (the state is the journal's latest, see :func:`run`)."""
    drafts = []
    for crew in sorted(state.crews.values(), key=lambda c: c.call_sign):
        due = due_reason(state, crew, now)
        if due is None:
            continue
        reason, elapsed, threshold = due
        drafts.append(
            _d(
                ks.CHECK_DUE,
                {
                    "call_sign": crew.call_sign,
                    "reason": reason,
                    "status": crew.status,
                    "event_id": crew.event_id,
                    "elapsed_s": round(elapsed),
                    "threshold_s": round(threshold),
                },
                actor,
                "systeme",
            )
        )
    return drafts


def check_outcome(
    state: RoomState, now: datetime, actor: Operator, call_sign: str, outcome: str
) -> list[Draft]:
    """The operator's answer to a check, one keystroke: contact OK restarts the timer; a
    second « sans réponse » in a row, or a reinforcement request, escalates to the chief
    with the nearest available crews ranked."""
    crew = _crew(state, call_sign)
    if outcome not in ks.CHECK_OUTCOMES:
        raise CommandRefused(f"Issue de point de situation inconnue : {outcome}.")
    w = watch_of(state, call_sign)
    drafts = [
        _d(
            ks.CHECK_OUTCOME,
            {"call_sign": call_sign, "outcome": outcome, "reason": w.check_reason or None},
            actor,
        )
    ]
    if w.check_reason == "accuse" and outcome == "contact_ok" and crew.event_id:
        drafts.append(
            _d(
                ks.ENGAGEMENT_CONFIRMED,
                {"call_sign": call_sign, "event_id": crew.event_id, "via": "radio"},
                actor,
            )
        )
    escalate = (outcome == "sans_reponse" and w.no_answer >= 1) or outcome == "renfort"
    if escalate:
        lon, lat = crew_point(state, crew)
        drafts.append(
            _d(
                ks.ESCALATED,
                {
                    "call_sign": call_sign,
                    "reason": outcome,
                    "event_id": crew.event_id,
                    "lon": lon,
                    "lat": lat,
                    "ranked": nearest_available(state, lon, lat, now, exclude=call_sign),
                },
                actor,
            )
        )
    return drafts


def confirm_engagement(
    state: RoomState, now: datetime, actor: Operator, call_sign: str, via: str = "radio"
) -> list[Draft]:
    """The crew acknowledges its engagement: from the radio (the operator) or the feed."""
    crew = _crew(state, call_sign)
    if crew.status != CrewStatus.ENGAGE or crew.event_id is None:
        raise CommandRefused(f"{call_sign} n'a pas d'engagement à confirmer.")
    if watch_of(state, call_sign).confirmed_at is not None:
        return []
    source = "equipage" if via == "flux" else "operateur"
    return [
        _d(
            ks.ENGAGEMENT_CONFIRMED,
            {"call_sign": call_sign, "event_id": crew.event_id, "via": via},
            actor,
            source,
        )
    ]


def change_settings(
    state: RoomState, now: datetime, actor: Operator, values: dict[str, Any]
) -> list[Draft]:
    accepted, problems = ks.check_settings(values)
    if problems:
        raise CommandRefused("Réglages refusés : " + " ; ".join(problems) + ".")
    current = settings_of(state)
    changed = {
        key: list(v) if isinstance(v, tuple) else v
        for key, v in accepted.items()
        if getattr(current, key) != v
    }
    return [_d(ks.SETTINGS_CHANGED, {"values": changed}, actor)] if changed else []


# -- agent en danger -------------------------------------------------------------------------


def open_alert(state: RoomState, call_sign: str) -> DangerAlert | None:
    for a in state.danger_alerts.values():
        if isinstance(a, DangerAlert) and a.call_sign == call_sign and a.is_open:
            return a
    return None


def open_alerts(state: RoomState) -> list[DangerAlert]:
    alerts = [a for a in state.danger_alerts.values() if isinstance(a, DangerAlert) and a.is_open]
    return sorted(alerts, key=lambda a: a.raised_at)


def raise_danger(
    state: RoomState,
    now: datetime,
    actor: Operator,
    call_sign: str,
    *,
    via: str = "operateur",
    lon: float | None = None,
    lat: float | None = None,
) -> list[Draft]:
    """An agent in danger: an event at gravity 4 at the crew's position and the alert, in one
    transaction, with the nearest available crews ranked. A second press of the button while
    the alert is open adds nothing: the alert is already everywhere."""
    crew = _crew(state, call_sign)
    if open_alert(state, call_sign) is not None:
        return []
    if lon is None or lat is None or not in_paris(lon, lat):
        lon, lat = crew_point(state, crew)
    source = "equipage" if via == "flux" else "operateur"
    event_id = next_event_id(state, now)
    alert_id = f"AED-{len(state.danger_alerts) + 1:03d}"
    ranked = nearest_available(state, lon, lat, now, exclude=call_sign)
    event = {
        "id": event_id,
        "category": DANGER_CATEGORY,
        "title": f"AGENT EN DANGER — {call_sign}",
        "gravity": 4,
        "source": source,
        "address": "" if lon is not None else f"dernière position inconnue de {call_sign}",
        "lon": lon,
        "lat": lat,
        "caller": call_sign,
        "description": "Alerte agent en danger "
        + ("(bouton d'alerte du poste radio ou TPH)" if via == "flux" else "(appel radio)"),
        "parent_id": None,
    }
    return [
        _d(k.EVENT_CREATED, event, actor, source),
        _d(
            ks.DANGER_RAISED,
            {
                "alert_id": alert_id,
                "call_sign": call_sign,
                "event_id": event_id,
                "via": via,
                "lon": lon,
                "lat": lat,
                "crew_event_id": crew.event_id,
                "ranked": ranked,
            },
            actor,
            source,
        ),
    ]


def _open(state: RoomState, alert_id: str) -> DangerAlert:
    a = state.danger_alerts.get(alert_id)
    if not isinstance(a, DangerAlert):
        raise CommandRefused(f"Alerte inconnue : {alert_id}.")
    if not a.is_open:
        raise CommandRefused(f"L'alerte {alert_id} est close.")
    return a


def take_danger(state: RoomState, now: datetime, actor: Operator, alert_id: str) -> list[Draft]:
    """A named operator takes the alert: the alarm stops on every console, the banner says
    who took it and when. Silencing is taking: there is no mute."""
    a = _open(state, alert_id)
    if a.taken_by is not None:
        raise CommandRefused(f"Alerte déjà prise par {a.taken_by}.")
    return [_d(ks.DANGER_TAKEN, {"alert_id": alert_id, "call_sign": a.call_sign}, actor)]


def cancel_danger(
    state: RoomState, now: datetime, actor: Operator, call_sign: str, via: str = "flux"
) -> list[Draft]:
    """The crew says false alarm: journaled, never erased; the chief still closes."""
    a = open_alert(state, call_sign)
    if a is None:
        raise CommandRefused(f"Aucune alerte ouverte pour {call_sign}.")
    if a.cancelled_at is not None:
        return []
    source = "equipage" if via == "flux" else "operateur"
    return [
        _d(
            ks.DANGER_CANCELLED,
            {"alert_id": a.alert_id, "call_sign": call_sign, "via": via},
            actor,
            source,
        )
    ]


def close_danger(
    state: RoomState,
    now: datetime,
    actor: Operator,
    alert_id: str,
    outcome: str,
    *,
    false_alarm: bool = False,
) -> list[Draft]:
    a = _open(state, alert_id)
    outcome = outcome.strip()
    if not outcome:
        raise CommandRefused("Indiquez l'issue de l'alerte pour la clore.")
    return [
        _d(
            ks.DANGER_CLOSED,
            {
                "alert_id": alert_id,
                "call_sign": a.call_sign,
                "outcome": outcome[:MAX_TEXT],
                "false_alarm": bool(false_alarm),
            },
            actor,
        )
    ]


# -- hazards ---------------------------------------------------------------------------------

# A flag describes a place. Civil titles and birth dates are the usual way a person's
# identity slips into a free text; refuse them rather than keep a file on someone.
_PERSON_HINTS = re.compile(
    r"\b(m\.|mme|mlle|monsieur|madame|mademoiselle|né\s+le|née\s+le|nom\s*:)", re.IGNORECASE
)


def record_hazard(
    state: RoomState,
    now: datetime,
    actor: Operator,
    *,
    category: str,
    text: str,
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    days: float | None = None,
) -> list[Draft]:
    if category not in ks.HAZARD_CATEGORIES:
        raise CommandRefused(f"Catégorie de danger inconnue : {category or '(vide)'}.")
    text = " ".join(text.split())
    if not text:
        raise CommandRefused("Décrivez le danger en quelques mots factuels.")
    if len(text) > MAX_TEXT:
        raise CommandRefused(f"Texte trop long ({len(text)} caractères, {MAX_TEXT} au plus).")
    if _PERSON_HINTS.search(text):
        raise CommandRefused(
            "Un signalement décrit un lieu, jamais une personne : retirez le nom ou "
            "l'identité du texte."
        )
    if (lon is None) != (lat is None):
        raise CommandRefused("Coordonnées incomplètes : longitude et latitude vont ensemble.")
    if lon is not None and lat is not None and not in_paris(lon, lat):
        raise CommandRefused(f"Le point ({lat:.5f}, {lon:.5f}) est hors de Paris.")
    if not address.strip() and lon is None:
        raise CommandRefused("Indiquez une adresse ou un point sur la carte.")
    days = settings_of(state).hazard_expiry_days if days is None else days
    if not 0 < days <= 366:
        raise CommandRefused("Durée d'un signalement : de 1 jour à 1 an.")
    return [
        _d(
            ks.HAZARD_RECORDED,
            {
                "id": next_id("DGR-", state.hazards),
                "category": category,
                "text": text,
                "address": address.strip(),
                "lon": lon,
                "lat": lat,
                "expires_at": to_iso(now + timedelta(days=days)),
            },
            actor,
        )
    ]


def lift_hazard(
    state: RoomState, now: datetime, actor: Operator, hazard_id: str, reason: str
) -> list[Draft]:
    h = state.hazards.get(hazard_id)
    if not isinstance(h, ks.Hazard) or not h.active(now):
        raise CommandRefused(f"Signalement inconnu ou déjà expiré : {hazard_id}.")
    if not reason.strip():
        raise CommandRefused("Indiquez pourquoi le signalement est levé.")
    return [_d(ks.HAZARD_LIFTED, {"id": hazard_id, "reason": reason.strip()}, actor)]


# -- lookouts --------------------------------------------------------------------------------

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


def issue_lookout(
    state: RoomState,
    now: datetime,
    actor: Operator,
    *,
    kind: str,
    priority: int,
    description: str,
    photo: str = "",
    days: float | None = None,
) -> list[Draft]:
    if kind not in ks.LOOKOUT_TYPES:
        raise CommandRefused(f"Type d'avis de recherche inconnu : {kind or '(vide)'}.")
    if priority not in ks.LOOKOUT_PRIORITIES:
        raise CommandRefused("Priorité : 1 (haute), 2 (moyenne) ou 3 (basse).")
    description = description.strip()
    if not description:
        raise CommandRefused("Décrivez la personne ou le véhicule recherché.")
    if photo and not photo.lower().endswith(PHOTO_SUFFIXES):
        raise CommandRefused("La photo doit être un fichier JPEG ou PNG.")
    days = settings_of(state).lookout_expiry_days if days is None else days
    if not 0 < days <= 90:
        raise CommandRefused("Durée d'un avis de recherche : de 1 à 90 jours.")
    return [
        _d(
            ks.LOOKOUT_ISSUED,
            {
                "id": next_id("ADR-", state.lookouts),
                "type": kind,
                "priority": priority,
                "description": description,
                "photo": photo,
                "expires_at": to_iso(now + timedelta(days=days)),
            },
            actor,
        )
    ]


def _active_lookout(state: RoomState, now: datetime, lookout_id: str) -> ks.Lookout:
    lo = state.lookouts.get(lookout_id)
    if not isinstance(lo, ks.Lookout) or not lo.active(now):
        raise CommandRefused(f"Avis de recherche inconnu, clos ou expiré : {lookout_id}.")
    return lo


def read_lookout(state: RoomState, now: datetime, actor: Operator, lookout_id: str) -> list[Draft]:
    _active_lookout(state, now, lookout_id)
    return [_d(ks.LOOKOUT_READ, {"id": lookout_id}, actor)]


def attach_lookout(
    state: RoomState, now: datetime, actor: Operator, lookout_id: str, event_id: str
) -> list[Draft]:
    lo = _active_lookout(state, now, lookout_id)
    if event_id not in state.events:
        raise CommandRefused(f"Événement inconnu : {event_id}.")
    if event_id in lo.events:
        return []
    return [_d(ks.LOOKOUT_ATTACHED, {"id": lookout_id, "event_id": event_id}, actor)]


def close_lookout(
    state: RoomState, now: datetime, actor: Operator, lookout_id: str, reason: str
) -> list[Draft]:
    _active_lookout(state, now, lookout_id)
    if not reason.strip():
        raise CommandRefused("Indiquez pourquoi l'avis est clos (retrouvé, annulé…).")
    return [_d(ks.LOOKOUT_CLOSED, {"id": lookout_id, "reason": reason.strip()}, actor)]
