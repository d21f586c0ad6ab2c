"""The profile as published, over a real websocket on loopback: a stand-in of the Préfecture's
system that names itself the way the hub's examples do (short ``sender.name``, ``sender.URI`` =
``hubex:{senderID}``) sends every example of the profile the console handles; each one is
accepted, folded into the room and acknowledged, and a URI naming another sender is refused with
the hub's code. The examples are read from ``../shared`` beside the repository, not from the
console's copy: what is tested is the published text."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scoptest.gateways import wait_for
from scoptest.tasks import stop_tasks
from websockets.asyncio.server import ServerConnection, serve

from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models import fold_messages as fm
from scop.models.entries import SYSTEM, Operator
from scop.protocols import edxl, outbox
from scop.protocols.edxl import SUBPROTOCOL, Identity, dumps
from scop.protocols.pp_link import LinkConfig, PPLink
from scop.room import Room, open_room

EXAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "interop" / "examples"
PP = Identity("fr.police.pp", "fr.police.scop", "Préfecture de Police")
HANDLED = {"emsi": "Update", "reference": "Ack", "error": "Error"}  # payload -> kind


def _examples() -> dict[str, dict[str, Any]]:
    files = sorted(EXAMPLES.glob("*.json"))
    assert files, f"exemples du profil introuvables dans {EXAMPLES} (../shared à côté du dépôt)"
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in files}


class StandIn:
    """Speaks the profile as the Préfecture's stand-in did: short names, hubex URIs."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.ws: ServerConnection | None = None
        self.port = 0

    async def handler(self, ws: ServerConnection) -> None:
        self.ws = ws
        async for frame in ws:
            self.frames.append(json.loads(frame))

    def wrap(self, key: str, body: dict[str, Any], *, uri: str | None = None) -> dict[str, Any]:
        did = f"{PP.sender_id}_{uuid.uuid4()}"
        body = json.loads(json.dumps(body))
        if key == "emsi":
            body["CONTEXT"]["ID"] = did
            body["CONTEXT"]["MODE"] = "ACTUAL"
        msg = edxl.envelope(
            PP,
            HANDLED[key],
            key,
            body,
            now=SystemClock().now(),
            exercise=False,
            distribution_id=did,
        )
        inner = msg["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
        inner["sender"] = {"name": "pp", "URI": uri or f"hubex:{PP.sender_id}"}
        inner["recipient"] = [{"name": "scop", "URI": f"hubex:{PP.peer_id}"}]
        assert edxl.schema_errors(msg) == []
        return msg

    def replies(self, key: str, ref: str) -> list[dict[str, Any]]:
        field = {"reference": "distributionID", "error": "referencedDistributionID"}[key]
        out = []
        for f in self.frames:
            inner = f["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
            if key in inner and inner[key][field] == ref:
                out.append(inner[key])
        return out


async def _until(cond: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    await wait_for(cond, timeout, what)


def _room(path: Path) -> Room:
    clock = SystemClock()
    room = open_room(
        JournalStore.open(f"sqlite:///{path}", clock),
        clock,
        Operator("Cdt. Test", "chief"),
        mode="live",
        label="Salle de test interop",
    )
    for i in range(2):
        room.acting_as(SYSTEM).record(
            k.EVENT_CREATED, {"id": f"EV-{i}", "category": "FIR", "title": f"Feu {i}"}
        )
    return room


def _send(room: Room, event_id: str) -> str:
    draft = outbox.draft_message(room, event_id, "demande_umip", {"quantite": 1})
    return str(outbox.validate_draft(room, draft.payload["draft_id"]).payload["distribution_id"])


def test_every_handled_example_is_accepted_folded_and_acknowledged(tmp_path: Path) -> None:
    examples = _examples()
    handled = {n: e for n, e in examples.items() if next(iter(e)) in HANDLED}
    assert {next(iter(e)) for e in handled.values()} == set(HANDLED)
    room = _room(tmp_path / "room.sqlite")

    async def main() -> None:
        pp = StandIn()
        protocols: Any = [SUBPROTOCOL]
        server = await serve(pp.handler, "127.0.0.1", 0, subprotocols=protocols)
        port = next(iter(server.sockets)).getsockname()[1]
        link = PPLink(room, LinkConfig(f"ws://127.0.0.1:{port}", tick=0.2))
        task = asyncio.create_task(link.run())
        await _until(lambda: pp.ws is not None, "connexion de la console")
        assert pp.ws is not None
        # The console's own messages, for the example acknowledgement and error to refer to.
        mine = {key: _send(room, f"EV-{i}") for i, key in enumerate(("reference", "error"))}
        await _until(lambda: len(pp.frames) >= 2, "messages de la console")
        for frame in pp.frames:
            header = frame["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
            assert header["sender"] == {"name": "fr.police.scop", "URI": "hubex:fr.police.scop"}
        sent: dict[str, tuple[str, str]] = {}
        for name, example in handled.items():
            ((key, body),) = example.items()
            if key == "reference":
                body = {**body, "distributionID": mine["reference"]}
            elif key == "error":
                body = {**body, "referencedDistributionID": mine["error"]}
            msg = pp.wrap(key, body)
            sent[name] = (key, str(msg["distributionID"]))
            await pp.ws.send(dumps(msg))
        emsi = [did for key, did in sent.values() if key == "emsi"]

        def steps(did: str) -> list[str]:
            return [str(a["step"]) for a in pp.replies("reference", did)]

        await _until(lambda: all(steps(d) == ["RECU", "INTEGRE"] for d in emsi), "acquittements")

        def state(did: str) -> str:
            m = fm.by_distribution_id(room.state, did)
            return "" if m is None else str(m.state)

        await _until(lambda: state(mine["error"]) == "erreur", "erreur repliée")
        for did in emsi:
            m = fm.by_distribution_id(room.state, did)
            assert m is not None, did  # folded into the room
            assert m.direction == "in"
            assert m.message["senderID"] == PP.sender_id
            assert m.state == "integre"
            assert pp.replies("error", did) == []
        await _until(lambda: state(mine["reference"]) == "recu", "acquittement replié")
        for key, did in sent.values():
            if key != "emsi":
                assert steps(did) == []  # nobody acknowledges an Ack or an Error
                assert pp.replies("error", did) == []

        # Then a URI naming another sender: refused with the hub's code, nothing folded.
        bad = pp.wrap("emsi", examples["EMSI-RDC-message.json"]["emsi"], uri="hubex:fr.autre")
        await pp.ws.send(dumps(bad))
        bad_id = str(bad["distributionID"])
        await _until(lambda: pp.replies("error", bad_id) != [], "RS-ERROR")
        ((err,),) = [pp.replies("error", bad_id)]
        assert err["errorCode"] == {"statusCode": 200, "statusString": "SENDER_MISMATCH"}
        assert "hubex:fr.autre" in err["errorCause"]
        assert fm.by_distribution_id(room.state, bad_id) is None
        assert steps(bad_id) == []
        await stop_tasks(task)
        server.close()
        await server.wait_closed()

    asyncio.run(main())
