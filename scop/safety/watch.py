"""Status timers: how long each crew has been in its status and whether a check is due.

Pure functions of the folded state and a time: live operation passes the room's clock,
replay passes the instant it shows, so a replay at T shows the timers as they were at T.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scop.geo.area import haversine_m
from scop.models.entities import Crew
from scop.models.fold_safety import CrewWatch, SafetySettings, settings_of
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus
from scop.operations.ranking import estimate

LEVELS = ("ok", "check", "red")


@dataclass(frozen=True, slots=True)
class CrewTimer:
    call_sign: str
    status: str
    in_status_s: float  # since the status began: what the Équipages dock shows
    since_contact_s: float  # since the status began or the last « contact OK »
    check_s: float | None  # threshold for a check (None: no watch in this status)
    red_s: float | None
    reason: str  # key of scop.models.fold_safety.CHECK_REASONS
    unconfirmed_s: float | None  # engagement not acknowledged, for this long
    ack_overdue: bool  # … for longer than the room's ack_prompt_s: a radio call is due
    check_pending: bool
    no_answer: int
    escalated: bool

    @property
    def level(self) -> str:
        if self.escalated or (self.red_s is not None and self.since_contact_s >= self.red_s):
            return "red"
        if self.check_pending or self.ack_overdue:
            return "check"
        if self.check_s is not None and self.since_contact_s >= self.check_s:
            return "check"
        return "ok"

    @property
    def label(self) -> str:
        return format_duration(self.in_status_s)


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"


def is_risky(category: str, settings: SafetySettings) -> bool:
    return any(category == c or category.startswith(c + "/") for c in settings.risky_categories)


def watch_of(state: RoomState, call_sign: str) -> CrewWatch:
    w = state.crew_watch.get(call_sign)
    return w if isinstance(w, CrewWatch) else CrewWatch(call_sign)


def thresholds(state: RoomState, crew: Crew, w: CrewWatch) -> tuple[float | None, float | None]:
    """(check, red) in seconds for the crew's status, the event's category and its ETA."""
    s = settings_of(state)
    if crew.status == CrewStatus.SUR_LES_LIEUX:
        ev = state.events.get(crew.event_id or "")
        if ev is not None and is_risky(ev.category, s):
            return s.risky_check_min * 60, s.risky_red_min * 60
        return s.on_scene_check_min * 60, s.on_scene_red_min * 60
    if crew.status == CrewStatus.ENGAGE:
        eta = w.eta_s if w.eta_s is not None else s.engaged_default_eta_min * 60
        check = eta + s.engaged_margin_min * 60
        return check, check + s.engaged_margin_min * 60
    if crew.status == CrewStatus.DISPONIBLE:
        return s.available_contact_min * 60, s.available_contact_min * 90
    return None, None


def crew_timer(state: RoomState, crew: Crew, now: datetime) -> CrewTimer:
    w = watch_of(state, crew.call_sign)
    since = crew.status_since or now
    base = max(since, w.last_contact) if w.last_contact else since
    check, red = thresholds(state, crew, w)
    unconfirmed = None
    if crew.status == CrewStatus.ENGAGE and w.engaged_at is not None and w.confirmed_at is None:
        unconfirmed = max(0.0, (now - w.engaged_at).total_seconds())
    return CrewTimer(
        call_sign=crew.call_sign,
        status=crew.status,
        in_status_s=max(0.0, (now - since).total_seconds()),
        since_contact_s=max(0.0, (now - base).total_seconds()),
        check_s=check,
        red_s=red,
        reason=crew.status,
        unconfirmed_s=unconfirmed,
        ack_overdue=unconfirmed is not None and unconfirmed >= settings_of(state).ack_prompt_s,
        check_pending=w.check_since is not None,
        no_answer=w.no_answer,
        escalated=w.escalated_at is not None,
    )


def due_reason(state: RoomState, crew: Crew, now: datetime) -> tuple[str, float, float] | None:
    """(reason, elapsed s, threshold s) when the operator must now be asked for a check of
    this crew; None when nothing is due (or a check is already asked, or escalated)."""
    s = settings_of(state)
    w = watch_of(state, crew.call_sign)
    if w.check_since is not None or w.escalated_at is not None:
        return None
    if w.last_no_answer is not None and (now - w.last_no_answer).total_seconds() < (
        s.recheck_min * 60
    ):
        return None
    t = crew_timer(state, crew, now)
    if t.unconfirmed_s is not None and t.unconfirmed_s >= s.ack_prompt_s:
        return "accuse", t.unconfirmed_s, s.ack_prompt_s
    if w.no_answer and t.check_s is not None:
        return t.reason, t.since_contact_s, t.check_s  # a second call after « sans réponse »
    if t.check_s is not None and t.since_contact_s >= t.check_s:
        return t.reason, t.since_contact_s, t.check_s
    return None


def nearest_available(
    state: RoomState,
    lon: float | None,
    lat: float | None,
    now: datetime,
    *,
    exclude: str = "",
    limit: int = 5,
) -> list[dict[str, object]]:
    """Available crews quickest to (lon, lat), as journal payload items."""
    if lon is None or lat is None:
        return []
    out = []
    for crew in state.crews.values():
        if crew.status != CrewStatus.DISPONIBLE or crew.call_sign == exclude:
            continue
        s = estimate(crew, lon, lat, now)
        if s is not None:
            out.append(s)
    out.sort(key=lambda s: (s.stale, s.eta_s, s.call_sign))
    return [
        {"call_sign": s.call_sign, "eta_s": round(s.eta_s), "distance_m": round(s.distance_m)}
        for s in out[:limit]
    ]


def crew_point(state: RoomState, crew: Crew) -> tuple[float | None, float | None]:
    """Where the crew is: its last position, else its event's."""
    if crew.lon is not None and crew.lat is not None:
        return crew.lon, crew.lat
    ev = state.events.get(crew.event_id or "")
    if ev is not None:
        return ev.lon, ev.lat
    return None, None


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return haversine_m(lon1, lat1, lon2, lat2)
