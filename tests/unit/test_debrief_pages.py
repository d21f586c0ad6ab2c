"""The debrief PDF: every page says the room's mode, and no word is cut in a column."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scop.replay import debrief as db


def _pages(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True)
    return [p for p in out.stdout.decode("utf-8").split("\f") if p.strip()]


needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (installed by ./dev test)"
)


@needs_pdftotext
def test_every_page_of_a_demo_debrief_says_demo(demo_room: Any, tmp_path: Path) -> None:
    for i in range(250):  # enough for several pages
        demo_room.note(f"Point de situation n° {i}")
    d = db.build_debrief(demo_room.store.read(), source="demo.sqlite")
    assert d.mode == "demo"
    pdf = tmp_path / "retex.pdf"
    db.write(d, pdf)
    pages = _pages(pdf)
    assert len(pages) >= 3
    for n, page in enumerate(pages, 1):
        assert "DÉMO" in page, f"page {n} sans marque DÉMO"
    html = tmp_path / "retex.html"
    db.write(d, html)
    assert "DÉMO" in html.read_text(encoding="utf-8")


@needs_pdftotext
def test_a_live_debrief_is_not_marked_demo(room: Any, tmp_path: Path) -> None:
    room.note("Main courante réelle")
    d = db.build_debrief(room.store.read(), source="salle.sqlite")
    pdf = tmp_path / "retex.pdf"
    db.write(d, pdf)
    assert all("DÉMO" not in page for page in _pages(pdf))


def test_no_word_is_wider_than_its_column(demo_room: Any) -> None:
    """« Formateu/r » was cut by the « Qui » column: every word of every table fits."""
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    kit = db.pdf_kit()
    size = kit.styles["cell"].fontSize
    padding = 12  # reportlab's default cell padding, left and right
    d = db.build_debrief(demo_room.store.read(), source="demo.sqlite")
    tables = [db._timeline_table(d), db._messages_table(d), db._engagements_table(d.engagements)]
    too_wide = []
    for t in tables:
        for col, width in enumerate(t.widths):
            words = {w for row in t.rows for w in row[col][0].split()}
            if t.headers[col] == "Qui":
                words |= set(db.ACTOR_LABELS.values())  # « Formateur » in an exercise
            for word in words:
                if stringWidth(word, kit.regular, size) + padding > width * mm:
                    too_wide.append((t.headers[col], word))
    assert too_wide == []
