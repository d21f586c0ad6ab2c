"""A real shift in a live room, from an empty database to the relève, as a new user runs it:
``scop room init``, the roster imported, the crew feed on a real websocket (an imported crew's
position accepted, an unknown crew's counted), an event created and a crew engaged, a fiche
launched, fin de service refused while engaged, the relève written by the outgoing chief and
acknowledged by the incoming one on another workstation, printed, and printed again from an
export of the journal alone. Journal and state are asserted at each step; nothing says DÉMO."""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import websockets
from scoptest.tasks import stop_tasks

from scop.cli import main
from scop.clock import ManualClock, SystemClock, local
from scop.journal.store import JournalStore
from scop.models.describe import describe
from scop.models.entities import PositionFix
from scop.models.entries import Operator
from scop.operations import create_event, engage, reroute
from scop.operations.duty import end_service
from scop.procedures.loader import load_library
from scop.procedures.runner import ProcedureRunner
from scop.protocols.crew_feed import CrewFeedClient, encode_positions
from scop.protocols.outbox import draft_message
from scop.replay.engine import ReplayEngine
from scop.replay.handover import acknowledge_handover, draft_handover
from scop.resources import resource_path
from scop.room import CommandRefused, Room, open_room

OPERATOR = Operator("B. Lefèvre", "operator")
OUTGOING = Operator("Cdt. Morel", "chief")
INCOMING = Operator("Cne. Roussel", "chief")


def _kinds_after(room: Room, position: int) -> list[str]:
    return [e.kind for e in room.store.read(after=position)]


async def _feed_once(room: Room, message: str) -> CrewFeedClient:
    """One GEO-POS message from a real websocket server on loopback, through the feed client."""
    sent = asyncio.Event()

    async def handler(ws: websockets.ServerConnection) -> None:
        await ws.send(message)
        sent.set()
        await ws.wait_closed()

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        client = CrewFeedClient(room, f"ws://127.0.0.1:{port}", flush_interval=0.05)
        task = asyncio.create_task(client.run())
        try:
            for _ in range(200):
                if client.stats.messages and client.stats.fixes_recorded + client.stats.refused:
                    break
                await asyncio.sleep(0.02)
        finally:
            await stop_tasks(task)
    return client


def test_a_live_shift_from_room_init_to_the_releve(
    new_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1. The room, headless.
    assert main(["room", "init", "--db", new_url, "--mode", "live", "--name", "SCOP Paris"]) == 0
    # 2. The day's roster (times alone are "today" for the import: the room's own clock).
    roster = str(resource_path("exemples", "equipages_exemple.csv"))
    assert main(["crews", "import", roster, "--db", new_url, "--operator", "Cdt. Morel"]) == 0
    capsys.readouterr()

    # The room's clock from now on: the wall clock's time (the CLI stamped its entries with
    # it), then moved by hand.
    clock = ManualClock(SystemClock().now() + timedelta(seconds=1))
    # One more crew, from a roster with full dates: its duty ends an hour from now.
    start, end = (local(clock.now()) + timedelta(hours=h) for h in (-2, 1))
    extra = tmp_path / "renfort.csv"
    extra.write_text(
        "indicatif;type;division;agents;début;fin\n"
        f"X77-1;VTT;Division Sud;2;{start:%d/%m/%Y %H:%M};{end:%d/%m/%Y %H:%M}\n",
        encoding="cp1252",
    )
    assert main(["crews", "import", str(extra), "--db", new_url, "--operator", "Cdt. Morel"]) == 0
    capsys.readouterr()
    store = JournalStore.open(new_url, clock)
    try:
        room = open_room(store, clock, OPERATOR, workstation="poste-1")
        st = room.state
        assert st.mode == "live"
        assert st.label == "SCOP Paris"
        assert len(st.crews) == 13
        assert [e.kind for e in store.read()][:2] == ["room.opened", "crew.registered"]
        v11 = st.crews["V11-1"]
        assert (v11.kind, v11.agents, v11.radio) == ("patrouille_portee", 3, "Canal 2")

        # 3. The crew feed: an imported crew's position accepted, an unknown crew's counted.
        msg = encode_positions(
            [
                PositionFix("V11-1", clock.now(), 2.3702, 48.8632, 90.0, 3.0),
                PositionFix("X99-9", clock.now(), 2.35, 48.86),
            ]
        )
        client = asyncio.run(_feed_once(room, msg))
        assert client.stats.fixes_recorded == 1
        assert client.stats.unknown_crew == 1
        assert "1 position(s) d'équipages non en service" in client.status_text()
        assert [f.call_sign for _, f in store.read_positions()] == ["V11-1"]
        assert room.state.crews["V11-1"].lat == pytest.approx(48.8632)
        assert "X99-9" not in room.state.crews

        # 4. An event, and the imported crew engaged on it.
        head = room.state.position
        clock.advance(60)
        ev = create_event(
            room,
            source="appel_3975",
            category="FIR",
            gravity=4,
            address="52 Rue Oberkampf, 75011 Paris",
            lon=2.3748,
            lat=48.8649,
            title="Feu d'appartement",
        )
        engage(room, "V11-1", ev)
        assert _kinds_after(room, head) == ["event.created", "crew.engaged", "event.status_changed"]
        assert room.state.crews["V11-1"].event_id == ev
        assert room.state.events[ev].status == "pris_en_compte"

        # A more urgent event: V11-1 is rerouted to it (déroulement), the fire keeps a crew.
        clock.advance(60)
        urgent = create_event(
            room,
            source="pp",
            category="ASB",
            gravity=4,
            address="14 Rue de Lappe, 75011 Paris",
            lon=2.3733,
            lat=48.8535,
            title="Rixe, une personne au sol",
        )
        engage(room, "V12-1", ev)
        head = room.state.position
        reroute(room, "V11-1", urgent, "personne au sol")
        assert _kinds_after(room, head) == ["crew.rerouted", "event.status_changed"]
        assert room.state.crews["V11-1"].event_id == urgent
        assert room.state.events[ev].crews == ("V12-1",)
        # A draft to the PP for the chief, from the operator.
        head = room.state.position
        draft = draft_message(room, ev, "demande_umip", {"texte": "familles évacuées"})
        assert _kinds_after(room, head) == ["pp.message_drafted"]
        assert room.state.messages[draft.payload["draft_id"]].state == "brouillon"

        # Fin de service of an engaged crew: refused, and nothing written.
        head = room.state.position
        with pytest.raises(CommandRefused, match="V11-1 est engagé"):
            end_service(room, "V11-1")
        assert room.state.position == head

        # 5. The chief launches the fire fiche.
        chief_room = Room(store, clock, OUTGOING, "poste-chef")
        chief_room.load()
        library = load_library()
        run_id = ProcedureRunner(chief_room, library).launch("incendie", ev)
        room.sync()
        assert run_id in room.state.procedures
        assert _kinds_after(room, head) == ["procedure.launched"]

        # 6. The relève: written by the outgoing chief, acknowledged by the incoming one.
        clock.advance(hours=2)  # X77-1's planned end has passed
        with pytest.raises(CommandRefused, match="seul le chef de salle peut le faire"):
            draft_handover(room, "consignes")  # an operator does not write the relève
        head = chief_room.state.position
        hid = draft_handover(
            chief_room, "Surveiller la reprise de feu rue Oberkampf.", library=library
        )
        entry = chief_room.store.read(after=head)[0]
        assert (entry.kind, entry.author, entry.role) == (
            "shift.handover_drafted",
            "Cdt. Morel",
            "chief",
        )
        s = entry.payload["summary"]
        assert dict(s["counters"])["Événements créés"] == 2
        assert dict(s["counters"])["Déroulements"] == 1
        assert dict(s["counters"])["Prises de service d'équipages"] == 13
        assert [e["id"] for e in s["major_events"]] == [ev, urgent]
        assert s["open_events"][0]["holder"] == "B. Lefèvre"
        assert {e["id"]: e["crews"] for e in s["open_events"]} == {ev: ["V12-1"], urgent: ["V11-1"]}
        assert s["fiches"][0]["event_id"] == ev
        assert s["fiches"][0]["next"]  # its next due steps
        assert len(s["crews"]) == 13
        overdue = {c["call_sign"] for c in s["crews"] if c["overdue"]}
        assert "X77-1" in overdue
        assert overdue == {
            c.call_sign for c in chief_room.state.crews.values() if c.duty_overdue(clock.now())
        }
        assert entry.payload["text"] == "Surveiller la reprise de feu rue Oberkampf."

        with pytest.raises(CommandRefused, match="sous son propre nom"):
            acknowledge_handover(chief_room, hid)
        incoming_room = Room(store, clock, INCOMING, "poste-chef-2")
        incoming_room.load()
        clock.advance(120)
        acknowledge_handover(incoming_room, hid, "Bien reçu.")
        ack = incoming_room.store.read(after=entry.position)[-1]
        assert (ack.kind, ack.author, ack.payload["id"]) == (
            "shift.handover_acknowledged",
            "Cne. Roussel",
            hid,
        )
        with pytest.raises(CommandRefused, match=r"déjà été prise en compte par Cne\. Roussel"):
            acknowledge_handover(incoming_room, hid)
        room.sync()
        h = room.state.handovers[hid]
        assert (h.outgoing, h.incoming, h.comment) == ("Cdt. Morel", "Cne. Roussel", "Bien reçu.")

        # Nothing in this room says DÉMO, the chain holds, and its replay ends where it is.
        texts = [describe(e) for e in store.read()]
        assert not [t for t in texts if "DÉMO" in t or "démo" in t.lower()]
        assert store.verify().ok
        replayed = ReplayEngine.from_store(store).state_at(clock.now())
        assert replayed.mode == "live"
        assert replayed.crews.keys() == room.state.crews.keys()
        assert replayed.events == room.state.events
        assert replayed.handovers == room.state.handovers
    finally:
        store.close()

    # 7. The relève in PDF, then again from an export of the journal alone.
    first = tmp_path / "releve.pdf"
    assert main(["releve", "print", new_url, "--out", str(first)]) == 0
    export = tmp_path / "vacation.jsonl.gz"
    assert main(["journal", "export", "--db", new_url, "--out", str(export)]) == 0
    again = tmp_path / "releve-export.pdf"
    assert main(["releve", "print", str(export), "--id", hid, "--out", str(again)]) == 0
    texts = [
        subprocess.run(
            ["pdftotext", "-layout", str(p), "-"], capture_output=True, check=True
        ).stdout.decode()
        for p in (first, again)
    ]
    assert texts[0] == texts[1]
    page1 = texts[0].split("\f")[0]
    assert f"Relève du chef de salle — {hid}" in page1
    assert "Surveiller la reprise de feu rue Oberkampf." in page1
    assert "Prise en compte par Cne. Roussel" in page1
    assert "DÉMO" not in texts[0]
    assert "EXERCICE" not in texts[0]
    retex = tmp_path / "retex.pdf"
    assert main(["debrief", new_url, "--out", str(retex)]) == 0
    text = subprocess.run(["pdftotext", str(retex), "-"], capture_output=True, check=True).stdout
    assert "SCOP Paris" in text.decode()
    assert "DÉMO" not in text.decode()
    assert json.dumps(s, ensure_ascii=False)  # the summary is plain JSON
