"""What the procedures dock says about a fiche and its steps, without a window. The test clock
starts at 07:00 UTC, 08:00 in Paris."""

from __future__ import annotations

from scop.clock import ManualClock
from scop.procedures import texts
from scop.procedures.runner import ProcedureRunner


def test_run_lines_say_progress_deadline_and_alarm(
    runner: ProcedureRunner, clock: ManualClock
) -> None:
    run = runner.launch("incendie", "EV-1")
    v = runner.view(run)
    title = v.fiche.title
    assert texts.run_header(v) == f"{title} — EV-1 — lancée à 08:00 par A. Martin — 0/{v.total}"
    assert texts.run_line(v, clock.now()) == f"{title}\n   0/{v.total} étapes — 08:03 (dans 03:00)"
    clock.advance(minutes=11)
    late = runner.view(run)
    line = texts.run_line(late, clock.now())
    assert line.startswith(f"⚠ {title} — 3 EN RETARD\n")
    assert line.endswith("08:03 (retard 08:00)")
    runner.close(run, "exercice interrompu")
    closed = runner.view(run)
    assert texts.run_late(closed) == []  # a closed fiche is late no more
    assert texts.run_line(closed, clock.now()).endswith("close à 08:11")
    assert texts.run_header(closed).endswith(" — CLOSE")


def test_step_lines_icons_and_current_marker(runner: ProcedureRunner, clock: ManualClock) -> None:
    run = runner.launch("incendie", "EV-1")
    runner.complete(run, "confirmer_bspp")
    v = runner.view(run)
    first, second = v.step("confirmer_bspp"), v.step("perimetre")
    assert texts.step_line(0, first, v.current) == "✔ 1. " + first.step.title
    assert texts.step_line(1, second, v.current) == (
        f"○ 2. {second.step.title}   ◀ en cours de fiche"
    )
    assert texts.step_title(v, second) == f"2. {second.step.title}"
    assert "état : <b>À faire</b>" in texts.step_meta(second)
    clock.advance(minutes=12)
    v = runner.view(run)
    assert texts.step_line(1, v.step("perimetre"), v.current).endswith("— EN RETARD")


def test_countdowns_late_due_timer_and_rule(runner: ProcedureRunner, clock: ManualClock) -> None:
    run = runner.launch("incendie", "EV-1")
    v = runner.view(run)
    due = texts.countdown(v.step("perimetre"), clock.now())
    assert due == texts.Countdown("Échéance 08:10 — reste 10:00", texts.Tone.DEADLINE)
    rule = texts.countdown(v.step("bailleur"), clock.now())  # relative to a step not yet done
    assert rule is not None
    assert rule.tone is texts.Tone.INFO
    assert rule.text.startswith("Échéance : ")
    clock.advance(minutes=13)
    late = texts.countdown(runner.view(run).step("perimetre"), clock.now())
    assert late == texts.Countdown("⚠ EN RETARD de 03:00 (échéance 08:10)", texts.Tone.OVERDUE)
    runner.complete(run, "perimetre")
    assert texts.countdown(runner.view(run).step("perimetre"), clock.now()) is None

    flood = runner.launch("crue_seine", "EV-1")
    runner.start(flood, "attente_point")
    timer = texts.countdown(runner.view(flood).step("attente_point"), clock.now())
    assert timer == texts.Countdown("Minuteur : reste 2:00:00", texts.Tone.TIMER)
    clock.advance(hours=2)
    over = texts.countdown(runner.view(flood).step("attente_point"), clock.now())
    assert over == texts.Countdown("Minuteur écoulé", texts.Tone.TIMER)


def test_contacts_calls_and_facts(runner: ProcedureRunner, clock: ManualClock) -> None:
    run = runner.launch("incendie", "EV-1")
    step = runner.view(run).step("bailleur").step
    contacts = runner.contacts_now(step, "EV-1")
    lines = texts.contact_lines(contacts, "Rotation à vérifier")
    assert len(lines) == len(contacts) + 1
    assert lines[-1] == "<span style='color:#757575'>Rotation à vérifier</span>"
    assert all("d'astreinte maintenant" in line and "01 99" in line for line in lines[:-1])
    choices = texts.call_choices(contacts)
    assert [cid for _label, cid in choices] == ["paris_habitat", "rivp", "elogie_siemp"]
    assert texts.contact_lines([("inconnu", None)]) == ["<b>inconnu</b> : aucune astreinte connue"]
    assert texts.call_choices([("inconnu", None)]) == []
    assert texts.contact_lines([], "Rotation à vérifier") == []  # no warning without a contact

    assert texts.record_facts(None) == []
    runner.log_call(run, "confirmer_bspp", "bspp", "joint", "COS sur place", done=True)
    clock.advance(minutes=1)
    runner.skip(run, "perimetre", "BSPP s'en charge")
    v = runner.view(run)
    call = texts.record_facts(v.step("confirmer_bspp").record)
    assert call[0] == "commencée à 08:00 par A. Martin"
    assert call[1] == "faite à 08:00 par A. Martin"
    assert call[2].startswith("appel 08:00 ")
    assert call[2].endswith(": Joint — COS sur place")
    assert texts.record_facts(v.step("perimetre").record) == [
        "sautée à 08:01 par A. Martin",
        "motif : BSPP s'en charge",
    ]
    runner.complete(run, "evacuation", {"evacues": "7", "relogement_necessaire": "non"})
    facts = texts.record_facts(runner.view(run).step("evacuation").record)
    assert facts[-1] == "saisi : evacues = 7, relogement_necessaire = False"


def test_done_button_says_what_done_does() -> None:
    assert texts.done_label("message") == "✔ Préparer le message\nCtrl+Entrée"
    assert texts.done_label("carte") == "✔ Placer sur la carte\nCtrl+Entrée"
    assert texts.done_label("action") == "✔ Fait\nCtrl+Entrée"
