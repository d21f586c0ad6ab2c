"""Who may do what: the one table of commands × roles that the room's guard enforces.

Every command the room runs (``Room.execute``: a console, the gateway, a script, a test) is
checked here, so a rule is not only a greyed-out button. A command absent from the table is a
service's record of what happened elsewhere (the PP's messages, a crew's report, the demo
seed): only a service identity (role ``system``) may write it.
"""

from __future__ import annotations

from scop.models.entries import ROLES

PERSON_ROLES: tuple[str, ...] = ("operator", "chief", "trainer", "admin", "observer")
ALL_ROLES: tuple[str, ...] = (*PERSON_ROLES, "system")

_OPS = frozenset({"operator", "chief", "system"})
_CHIEF = frozenset({"chief", "system"})
_TRAINER = frozenset({"trainer", "system"})
_ADMIN = frozenset({"admin", "system"})
_EVERYONE = frozenset(ALL_ROLES)
_PERSONS = frozenset({"operator", "chief"})  # a named person, never a service
_CHIEF_PERSON = frozenset({"chief"})

# command -> roles allowed. Observers write nothing but their own sessions (who watched the
# wall, when, is part of the record).
COMMAND_ROLES: dict[str, frozenset[str]] = {
    # sessions: everyone's own
    "login": _EVERYONE,
    "logout": _EVERYONE,
    "session.lock": _EVERYONE,
    "session.unlock": _EVERYONE,
    # the main courante
    "note": _OPS,
    "correct": _OPS,  # one's own entry
    "correct.other": _CHIEF,  # someone else's
    # intake, events, information
    "event.create": _OPS,
    "event.take_in_hand": _OPS,
    "event.start": _OPS,
    "event.close": _OPS,
    "event.gravity": _OPS,
    "event.link": _OPS,
    "event.add_info": _OPS,
    "event.verify_info": _OPS,
    # engagement, release, déroulement
    "crew.engage": _OPS,
    "crew.reroute": _OPS,
    "crew.release": _OPS,
    "crew.on_scene": _OPS,
    "crew.status": _OPS,
    "crew.take_service": _OPS,  # prise de service
    "crew.roster_import": _OPS,
    "crew.composition": _OPS,
    "crew.end_service": _OPS,
    "perimeter.draw": _OPS,
    "perimeter.lift": _OPS,
    # fiches réflexes: steps by whoever they are assigned to, launch and close by the chief
    "procedure.launch": _CHIEF,
    "procedure.close": _CHIEF,
    "procedure.start_step": _OPS,
    "procedure.complete_step": _OPS,
    "procedure.skip_step": _OPS,
    "procedure.choose_branch": _OPS,
    "procedure.log_call": _OPS,
    "procedure.chief_step": _CHIEF,  # any act on a step the fiche assigns to the chief
    # messages to the PP: drafted by operators, validated and sent by the chief
    "message.draft": _OPS,
    "message.discard": _OPS,
    "message.consult": _OPS,
    "message.validate": _CHIEF,
    # the relève: the outgoing chief drafts it, the incoming chief takes it
    "handover.draft": _CHIEF,
    "handover.acknowledge": _CHIEF,
    # agent safety: a named person answers checks, takes alerts and handles lookouts (no
    # service does); the chief closes alerts, sets thresholds and flags places
    "safety.check_outcome": _PERSONS,
    "safety.take_danger": _PERSONS,
    "safety.issue_lookout": _PERSONS,
    "safety.read_lookout": _PERSONS,
    "safety.attach_lookout": _PERSONS,
    "safety.close_lookout": _PERSONS,
    "safety.raise_danger": _OPS,  # the operator's button, or the feed's signal
    "safety.cancel_danger": _OPS,
    "safety.confirm_engagement": _OPS,
    "safety.close_danger": _CHIEF_PERSON,
    "safety.change_settings": _CHIEF_PERSON,
    "safety.record_hazard": _CHIEF_PERSON,
    "safety.lift_hazard": _CHIEF_PERSON,
    # exercises (exercise rooms only, see COMMAND_MODES)
    "exercise.started": _TRAINER,
    "exercise.inject": _TRAINER,
    "exercise.inject_skipped": _TRAINER,
    "exercise.paused": _TRAINER,
    "exercise.resumed": _TRAINER,
    "exercise.speed_changed": _TRAINER,
    "exercise.ended": _TRAINER,
    # accounts and room settings
    "account.create": _ADMIN,
    "account.disable": _ADMIN,
    "account.enable": _ADMIN,
    "account.set_role": _ADMIN,
    "account.reset_password": _ADMIN,
    "room.settings": _ADMIN,
}

SERVICE_ONLY = frozenset({"system"})

# Commands that only make sense in some room modes.
COMMAND_MODES: dict[str, frozenset[str]] = {
    c: frozenset({"exercise"}) for c in COMMAND_ROLES if c.startswith("exercise.")
}

# What a refusal tells the person: who may do it.
_WHO: dict[frozenset[str], str] = {
    _OPS: "un opérateur ou le chef de salle",
    _CHIEF: "le chef de salle",
    _TRAINER: "le formateur, dans une salle d'exercice",
    _ADMIN: "un administrateur",
    SERVICE_ONLY: "un service de la salle (liaison, flux, simulateur)",
    _PERSONS: "un opérateur ou le chef de salle en personne",
    _CHIEF_PERSON: "le chef de salle en personne",
}


def roles_for(command: str) -> frozenset[str]:
    return COMMAND_ROLES.get(command, SERVICE_ONLY)


def allowed(command: str, role: str) -> bool:
    return role in roles_for(command)


def refusal(command: str, role: str) -> str:
    """The French sentence a refused person reads: what their role is, who may act."""
    who = _WHO.get(roles_for(command), "un autre rôle")
    mine = ROLES.get(role, role)
    if role == "observer":
        return f"Un observateur consulte sans rien écrire : seul {who} peut le faire."
    return f"Refusé au rôle {mine} : seul {who} peut le faire."


# Roles whose screens show who called and their number: not the wall display (observers).
def shows_callers(role: str) -> bool:
    return role != "observer"


# The wall display and visiting partners: screens offer them no control that writes.
OBSERVER_READ_ONLY = "Affichage observateur : un observateur consulte sans rien écrire."


def writes_nothing(role: str) -> bool:
    return role == "observer"
