"""A fire walked through to a C.A.RE and the UMIP, from the keyboard, on a test clock."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from scop.journal.store import JournalStore
from scop.models.entries import SYSTEM, Operator
from scop.procedures.loader import load_library
from scop.procedures.runner import ProcedureRunner
from scop.room import Room
from scop.ui.docks.procedures import OVERDUE_BG, LaunchDialog, ProceduresDock

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
CHIEF = Operator("Cdt. Morel", "chief")
FIRE = {
    "id": "EV-1",
    "category": "FIR/CLA",
    "title": "Feu d'appartement au 3e étage",
    "gravity": 4,
    "address": "52 Rue Oberkampf, 75011 Paris",
    "lon": 2.3748,
    "lat": 48.8649,
    "description": "Fumées noires, résidents sur les balcons.",
}


@pytest.fixture
def dock(qtbot: Any, room: Room, make_ctx: Any) -> ProceduresDock:
    room.acting_as(SYSTEM).record("event.created", FIRE)
    room.acting_as(SYSTEM).record(
        "event.created",
        {**FIRE, "id": "EV-2", "category": "HLT", "title": "Malaise lié à la chaleur"},
    )
    d = ProceduresDock(make_ctx(room))
    qtbot.addWidget(d)
    d.resize(1500, 900)
    d.show()
    d.activateWindow()
    qtbot.waitUntil(d.is_ready)
    return d


def key(qtbot: Any, d: ProceduresDock, k: Any, mod: Any = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget() or d.steps
    qtbot.keyClick(target, k, mod)


def focus_steps(qtbot: Any, d: ProceduresDock) -> None:
    d.steps.setFocus()
    qtbot.waitUntil(d.steps.hasFocus)


def item_colour(d: ProceduresDock, step_id: str) -> str:
    for i in range(d.steps.count()):
        if d.steps.item(i).data(Qt.ItemDataRole.UserRole + 11) == step_id:
            return str(d.steps.item(i).background().color().name())
    raise AssertionError(step_id)


def test_launch_dialog_suggests_the_event_category_first(
    qtbot: Any, dock: ProceduresDock, room: Room
) -> None:
    events = list(room.state.events.values())
    dialog = LaunchDialog(dock.library, events, "EV-1")
    qtbot.addWidget(dialog)
    ids = dialog.fiche_ids()
    suggested = {f.id for f in dock.library.suggested("FIR/CLA")}
    assert {"incendie", "ouverture_care", "demande_vpu", "demande_umip"} <= suggested
    assert "canicule" not in suggested
    assert set(ids[: len(suggested)]) == suggested  # suggested first, then all the others
    assert len(ids) == len(dock.library.fiches)
    first = dialog.chosen()[0]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)  # headers are stepped over
    assert dialog.chosen()[0] == ids[1]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Up)
    assert dialog.chosen()[0] == first == ids[0]
    qtbot.keyClicks(dialog.search, "umip")
    assert dialog.fiche_ids() == ["demande_umip"]
    assert dialog.chosen() == ("demande_umip", "EV-1")
    dialog.event_box.setCurrentIndex(dialog.event_box.findData("EV-2"))
    dialog.search.clear()
    assert dialog.fiche_ids()[0] == "canicule"


def test_fire_to_care_and_umip_from_the_keyboard(
    qtbot: Any, dock: ProceduresDock, room: Room, clock: Any
) -> None:
    store = room.store
    start = room.state.position
    room.operator = CHIEF
    fire = dock.launch("incendie", "EV-1")
    assert fire is not None
    assert dock.step_id == "confirmer_bspp"
    focus_steps(qtbot, dock)
    # a call step: who is on call now is shown; "joint" logs the call and completes the step
    assert "BSPP" in dock.panel.contacts.text()
    assert "01 99" in dock.panel.contacts.text()
    key(qtbot, dock, Qt.Key.Key_L, CTRL)
    assert dock.step_id == "perimetre"

    clock.advance(minutes=11)  # the perimeter (10 min) and the PP alert (10 min) are late
    dock.repaint_times()
    assert item_colour(dock, "perimetre") == OVERDUE_BG.lower()
    assert "EN RETARD" in dock.panel.countdown.text()
    assert "EN RETARD" in dock.summary.text() or "en retard" in dock.summary.text()
    run_item = dock.tree.topLevelItem(0).child(0)
    assert "EN RETARD" in run_item.text(0)
    dock.grab().save("/tmp/procedures_overdue.png")

    room.operator = Operator("B. Lefèvre", "operator")
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)  # périmètre: done
    assert dock.step_id == "alerte_pp"
    room.operator = CHIEF
    dock.panel.input_widgets["precisions"].setText("Fumées visibles depuis la rue")
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)  # drafts the EMSI alert for the chief
    assert dock.step_id == "informer_mairie"
    key(qtbot, dock, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(dock.panel.skip_reason.hasFocus)
    qtbot.keyClicks(dock.panel.skip_reason, "Mairie du 11e sur place")
    qtbot.keyClick(dock.panel.skip_reason, Qt.Key.Key_Return)
    assert dock.step_id == "evacuation"
    focus_steps(qtbot, dock)
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)  # refused: the number evacuated is required
    assert dock.step_id == "evacuation"
    dock.panel.input_widgets["evacues"].setText("12")
    dock.panel.input_widgets["relogement_necessaire"].setCurrentText("oui")
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)
    assert dock.step_id == "bailleur"
    dock.panel.skip_reason.setText("Immeuble du parc privé")
    dock.skip_step()
    assert dock.step_id == "besoin_soutien"
    key(qtbot, dock, Qt.Key.Key_1, ALT)  # yes: VPU and/or C.A.RE
    assert dock.step_id == "vpu"
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)
    key(qtbot, dock, Qt.Key.Key_1, ALT)  # C.A.RE requested
    assert dock.step_id == "lancer_care"
    # back and next only move the view
    key(qtbot, dock, Qt.Key.Key_Left, ALT)
    assert dock.step_id == "care"
    key(qtbot, dock, Qt.Key.Key_Right, ALT)
    assert dock.step_id == "lancer_care"
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)

    care = dock.launch("ouverture_care", "EV-1")
    assert care is not None
    assert dock.step_id == "demande_mairie"
    focus_steps(qtbot, dock)
    assert "Mairie du 11e" in dock.panel.contacts.text()
    dock.panel.call.outcome.setCurrentIndex(dock.panel.call.outcome.findData("joint"))
    dock.panel.call.note.setText("Le maire demande l'ouverture d'un C.A.RE")
    key(qtbot, dock, Qt.Key.Key_L, CTRL)  # logged; the step has inputs, so it stays open
    assert dock.step_id == "demande_mairie"
    dock.panel.input_widgets["demandeur"].setText("DGS de la mairie du 11e")
    dock.panel.input_widgets["personnes_attendues"].setText("25")
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)
    assert dock.step_id == "lieu_care"
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)  # placed at the mairie of the 11th
    assert dock.step_id == "informer_pp"
    assert "Mairie du 11e" in dock.panel.preview.text()
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)
    assert dock.step_id == "securisation_dpmp"

    umip = dock.launch("demande_umip", "EV-1")
    assert umip is not None
    focus_steps(qtbot, dock)
    dock.panel.input_widgets["demandeur"].setText("DGS de la mairie du 11e")
    dock.panel.input_widgets["personnes_a_soutenir"].setText("8")
    dock.panel.input_widgets["lieu"].setText("C.A.RE de la mairie du 11e")
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)
    assert dock.step_id == "appeler_umip"
    key(qtbot, dock, Qt.Key.Key_L, CTRL)  # UMIP reached: done
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)  # message to the PP, asking about the CUMP
    assert dock.step_id == "cump_active"
    key(qtbot, dock, Qt.Key.Key_2, ALT)  # no answer: request the CUMP
    assert dock.step_id == "demande_cump"
    dock.panel.input_widgets["etat_umip"].setCurrentText("en route")
    key(qtbot, dock, Qt.Key.Key_Return, CTRL)
    assert dock.step_id == "coordination_cump"

    clock.advance(minutes=70)  # the UMIP is not there an hour after the call
    dock.repaint_times()
    assert item_colour(dock, "arrivee_umip") == OVERDUE_BG.lower()
    dock.grab().save("/tmp/procedures_in_progress.png")

    # the PP link's fold shows the draft waiting for the chief, when it exists
    dock.select_run(fire, "alerte_pp")
    assert "État du message : Brouillon" in dock.panel.preview.text()
    # picking the fire elsewhere (map, events list) brings its latest fiche
    heat = dock.runner.launch("canicule", "EV-2")
    dock.ctx.selection.select_event("EV-2")
    assert dock.run_id == heat
    dock.ctx.selection.select_event("EV-1")
    assert dock.run_id == umip

    entries = store.read(after=start)
    kinds = [e.kind for e in entries]
    launched = [e.payload for e in entries if e.kind == "procedure.launched"]
    assert [p["fiche_id"] for p in launched] == [
        "incendie",
        "ouverture_care",
        "demande_umip",
        "canicule",
    ]
    assert [p["event_id"] for p in launched] == ["EV-1", "EV-1", "EV-1", "EV-2"]
    assert all(p["run_id"] for p in launched)
    assert kinds.count("procedure.call_logged") == 3
    skipped = [e for e in entries if e.kind == "procedure.step_skipped"]
    assert [(e.payload["step_id"], e.payload["reason"]) for e in skipped] == [
        ("informer_mairie", "Mairie du 11e sur place"),
        ("bailleur", "Immeuble du parc privé"),
    ]
    done = {
        (e.payload["run_id"], e.payload["step_id"]): e
        for e in entries
        if e.kind == "procedure.step_done"
    }
    evac = done[(fire, "evacuation")]
    assert evac.payload["inputs"] == {"evacues": 12, "relogement_necessaire": True}
    assert done[(fire, "perimetre")].author == "B. Lefèvre"
    assert evac.author == "Cdt. Morel"
    assert evac.role == "chief"
    branches = [
        (e.payload["step_id"], e.payload["target"])
        for e in entries
        if e.kind == "procedure.branch_chosen"
    ]
    assert branches == [
        ("besoin_soutien", "vpu"),
        ("care", "lancer_care"),
        ("cump_active", "demande_cump"),
    ]

    drafts = [e.payload for e in entries if e.kind == "pp.message_drafted"]
    assert [d["template"] for d in drafts] == [
        "alerte",
        "demande_care",
        "demande_umip",
        "demande_cump",
    ]
    assert len({d["draft_id"] for d in drafts}) == 4
    assert all(d["event_id"] == "EV-1" for d in drafts)
    assert drafts[0]["origin"] == {"run_id": fire, "step_id": "alerte_pp"}
    assert drafts[0]["fields"]["precisions"] == "Fumées visibles depuis la rue"
    assert "52 Rue Oberkampf" in drafts[0]["fields"]["texte"]
    care_fields = drafts[1]["fields"]
    assert care_fields["mairie"] == "Mairie du 11e arrondissement"
    assert care_fields["personnes_attendues"] == 25
    assert care_fields["evacues"] == 12
    assert "25" in care_fields["texte"]
    assert "sécurisation" in care_fields["texte"]
    assert "Fumées" not in care_fields["texte"]  # the fire's alert text stays in the alert
    assert drafts[2]["origin"] == {"run_id": umip, "step_id": "informer_pp"}
    assert drafts[3]["fields"]["etat_umip"] == "en route"

    placed = [e.payload for e in entries if e.kind == "map.means_placed"]
    assert len(placed) == 1
    assert placed[0]["means"] == "CARE"
    assert placed[0]["event_id"] == "EV-1"
    mairie = next(m for m in dock.library.mairies if 11 in m.arrondissements)
    assert (placed[0]["lon"], placed[0]["lat"]) == (mairie.lon, mairie.lat)
    # the message draft and the step it completes are one transaction, adjacent in the journal
    i = kinds.index("map.means_placed")
    assert kinds[i - 1] == "procedure.step_done"


def test_reset_and_read_only(
    qtbot: Any, dock: ProceduresDock, room: Room, make_ctx: Any, db_url: str, clock: Any
) -> None:
    before = room.state.copy()
    room.operator = CHIEF  # fiches are launched by the chief (the role table)
    run = dock.launch("incendie", "EV-1")
    assert dock.tree.topLevelItemCount() >= 1
    assert dock.run_id == run
    room.projection.state = before  # as the replay engineer does on a seek
    dock.ctx.bridge.reset.emit()
    assert dock.run_id is None
    assert all(
        dock.tree.topLevelItem(i).text(0).startswith("Fiches en erreur")
        for i in range(dock.tree.topLevelItemCount())
    )

    ro_store = JournalStore.open(db_url, clock, readonly=True)
    try:
        ro_room = Room(ro_store, clock, CHIEF)
        ro_room.load()
        ro = ProceduresDock(make_ctx(ro_room))
        qtbot.addWidget(ro)
        ro.show()
        assert not ro.launch_button.isEnabled()  # before any fiche is chosen, too
        ro.select_run(run)
        assert ro.panel.header.text().startswith("Incendie")
        assert not ro.launch_button.isEnabled()
        assert not ro.panel.done_button.isEnabled()
        assert not ro.panel.skip_button.isEnabled()
        assert not ro.panel.call.button.isEnabled()
    finally:
        ro_store.close()


def test_broken_fiche_is_listed_and_the_others_still_load(
    qtbot: Any, room: Room, make_ctx: Any, tmp_path: Any
) -> None:
    import shutil

    from scop.procedures.loader import default_fiches_dir

    for name in ("annuaire.yaml", "messages.yaml", "incendie.yaml"):
        shutil.copy(default_fiches_dir() / name, tmp_path / name)
    (tmp_path / "cassee.yaml").write_text("id: cassee\ntitre: [oups\n", encoding="utf-8")
    library = load_library(tmp_path)
    ctx = make_ctx(room)
    ctx.procedures = ProcedureRunner(room, library)
    d = ProceduresDock(ctx)
    qtbot.addWidget(d)
    top = [d.tree.topLevelItem(i) for i in range(d.tree.topLevelItemCount())]
    bad = next(t for t in top if t.text(0).startswith("Fiches en erreur"))
    assert bad.child(0).text(0) == "cassee.yaml — 1 erreur(s)"
    assert "ligne 3" in bad.child(0).child(0).text(0)
    assert list(library.fiches) == ["incendie"]
    # a run launched with a fiche that no longer loads is still listed, not dropped
    room.acting_as(SYSTEM).record("event.created", FIRE)
    room.acting_as(SYSTEM).record(
        "procedure.launched",
        {
            "run_id": "crue-1",
            "fiche_id": "crue_seine",
            "fiche_title": "Crue de la Seine",
            "event_id": "EV-1",
        },
    )
    d.refresh()
    top = [d.tree.topLevelItem(i) for i in range(d.tree.topLevelItemCount())]
    orphans = next(t for t in top if t.text(0).startswith("Fiches non chargées"))
    assert orphans.child(0).text(0) == "Crue de la Seine — EV-1"


def test_launching_a_fiche_preselects_the_selected_event(
    qtbot: Any, dock: ProceduresDock, room: Room
) -> None:
    """« Lancer une fiche » right after picking EV-2 on the map or in the list opens on EV-2
    (the dialog lists EV-1 first), and the fiche is launched on it."""
    dock.ctx.room.operator = CHIEF  # fiches are launched by the chief
    dock.ctx.selection.select_event("EV-2")
    seen: list[Any] = []

    def answer() -> None:
        dialog = dock._dialog
        assert dialog is not None
        seen.append(dialog.event_box.currentData())
        dialog.search.setText("canicule")
        dialog.accept()

    QTimer.singleShot(0, answer)
    dock.open_launch_dialog()
    assert seen == ["EV-2"]
    runs = dock.runner.runs()
    assert [r.event_id for r in runs] == ["EV-2"]
