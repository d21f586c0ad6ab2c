"""Agent safety on a test clock: status checks, escalation, engagement acknowledgement,
« agent en danger », address history, hazards and lookouts."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from scop import operations as ops
from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models import fold_safety as ks
from scop.models.describe import describe
from scop.models.entries import SYSTEM, Operator
from scop.replay.engine import ReplayEngine
from scop.room import CommandRefused, Room
from scop.safety import commands as sc
from scop.safety.places import active_hazards, active_lookouts, address_history, hazards_near
from scop.safety.watch import crew_timer

BASTILLE = (2.3692, 48.8531)
CHIEF = Operator("Cdt. Morel", "chief")


def _offset(lon: float, lat: float, north_m: float) -> tuple[float, float]:
    return lon, lat + north_m / 111_195.0


def _crew(room: Room, call_sign: str, lon: float, lat: float, mode: str = "vehicule") -> None:
    room.acting_as(SYSTEM).record(
        k.CREW_REGISTERED,
        {"call_sign": call_sign, "division": "D11", "mode": mode, "lon": lon, "lat": lat},
    )


def _event(room: Room, lon: float, lat: float, category: str = "FIR") -> str:
    return ops.create_event(
        room, source="appel_3975", category=category, gravity=2, lon=lon, lat=lat
    )


@pytest.fixture
def scene(room: Room) -> Room:
    """P11 engaged then on scene at Bastille, two available crews around."""
    _crew(room, "P11", *BASTILLE)
    _crew(room, "P12", *_offset(*BASTILLE, 400))
    _crew(room, "V20", *_offset(*BASTILLE, 1500))
    ev = _event(room, *BASTILLE)
    ops.engage(room, "P11", ev)
    ops.crew_on_scene(room, "P11")
    return room


def _kinds(room: Room, after: int) -> list[str]:
    return [e.kind for e in room.store.read(after=after)]


def test_on_scene_for_21_minutes_raises_a_check(scene: Room, clock: ManualClock) -> None:
    clock.advance(minutes=19)
    assert sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks) == []
    clock.advance(minutes=2)
    entries = sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks)
    assert [(e.kind, e.payload["call_sign"], e.author) for e in entries] == [
        (ks.CHECK_DUE, "P11", "Veille sécurité")
    ]
    t = crew_timer(scene.state, scene.state.crews["P11"], clock.now())
    assert t.level == "check"
    assert t.check_pending
    # asked once: the watch does not ask again while the check is open
    clock.advance(minutes=1)
    assert sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks) == []


def test_risky_category_checks_earlier(room: Room, clock: ManualClock) -> None:
    _crew(room, "P11", *BASTILLE)
    ev = _event(room, *BASTILLE, category="ASB")
    ops.engage(room, "P11", ev)
    ops.crew_on_scene(room, "P11")
    clock.advance(minutes=11)
    assert [e.payload["call_sign"] for e in sc.run_as(room, sc.SAFETY_WATCH, sc.due_checks)] == [
        "P11"
    ]


def test_contact_ok_restarts_the_timer(scene: Room, clock: ManualClock) -> None:
    clock.advance(minutes=21)
    sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks)
    sc.run(scene, sc.check_outcome, "P11", "contact_ok")
    t = crew_timer(scene.state, scene.state.crews["P11"], clock.now())
    assert t.since_contact_s == 0
    assert t.level == "ok"
    assert t.in_status_s == 21 * 60  # time in status is still shown as it is
    clock.advance(minutes=19)
    assert sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks) == []
    clock.advance(minutes=2)
    assert len(sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks)) == 1


def test_two_no_answers_escalate_with_nearest_crews(scene: Room, clock: ManualClock) -> None:
    clock.advance(minutes=21)
    sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks)
    first = sc.run(scene, sc.check_outcome, "P11", "sans_reponse")
    assert [e.kind for e in first] == [ks.CHECK_OUTCOME]  # one is not yet an escalation
    clock.advance(minutes=1)
    assert sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks) == []  # time for a second call
    clock.advance(minutes=1)
    assert len(sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks)) == 1
    second = sc.run(scene, sc.check_outcome, "P11", "sans_reponse")
    assert [e.kind for e in second] == [ks.CHECK_OUTCOME, ks.ESCALATED]
    ranked = [r["call_sign"] for r in second[1].payload["ranked"]]
    assert ranked == ["P12", "V20"]  # nearest first, never the crew itself
    assert second[0].author == "A. Martin"  # every outcome names who recorded it
    t = crew_timer(scene.state, scene.state.crews["P11"], clock.now())
    assert t.escalated
    assert t.level == "red"
    assert "escalade" in describe(second[1])


def test_contact_ok_between_no_answers_does_not_escalate(scene: Room, clock: ManualClock) -> None:
    clock.advance(minutes=21)
    sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks)
    sc.run(scene, sc.check_outcome, "P11", "sans_reponse")
    sc.run(scene, sc.check_outcome, "P11", "contact_ok")
    out = sc.run(scene, sc.check_outcome, "P11", "sans_reponse")
    assert [e.kind for e in out] == [ks.CHECK_OUTCOME]


def test_reinforcement_request_escalates(scene: Room) -> None:
    out = sc.run(scene, sc.check_outcome, "P11", "renfort")
    assert [e.kind for e in out] == [ks.CHECK_OUTCOME, ks.ESCALATED]


def test_replay_at_t_shows_the_same_timers(scene: Room, clock: ManualClock) -> None:
    clock.advance(minutes=21)
    sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks)
    clock.advance(minutes=1)
    sc.run(scene, sc.check_outcome, "P11", "sans_reponse")
    t_mid = clock.advance(minutes=1)
    live = {c: crew_timer(scene.state, crew, t_mid) for c, crew in scene.state.crews.items()}
    clock.advance(minutes=2)
    sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks)
    sc.run(scene, sc.check_outcome, "P11", "contact_ok")
    clock.advance(minutes=30)

    engine = ReplayEngine.from_store(scene.store)
    state = engine.state_at(t_mid)
    replayed = {c: crew_timer(state, crew, t_mid) for c, crew in state.crews.items()}
    assert replayed == live
    assert replayed["P11"].no_answer == 1
    assert replayed["P11"].level == "check"


def test_unconfirmed_engagement_prompts_after_120_s(room: Room, clock: ManualClock) -> None:
    _crew(room, "P11", *BASTILLE)
    ev = _event(room, *_offset(*BASTILLE, 800))
    ops.engage(room, "P11", ev)
    assert room.state.crew_watch["P11"].eta_s > 0  # journaled with the engagement
    clock.advance(seconds=119)
    assert sc.run_as(room, sc.SAFETY_WATCH, sc.due_checks) == []
    t = crew_timer(room.state, room.state.crews["P11"], clock.now())
    assert t.unconfirmed_s == 119
    assert t.level == "ok"  # not yet: no line nor marker pulses
    clock.advance(seconds=2)
    due = sc.run_as(room, sc.SAFETY_WATCH, sc.due_checks)
    assert [(e.payload["call_sign"], e.payload["reason"]) for e in due] == [("P11", "accuse")]
    assert crew_timer(room.state, room.state.crews["P11"], clock.now()).level == "check"
    # confirmed on the radio: the contact OK of that check is the acknowledgement
    out = sc.run(room, sc.check_outcome, "P11", "contact_ok")
    assert [e.kind for e in out] == [ks.CHECK_OUTCOME, ks.ENGAGEMENT_CONFIRMED]
    assert crew_timer(room.state, room.state.crews["P11"], clock.now()).unconfirmed_s is None


def test_engagement_confirmed_by_the_feed_prompts_nothing(room: Room, clock: ManualClock) -> None:
    _crew(room, "P11", *BASTILLE)
    ops.engage(room, "P11", _event(room, *_offset(*BASTILLE, 800)))
    clock.advance(seconds=30)
    (entry,) = sc.run_as(room, sc.FEED, sc.confirm_engagement, "P11", via="flux")
    assert (entry.author, entry.source) == ("Flux équipages", "equipage")
    clock.advance(seconds=200)
    assert sc.run_as(room, sc.SAFETY_WATCH, sc.due_checks) == []


def test_engaged_without_arrival_checks_after_eta_plus_margin(room: Room, clock: ManualClock):
    _crew(room, "P11", *BASTILLE)
    ops.engage(room, "P11", _event(room, *_offset(*BASTILLE, 800)))
    sc.run_as(room, sc.FEED, sc.confirm_engagement, "P11", via="flux")
    eta = room.state.crew_watch["P11"].eta_s
    clock.advance(seconds=eta + 600 - 5)
    assert sc.run_as(room, sc.SAFETY_WATCH, sc.due_checks) == []
    clock.advance(seconds=10)
    due = sc.run_as(room, sc.SAFETY_WATCH, sc.due_checks)
    assert [e.payload["reason"] for e in due] == ["engage"]


def test_settings_per_room_change_thresholds(scene: Room, clock: ManualClock) -> None:
    with pytest.raises(CommandRefused, match="chef de salle"):
        sc.run(scene, sc.change_settings, {"on_scene_check_min": 40})
    with pytest.raises(CommandRefused, match="nombre positif"):
        sc.run_as(scene, CHIEF, sc.change_settings, {"on_scene_check_min": -1})
    sc.run_as(scene, CHIEF, sc.change_settings, {"on_scene_check_min": 40, "on_scene_red_min": 50})
    clock.advance(minutes=21)
    assert sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks) == []
    clock.advance(minutes=20)
    assert len(sc.run_as(scene, sc.SAFETY_WATCH, sc.due_checks)) == 1


# -- agent en danger ---------------------------------------------------------------------------


def test_danger_raised_taken_and_closed(scene: Room, clock: ManualClock) -> None:
    raised = sc.run_as(scene, sc.FEED, sc.raise_danger, "P11", via="flux")
    assert [e.kind for e in raised] == [k.EVENT_CREATED, ks.DANGER_RAISED]
    ev = scene.state.events[raised[0].payload["id"]]
    assert ev.gravity == 4
    assert (ev.lon, ev.lat) == pytest.approx(BASTILLE)
    alert = next(iter(scene.state.danger_alerts.values()))
    assert alert.sounding
    assert [c for c, _ in alert.ranked] == ["P12", "V20"]
    assert raised[1].author == "Flux équipages"
    # the button pressed again while the alert is open adds nothing
    assert sc.run_as(scene, sc.FEED, sc.raise_danger, "P11", via="flux") == []

    clock.advance(seconds=7)
    with pytest.raises(CommandRefused, match="opérateur ou le chef de salle en personne"):
        sc.run_as(scene, sc.SAFETY_WATCH, sc.take_danger, alert.alert_id)
    sc.run(scene, sc.take_danger, alert.alert_id)
    alert = scene.state.danger_alerts[alert.alert_id]
    assert not alert.sounding
    assert alert.taken_by == "A. Martin"
    with pytest.raises(CommandRefused, match=r"déjà prise par A\. Martin"):
        sc.run_as(scene, Operator("C. Nguyen"), sc.take_danger, alert.alert_id)

    with pytest.raises(CommandRefused, match="chef de salle"):
        sc.run(scene, sc.close_danger, alert.alert_id, "agents en sécurité")
    with pytest.raises(CommandRefused, match="issue"):
        sc.run_as(scene, CHIEF, sc.close_danger, alert.alert_id, "  ")
    assert alert.is_open
    sc.run_as(scene, CHIEF, sc.close_danger, alert.alert_id, "agents en sécurité, 1 interpellé")
    closed = scene.state.danger_alerts[alert.alert_id]
    assert not closed.is_open
    assert closed.closed_by == "Cdt. Morel"
    assert sc.open_alerts(scene.state) == []


def test_false_alarm_is_journaled_never_erased(scene: Room) -> None:
    sc.run_as(scene, sc.FEED, sc.raise_danger, "P11", via="flux")
    (cancel,) = sc.run_as(scene, sc.FEED, sc.cancel_danger, "P11")
    alert = next(iter(scene.state.danger_alerts.values()))
    assert alert.cancelled_at is not None
    assert alert.is_open
    sc.run_as(scene, CHIEF, sc.close_danger, alert.alert_id, "fausse alerte", false_alarm=True)
    kinds = [e.kind for e in scene.store.iter_entries()]
    assert kinds.count(ks.DANGER_RAISED) == 1
    assert ks.DANGER_CANCELLED in kinds
    assert scene.state.danger_alerts[alert.alert_id].false_alarm
    assert "fausse alerte" in describe(cancel)


def test_danger_without_position_uses_the_crews_event(room: Room) -> None:
    room.acting_as(SYSTEM).record(
        k.CREW_REGISTERED, {"call_sign": "P30", "division": "D11", "mode": "pied"}
    )
    ev = _event(room, *BASTILLE)
    ops.engage(room, "P30", ev)
    raised = sc.run(room, sc.raise_danger, "P30")
    assert (raised[0].payload["lon"], raised[0].payload["lat"]) == pytest.approx(BASTILLE)


# -- address history, hazards, lookouts ---------------------------------------------------------


def test_address_history_radius_and_window(room: Room, clock: ManualClock) -> None:
    old = _event(room, *_offset(*BASTILLE, 10))
    clock.advance(days=30)
    near = _event(room, *_offset(*BASTILLE, 45))
    far = _event(room, *_offset(*BASTILLE, 60))
    ops.close_event(room, near, "rixe terminée, deux interpellations")
    clock.advance(days=61)  # the first event is now 91 days old
    found = address_history(room.state, clock.now(), lon=BASTILLE[0], lat=BASTILLE[1])
    ids = [p.event.id for p in found]
    assert near in ids
    assert far not in ids
    assert old not in ids
    assert found[0].outcome == "rixe terminée, deux interpellations"
    assert math.isclose(found[0].distance_m or 0, 45, abs_tol=1)


def test_address_history_keeps_crews_of_closed_events(room: Room) -> None:
    _crew(room, "P11", *BASTILLE)
    ev = _event(room, *BASTILLE)
    ops.engage(room, "P11", ev)
    ops.close_event(room, ev, "fin")
    (past,) = address_history(room.state, room.clock.now(), lon=BASTILLE[0], lat=BASTILLE[1])
    assert past.crews == ("P11",)


def test_hazards_expire_and_leave_the_screens_but_stay_in_the_journal(
    room: Room, clock: ManualClock
) -> None:
    with pytest.raises(CommandRefused, match="chef de salle"):
        sc.run(
            room, sc.record_hazard, category="squat", text="squat", lon=BASTILLE[0], lat=BASTILLE[1]
        )
    with pytest.raises(CommandRefused, match="jamais une personne"):
        sc.run_as(
            room, CHIEF, sc.record_hazard, category="chien_dangereux",
            text="chien de M. Dupont", address="3 rue de la Roquette",
        )  # fmt: skip
    (entry,) = sc.run_as(
        room, CHIEF, sc.record_hazard, category="chien_dangereux",
        text="chien non tenu dans la cour", lon=BASTILLE[0], lat=BASTILLE[1],
    )  # fmt: skip
    hid = entry.payload["id"]
    expected_expiry = clock.now() + timedelta(days=182)
    assert room.state.hazards[hid].expires_at == expected_expiry  # six months by default
    near = _offset(*BASTILLE, 30)
    assert [h.id for h in hazards_near(room.state, clock.now(), lon=near[0], lat=near[1])] == [hid]
    clock.advance(days=181)
    assert [h.id for h in active_hazards(room.state, clock.now())] == [hid]
    clock.advance(days=2)
    assert active_hazards(room.state, clock.now()) == []
    assert hazards_near(room.state, clock.now(), lon=near[0], lat=near[1]) == []
    journal = [e for e in room.store.iter_entries() if e.kind == ks.HAZARD_RECORDED]
    assert [e.payload["id"] for e in journal] == [hid]
    assert "chien non tenu" in describe(journal[0])


def test_lookouts_expire(room: Room, clock: ManualClock) -> None:
    (entry,) = sc.run(
        room, sc.issue_lookout, kind="personne_vulnerable", priority=1,
        description="homme 82 ans, désorienté, manteau gris",
    )  # fmt: skip
    lid = entry.payload["id"]
    ev = _event(room, *BASTILLE)
    sc.run(room, sc.attach_lookout, lid, ev)
    sc.run(room, sc.read_lookout, lid)
    lo = room.state.lookouts[lid]
    assert lo.events == (ev,)
    assert lo.reads == 1
    clock.advance(days=6, hours=23)
    assert [x.id for x in active_lookouts(room.state, clock.now())] == [lid]
    clock.advance(hours=2)
    assert active_lookouts(room.state, clock.now()) == []
    with pytest.raises(CommandRefused, match="expiré"):
        sc.run(room, sc.read_lookout, lid)


def test_commands_refused_on_a_read_only_room(db_url: str, clock: ManualClock) -> None:
    ro = JournalStore.open(db_url, clock)
    room = Room(ro, clock, Operator("A. Martin"))
    ro.readonly = True
    with pytest.raises(CommandRefused, match="lecture seule"):
        sc.run(room, sc.due_checks)
    ro.close()


# -- the feed's signals --------------------------------------------------------------------------


def test_feed_signals_raise_cancel_and_acknowledge(scene: Room, clock: ManualClock) -> None:
    from scop.protocols.crew_feed import CrewFeedClient, encode_signal

    client = CrewFeedClient(scene, "ws://127.0.0.1:1/feed")
    lon, lat = _offset(*BASTILLE, 20)
    client.handle(encode_signal("P11", "AGENT_EN_DANGER", clock.now(), lon, lat))
    (alert,) = sc.open_alerts(scene.state)
    assert alert.via == "flux"
    assert (alert.lon, alert.lat) == pytest.approx((lon, lat))
    assert scene.state.events[alert.event_id].gravity == 4
    client.handle(encode_signal("P11", "FIN_ALERTE", clock.now()))
    assert scene.state.danger_alerts[alert.alert_id].cancelled_at is not None

    ev = _event(scene, *BASTILLE)
    ops.engage(scene, "P12", ev)
    client.handle(encode_signal("P12", "ACCUSE_ENGAGEMENT", clock.now()))
    assert scene.state.crew_watch["P12"].confirmed_at == clock.now()
    assert client.stats.refused == 0


def _sig(rid: str, kind: str, when: str = "2026-11-23T08:00:00+00:00") -> str:
    import json

    return json.dumps({"signal": {"resourceId": rid, "kind": kind, "datetime": when}})


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (_sig("x.resource.P11", "BOUM"), "type inconnu"),
        (_sig("x.resource.ZZ9", "AGENT_EN_DANGER"), "inconnu : ZZ9"),
        (_sig("x.resource.P11", "AGENT_EN_DANGER", "hier"), "date invalide"),
        ('{"signal": [], "position": []}', "mal formé"),
    ],
)
def test_bad_signals_are_refused_with_a_reason(scene: Room, raw: str, problem: str) -> None:
    from scop.protocols.crew_feed import CrewFeedClient

    client = CrewFeedClient(scene, "ws://127.0.0.1:1/feed")
    result = client.handle(raw)
    assert problem in " ".join(result.problems)
    assert sc.open_alerts(scene.state) == []
    assert client.stats.refused == 1


# -- scop hazards list|export ------------------------------------------------------------------


def test_hazards_cli_lists_and_exports_for_review(
    room: Room, clock: ManualClock, db_url: str, tmp_path, capsys
) -> None:
    import csv
    from datetime import UTC, datetime

    from scop.cli import main
    from scop.safety.cli import load_hazards

    clock.set(datetime.now(UTC))  # the CLI reads the journal at the real time
    sc.run_as(
        room, CHIEF, sc.record_hazard, category="squat", text="accès par la cour, chiens",
        address="12 rue de Lappe, 75011 Paris", lon=2.3716, lat=48.8535,
    )  # fmt: skip
    sc.run_as(
        room, CHIEF, sc.record_hazard, category="batiment_dangereux", text="balcon instable",
        lon=BASTILLE[0], lat=BASTILLE[1], days=1,
    )  # fmt: skip
    room.store.close()

    assert main(["hazards", "list", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "Squat — 12 rue de Lappe" in out
    assert "balcon" in out  # still in force today
    active, now = load_hazards(db_url, now=clock.now() + timedelta(days=2))
    assert [h.category for h in active] == ["squat"]  # the other one expired
    everything, _ = load_hazards(db_url, everything=True, now=now)
    assert len(everything) == 2

    out_file = tmp_path / "revue.csv"
    assert main(["hazards", "export", "--db", db_url, "--out", str(out_file)]) == 0
    with out_file.open(encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0][:2] == ["n°", "catégorie"]
    assert [r[1] for r in table[1:]] == ["Squat", "Bâtiment dangereux"]

    missing = tmp_path / "absente.sqlite"
    assert main(["hazards", "list", "--db", f"sqlite:///{missing}"]) == 4  # the README's table
    assert "base introuvable" in capsys.readouterr().err
    assert not missing.exists()  # a command that only reads never creates a file
