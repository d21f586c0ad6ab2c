"""The relève: the outgoing chief's handover, drafted from the journal, acknowledged by the
incoming chief, printed through the debrief's renderer.

The summary is computed once, when the outgoing chief opens « Relève », and journaled whole
with the chief's free text: what the incoming chief acknowledged is exactly what was written,
and the PDF prints again, identical, from the journal alone (``scop releve print``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scop.clock import from_iso, local, to_iso
from scop.models import fold_core as k
from scop.models import fold_duty as kd
from scop.models.entities import CREW_STATUSES, EVENT_STATUSES, GRAVITIES
from scop.models.entries import Draft, Entry
from scop.models.fold_duty import Handover
from scop.models.ids import next_id
from scop.models.nomenclatures import crew_kind_label
from scop.models.state import RoomState
from scop.models.vocabulary import EventStatus
from scop.room import CommandRefused, Room, entry_check

FIRST_PERIOD = timedelta(hours=24)
MAJOR_GRAVITY = 3  # élevée and critique: the events a chief hands over by name

# What the period's counters count: (label, entry kinds).
COUNTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Événements créés", (k.EVENT_CREATED,)),
    ("Événements clos", ()),  # counted from event.status_changed to clos, below
    ("Engagements d'équipages", (k.CREW_ENGAGED,)),
    ("Déroulements", ("crew.rerouted",)),
    ("Fiches réflexes lancées", ("procedure.launched",)),
    ("Messages envoyés à la PP", ("pp.message_sent",)),
    ("Messages reçus de la PP", ("pp.message_received",)),
    ("Prises de service d'équipages", (k.CREW_REGISTERED,)),
    ("Fins de service d'équipages", (kd.CREW_DUTY_ENDED,)),
    ("Entrées de main courante", ()),
)


def _hm(iso: str | None) -> str:
    return f"{local(from_iso(iso)):%d/%m %H:%M}" if iso else "—"


def period_start(
    state: RoomState, entries: Sequence[Entry], now: datetime | None = None
) -> datetime | None:
    """The period runs from the last relève acknowledged (the previous chief's start); for a
    room's first relève, from its first entry, but no more than a day back."""
    acked: list[datetime] = [
        h.acknowledged_at for h in state.handovers.values() if h.acknowledged_at is not None
    ]
    if acked:
        return max(acked)
    if not entries:
        return None
    first = entries[0].ts
    return max(first, now - FIRST_PERIOD) if now is not None else first


def _holder(entries: Sequence[Entry], event_id: str) -> str:
    """Who holds an open event: the last person to have taken it in hand or moved it on,
    else who created it."""
    holder = ""
    for e in entries:
        p = e.payload
        if p.get("id") == event_id and (
            (e.kind == k.EVENT_CREATED and not holder) or e.kind == k.EVENT_STATUS
        ):
            holder = e.author
    return holder


FicheSteps = Callable[[RoomState, datetime], list[dict[str, Any]]]


def build_summary(
    state: RoomState,
    entries: Sequence[Entry],
    now: datetime,
    fiches: FicheSteps | None = None,
) -> dict[str, Any]:
    """The handover's facts, as JSON values (they are journaled as they are)."""
    start = period_start(state, entries, now) or now
    in_period = [e for e in entries if e.ts >= start]
    kinds = Counter(e.kind for e in in_period)
    closed = sum(
        1
        for e in in_period
        if e.kind == k.EVENT_STATUS and e.payload.get("status") == EventStatus.CLOS
    )
    counters = []
    for label, ks in COUNTERS:
        if label == "Événements clos":
            n = closed
        elif label == "Entrées de main courante":
            n = len(in_period)
        else:
            n = sum(kinds[x] for x in ks)
        counters.append([label, n])
    open_events = sorted(
        (ev for ev in state.events.values() if ev.status != EventStatus.CLOS),
        key=lambda ev: (-ev.gravity, ev.created_at),
    )
    major = sorted(
        (
            ev
            for ev in state.events.values()
            if ev.gravity >= MAJOR_GRAVITY
            and (ev.status != EventStatus.CLOS or ev.created_at >= start)
        ),
        key=lambda ev: (-ev.gravity, ev.created_at),
    )
    pp = sorted(
        (m for m in state.messages.values() if _awaiting_answer(m)),
        key=lambda m: m.sent_at or m.created_at,
    )
    crews = sorted(
        state.crews.values(), key=lambda c: (c.duty_end is None, c.duty_end, c.call_sign)
    )
    return {
        "period": {"start": to_iso(start), "end": to_iso(now)},
        "room": {"mode": state.mode, "label": state.label},
        "counters": counters,
        "major_events": [
            {
                "id": ev.id,
                "title": ev.title,
                "gravity": ev.gravity,
                "status": ev.status,
                "address": ev.address,
            }
            for ev in major
        ],
        "open_events": [
            {
                "id": ev.id,
                "title": ev.title,
                "gravity": ev.gravity,
                "status": ev.status,
                "holder": _holder(entries, ev.id),
                "crews": list(ev.crews),
            }
            for ev in open_events
        ],
        "fiches": fiches(state, now) if fiches is not None else [],
        "pp_awaiting": [
            {
                "key": m.key,
                "label": m.label,
                "event_id": m.event_id,
                "state": m.state_label,
                "since": to_iso(m.sent_at or m.created_at),
                "waiting_for": "accusé de réception" if m.awaiting_ack else "réponse",
            }
            for m in pp
        ],
        "crews": [
            {
                "call_sign": c.call_sign,
                "kind": crew_kind_label(c.kind),
                "division": c.division,
                "agents": c.agents,
                "status": c.status,
                "event_id": c.event_id,
                "duty_end": to_iso(c.duty_end) if c.duty_end else None,
                "overdue": c.duty_overdue(now),
            }
            for c in crews
        ],
    }


REQUEST_TEMPLATES_ANSWERED = frozenset({"reponse"})


def _awaiting_answer(m: Any) -> bool:
    """An outgoing message not yet acknowledged, or a request the PP has not answered yet."""
    if m.direction != "out" or m.state in ("brouillon", "erreur", "expire"):
        return False
    if m.awaiting_ack:
        return True
    return m.template.startswith("demande") and m.answer is None


def procedure_steps(library: Any) -> FicheSteps:
    """The fiches under way and their next due steps, with the runner's own reading of a
    fiche (the same deadlines the procedures dock shows)."""
    from scop.procedures.runner import run_view

    def steps(state: RoomState, now: datetime) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for run in state.procedures.values():
            if run.is_closed:
                continue
            fiche = library.fiches.get(run.fiche_id)
            if fiche is None:
                out.append(
                    {
                        "run_id": run.run_id,
                        "title": run.fiche_title,
                        "event_id": run.event_id,
                        "progress": "fiche introuvable",
                        "next": [],
                    }
                )
                continue
            v = run_view(fiche, run, now)
            pending = [s for s in v.steps if s.is_open][:3]
            out.append(
                {
                    "run_id": run.run_id,
                    "title": run.fiche_title,
                    "event_id": run.event_id,
                    "progress": f"{v.done_count}/{v.total} étapes",
                    "next": [
                        {
                            "title": s.step.title,
                            "deadline": to_iso(s.deadline) if s.deadline else None,
                            "overdue": s.overdue,
                        }
                        for s in pending
                    ],
                }
            )
        return out

    return steps


# -- commands ---------------------------------------------------------------------------------


def next_handover_id(state: RoomState, now: datetime) -> str:
    prefix = f"RL-{local(now):%Y%m%d}-"
    return next_id(prefix, state.handovers, width=2)


@entry_check(kd.HANDOVER_DRAFTED)
def check_drafted(st: RoomState, p: Mapping[str, Any]) -> None:
    if str(p.get("id")) in st.handovers:
        raise CommandRefused(f"La relève {p.get('id')} existe déjà.")


def draft_handover(
    room: Room, text: str, summary: Mapping[str, Any] | None = None, library: Any = None
) -> str:
    """The outgoing chief writes the relève: the summary drafted from the journal (now, or
    the one shown to the chief in the dialog) and the chief's free text. Returns its id."""
    now = room.clock.now()
    if summary is None:
        room.sync()
        summary = build_summary(
            room.state,
            list(room.store.iter_entries()),
            now,
            procedure_steps(library) if library is not None else None,
        )
    made: list[str] = []

    def decide(st: RoomState) -> list[Draft]:
        hid = next_handover_id(st, now)
        payload = {"id": hid, "summary": dict(summary), "text": text.strip()}
        check_drafted(st, payload)
        made[:] = [hid]
        return [Draft(kd.HANDOVER_DRAFTED, payload)]

    room.execute("handover.draft", decide)
    return made[0]


@entry_check(kd.HANDOVER_ACKNOWLEDGED)
def check_acknowledged(st: RoomState, p: Mapping[str, Any]) -> None:
    h: Handover | None = st.handovers.get(str(p.get("id")))
    if h is None:
        raise CommandRefused(f"Relève inconnue : {p.get('id')}.")
    if h.acknowledged:
        raise CommandRefused(
            f"La relève {h.id} a déjà été prise en compte par {h.incoming}"
            f" à {local(h.acknowledged_at or h.drafted_at):%H:%M}."
        )


def acknowledge_handover(room: Room, handover_id: str, comment: str = "") -> None:
    """The incoming chief takes the relève, under their own identity: not the chief who
    wrote it."""

    def decide(st: RoomState) -> list[Draft]:
        payload = {"id": handover_id, "comment": comment.strip()}
        check_acknowledged(st, payload)
        h: Handover = st.handovers[handover_id]
        if h.outgoing == room.operator.name:
            raise CommandRefused(
                "La relève se prend par le chef entrant, sous son propre nom : "
                f"{h.outgoing} l'a rédigée."
            )
        return [Draft(kd.HANDOVER_ACKNOWLEDGED, payload)]

    room.execute("handover.acknowledge", decide)


def pending_handover(state: RoomState) -> Handover | None:
    waiting = [h for h in state.handovers.values() if not h.acknowledged]
    return max(waiting, key=lambda h: h.drafted_position) if waiting else None


# -- the printed relève -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sheet:
    """A relève as the journal holds it, ready to print."""

    handover: Handover
    exercise: bool

    @property
    def title(self) -> str:
        return f"Relève {self.handover.id}"


def sheet_from_journal(entries: Sequence[Entry], handover_id: str | None = None) -> Sheet:
    """The relève ``handover_id`` (the last one by default), from the journal alone."""
    from scop.models.projection import fold

    state = fold(entries)
    if not state.handovers:
        raise CommandRefused("Aucune relève dans cette main courante.")
    if handover_id is None:
        h = max(state.handovers.values(), key=lambda x: x.drafted_position)
    elif handover_id in state.handovers:
        h = state.handovers[handover_id]
    else:
        raise CommandRefused(f"Relève inconnue : {handover_id}.")
    return Sheet(h, state.mode == "exercise")


def tables(s: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
    """(heading, table or None, text when empty) in the order of the printed relève."""
    from scop.replay.debrief import _Table

    def row(*cells: str) -> tuple[tuple[str, str], ...]:
        return tuple((c, "") for c in cells)

    out: list[tuple[str, Any, str]] = []
    out.append(
        (
            "Compteurs de la période",
            _Table(
                ("Compteur", "Nombre"), (90, 25), [row(str(a), str(b)) for a, b in s["counters"]]
            ),
            "",
        )
    )
    major = s.get("major_events") or []
    out.append(
        (
            "Événements majeurs",
            _Table(
                ("Événement", "Intitulé", "Gravité", "État", "Adresse"),
                (35, 90, 25, 30, 93),
                [
                    row(
                        e["id"],
                        e["title"],
                        GRAVITIES.get(int(e["gravity"]), str(e["gravity"])),
                        EVENT_STATUSES.get(e["status"], e["status"]),
                        e.get("address") or "—",
                    )
                    for e in major
                ],
            )
            if major
            else None,
            "Aucun événement majeur sur la période.",
        )
    )
    opened = s.get("open_events") or []
    out.append(
        (
            "Événements ouverts et qui les tient",
            _Table(
                ("Événement", "Intitulé", "Gravité", "État", "Tenu par", "Équipages"),
                (35, 85, 22, 28, 45, 58),
                [
                    row(
                        e["id"],
                        e["title"],
                        GRAVITIES.get(int(e["gravity"]), str(e["gravity"])),
                        EVENT_STATUSES.get(e["status"], e["status"]),
                        e.get("holder") or "—",
                        ", ".join(e.get("crews") or []) or "—",
                    )
                    for e in opened
                ],
            )
            if opened
            else None,
            "Aucun événement ouvert.",
        )
    )
    fiches = s.get("fiches") or []
    fiche_rows = []
    for f in fiches:
        nxt = f.get("next") or []
        steps = "; ".join(
            n["title"]
            + (
                f" (échéance {_hm(n.get('deadline'))}"
                + (", EN RETARD)" if n.get("overdue") else ")")
                if n.get("deadline")
                else ""
            )
            for n in nxt
        )
        fiche_rows.append(row(f["title"], f["event_id"], f.get("progress", ""), steps or "—"))
    out.append(
        (
            "Fiches réflexes en cours et prochaines étapes dues",
            _Table(
                ("Fiche", "Événement", "Avancement", "Prochaines étapes"),
                (70, 35, 28, 140),
                fiche_rows,
            )
            if fiche_rows
            else None,
            "Aucune fiche réflexe en cours.",
        )
    )
    pp = s.get("pp_awaiting") or []
    out.append(
        (
            "Messages à la PP en attente",
            _Table(
                ("Message", "Événement", "État", "Depuis", "En attente de"),
                (80, 35, 50, 30, 78),
                [
                    row(
                        m["label"], m["event_id"], m["state"], _hm(m.get("since")), m["waiting_for"]
                    )
                    for m in pp
                ],
            )
            if pp
            else None,
            "Aucun message en attente de réponse.",
        )
    )
    crews = s.get("crews") or []
    out.append(
        (
            "Équipages en service et fin de service prévue",
            _Table(
                ("Indicatif", "Type", "Division", "Agents", "Statut", "Événement", "Fin prévue"),
                (25, 60, 45, 18, 35, 35, 55),
                [
                    row(
                        c["call_sign"],
                        c["kind"],
                        c["division"],
                        str(c["agents"]),
                        CREW_STATUSES.get(c["status"], c["status"]),
                        c.get("event_id") or "—",
                        _hm(c.get("duty_end")) + (" — DÉPASSÉE" if c.get("overdue") else ""),
                    )
                    for c in crews
                ],
            )
            if crews
            else None,
            "Aucun équipage en service.",
        )
    )
    return out


def write_pdf(sheet: Sheet, path: Path) -> None:
    """Through the debrief's renderer: same fonts, tables, footer, EXERCICE marking."""
    from reportlab.platypus import Spacer

    from scop.replay.debrief import pdf_kit

    kit = pdf_kit()
    h = sheet.handover
    s = h.summary
    period = s.get("period") or {}
    room = s.get("room") or {}
    story: list[Any] = []
    if sheet.exercise:
        story.append(kit.exercise_banner())
    story.append(kit.p(f"Relève du chef de salle — {h.id}", "h1"))
    story.append(
        kit.p(
            f"Salle « {room.get('label', '')} » — période du {_hm(period.get('start'))} au "
            f"{_hm(period.get('end'))} — rédigée par {h.outgoing} le "
            f"{local(h.drafted_at):%d/%m/%Y à %H:%M} (main courante n° {h.drafted_position}).",
            "base",
        )
    )
    if h.acknowledged and h.acknowledged_at is not None:
        story.append(
            kit.p(
                f"Prise en compte par {h.incoming} le {local(h.acknowledged_at):%d/%m/%Y à %H:%M}"
                f" (main courante n° {h.acknowledged_position})"
                + (f" : {h.comment}" if h.comment else "."),
                "base",
            )
        )
    else:
        story.append(kit.p("Pas encore prise en compte par le chef entrant.", "base"))
    story.append(kit.p("Consignes du chef sortant", "h2"))
    for para in (h.text or "(aucune consigne écrite)").split("\n"):
        story.append(kit.p(para, "text") if para.strip() else Spacer(1, 4))
    for heading, table, empty in tables(s):
        story.append(kit.p(heading, "h2"))
        story.append(kit.table(table) if table is not None else kit.p(empty, "base"))
    kit.build(path, sheet.title, story, exercise=sheet.exercise)


def to_html(summary: Mapping[str, Any]) -> str:
    """The summary as the relève dialog shows it: the same tables as the PDF."""
    import html

    from scop.replay.debrief import _html_table

    period = summary.get("period") or {}
    out = [
        "<style>table{border-collapse:collapse;margin-bottom:6px}"
        "th{background:#1f3a60;color:#fff;padding:2px 6px;text-align:left}"
        "td{border:1px solid #ccc;padding:2px 6px}h3{color:#1f3a60;margin:8px 0 2px}</style>",
        f"<p>Période du <b>{html.escape(_hm(period.get('start')))}</b> au "
        f"<b>{html.escape(_hm(period.get('end')))}</b></p>",
    ]
    for heading, table, empty in tables(summary):
        out.append(f"<h3>{html.escape(heading)}</h3>")
        out.append(
            _html_table(table) if table is not None else f"<p><i>{html.escape(empty)}</i></p>"
        )
    return "".join(out)
