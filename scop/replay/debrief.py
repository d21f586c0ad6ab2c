"""The debrief (RETEX) of a replayed shift or a finished exercise, as HTML and PDF.

Everything is read from the journal through the same fold as live operation: what happened
and what the room did, each fiche's steps against their deadlines, the messages and their
acknowledgement delays, the crews' engagement delays, and for an exercise the expected
actions met or missed.
"""

from __future__ import annotations

import contextlib
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scop.clock import local
from scop.errors import OutputError, cannot_write
from scop.models import fold_exercise as x
from scop.models.describe import describe, kind_label
from scop.models.entries import ROLES, SOURCES, Entry
from scop.models.projection import fold
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus, MessageState, StepStatus
from scop.replay.expected import Outcome, evaluate, started_entry, tally

TIMELINE_LIMIT = 3000
OUTSIDE = frozenset({"appel_3975", "dansmarue", "equipage", "partenaire", "pp", "reseaux_sociaux"})
ACTOR_LABELS = {
    "salle": "Salle",
    "exterieur": "Extérieur",
    "formateur": "Formateur",
    "systeme": "Système",
}


def hm(t: datetime | None) -> str:
    return local(t).strftime("%d/%m %H:%M:%S") if t else "—"


def dur(d: timedelta | None) -> str:
    if d is None:
        return "—"
    s = round(d.total_seconds())
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s >= 3600:
        return f"{sign}{s // 3600} h {s % 3600 // 60:02d} min"
    return f"{sign}{s // 60} min {s % 60:02d} s"


@dataclass(frozen=True, slots=True)
class TimelineRow:
    ts: datetime
    position: int
    actor: str
    source: str
    kind: str
    text: str
    author: str


@dataclass(frozen=True, slots=True)
class StepRow:
    step_id: str
    title: str
    status: str
    deadline: datetime | None
    done_at: datetime | None
    by: str
    verdict: str  # "dans les délais", "en retard", "non fait", "sans échéance"


@dataclass(frozen=True, slots=True)
class FicheRow:
    run_id: str
    fiche_id: str
    title: str
    event_id: str
    launched_at: datetime
    launched_by: str
    closed_at: datetime | None
    steps: tuple[StepRow, ...]


@dataclass(frozen=True, slots=True)
class MessageRow:
    direction: str  # "Sortant" / "Entrant"
    label: str
    event_id: str
    at: datetime | None  # sent (outgoing) or received (incoming)
    ack_at: datetime | None  # RECU from the PP, or consulted by the room
    state: str

    @property
    def ack_delay(self) -> timedelta | None:
        return self.ack_at - self.at if self.ack_at and self.at else None


@dataclass(frozen=True, slots=True)
class EngagementRow:
    call_sign: str
    event_id: str
    event_created: datetime | None
    engaged_at: datetime
    on_scene_at: datetime | None

    @property
    def engage_delay(self) -> timedelta | None:
        return self.engaged_at - self.event_created if self.event_created else None

    @property
    def travel(self) -> timedelta | None:
        return self.on_scene_at - self.engaged_at if self.on_scene_at else None


@dataclass
class Debrief:
    title: str
    source: str
    mode: str
    label: str
    start: datetime | None
    end: datetime | None
    entries: int
    scenario: str = ""
    timeline: list[TimelineRow] = field(default_factory=list)
    timeline_dropped: int = 0
    fiches: list[FicheRow] = field(default_factory=list)
    messages: list[MessageRow] = field(default_factory=list)
    engagements: list[EngagementRow] = field(default_factory=list)
    expected: list[Outcome] = field(default_factory=list)

    @property
    def is_exercise(self) -> bool:
        return self.mode == "exercise"


def _actor(e: Entry) -> str:
    if e.source == "formateur" or e.role == "trainer":
        return "formateur"
    if e.source == "systeme" or e.role == "system":
        return "systeme"
    if e.source in OUTSIDE:
        return "exterieur"
    return "salle"


def _fiches(state: RoomState, end: datetime) -> list[FicheRow]:
    from scop.procedures.runner import run_view

    try:
        from scop.procedures.loader import load_library

        library: Any = load_library()
    except Exception:  # the fiches are data: a broken library must not stop a debrief
        library = None
    rows: list[FicheRow] = []
    for run in sorted(state.procedures.values(), key=lambda r: r.launched_at):
        fiche = library.fiches.get(run.fiche_id) if library is not None else None
        steps: list[StepRow] = []
        if fiche is not None:
            view = run_view(fiche, run, run.closed_at or end)
            for sv in view.steps:
                rec = sv.record
                done = rec.ended_at if rec is not None else None
                if sv.status == StepStatus.HORS_PARCOURS:
                    continue
                if sv.deadline is None:
                    verdict = "sans échéance" if done else "non fait"
                elif done is None:
                    verdict = "non fait (échéance dépassée)" if sv.overdue else "non fait"
                else:
                    verdict = "dans les délais" if done <= sv.deadline else "en retard"
                if rec is not None and rec.status == StepStatus.SAUTE:
                    verdict = f"sautée — {rec.reason}" if rec.reason else "sautée"
                steps.append(
                    StepRow(
                        sv.step.id,
                        sv.step.title,
                        sv.status_label,
                        sv.deadline,
                        done,
                        rec.ended_by if rec else "",
                        verdict,
                    )
                )
        else:
            for sid, rec in run.steps.items():
                steps.append(
                    StepRow(
                        sid, sid, rec.status, None, rec.ended_at, rec.ended_by, "fiche inconnue"
                    )
                )
        rows.append(
            FicheRow(
                run.run_id,
                run.fiche_id,
                run.fiche_title,
                run.event_id,
                run.launched_at,
                run.launched_by,
                run.closed_at,
                tuple(steps),
            )
        )
    return rows


def _messages(state: RoomState, entries: Sequence[Entry]) -> list[MessageRow]:
    first_ack: dict[str, datetime] = {}
    consulted: dict[str, datetime] = {}
    for e in entries:
        did = e.payload.get("distribution_id")
        if not isinstance(did, str):
            continue
        if e.kind == "pp.ack_received" and not e.payload.get("refused"):
            first_ack.setdefault(did, e.ts)
        elif e.kind == "pp.message_consulted":
            consulted.setdefault(did, e.ts)
    rows: list[MessageRow] = []
    for m in state.messages.values():
        did = m.distribution_id or ""
        if m.direction == "out":
            rows.append(
                MessageRow(
                    "Sortant", m.label, m.event_id, m.sent_at, first_ack.get(did), m.state_label
                )
            )
        else:
            ack = consulted.get(did)
            if ack is None and m.state == MessageState.CONSULTE:
                ack = m.updated_at
            rows.append(
                MessageRow("Entrant", m.label, m.event_id, m.created_at, ack, m.state_label)
            )
    rows.sort(key=lambda r: (r.at is None, r.at.timestamp() if r.at else 0.0))
    return rows


def _engagements(state: RoomState, entries: Sequence[Entry]) -> list[EngagementRow]:
    open_: dict[str, tuple[str, datetime]] = {}
    rows: list[EngagementRow] = []
    pending: dict[str, int] = {}
    for e in entries:
        p = e.payload
        if e.kind == "crew.engaged":
            cs, ev = str(p.get("call_sign")), str(p.get("event_id"))
            event = state.events.get(ev)
            rows.append(EngagementRow(cs, ev, event.created_at if event else None, e.ts, None))
            pending[cs] = len(rows) - 1
            open_[cs] = (ev, e.ts)
        elif e.kind == "crew.status_changed" and p.get("status") == CrewStatus.SUR_LES_LIEUX:
            i = pending.pop(str(p.get("call_sign")), None)
            if i is not None:
                r = rows[i]
                rows[i] = EngagementRow(
                    r.call_sign, r.event_id, r.event_created, r.engaged_at, e.ts
                )
        elif e.kind in ("crew.released", "crew.status_changed"):
            pending.pop(str(p.get("call_sign")), None)
    return rows


def build_debrief(
    entries: Sequence[Entry], *, source: str = "", end: datetime | None = None
) -> Debrief:
    """The debrief of ``entries`` (a whole journal, from its first entry)."""
    entries = list(entries)
    state = fold(entries)
    end = end or (entries[-1].ts if entries else None)
    start_entry = started_entry(entries)
    fork = next((e for e in entries if e.kind == x.FORKED), None)
    anchor = fork or start_entry
    scope_from = anchor.position if anchor is not None else 1
    scoped = [e for e in entries if e.position >= scope_from]
    title = "RETEX — " + (
        f"exercice « {str(start_entry.payload.get('title', '')).removeprefix('EXERCICE — ')} »"
        if start_entry is not None
        else f"vacation « {state.label or 'salle'} »"
    )
    d = Debrief(
        title=title,
        source=source,
        mode=state.mode,
        label=state.label,
        start=scoped[0].ts if scoped else None,
        end=end,
        entries=len(entries),
        scenario=str(start_entry.payload.get("title", "")) if start_entry else "",
    )
    rows = [
        TimelineRow(
            e.ts,
            e.position,
            _actor(e),
            SOURCES.get(e.source, e.source),
            kind_label(e.kind),
            describe(e),
            f"{e.author} ({ROLES.get(e.role, e.role)})",
        )
        for e in scoped
        if e.kind not in ("session.login", "session.logout")
    ]
    d.timeline_dropped = max(0, len(rows) - TIMELINE_LIMIT)
    d.timeline = rows[:TIMELINE_LIMIT]
    if end is not None:
        d.fiches = _fiches(state, end)
    d.messages = _messages(state, scoped)
    d.engagements = _engagements(state, scoped)
    if start_entry is not None and end is not None:
        d.expected = evaluate(entries, end, ended=True)
    return d


# -- HTML -----------------------------------------------------------------------------------

_CSS = """
body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:13px;margin:24px;color:#222}
h1{font-size:22px;margin-bottom:4px}
h2{font-size:17px;margin-top:28px;border-bottom:2px solid #1f3a60}
table{border-collapse:collapse;width:100%;margin-top:8px}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#1f3a60;color:#fff} tr:nth-child(even) td{background:#f4f6f9}
.exercice{background:#c62828;color:#fff;font-weight:bold;padding:6px;text-align:center;font-size:16px}
.demo{background:#e65100;color:#fff;font-weight:bold;padding:6px;text-align:center;font-size:16px}
.ok{color:#2e7d32;font-weight:bold} .late{color:#ef6c00;font-weight:bold}
.ko{color:#c62828;font-weight:bold} .muted{color:#777}
.exterieur td{background:#fff8e1} .formateur td{background:#fde7e7}
"""

_STATUS_CLASS = {"respecte": "ok", "en_retard": "late", "manque": "ko"}


def _verdict_class(verdict: str) -> str:
    if verdict == "dans les délais":
        return "ok"
    if verdict.startswith("en retard"):
        return "late"
    if verdict.startswith("non fait"):
        return "ko"
    return "muted"


@dataclass(frozen=True, slots=True)
class _Table:
    """A table of the debrief, once for both renderings: cells are (text, colour class)."""

    headers: tuple[str, ...]
    widths: tuple[float, ...]  # millimetres, for the PDF
    rows: list[tuple[tuple[str, str], ...]]
    row_classes: list[str] = field(default_factory=list)


def _expected_table(d: Debrief) -> _Table:
    return _Table(
        ("Action attendue", "Échéance", "Faite à", "Délai", "Par", "Résultat"),
        (95, 30, 30, 25, 45, 30),
        [
            (
                (o.expected.label, ""),
                (hm(o.deadline), ""),
                (hm(o.done_at), ""),
                (dur(o.delay), ""),
                (o.done_by or "—", ""),
                (o.status_label, _STATUS_CLASS.get(o.status, "muted")),
            )
            for o in d.expected
        ],
    )


def _steps_table(f: FicheRow) -> _Table:
    return _Table(
        ("Étape", "Statut", "Échéance", "Faite à", "Par", "Verdict"),
        (95, 28, 30, 30, 35, 37),
        [
            (
                (s.title, ""),
                (s.status, ""),
                (hm(s.deadline), ""),
                (hm(s.done_at), ""),
                (s.by or "—", ""),
                (s.verdict, _verdict_class(s.verdict)),
            )
            for s in f.steps
        ],
    )


def _messages_table(d: Debrief) -> _Table:
    return _Table(
        ("Sens", "Message", "Événement", "Envoyé / reçu", "Accusé / consulté", "Délai", "État"),
        (20, 60, 30, 30, 30, 25, 60),
        [
            (
                (m.direction, ""),
                (m.label, ""),
                (m.event_id, ""),
                (hm(m.at), ""),
                (hm(m.ack_at), ""),
                (dur(m.ack_delay), ""),
                (m.state, ""),
            )
            for m in d.messages
        ],
    )


def _engagements_table(engagements: Sequence[EngagementRow]) -> _Table:
    return _Table(
        (
            "Équipage",
            "Événement",
            "Événement créé",
            "Engagé à",
            "Délai d'engagement",
            "Sur les lieux",
            "Trajet",
        ),
        (25, 30, 35, 35, 35, 35, 30),
        [
            (
                (g.call_sign, ""),
                (g.event_id, ""),
                (hm(g.event_created), ""),
                (hm(g.engaged_at), ""),
                (dur(g.engage_delay), ""),
                (hm(g.on_scene_at), ""),
                (dur(g.travel), ""),
            )
            for g in engagements
        ],
    )


def _timeline_table(d: Debrief) -> _Table:
    return _Table(
        ("N°", "Heure", "Qui", "Source", "Type", "Texte", "Auteur"),
        (12, 25, 22, 28, 32, 103, 45),
        [
            (
                (str(r.position), ""),
                (hm(r.ts), ""),
                (ACTOR_LABELS[r.actor], ""),
                (r.source, ""),
                (r.kind, ""),
                (r.text, ""),
                (r.author, ""),
            )
            for r in d.timeline
        ],
        [r.actor for r in d.timeline],
    )


def _html_table(t: _Table) -> str:
    out = ["<table><tr>", *(f"<th>{html.escape(h)}</th>" for h in t.headers), "</tr>"]
    for i, row in enumerate(t.rows):
        c = f' class="{t.row_classes[i]}"' if i < len(t.row_classes) else ""
        cells = "".join(
            f"<td><span class='{k}'>{_e(text)}</span></td>" if k else f"<td>{_e(text)}</td>"
            for text, k in row
        )
        out.append(f"<tr{c}>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


def _e(text: object) -> str:
    return html.escape(str(text))


DEMO_MARK = "DÉMO — données fictives de démonstration"


def to_html(d: Debrief) -> str:
    banner = (
        '<div class="exercice">EXERCICE EXERCICE EXERCICE — document d\'exercice</div>'
        if d.is_exercise
        else f'<div class="demo">{DEMO_MARK}</div>'
        if d.mode == "demo"
        else ""
    )
    parts = [
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>{_e(d.title)}</title><style>{_CSS}</style></head><body>",
        banner,
        f"<h1>{_e(d.title)}</h1>",
        f"<p>Source : {_e(d.source)} — salle « {_e(d.label)} » — du {hm(d.start)} au "
        f"{hm(d.end)} — {d.entries} entrées de main courante.</p>",
    ]
    if d.expected:
        t = tally(d.expected)
        parts.append("<h2>Actions attendues</h2>")
        parts.append(
            f"<p><span class='ok'>{t['respecte']} respectée(s)</span>, "
            f"<span class='late'>{t['en_retard']} en retard</span>, "
            f"<span class='ko'>{t['manque']} manquée(s)</span>.</p>"
        )
        parts.append(_html_table(_expected_table(d)))
    parts.append("<h2>Fiches réflexes</h2>")
    if not d.fiches:
        parts.append("<p class='muted'>Aucune fiche réflexe lancée.</p>")
    for f in d.fiches:
        parts.append(
            f"<h3>{_e(f.title)} — événement {_e(f.event_id)}</h3><p>Lancée le "
            f"{hm(f.launched_at)} par {_e(f.launched_by)}"
            + (f", close le {hm(f.closed_at)}" if f.closed_at else "")
            + ".</p>"
        )
        parts.append(_html_table(_steps_table(f)))
    parts.append("<h2>Messages avec la Préfecture de Police</h2>")
    if d.messages:
        parts.append(_html_table(_messages_table(d)))
    else:
        parts.append("<p class='muted'>Aucun message.</p>")
    parts.append("<h2>Engagements d'équipages</h2>")
    if d.engagements:
        parts.append(_html_table(_engagements_table(d.engagements)))
    else:
        parts.append("<p class='muted'>Aucun engagement.</p>")
    parts.append("<h2>Chronologie : ce qui s'est passé, ce qu'a fait la salle</h2>")
    parts.append(_html_table(_timeline_table(d)))
    if d.timeline_dropped:
        parts.append(
            f"<p class='muted'>{d.timeline_dropped} entrées suivantes non reproduites : voir la "
            "main courante complète (scop journal export).</p>"
        )
    parts.append(banner + "</body></html>")
    return "\n".join(parts)


# -- PDF ------------------------------------------------------------------------------------


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "ScopSans" in pdfmetrics.getRegisteredFontNames():
        return "ScopSans", "ScopSans-Bold"
    candidates = [
        (
            Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
            Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
        )
    ]
    import reportlab

    rl = Path(reportlab.__file__).parent / "fonts"
    candidates.append((rl / "Vera.ttf", rl / "VeraBd.ttf"))
    for regular, bold in candidates:
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("ScopSans", str(regular)))
            pdfmetrics.registerFont(TTFont("ScopSans-Bold", str(bold)))
            return "ScopSans", "ScopSans-Bold"
    return "Helvetica", "Helvetica-Bold"


@dataclass
class PdfKit:
    """The debrief's PDF look (fonts, headings, tables), shared by every printed document of
    the room (the RETEX, the relève) so that they read alike."""

    regular: str
    bold: str
    styles: dict[str, Any]
    colours: dict[str, str]

    def p(self, text: object, style: str = "cell") -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(html.escape(str(text)), self.styles[style])

    def coloured(self, text: str, klass: str) -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(
            f'<font color="{self.colours.get(klass, "#222222")}"><b>{html.escape(text)}</b></font>',
            self.styles["cell"],
        )

    def table(self, t: _Table) -> Any:
        from reportlab.lib import colors
        from reportlab.lib.units import mm
        from reportlab.platypus import LongTable

        rows = [
            [self.coloured(text, k) if k else self.p(text) for text, k in row] for row in t.rows
        ]
        lt = LongTable(
            [[self.p(h, "head") for h in t.headers], *rows],
            colWidths=[w * mm for w in t.widths],
            repeatRows=1,
            hAlign="LEFT",
        )
        lt.setStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f3a60")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#bbbbbb")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f9")]),
            ]
        )
        return lt

    def exercise_banner(self) -> Any:
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph

        return Paragraph(
            '<font color="#c62828"><b>EXERCICE EXERCICE EXERCICE — document d\'exercice</b></font>',
            ParagraphStyle("ex", parent=self.styles["h2"], fontSize=13, alignment=1),
        )

    def build(
        self, path: Path, title: str, story: list[Any], *, exercise: bool, mode: str = ""
    ) -> None:
        """Landscape A4; every page carries the room's mode, at its head and in its footer
        (EXERCICE in red, DÉMO in orange): a page torn from the report still says it."""
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate, Spacer

        if exercise:
            head, colour = "EXERCICE EXERCICE EXERCICE", "#c62828"
        elif mode == "demo":
            head, colour = "DÉMO — données fictives", "#e65100"
        else:
            head, colour = "", "#000000"
        marker = f"{head} — " if head else ""

        def on_page(canvas: Any, doc: Any) -> None:
            canvas.saveState()
            canvas.setFont(self.regular, 7)
            if head:
                canvas.setFillColor(colors.HexColor(colour))
            canvas.drawString(12 * mm, 7 * mm, f"{marker}SCOP — {title}")
            canvas.drawRightString(285 * mm, 7 * mm, f"page {doc.page}")
            if head:
                canvas.setFont(self.bold, 9)
                canvas.drawRightString(285 * mm, 203 * mm, head)
            canvas.restoreState()

        path.parent.mkdir(parents=True, exist_ok=True)
        doc = SimpleDocTemplate(
            str(path),
            pagesize=landscape(A4),
            leftMargin=12 * mm,
            rightMargin=12 * mm,
            topMargin=12 * mm,
            bottomMargin=14 * mm,
            title=title,
            author="SCOP",
        )
        doc.build([Spacer(1, 1), *story], onFirstPage=on_page, onLaterPages=on_page)


def pdf_kit() -> PdfKit:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=8, leading=10)
    h1 = ParagraphStyle("h1", parent=base, fontName=bold, fontSize=16, leading=20, spaceAfter=4)
    h2 = ParagraphStyle(
        "h2",
        parent=base,
        fontName=bold,
        fontSize=12,
        leading=15,
        spaceBefore=10,
        spaceAfter=4,
        textColor=colors.HexColor("#1f3a60"),
    )
    h3 = ParagraphStyle("h3", parent=base, fontName=bold, fontSize=9.5, leading=12, spaceBefore=6)
    cell = ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9)
    head = ParagraphStyle("head", parent=cell, fontName=bold, textColor=colors.white)
    text = ParagraphStyle("text", parent=base, fontSize=9, leading=12)
    return PdfKit(
        regular,
        bold,
        {"base": base, "h1": h1, "h2": h2, "h3": h3, "cell": cell, "head": head, "text": text},
        {"ok": "#2e7d32", "late": "#ef6c00", "ko": "#c62828", "muted": "#777777"},
    )


def write_pdf(d: Debrief, path: Path) -> None:
    from reportlab.lib import colors

    kit = pdf_kit()
    base = kit.styles["base"]

    def p(text: object, style: Any = None) -> Any:
        return kit.p(text, style.name if style is not None else "cell")

    h1, h2, h3 = kit.styles["h1"], kit.styles["h2"], kit.styles["h3"]
    table = kit.table

    story: list[Any] = []
    if d.is_exercise:
        story.append(kit.exercise_banner())
    story.append(p(d.title, h1))
    story.append(
        p(
            f"Source : {d.source} — salle « {d.label} » — du {hm(d.start)} au {hm(d.end)} — "
            f"{d.entries} entrées de main courante.",
            base,
        )
    )
    if d.expected:
        t = tally(d.expected)
        story.append(p("Actions attendues", h2))
        story.append(
            p(
                f"{t['respecte']} respectée(s), {t['en_retard']} en retard, "
                f"{t['manque']} manquée(s).",
                base,
            )
        )
        story.append(table(_expected_table(d)))
    story.append(p("Fiches réflexes", h2))
    if not d.fiches:
        story.append(p("Aucune fiche réflexe lancée.", base))
    for f in d.fiches:
        story.append(
            p(
                f"{f.title} — événement {f.event_id} — lancée le {hm(f.launched_at)} par "
                f"{f.launched_by}" + (f", close le {hm(f.closed_at)}" if f.closed_at else ""),
                h3,
            )
        )
        story.append(table(_steps_table(f)))
    story.append(p("Messages avec la Préfecture de Police", h2))
    if d.messages:
        story.append(table(_messages_table(d)))
    else:
        story.append(p("Aucun message.", base))
    story.append(p("Engagements d'équipages", h2))
    if d.engagements:
        story.append(table(_engagements_table(d.engagements[:TIMELINE_LIMIT])))
    else:
        story.append(p("Aucun engagement.", base))
    story.append(p("Chronologie : ce qui s'est passé, ce qu'a fait la salle", h2))
    tint = {"exterieur": "#fff8e1", "formateur": "#fde7e7"}
    tl = table(_timeline_table(d))
    tl.setStyle(
        [
            ("BACKGROUND", (0, i + 1), (-1, i + 1), colors.HexColor(tint[r.actor]))
            for i, r in enumerate(d.timeline)
            if r.actor in tint
        ]
    )
    story.append(tl)
    if d.timeline_dropped:
        story.append(
            p(
                f"{d.timeline_dropped} entrées suivantes non reproduites : voir la main courante "
                "complète (scop journal export).",
                base,
            )
        )
    kit.build(path, d.title, story, exercise=d.is_exercise, mode=d.mode)


def write(d: Debrief, path: Path) -> None:
    """HTML or PDF, from the file's extension; a file that cannot be written is an
    :class:`OutputError` (French, exit code) and no partial file is left behind."""
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise OutputError(
            f"Format inconnu « {path.suffix} » pour {path}", "Donner un fichier .pdf ou .html."
        )
    part = path.with_name(path.name + ".partiel")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".pdf":
            write_pdf(d, part)
        else:
            part.write_text(to_html(d), encoding="utf-8")
        os.replace(part, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        raise cannot_write(path, exc) from exc
