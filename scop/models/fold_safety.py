"""Agent safety: status checks, engagement acknowledgement, « agent en danger » alerts,
hazard flags on places, lookouts (avis de recherche) and the room's safety thresholds.

Everything here is folded from the journal like the rest of the room, so replay at T shows
the checks, alerts and flags exactly as they stood at T. Timers themselves are not entries:
they are computed from these records and the injected clock (``scop.safety.watch``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from scop.clock import from_iso, local
from scop.models import fold_core as k
from scop.models import fold_operations as ko
from scop.models.describe import describes
from scop.models.entries import Entry
from scop.models.projection import handles, observes
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus

CHECK_DUE = "safety.check_due"
CHECK_OUTCOME = "safety.check_outcome"
ESCALATED = "safety.escalated"
ENGAGEMENT_CONFIRMED = "safety.engagement_confirmed"
SETTINGS_CHANGED = "safety.settings_changed"
DANGER_RAISED = "danger.raised"
DANGER_TAKEN = "danger.taken"
DANGER_CANCELLED = "danger.cancelled"
DANGER_CLOSED = "danger.closed"
HAZARD_RECORDED = "hazard.recorded"
HAZARD_LIFTED = "hazard.lifted"
LOOKOUT_ISSUED = "lookout.issued"
LOOKOUT_READ = "lookout.read"
LOOKOUT_ATTACHED = "lookout.attached"
LOOKOUT_CLOSED = "lookout.closed"

# The three answers to a « point de situation équipage », one key each on the console.
CHECK_OUTCOMES: dict[str, str] = {
    "contact_ok": "Contact OK",
    "sans_reponse": "Sans réponse",
    "renfort": "Renfort demandé",
}

CHECK_REASONS: dict[str, str] = {
    "sur_les_lieux": "sur les lieux depuis longtemps",
    "engage": "engagé sans arrivée",
    "disponible": "disponible sans contact",
    "accuse": "engagement non confirmé",
}

# Factual reasons only: a flag describes a place, never a person.
HAZARD_CATEGORIES: dict[str, str] = {
    "violences_agents": "Violences envers des agents",
    "chien_dangereux": "Chien dangereux",
    "batiment_dangereux": "Bâtiment dangereux",
    "squat": "Squat",
    "matieres_dangereuses": "Matières dangereuses",
}

LOOKOUT_TYPES: dict[str, str] = {
    "personne_vulnerable": "Personne vulnérable disparue",
    "vehicule_municipal_vole": "Véhicule municipal volé",
    "personne_a_rechercher": "Personne à rechercher",
    "vehicule_a_rechercher": "Véhicule à rechercher",
}

LOOKOUT_PRIORITIES: dict[int, str] = {1: "Haute", 2: "Moyenne", 3: "Basse"}


@dataclass(frozen=True, slots=True)
class SafetySettings:
    """The room's thresholds. Every default has its reason in :data:`SETTING_REASONS`;
    the chief changes them per room (entry ``safety.settings_changed``)."""

    on_scene_check_min: float = 20.0
    on_scene_red_min: float = 30.0
    engaged_margin_min: float = 10.0
    engaged_default_eta_min: float = 10.0
    available_contact_min: float = 60.0
    risky_check_min: float = 10.0
    risky_red_min: float = 15.0
    risky_categories: tuple[str, ...] = ("ASB", "PSW/RIOT", "PSW/PRSUIT")
    recheck_min: float = 2.0
    ack_prompt_s: float = 120.0
    history_radius_m: float = 50.0
    history_days: float = 90.0
    hazard_radius_m: float = 50.0
    hazard_expiry_days: float = 182.0
    lookout_expiry_days: float = 7.0


DEFAULT_SETTINGS = SafetySettings()

SETTING_LABELS: dict[str, str] = {
    "on_scene_check_min": "Sur les lieux : point de situation (min)",
    "on_scene_red_min": "Sur les lieux : alerte rouge (min)",
    "engaged_margin_min": "Engagé sans arrivée : marge après l'heure d'arrivée estimée (min)",
    "engaged_default_eta_min": "Engagé : arrivée estimée quand la position manque (min)",
    "available_contact_min": "Disponible sans contact (min)",
    "risky_check_min": "Catégories à risque : point de situation (min)",
    "risky_red_min": "Catégories à risque : alerte rouge (min)",
    "risky_categories": "Catégories à risque (codes EMSI, préfixes)",
    "recheck_min": "Nouvel appel après « sans réponse » (min)",
    "ack_prompt_s": "Engagement non confirmé : appel radio après (s)",
    "history_radius_m": "Antécédents : rayon (m)",
    "history_days": "Antécédents : période (jours)",
    "hazard_radius_m": "Signalements de danger : rayon d'affichage (m)",
    "hazard_expiry_days": "Signalements de danger : durée par défaut (jours)",
    "lookout_expiry_days": "Avis de recherche : durée par défaut (jours)",
}

SETTING_REASONS: dict[str, str] = {
    "on_scene_check_min": "une intervention ordinaire se règle en moins de 20 min ; au-delà, "
    "un silence peut cacher une difficulté",
    "on_scene_red_min": "30 min sans nouvelles sur les lieux : l'équipage doit être joint",
    "engaged_margin_min": "10 min après l'arrivée estimée, un équipage non arrivé est peut-être "
    "pris à partie ou accidenté en route",
    "engaged_default_eta_min": "trajet moyen d'un équipage dans Paris",
    "available_contact_min": "une heure sans aucun contact radio est inhabituelle pour une "
    "patrouille",
    "risky_check_min": "rixe, violences, personne armée : le danger est connu, le point se "
    "fait deux fois plus tôt",
    "risky_red_min": "rixe, violences, personne armée : alerte deux fois plus tôt",
    "risky_categories": "comportement antisocial (rixe, agression), émeute, poursuite ; le chef "
    "de salle ajoute celles qu'il juge à risque",
    "recheck_min": "laisse le temps d'un second appel radio avant l'escalade",
    "ack_prompt_s": "un équipage accuse réception d'un engagement en moins de 2 min",
    "history_radius_m": "même immeuble ou immeubles voisins",
    "history_days": "trois mois : les antécédents récents, sans garder de profil durable",
    "hazard_radius_m": "même adresse ou immeubles voisins",
    "hazard_expiry_days": "six mois, puis revue : donnée personnelle, durée limitée",
    "lookout_expiry_days": "une semaine, puis renouvellement explicite",
}


def settings_of(st: RoomState) -> SafetySettings:
    s = st.safety_settings
    return s if isinstance(s, SafetySettings) else DEFAULT_SETTINGS


def check_settings(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(accepted values, French problems). Used by the command and, again, by the fold."""
    known = {f.name for f in fields(SafetySettings)}
    out: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in values.items():
        if key not in known:
            problems.append(f"réglage inconnu : {key}")
        elif key == "risky_categories":
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                problems.append("catégories à risque : une liste de codes")
            else:
                out[key] = tuple(v.strip() for v in value if v.strip())
        elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            problems.append(f"{SETTING_LABELS.get(key, key)} : nombre positif attendu")
        else:
            out[key] = float(value)
    return out, problems


@dataclass(frozen=True, slots=True)
class CrewWatch:
    """What the safety watch knows of a crew beyond its status."""

    call_sign: str
    last_contact: datetime | None = None  # last « contact OK » or confirmation
    engaged_at: datetime | None = None
    event_id: str | None = None
    eta_s: float | None = None  # estimated at engagement
    confirmed_at: datetime | None = None  # engagement acknowledged (radio or feed)
    check_since: datetime | None = None  # a check asked and not answered yet
    check_reason: str = ""
    no_answer: int = 0  # consecutive « sans réponse »
    last_no_answer: datetime | None = None
    escalated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DangerAlert:
    alert_id: str
    call_sign: str
    raised_at: datetime
    via: str  # "flux" (button on the radio or TPH) or "operateur" (radio call)
    raised_by: str
    event_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    ranked: tuple[tuple[str, float], ...] = ()  # nearest available crews (call sign, ETA s)
    taken_by: str | None = None
    taken_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_via: str = ""
    closed_by: str | None = None
    closed_at: datetime | None = None
    outcome: str = ""
    false_alarm: bool = False

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def sounding(self) -> bool:
        """The alarm sounds until a named operator takes the alert; silencing is taking."""
        return self.closed_at is None and self.taken_at is None


@dataclass(frozen=True, slots=True)
class Hazard:
    id: str
    category: str
    text: str
    author: str
    recorded_at: datetime
    expires_at: datetime
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    lifted_at: datetime | None = None
    lifted_reason: str = ""

    @property
    def category_label(self) -> str:
        return HAZARD_CATEGORIES.get(self.category, self.category)

    def active(self, now: datetime) -> bool:
        return self.lifted_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class Lookout:
    id: str
    type: str
    priority: int
    description: str
    issued_by: str
    issued_at: datetime
    expires_at: datetime
    photo: str = ""
    closed_at: datetime | None = None
    closing_reason: str = ""
    events: tuple[str, ...] = ()
    reads: int = 0
    last_read_at: datetime | None = None

    @property
    def type_label(self) -> str:
        return LOOKOUT_TYPES.get(self.type, self.type)

    @property
    def priority_label(self) -> str:
        return LOOKOUT_PRIORITIES.get(self.priority, str(self.priority))

    def active(self, now: datetime) -> bool:
        return self.closed_at is None and now < self.expires_at


def _watch(st: RoomState, call_sign: str) -> CrewWatch:
    w = st.crew_watch.get(call_sign)
    return w if isinstance(w, CrewWatch) else CrewWatch(call_sign)


def _ts(value: Any) -> datetime | None:
    try:
        return from_iso(str(value)) if value else None
    except ValueError:
        return None


# -- what other folds own, seen by the watch --------------------------------------------------


@observes(k.CREW_ENGAGED, ko.CREW_REROUTED)
def _on_engaged(st: RoomState, e: Entry) -> None:
    call_sign = str(e.payload.get("call_sign"))
    crew = st.crews.get(call_sign)
    if crew is None or crew.status != CrewStatus.ENGAGE:
        return
    eta = e.payload.get("eta_s")
    st.crew_watch[call_sign] = replace(
        _watch(st, call_sign),
        engaged_at=e.ts,
        event_id=crew.event_id,
        eta_s=float(eta) if isinstance(eta, int | float) else None,
        confirmed_at=None,
        check_since=None,
        check_reason="",
        no_answer=0,
        last_no_answer=None,
        escalated_at=None,
    )
    if crew.event_id:
        seen = st.event_crews.get(crew.event_id, ())
        if call_sign not in seen:
            st.event_crews[crew.event_id] = (*seen, call_sign)


@observes(k.CREW_STATUS, k.CREW_RELEASED)
def _on_status(st: RoomState, e: Entry) -> None:
    """A new status is news from the crew: the checks start again from it."""
    call_sign = str(e.payload.get("call_sign"))
    if call_sign not in st.crews:
        return
    w = _watch(st, call_sign)
    confirmed = w.confirmed_at or (
        e.ts if st.crews[call_sign].status == CrewStatus.SUR_LES_LIEUX else None
    )
    st.crew_watch[call_sign] = replace(
        w,
        confirmed_at=confirmed,
        check_since=None,
        check_reason="",
        no_answer=0,
        last_no_answer=None,
        escalated_at=None,
    )


# -- checks ----------------------------------------------------------------------------------


@handles(CHECK_DUE)
def _check_due(st: RoomState, e: Entry) -> None:
    call_sign = str(e.payload.get("call_sign"))
    if call_sign not in st.crews:
        return
    st.crew_watch[call_sign] = replace(
        _watch(st, call_sign), check_since=e.ts, check_reason=str(e.payload.get("reason", ""))
    )


@describes(CHECK_DUE, "Point de situation équipage demandé")
def _d_check_due(e: Entry) -> str:
    p = e.payload
    reason = CHECK_REASONS.get(str(p.get("reason")), str(p.get("reason", "")))
    minutes = round(float(p.get("elapsed_s", 0)) / 60)
    return f"{p.get('call_sign')} : point de situation à faire ({reason}, {minutes} min)"


@handles(CHECK_OUTCOME)
def _check_outcome(st: RoomState, e: Entry) -> None:
    call_sign = str(e.payload.get("call_sign"))
    outcome = str(e.payload.get("outcome"))
    if call_sign not in st.crews or outcome not in CHECK_OUTCOMES:
        return
    w = _watch(st, call_sign)
    if outcome == "sans_reponse":
        w = replace(w, check_since=None, no_answer=w.no_answer + 1, last_no_answer=e.ts)
    else:
        w = replace(w, check_since=None, no_answer=0, last_no_answer=None, last_contact=e.ts)
        if outcome == "contact_ok" and w.check_reason == "accuse":
            w = replace(w, confirmed_at=e.ts)
    st.crew_watch[call_sign] = replace(w, check_reason="")


@describes(CHECK_OUTCOME, "Point de situation équipage")
def _d_check_outcome(e: Entry) -> str:
    p = e.payload
    label = CHECK_OUTCOMES.get(str(p.get("outcome")), "?")
    return f"{p.get('call_sign')} : point de situation — {label.lower()}"


@handles(ESCALATED)
def _escalated(st: RoomState, e: Entry) -> None:
    call_sign = str(e.payload.get("call_sign"))
    if call_sign in st.crews:
        st.crew_watch[call_sign] = replace(_watch(st, call_sign), escalated_at=e.ts)


def _ranked_text(ranked: Any) -> str:
    if not isinstance(ranked, list) or not ranked:
        return "aucun équipage disponible localisé"
    return ", ".join(
        f"{r.get('call_sign')} ({round(float(r.get('eta_s', 0)) / 60)} min)"
        for r in ranked[:5]
        if isinstance(r, dict)
    )


@describes(ESCALATED, "Escalade au chef de salle")
def _d_escalated(e: Entry) -> str:
    p = e.payload
    why = {
        "sans_reponse": "deux points de situation sans réponse",
        "renfort": "renfort demandé",
    }.get(str(p.get("reason")), str(p.get("reason", "")))
    return (
        f"{p.get('call_sign')} : escalade au chef de salle ({why}) — équipages les plus "
        f"proches : {_ranked_text(p.get('ranked'))}"
    )


@handles(ENGAGEMENT_CONFIRMED)
def _engagement_confirmed(st: RoomState, e: Entry) -> None:
    call_sign = str(e.payload.get("call_sign"))
    if call_sign not in st.crews:
        return
    w = _watch(st, call_sign)
    st.crew_watch[call_sign] = replace(
        w,
        confirmed_at=e.ts,
        last_contact=e.ts,
        check_since=None if w.check_reason == "accuse" else w.check_since,
        check_reason="" if w.check_reason == "accuse" else w.check_reason,
    )


@describes(ENGAGEMENT_CONFIRMED, "Engagement confirmé par l'équipage")
def _d_engagement_confirmed(e: Entry) -> str:
    p = e.payload
    via = "par le flux équipages" if p.get("via") == "flux" else "à la radio"
    return f"{p.get('call_sign')} confirme son engagement sur {p.get('event_id')} ({via})"


@handles(SETTINGS_CHANGED)
def _settings_changed(st: RoomState, e: Entry) -> None:
    values = e.payload.get("values")
    if not isinstance(values, dict):
        return
    accepted, _problems = check_settings(values)
    st.safety_settings = replace(settings_of(st), **accepted)


@describes(SETTINGS_CHANGED, "Réglages de sécurité de la salle")
def _d_settings_changed(e: Entry) -> str:
    values = e.payload.get("values")
    if not isinstance(values, dict):
        return "Réglages de sécurité"
    parts = [f"{SETTING_LABELS.get(key, key)} = {value}" for key, value in values.items()]
    return "Réglages de sécurité : " + "; ".join(parts)


# -- agent en danger -------------------------------------------------------------------------


@handles(DANGER_RAISED)
def _danger_raised(st: RoomState, e: Entry) -> None:
    p = e.payload
    alert_id = str(p.get("alert_id"))
    if alert_id in st.danger_alerts or str(p.get("call_sign")) not in st.crews:
        return
    ranked = tuple(
        (str(r.get("call_sign")), float(r.get("eta_s", 0)))
        for r in p.get("ranked") or []
        if isinstance(r, dict)
    )
    st.danger_alerts[alert_id] = DangerAlert(
        alert_id=alert_id,
        call_sign=str(p.get("call_sign")),
        raised_at=e.ts,
        via=str(p.get("via", "operateur")),
        raised_by=e.author,
        event_id=p.get("event_id"),
        lon=p.get("lon"),
        lat=p.get("lat"),
        ranked=ranked,
    )


@describes(DANGER_RAISED, "AGENT EN DANGER")
def _d_danger_raised(e: Entry) -> str:
    p = e.payload
    via = "bouton d'alerte (flux équipages)" if p.get("via") == "flux" else "appel radio"
    return (
        f"AGENT EN DANGER — {p.get('call_sign')} ({via}), événement {p.get('event_id')} — "
        f"équipages les plus proches : {_ranked_text(p.get('ranked'))}"
    )


def _alert(st: RoomState, e: Entry) -> DangerAlert | None:
    a = st.danger_alerts.get(str(e.payload.get("alert_id")))
    return a if isinstance(a, DangerAlert) else None


@handles(DANGER_TAKEN)
def _danger_taken(st: RoomState, e: Entry) -> None:
    a = _alert(st, e)
    if a is not None and a.taken_at is None and a.is_open:
        st.danger_alerts[a.alert_id] = replace(a, taken_by=e.author, taken_at=e.ts)


@describes(DANGER_TAKEN, "Alerte agent en danger prise")
def _d_danger_taken(e: Entry) -> str:
    return f"Alerte {e.payload.get('alert_id')} ({e.payload.get('call_sign')}) prise par {e.author}"


@handles(DANGER_CANCELLED)
def _danger_cancelled(st: RoomState, e: Entry) -> None:
    a = _alert(st, e)
    if a is not None and a.is_open and a.cancelled_at is None:
        st.danger_alerts[a.alert_id] = replace(
            a, cancelled_at=e.ts, cancelled_via=str(e.payload.get("via", ""))
        )


@describes(DANGER_CANCELLED, "Annulation d'alerte par l'équipage")
def _d_danger_cancelled(e: Entry) -> str:
    p = e.payload
    return (
        f"Alerte {p.get('alert_id')} : l'équipage {p.get('call_sign')} annonce une fausse "
        "alerte (l'alerte reste ouverte jusqu'à sa clôture par le chef de salle)"
    )


@handles(DANGER_CLOSED)
def _danger_closed(st: RoomState, e: Entry) -> None:
    a = _alert(st, e)
    if a is None or not a.is_open:
        return
    st.danger_alerts[a.alert_id] = replace(
        a,
        closed_by=e.author,
        closed_at=e.ts,
        outcome=str(e.payload.get("outcome", "")),
        false_alarm=bool(e.payload.get("false_alarm", False)),
        taken_by=a.taken_by or e.author,
        taken_at=a.taken_at or e.ts,
    )


@describes(DANGER_CLOSED, "Clôture d'alerte agent en danger")
def _d_danger_closed(e: Entry) -> str:
    p = e.payload
    false = " (fausse alerte)" if p.get("false_alarm") else ""
    return f"Alerte {p.get('alert_id')} close{false} — issue : {p.get('outcome', '')}"


# -- hazards ---------------------------------------------------------------------------------


@handles(HAZARD_RECORDED)
def _hazard_recorded(st: RoomState, e: Entry) -> None:
    p = e.payload
    hid = str(p.get("id"))
    expires = _ts(p.get("expires_at"))
    if hid in st.hazards or p.get("category") not in HAZARD_CATEGORIES or expires is None:
        return
    st.hazards[hid] = Hazard(
        id=hid,
        category=str(p["category"]),
        text=str(p.get("text", "")),
        author=e.author,
        recorded_at=e.ts,
        expires_at=expires,
        address=str(p.get("address", "")),
        lon=p.get("lon"),
        lat=p.get("lat"),
    )


@describes(HAZARD_RECORDED, "Signalement de danger sur un lieu")
def _d_hazard_recorded(e: Entry) -> str:
    p = e.payload
    where = p.get("address") or f"({p.get('lat')}, {p.get('lon')})"
    until = _ts(p.get("expires_at"))
    until_text = f" — jusqu'au {local(until):%d/%m/%Y}" if until else ""
    label = HAZARD_CATEGORIES.get(str(p.get("category")), "?")
    return f"Danger {p.get('id')} : {label} — {where} — {p.get('text', '')}{until_text}"


@handles(HAZARD_LIFTED)
def _hazard_lifted(st: RoomState, e: Entry) -> None:
    h = st.hazards.get(str(e.payload.get("id")))
    if isinstance(h, Hazard) and h.lifted_at is None:
        st.hazards[h.id] = replace(
            h, lifted_at=e.ts, lifted_reason=str(e.payload.get("reason", ""))
        )


@describes(HAZARD_LIFTED, "Levée d'un signalement de danger")
def _d_hazard_lifted(e: Entry) -> str:
    return f"Danger {e.payload.get('id')} levé — {e.payload.get('reason', '')}"


# -- lookouts --------------------------------------------------------------------------------


@handles(LOOKOUT_ISSUED)
def _lookout_issued(st: RoomState, e: Entry) -> None:
    p = e.payload
    lid = str(p.get("id"))
    expires = _ts(p.get("expires_at"))
    if lid in st.lookouts or p.get("type") not in LOOKOUT_TYPES or expires is None:
        return
    st.lookouts[lid] = Lookout(
        id=lid,
        type=str(p["type"]),
        priority=int(p.get("priority", 2)),
        description=str(p.get("description", "")),
        issued_by=e.author,
        issued_at=e.ts,
        expires_at=expires,
        photo=str(p.get("photo", "")),
    )


@describes(LOOKOUT_ISSUED, "Avis de recherche")
def _d_lookout_issued(e: Entry) -> str:
    p = e.payload
    label = LOOKOUT_TYPES.get(str(p.get("type")), "?")
    prio = LOOKOUT_PRIORITIES.get(p.get("priority", 2), "?")
    what = f"({label}, priorité {prio.lower()})"
    return f"Avis de recherche {p.get('id')} {what} : {p.get('description', '')}"


def _lookout(st: RoomState, e: Entry) -> Lookout | None:
    lo = st.lookouts.get(str(e.payload.get("id")))
    return lo if isinstance(lo, Lookout) and lo.closed_at is None else None


@handles(LOOKOUT_READ)
def _lookout_read(st: RoomState, e: Entry) -> None:
    lo = _lookout(st, e)
    if lo is not None:
        st.lookouts[lo.id] = replace(lo, reads=lo.reads + 1, last_read_at=e.ts)


@describes(LOOKOUT_READ, "Avis de recherche diffusé aux équipages")
def _d_lookout_read(e: Entry) -> str:
    return f"Avis de recherche {e.payload.get('id')} lu aux équipages"


@handles(LOOKOUT_ATTACHED)
def _lookout_attached(st: RoomState, e: Entry) -> None:
    lo = _lookout(st, e)
    event_id = str(e.payload.get("event_id"))
    if lo is not None and event_id in st.events and event_id not in lo.events:
        st.lookouts[lo.id] = replace(lo, events=(*lo.events, event_id))


@describes(LOOKOUT_ATTACHED, "Avis de recherche rattaché")
def _d_lookout_attached(e: Entry) -> str:
    return f"Avis de recherche {e.payload.get('id')} rattaché à {e.payload.get('event_id')}"


@handles(LOOKOUT_CLOSED)
def _lookout_closed(st: RoomState, e: Entry) -> None:
    lo = _lookout(st, e)
    if lo is not None:
        st.lookouts[lo.id] = replace(
            lo, closed_at=e.ts, closing_reason=str(e.payload.get("reason", ""))
        )


@describes(LOOKOUT_CLOSED, "Clôture d'avis de recherche")
def _d_lookout_closed(e: Entry) -> str:
    return f"Avis de recherche {e.payload.get('id')} clos — {e.payload.get('reason', '')}"
