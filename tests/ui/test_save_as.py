"""« Exporter… » (scop.ui.save_as): the suffix of the filter chosen, one French notice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QWidget

from scop.errors import cannot_write
from scop.ui.context import Notices
from scop.ui.save_as import save_as


def test_save_as_writes_with_the_chosen_suffix_and_says_how_it_went(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    notices = Notices()
    posted: list[tuple[str, str]] = []
    notices.posted.connect(lambda level, text: posted.append((level, text)))
    typed = str(tmp_path / "bilan")  # no suffix: the filter chosen gives it
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (typed, "PDF (*.pdf)"))
    written: list[Path] = []
    got = save_as(
        parent, notices, title="Exporter", default_name="b.pdf", filters="PDF (*.pdf)",
        export=written.append, done="Baromètre exporté",
    )  # fmt: skip
    assert got == written[0] == tmp_path / "bilan.pdf"
    assert posted == [("info", f"Baromètre exporté : {tmp_path / 'bilan.pdf'}")]

    def refuse(path: Path) -> None:
        raise cannot_write(path, PermissionError(13, "refusé"))

    posted.clear()
    assert save_as(
        parent, notices, title="Exporter", default_name="b.pdf", filters="PDF (*.pdf)",
        export=refuse, done="Baromètre exporté",
    ) is None  # fmt: skip
    assert [level for level, _ in posted] == ["error"]
    assert "Impossible d'écrire" in posted[0][1]
    assert "Traceback" not in posted[0][1]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))  # cancelled
    posted.clear()
    assert save_as(
        parent, notices, title="Exporter", default_name="b.pdf", filters="PDF (*.pdf)",
        export=written.append, done="Baromètre exporté",
    ) is None  # fmt: skip
    assert posted == []
    assert len(written) == 1
