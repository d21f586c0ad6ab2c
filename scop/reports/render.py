"""The barometer as a person reads it: CSV for a spreadsheet, HTML, and a PDF laid out like
the Observatoire's page (big figures, a short trend chart), through the debrief's PdfKit so
that every printed document of the room reads alike."""

from __future__ import annotations

import contextlib
import csv
import html
import io
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from scop.clock import PARIS
from scop.errors import OutputError, cannot_write
from scop.reports.barometre import FIGURES, STEP_LABELS, Barometre, Figures

HEADLINE = FIGURES[:4]  # the four figures the Observatoire publishes
CSV_DELIMITER = ";"  # what a French spreadsheet opens without asking
EMPTY_TEXT = (
    "Aucune activité dans la main courante sur cette période : tous les chiffres sont à zéro."
)


def range_text(b: Barometre) -> str:
    first = b.start.astimezone(PARIS).date()
    last = (b.end - timedelta(microseconds=1)).astimezone(PARIS).date()
    return f"du {first:%d/%m/%Y} au {last:%d/%m/%Y}, par {STEP_LABELS[b.step]}"


def _category_header(cat: str) -> str:
    return f"Événements {cat}"


def to_csv(b: Barometre) -> str:
    """One row per period, one column per figure (then per category), and a last « Total »
    row; French headers, « ; » separated."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\n")
    w.writerow(
        [
            "Période",
            "Début",
            "Fin",
            *(h for _, h in FIGURES),
            *(_category_header(c) for c in b.categories),
        ]
    )

    def row(label: str, start: str, end: str, f: Figures) -> list[str]:
        return [
            label,
            start,
            end,
            *(str(f.value(k)) for k, _ in FIGURES),
            *(str(f.by_category.get(c, 0)) for c in b.categories),
        ]

    def when(t: Any) -> str:
        return f"{t.astimezone(PARIS):%Y-%m-%d %H:%M}"

    for p, f in b.periods:
        w.writerow(row(p.label, when(p.start), when(p.end), f))
    w.writerow(row("Total", when(b.start), when(b.end), b.total))
    return out.getvalue()


def _e(text: object) -> str:
    return html.escape(str(text))


def _svg_trend(b: Barometre, width: int = 640, height: int = 160) -> str:
    colours = ("#1f3a60", "#c62828", "#ef6c00", "#2e7d32")
    n = len(b.periods)
    top = max((f.value(k) for _, f in b.periods for k, _ in HEADLINE), default=0) or 1
    parts = [f'<svg width="{width}" height="{height + 20}" role="img">']
    for (key, label), colour in zip(HEADLINE, colours, strict=True):
        pts = " ".join(
            f"{20 + i * (width - 40) / max(n - 1, 1):.1f},"
            f"{height - f.value(key) * (height - 10) / top:.1f}"
            for i, (_, f) in enumerate(b.periods)
        )
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}">')
        parts.append(f"<title>{_e(label)}</title></polyline>")
    parts.append("</svg>")
    return "".join(parts)


def to_html(b: Barometre, source: str) -> str:
    big = "".join(
        f"<div class='fig'><div class='n'>{_thousands(b.total.value(k))}</div>"
        f"<div>{_e(h)}</div></div>"
        for k, h in HEADLINE
    )
    rows = "".join(
        "<tr><td>"
        + _e(p.label)
        + "</td>"
        + "".join(f"<td>{f.value(k)}</td>" for k, _ in FIGURES)
        + "</tr>"
        for p, f in b.periods
    )
    cats = "".join(
        f"<tr><td>{_e(c)}</td><td>{b.total.by_category.get(c, 0)}</td></tr>" for c in b.categories
    )
    empty = f"<p class='muted'>{_e(EMPTY_TEXT)}</p>" if b.empty else ""
    return (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
        "<title>L'activité de la SCOP</title><style>"
        "body{font-family:sans-serif;margin:2em;color:#222}"
        ".figs{display:flex;gap:2em}.fig{flex:1;border-top:4px solid #1f3a60;padding:.5em}"
        ".n{font-size:2.6em;font-weight:bold;color:#1f3a60}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 6px}"
        "th{background:#1f3a60;color:#fff}.muted{color:#777}</style></head><body>"
        f"<h1>L'activité de la SCOP</h1><p>{_e(range_text(b))} — source : {_e(source)}</p>"
        f"{empty}<div class='figs'>{big}</div>"
        f"<h2>Évolution</h2>{_svg_trend(b)}"
        "<h2>Par période</h2><table><tr><th>Période</th>"
        + "".join(f"<th>{_e(h)}</th>" for _, h in FIGURES)
        + f"</tr>{rows}</table>"
        f"<h2>Événements par catégorie</h2><table><tr><th>Catégorie</th><th>Nombre</th></tr>"
        f"{cats}</table></body></html>"
    )


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def write_pdf(b: Barometre, source: str, path: Path, mode: str = "") -> None:
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer, Table

    from scop.replay.debrief import _Table, pdf_kit

    kit = pdf_kit()
    title = "L'activité de la SCOP"
    story: list[Any] = [
        kit.p(title, "h1"),
        kit.p(f"{range_text(b)} — source : {source}", "text"),
        Spacer(1, 4 * mm),
    ]
    if b.empty:
        story.append(kit.p(EMPTY_TEXT, "h3"))
    big = ParagraphStyle(
        "big",
        parent=kit.styles["h1"],
        fontSize=34,
        leading=40,
        textColor=colors.HexColor("#1f3a60"),
    )
    label = ParagraphStyle("label", parent=kit.styles["text"], fontSize=11, leading=14)
    from reportlab.platypus import Paragraph

    cells = [
        [Paragraph(_thousands(b.total.value(k)), big), Paragraph(html.escape(h), label)]
        for k, h in HEADLINE
    ]
    figs = Table([cells], colWidths=[66 * mm] * 4, hAlign="LEFT")
    figs.setStyle(
        [
            ("LINEABOVE", (0, 0), (-1, 0), 3, colors.HexColor("#1f3a60")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ]
    )
    story.append(figs)
    story.append(kit.p("Évolution sur la période", "h2"))
    palette = ("#1f3a60", "#c62828", "#ef6c00", "#2e7d32")
    d = Drawing(270 * mm, 55 * mm)
    lp = LinePlot()
    lp.x, lp.y = 15 * mm, 8 * mm
    lp.width, lp.height = 190 * mm, 42 * mm
    lp.data = [
        [(i, f.value(k)) for i, (_, f) in enumerate(b.periods)] or [(0, 0)] for k, _ in HEADLINE
    ]
    for i, colour in enumerate(palette):
        lp.lines[i].strokeColor = colors.HexColor(colour)
        lp.lines[i].strokeWidth = 1.8
    lp.xValueAxis.valueMin = 0
    lp.xValueAxis.valueMax = max(len(b.periods) - 1, 1)
    step = max(1, len(b.periods) // 10)
    lp.xValueAxis.valueSteps = list(range(0, len(b.periods), step))
    labels = [p.label.split(" (")[0] for p, _ in b.periods]
    lp.xValueAxis.labelTextFormat = lambda v: labels[int(v)] if 0 <= int(v) < len(labels) else ""
    lp.xValueAxis.labels.fontName = kit.regular
    lp.xValueAxis.labels.fontSize = 6.5
    lp.yValueAxis.valueMin = 0
    lp.yValueAxis.labels.fontName = kit.regular
    lp.yValueAxis.labels.fontSize = 7
    d.add(lp)
    legend = Legend()
    legend.x, legend.y = 212 * mm, 48 * mm
    legend.fontName = kit.regular
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 4
    legend.dy = 6
    legend.deltay = 12
    legend.colorNamePairs = [
        (colors.HexColor(c), h) for c, (_, h) in zip(palette, HEADLINE, strict=True)
    ]
    d.add(legend)
    story.append(d)
    story.append(kit.p("Par période", "h2"))
    widths = (52.0, *(36.0,) * len(FIGURES))
    story.append(
        kit.table(
            _Table(
                ("Période", *(h for _, h in FIGURES)),
                widths,
                [
                    ((p.label, ""), *((str(f.value(k)), "") for k, _ in FIGURES))
                    for p, f in [*b.periods]
                ]
                + [(("Total", "ok"), *((str(b.total.value(k)), "ok") for k, _ in FIGURES))],
            )
        )
    )
    story.append(kit.p("Événements créés par catégorie", "h2"))
    if b.categories:
        story.append(
            kit.table(
                _Table(
                    ("Catégorie", "Événements"),
                    (52.0, 36.0),
                    [((c, ""), (str(b.total.by_category[c]), "")) for c in b.categories],
                )
            )
        )
    else:
        story.append(kit.p("Aucun événement créé sur la période.", "text"))
    story.append(
        kit.p(
            "Définitions des chiffres : README de la console, « Baromètres ». Équipages en "
            "service : indicatifs distincts en service à un moment de la période.",
            "cell",
        )
    )
    kit.build(path, title, story, exercise=mode == "exercise", mode=mode)


def _mode_banner(mode: str) -> str:
    return "EXERCICE EXERCICE EXERCICE" if mode == "exercise" else "DÉMO — données fictives"


def _mode_line(mode: str) -> str:
    """An exercise's or the demo's figures say so on their first line, even in a CSV."""
    return f"# {_mode_banner(mode)}\n" if mode in ("exercise", "demo") else ""


def write(b: Barometre, source: str, path: Path, mode: str = "") -> None:
    """CSV, HTML or PDF from the file's extension; a file that cannot be written is an
    :class:`OutputError` and no partial file is left behind."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".pdf", ".html", ".htm"):
        raise OutputError(
            f"Format inconnu « {path.suffix} » pour {path}",
            "Donner un fichier .csv, .pdf ou .html.",
        )
    part = path.with_name(path.name + ".partiel")
    try:
        if suffix == ".pdf":
            write_pdf(b, source, part, mode)
        elif suffix == ".csv":
            part.write_text(_mode_line(mode) + to_csv(b), encoding="utf-8-sig")
        else:
            html_text = to_html(b, source)
            if mode in ("exercise", "demo"):
                banner = f"<p style='color:#c62828;font-weight:bold'>{_mode_banner(mode)}</p>"
                html_text = html_text.replace("<body>", "<body>" + banner, 1)
            part.write_text(html_text, encoding="utf-8")
        os.replace(part, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        raise cannot_write(path, exc) from exc
