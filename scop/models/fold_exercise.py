"""Exercise entries: how the main courante reads the trainer's actions and the injects.

They change no state the other docks show (the injects' effects are ordinary entries:
``event.created``, ``crew.status_changed``, ``pp.message_received``…); the exercise's own
progress is read from the journal by :mod:`scop.replay.expected`. Every text starts with
EXERCICE so that a printed page of an exercise's main courante cannot pass for a real one.
"""

from __future__ import annotations

from scop.models.describe import describes
from scop.models.entries import Entry

STARTED = "exercise.started"
INJECT = "exercise.inject"
SKIPPED = "exercise.inject_skipped"
PAUSED = "exercise.paused"
RESUMED = "exercise.resumed"
SPEED = "exercise.speed_changed"
ENDED = "exercise.ended"
FORKED = "exercise.forked"

KINDS = (STARTED, INJECT, SKIPPED, PAUSED, RESUMED, SPEED, ENDED, FORKED)


def speed_label(speed: object) -> str:
    return "aussi vite que possible" if speed in (None, 0, "max") else f"×{speed}"


@describes(STARTED, "Début d'exercice")
def _d_started(e: Entry) -> str:
    return f"EXERCICE — début du scénario « {e.payload.get('title', '')} »"


@describes(INJECT, "Inject d'exercice")
def _d_inject(e: Entry) -> str:
    p = e.payload
    who = f" ({p['who']})" if p.get("who") else ""
    unscripted = " [hors scénario]" if p.get("scripted") is False else ""
    early = " [avancé par le formateur]" if p.get("forced") else ""
    text = str(p.get("text", ""))
    for mark in ("EXERCICE EXERCICE EXERCICE — ", "EXERCICE — "):
        text = text.removeprefix(mark)
    label = p.get("label", p.get("type", ""))
    return f"EXERCICE — {label}{who} : {text}{unscripted}{early}"


@describes(SKIPPED, "Inject passé")
def _d_skipped(e: Entry) -> str:
    return f"EXERCICE — inject « {e.payload.get('inject_id')} » passé par le formateur"


@describes(PAUSED, "Exercice en pause")
def _d_paused(_e: Entry) -> str:
    return "EXERCICE — pause"


@describes(RESUMED, "Reprise de l'exercice")
def _d_resumed(_e: Entry) -> str:
    return "EXERCICE — reprise"


@describes(SPEED, "Vitesse de l'exercice")
def _d_speed(e: Entry) -> str:
    return f"EXERCICE — vitesse {speed_label(e.payload.get('speed'))}"


@describes(ENDED, "Fin d'exercice")
def _d_ended(e: Entry) -> str:
    p = e.payload
    return (
        f"EXERCICE — fin du scénario : {p.get('met', 0)} attendu(s) respecté(s), "
        f"{p.get('late', 0)} en retard, {p.get('missed', 0)} manqué(s)"
    )


@describes(FORKED, "Exercice tiré d'une vacation réelle")
def _d_forked(e: Entry) -> str:
    p = e.payload
    return (
        f"EXERCICE — la salle repart de l'état de « {p.get('source', '?')} » à "
        f"{p.get('at', '?')} (entrée n° {p.get('fork_position')}, empreinte "
        f"{str(p.get('fork_hash', ''))[:16]}…)"
    )
