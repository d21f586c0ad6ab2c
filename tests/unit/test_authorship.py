"""Every entry names who really acted: the logged-in person for what they did, each service
under its own identity for what it did, whoever is logged in at the console it runs in."""

from __future__ import annotations

from scop.clock import ManualClock
from scop.demo import seed_demo
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.protocols.feed_sim import FeedSimulatorServer, StatusReport
from scop.room import open_room

PERSON = Operator("B. Lefèvre", "operator", "blefevre")


def test_demo_seed_and_crew_simulator_write_under_their_own_identity(
    store: JournalStore, clock: ManualClock
) -> None:
    room = open_room(store, clock, PERSON, mode="demo", label="Démo")
    seed_demo(room)
    seeded = store.read(after=1)
    assert {(e.author, e.author_id) for e in seeded} == {("Jeu de démonstration", "service:demo")}
    drafts = [e for e in seeded if e.kind == "pp.message_drafted"]
    assert len(drafts) == 2  # the seeded PP drafts: the seed's, not the first to open the demo

    head = store.head()[0]
    sim = FeedSimulatorServer(room)
    sim._report([StatusReport("V12-1", "sur_les_lieux"), StatusReport("V20-1", "disponible")])
    reports = store.read(after=head)
    assert reports, "the simulator reported nothing"
    assert {(e.author, e.role, e.author_id) for e in reports} == {
        ("Simulateur équipages", "system", "service:simulateur-equipages")
    }
    assert room.operator == PERSON  # the console's own identity is untouched

    room.note("Pris en compte")
    mine = store.read(after=store.head()[0] - 1)[0]
    assert (mine.author, mine.role, mine.author_id) == ("B. Lefèvre", "operator", "blefevre")
