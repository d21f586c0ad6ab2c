"""The PP link over real websockets on loopback, with a real SQLite journal: delivery and
acknowledgement, 2,000 messages each way through 50 cuts, 10,000 malformed inputs, oversized
frames, mutual TLS, profile version, exercise marking, expiry, and the headless gateway."""

from __future__ import annotations

import asyncio
import json
import random
import ssl
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from scoptest.pki import make_pki
from scoptest.pp_peer import MinimalPP
from scoptest.tasks import stop_tasks
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import InvalidHandshake, InvalidStatus

from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models import fold_core as k
from scop.models import fold_messages as fm
from scop.models.entries import SYSTEM, Draft, Entry, Operator
from scop.protocols import outbox
from scop.protocols.edxl import PROFILE_VERSION, SUBPROTOCOL, EventInfo, Identity, build_pp_emsi
from scop.protocols.pp_link import LinkConfig, LinkConfigError, PPLink
from scop.protocols.pp_sim import PPSimulator, server_ssl_context
from scop.room import Room, open_room

CHIEF = Operator("Cdt. Test", "chief")


def make_room(path: Path, mode: str = "live", events: int = 3) -> Room:
    clock = SystemClock()
    store = JournalStore.open(f"sqlite:///{path}", clock)
    room = open_room(store, clock, CHIEF, mode=mode, label="Salle de test PP")
    room.record_all([])
    for i in range(events):
        room.acting_as(SYSTEM).record(
            k.EVENT_CREATED,
            {
                "id": f"EV-{i:04d}",
                "category": "FIR",
                "title": f"Feu n° {i}",
                "gravity": 3,
                "address": f"{i + 1} Rue Oberkampf, 75011 Paris",
                "lon": 2.37,
                "lat": 48.86,
            },
        )
    return room


# How long to wait for what must happen before calling it lost: a bound for a hang, not a measure
# of speed (CI runs the whole suite on a loaded 2-core machine). Timing properties of the link
# (a dead link seen within 10 s) are asserted by the tests about them, with their own figures.
PATIENCE = 60.0


async def wait_for(cond: Callable[[], bool], timeout: float, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"délai dépassé en attendant : {what}")
        await asyncio.sleep(0.02)


class CuttingProxy:
    """Forwards loopback TCP to ``target`` and aborts every connection on :meth:`cut`, as a
    failing network would (no close handshake)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.cuts = 0
        self.frozen = False
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        if self._pairs:
            self.cuts += 1
        for a, b in list(self._pairs):
            a.transport.abort()
            b.transport.abort()
        self._pairs.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer, up_w)
        self._pairs.add(pair)

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                while data := await r.read(65536):
                    while self.frozen:  # a dead network: the bytes go nowhere, no FIN, no RST
                        await asyncio.sleep(0.05)
                    w.write(data)
                    await w.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                w.transport.abort()

        await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))
        self._pairs.discard(pair)


# -- tests -----------------------------------------------------------------------------------


def _link(room: Room, url: str, **kw: object) -> PPLink:
    cfg = {
        "ack_timeout": 1.0,
        "backoff_base": 0.02,
        "backoff_cap": 0.2,
        "tick": 0.2,
        "open_timeout": 3.0,
    }
    cfg.update(kw)
    return PPLink(room, LinkConfig(url, **cfg))  # type: ignore[arg-type]


def _send(room: Room, event_id: str, template: str, **fields: object) -> str:
    draft = outbox.draft_message(room, event_id, template, fields)
    return str(outbox.validate_draft(room, draft.payload["draft_id"]).payload["distribution_id"])


def _kinds(room: Room, kind: str) -> list[Entry]:
    return [e for e in room.store.iter_entries() if e.kind == kind]


def test_request_for_means_answered_and_acknowledged(tmp_path: Path) -> None:
    room = make_room(tmp_path / "room.sqlite")

    async def main() -> None:
        sim = PPSimulator(answer_delay=0.1, answers={"default": "PARTIELLE"})
        await sim.start()
        link = _link(room, sim.url)
        task = asyncio.create_task(link.run())
        did = _send(room, "EV-0000", "demande_umip", texte="12 familles évacuées", quantite=2)
        await wait_for(
            lambda: room.state.messages[room.state.message_ids[did]].answer is not None,
            PATIENCE,
            "réponse de la PP",
        )
        m = fm.by_distribution_id(room.state, did)
        assert m is not None
        assert m.state == "integre"
        assert m.answer == "PARTIELLE"
        assert sim.endpoint.inbox[did].template == "demande_umip"
        answer = next(x for x in room.state.messages.values() if x.direction == "in")
        assert answer.state == "integre"
        await wait_for(
            lambda: len(sim.endpoint.acks.get(answer.key, [])) >= 2,
            PATIENCE,
            "RECU et INTEGRE à la PP",
        )
        assert sim.endpoint.acks[answer.key] == ["RECU", "INTEGRE"]
        outbox.consult(room, answer.key)
        await wait_for(
            lambda: "CONSULTE" in sim.endpoint.acks.get(answer.key, []),
            PATIENCE,
            "CONSULTE à la PP",
        )
        await wait_for(
            lambda: "CONSULTE" in room.state.messages[answer.key].acks_sent,
            PATIENCE,
            "CONSULTE journalisé",
        )
        assert room.state.messages[answer.key].state == "consulte"
        kinds = [e.kind for e in room.store.iter_entries() if e.kind.startswith("pp.")]
        assert kinds.index(fm.VALIDATED) < kinds.index(fm.SENT)  # committed before sent
        await stop_tasks(task)
        await sim.stop()

    asyncio.run(main())


def test_reliability_2000_each_way_through_50_cuts(tmp_path: Path) -> None:
    """None lost, none applied twice, per-event order kept, while a proxy cuts the connection at
    random moments. The PP here is the tests' own (scoptest.pp_peer), not the simulator: the
    simulator shares the console's endpoint, and a duplicate bug would cancel itself out."""
    n, events = 2000, 10
    room = make_room(tmp_path / "room.sqlite", events=events)
    rng = random.Random(5)

    async def main() -> None:
        pp = MinimalPP(resend_after=1.0)
        await pp.start()
        proxy = CuttingProxy(pp.port)
        await proxy.start()
        link = _link(room, f"ws://127.0.0.1:{proxy.port}")
        task = asyncio.create_task(link.run())
        sent: list[str] = []
        pp_events = [EventInfo(f"EV-{i:04d}", "FIR", f"Feu n° {i}") for i in range(events)]

        async def console_side() -> None:
            for start in range(0, n, 50):  # drafts as a fiche réflexe runner records them
                drafts = [
                    Draft(
                        fm.DRAFTED,
                        {
                            "draft_id": f"D-{i}",
                            "event_id": f"EV-{i % events:04d}",
                            "template": "point_de_situation",
                            "fields": {"texte": f"seq {i}"},
                            "origin": None,
                        },
                    )
                    for i in range(start, start + 50)
                ]
                room.acting_as(SYSTEM).record_all(drafts)
                for i in range(start, start + 50):
                    entry = outbox.validate_draft(room, f"D-{i}")
                    sent.append(str(entry.payload["distribution_id"]))
                    if i % 25 == 0:
                        await asyncio.sleep(0.01)

        async def pp_side() -> None:
            for i in range(n):
                await pp.send(pp_events[i % events], f"seq {i}")
                if i % 25 == 0:
                    await asyncio.sleep(0.01)

        done = asyncio.Event()

        async def cutter() -> None:
            while not done.is_set():
                await asyncio.sleep(rng.uniform(0.03, 0.25))
                proxy.cut()

        cut_task = asyncio.create_task(cutter())
        await asyncio.gather(console_side(), pp_side())
        await wait_for(lambda: proxy.cuts >= 50, 60, "50 coupures")
        done.set()
        await cut_task

        def finished() -> bool:
            st = room.state
            outs = [st.messages[st.message_ids[d]] for d in sent]
            incoming = sum(1 for m in st.messages.values() if m.direction == "in")
            return (
                all(m.state in ("recu", "integre") for m in outs)
                and incoming == n
                and not pp.outbox
            )

        await wait_for(finished, 120, "tous les messages acquittés")
        assert proxy.cuts >= 50
        assert link.connections > 25  # some cuts land during the handshake
        # the PP applied every console message once, each event in order, by its own books
        assert len(pp.applied) == n == len(set(pp.applied))
        assert set(pp.applied) == set(sent)
        assert set(pp.copies) == set(sent)
        assert sum(pp.copies.values()) > n  # cuts made the console send copies: dedup was tried
        by_pp_event = pp.applied_by_event()
        assert len(by_pp_event) == events
        for dids in by_pp_event.values():
            seqs = [_seq(pp.text[d]) for d in dids]
            assert seqs == sorted(seqs)
        assert not pp.errors  # the console refused none of the PP's messages
        assert all(pp.acks[d].count("RECU") >= 1 for d in pp.sent)
        # the console journaled every PP message once, each event in order
        received = _kinds(room, fm.RECEIVED)
        assert len(received) == n
        assert len({e.payload["distribution_id"] for e in received}) == n
        by_event: dict[str, list[int]] = {}
        for e in received:
            by_event.setdefault(e.payload["event_id"], []).append(_seq(e.payload["text"]))
        assert len(by_event) == events
        for seqs in by_event.values():
            assert seqs == sorted(seqs)
        assert len(_kinds(room, fm.SENT)) == n  # resends are not journaled twice
        await stop_tasks(task)
        await proxy.stop()
        await pp.stop()

    asyncio.run(main())


def _seq(text: str) -> int:
    return int(text.rsplit("seq ", 1)[1].split(maxsplit=1)[0])


def _mutations(
    valid: dict[str, object], rng: random.Random, count: int, now: datetime
) -> list[tuple[str, str]]:
    """(category, frame) pairs, every one invalid."""
    base = json.dumps(valid)
    ident = Identity("fr.police.pp", "fr.police.scop", "PP")
    out: list[tuple[str, str]] = []
    ev = EventInfo("PP-X", "FIR", "Feu")

    def fresh() -> dict[str, object]:
        return build_pp_emsi("point_de_situation", ev, identity=ident, now=now, exercise=False)

    def inner(m: dict[str, object]) -> dict[str, object]:
        return m["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]  # type: ignore[index]

    kinds = [
        "json",
        "type",
        "missing",
        "enum",
        "wrongtype",
        "huge",
        "zulu",
        "expired",
        "sender",
        "exercise",
        "extra",
        "payload",
    ]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        if kind == "json":
            cut = rng.randrange(1, len(base) - 1)
            frame = base[:cut] + rng.choice(["", "}", "]]", "\x00", ",,"])
        elif kind == "type":
            frame = json.dumps(rng.choice([[1, 2, 3], 42, "texte", None, True, [valid]]))
        else:
            m = fresh()
            if kind == "missing":
                del m[
                    rng.choice(
                        [
                            "senderID",
                            "dateTimeSent",
                            "dateTimeExpires",
                            "distributionStatus",
                            "descriptor",
                            "content",
                        ]
                    )
                ]
            elif kind == "enum":
                m["distributionStatus"] = rng.choice(["actual", "Real", "", "EXERCISE"])
            elif kind == "wrongtype":
                emsi = inner(m)["emsi"]
                emsi["EVENT"]["SCALE"] = rng.choice([3, None, [], {"a": 1}])  # type: ignore[index]
            elif kind == "huge":
                inner(m)["emsi"]["EVENT"]["FREETEXT"] = "x" * rng.randrange(16_001, 200_000)  # type: ignore[index]
            elif kind == "zulu":
                m["dateTimeSent"] = "2026-11-23T08:00:00Z"
            elif kind == "expired":
                m = build_pp_emsi(
                    "point_de_situation",
                    ev,
                    identity=ident,
                    now=now - timedelta(hours=3),
                    exercise=False,
                )
            elif kind == "sender":
                m["senderID"] = "fr.police.autre"
            elif kind == "exercise":
                m = build_pp_emsi("point_de_situation", ev, identity=ident, now=now, exercise=True)
            elif kind == "extra":
                m["champInconnu"] = rng.random()
            elif kind == "payload":
                inner(m).pop("emsi")
                inner(m)["customContent"] = {"x": 1}
            frame = json.dumps(m)
        out.append((kind, frame))
    return out


def test_ten_thousand_malformed_inputs_get_errors_and_link_stays_up(tmp_path: Path) -> None:
    room = make_room(tmp_path / "room.sqlite")
    rng = random.Random(11)

    async def main() -> None:
        sim = PPSimulator()
        await sim.start()
        link = _link(room, sim.url)
        task = asyncio.create_task(link.run())
        await wait_for(lambda: link.connected, PATIENCE, "connexion")
        now = room.clock.now()
        valid = build_pp_emsi(
            "point_de_situation",
            EventInfo("PP-D", "FIR", "Feu"),
            identity=sim.endpoint.identity,
            now=now,
            exercise=False,
        )
        frames = _mutations(valid, rng, 10_000, now)
        for i, (_kind, frame) in enumerate(frames):
            await sim.endpoint.send_text(frame)
            if i % 500 == 0:  # a duplicate of a valid message now and then
                await sim.endpoint.send_text(json.dumps(valid))
                # a peer, not a flood: keep the backlog short enough for keepalive pings
                await wait_for(lambda n=i: link.endpoint.frames_in >= n, 30, "lecture")

        def errors_seen() -> int:
            # an error about an exercise-marked input is itself marked Exercise, and this live
            # simulator refuses it (without answering): it still arrived
            return len(sim.endpoint.errors) + sum(
                1 for i in sim.endpoint.invalid if i.kind == "Error"
            )

        await wait_for(lambda: errors_seen() >= len(frames), 60, "une RS-ERROR par entrée invalide")
        await asyncio.sleep(0.3)
        assert link.endpoint.errors_sent == len(frames)
        assert errors_seen() == len(frames)
        codes = {e["code"] for e in sim.endpoint.errors}
        assert {300, 400, 200, 704} <= codes
        assert sim.connections == 1
        assert link.connected
        received = _kinds(room, fm.RECEIVED)
        assert [e.payload["distribution_id"] for e in received] == [valid["distributionID"]]
        assert sim.endpoint.acks[str(valid["distributionID"])].count("RECU") == 20  # re-acked
        # and it still works
        did = sim.send_pp("alerte", EventInfo("PP-OK", "FIR", "Feu de parking"))
        await wait_for(lambda: did in room.state.message_ids, PATIENCE, "message valide après")
        await stop_tasks(task)
        await sim.stop()

    asyncio.run(main())


def test_oversized_frame_closes_with_1009_and_link_comes_back(tmp_path: Path) -> None:
    room = make_room(tmp_path / "room.sqlite")

    async def main() -> None:
        sim = PPSimulator(max_size=1 << 20)
        await sim.start()
        link = _link(room, sim.url)
        task = asyncio.create_task(link.run())
        await wait_for(lambda: link.connected, PATIENCE, "connexion")
        await sim.send_oversize()
        await wait_for(lambda: 1009 in sim.close_codes, PATIENCE, "fermeture 1009")
        await wait_for(lambda: sim.connections == 2 and link.connected, PATIENCE, "reconnexion")
        did = _send(room, "EV-0001", "alerte", victimes=2)
        await wait_for(lambda: did in sim.endpoint.inbox, PATIENCE, "message après reconnexion")
        await stop_tasks(task)
        await sim.stop()

    asyncio.run(main())


def test_mutual_tls(tmp_path: Path) -> None:
    good = make_pki(tmp_path / "pp", "PP")
    rogue = make_pki(tmp_path / "rogue", "Intrus")
    room = make_room(tmp_path / "room.sqlite")

    async def main() -> None:
        # the right CA and certificates: messages flow
        sim = PPSimulator(
            ssl_context=server_ssl_context(
                str(good.server_cert), str(good.server_key), str(good.ca)
            )
        )
        await sim.start()
        url = f"wss://127.0.0.1:{sim.port}"
        link = _link(
            room,
            url,
            cafile=str(good.ca),
            certfile=str(good.client_cert),
            keyfile=str(good.client_key),
        )
        task = asyncio.create_task(link.run())
        did = _send(room, "EV-0000", "alerte")
        await wait_for(lambda: did in sim.endpoint.inbox, PATIENCE, "message en TLS mutuel")
        await stop_tasks(task)

        # a client whose certificate the PP does not trust is refused, and stops retrying
        before = sim.connections
        bad_client = _link(
            room,
            url,
            cafile=str(good.ca),
            certfile=str(rogue.client_cert),
            keyfile=str(rogue.client_key),
        )
        await asyncio.wait_for(bad_client.run(), PATIENCE)
        assert bad_client.fatal
        assert "certificat" in bad_client.fatal
        # a client with no certificate at all is refused by the server
        ctx = ssl.create_default_context(cafile=str(good.ca))
        with pytest.raises((ssl.SSLError, ConnectionError, InvalidHandshake, EOFError)):
            async with ws_connect(
                url,
                ssl=ctx,
                subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
                open_timeout=5,
            ) as ws:
                await ws.recv()
        assert sim.connections == before
        await sim.stop()

        # a server whose certificate is not signed by the PP's CA is refused: no retry loop
        impostor = PPSimulator(
            ssl_context=server_ssl_context(
                str(rogue.server_cert), str(rogue.server_key), str(good.ca)
            )
        )
        await impostor.start()
        link2 = _link(
            room,
            f"wss://127.0.0.1:{impostor.port}",
            cafile=str(good.ca),
            certfile=str(good.client_cert),
            keyfile=str(good.client_key),
        )
        await asyncio.wait_for(link2.run(), PATIENCE)
        assert link2.fatal
        assert "certificat" in link2.fatal
        assert link2.state[0] == "error"
        assert impostor.connections == 0
        await impostor.stop()

    asyncio.run(main())


def test_plain_ws_only_on_loopback_and_wss_needs_certificates(tmp_path: Path) -> None:
    room = make_room(tmp_path / "room.sqlite", events=0)
    with pytest.raises(LinkConfigError, match="boucle locale"):
        PPLink(room, LinkConfig("ws://10.1.2.3:8765"))
    with pytest.raises(LinkConfigError, match="TLS mutuel"):
        PPLink(room, LinkConfig("wss://pp.example:443", cafile="ca.pem"))
    PPLink(room, LinkConfig("ws://[::1]:8765")).endpoint.close()


def test_profile_version_mismatch_is_refused_with_a_reason(tmp_path: Path) -> None:
    room = make_room(tmp_path / "room.sqlite", events=0)

    async def main() -> None:
        sim = PPSimulator()
        await sim.start()
        # a client offering another version gets a clear refusal
        with pytest.raises(InvalidStatus) as info:
            async with ws_connect(sim.url, subprotocols=["scop-edxl-emsi.25.01.01"]):  # type: ignore[list-item]
                pass
        assert info.value.response.status_code == 426
        assert b"25.01.01" in info.value.response.body
        assert SUBPROTOCOL.encode() in info.value.response.body
        await sim.stop()

        # a server that does not speak our version: the link stops and says why
        async def echo(ws: object) -> None:
            await asyncio.sleep(1)

        server = await ws_serve(echo, "127.0.0.1", 0)
        port = next(iter(server.sockets)).getsockname()[1]
        link = _link(room, f"ws://127.0.0.1:{port}")
        await asyncio.wait_for(link.run(), PATIENCE)
        assert link.fatal
        assert PROFILE_VERSION in link.fatal
        server.close()
        await server.wait_closed()

    asyncio.run(main())


def test_exercise_and_live_traffic_never_mix(tmp_path: Path) -> None:
    live = make_room(tmp_path / "live.sqlite")

    async def main() -> None:
        sim = PPSimulator(exercise=True)  # an exercise PP
        await sim.start()
        link = _link(live, sim.url, exercise=True)  # link configured for exercise
        task = asyncio.create_task(link.run())
        did = _send(live, "EV-0000", "alerte")  # a live message
        await wait_for(
            lambda: fm.by_distribution_id(live.state, did).state == "erreur",  # type: ignore[union-attr]
            5,
            "refus du message réel",
        )
        assert did not in sim.endpoint.inbox
        assert "réel" in fm.by_distribution_id(live.state, did).error  # type: ignore[union-attr]
        await stop_tasks(task)

        # an exercise room on an exercise link: everything carries the marking
        ex = make_room(tmp_path / "ex.sqlite", mode="exercise")
        link = _link(ex, sim.url, exercise=True)
        task = asyncio.create_task(link.run())
        did = _send(ex, "EV-0000", "demande_cump")
        await wait_for(lambda: did in sim.endpoint.inbox, PATIENCE, "message d'exercice")
        raw = dict(fm.by_distribution_id(ex.state, did).message)  # type: ignore[union-attr]
        assert raw["distributionStatus"] == "Exercise"
        inner = raw["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
        assert inner["status"] == "Exercise"
        assert inner["emsi"]["CONTEXT"]["MODE"] == "EXERCS"
        assert "EXERCICE" in inner["emsi"]["CONTEXT"]["FREETEXT"]
        # the exercise PP's messages are refused by a live link with an RS-ERROR
        await stop_tasks(task)
        await wait_for(lambda: sim.endpoint.ws is None, PATIENCE, "déconnexion")
        link = _link(live, sim.url, exercise=False)
        task = asyncio.create_task(link.run())
        await wait_for(lambda: link.connected, PATIENCE, "connexion")
        sim.send_pp("alerte", EventInfo("PP-9", "FIR", "Feu"))
        await wait_for(lambda: bool(sim.endpoint.errors), PATIENCE, "RS-ERROR")
        assert "exercice" in sim.endpoint.errors[-1]["cause"]
        assert not _kinds(live, fm.RECEIVED)
        await stop_tasks(task)
        await sim.stop()

    asyncio.run(main())


def test_unacknowledged_message_expires_with_an_alarm(tmp_path: Path) -> None:
    room = make_room(tmp_path / "room.sqlite")

    async def main() -> None:
        link = _link(room, "ws://127.0.0.1:9", tick=0.1)  # nobody there
        task = asyncio.create_task(link.run())
        draft = outbox.draft_message(room, "EV-0000", "demande_vpu", {"quantite": 1})
        did = outbox.validate_draft(
            room, draft.payload["draft_id"], ttl=timedelta(seconds=1)
        ).payload["distribution_id"]
        await wait_for(
            lambda: fm.by_distribution_id(room.state, did).state == "expire",  # type: ignore[union-attr]
            5,
            "expiration",
        )
        assert len(_kinds(room, fm.EXPIRED)) == 1
        assert link.state[0] == "warning"  # still retrying: a refused connection is not fatal
        await stop_tasks(task)

    asyncio.run(main())


def test_gateway_sends_what_another_workstation_validated(tmp_path: Path) -> None:
    room = make_room(tmp_path / "room.sqlite")

    async def main() -> None:
        sim = PPSimulator(answer_delay=0.1)
        await sim.start()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scop.cli",
            "gateway",
            "--db",
            room.store.url,
            "--pp",
            sim.url,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            did = _send(room, "EV-0002", "demande_care", lieu="Mairie du 11e")
            await wait_for(lambda: did in sim.endpoint.inbox, 30, "envoi par la passerelle")

            def answered() -> bool:
                room.sync()
                m = fm.by_distribution_id(room.state, did)
                return m is not None and m.answer == "ACCEPTE"

            await wait_for(answered, PATIENCE, "réponse journalisée par la passerelle")
        finally:
            proc.terminate()
            await proc.wait()
        await sim.stop()

    asyncio.run(main())


def test_dead_link_is_seen_within_10_seconds(tmp_path: Path) -> None:
    """Default keepalive settings; the network stops carrying bytes without closing anything."""
    room = make_room(tmp_path / "room.sqlite", events=0)

    async def main() -> None:
        sim = PPSimulator(ping_interval=60, ping_timeout=60)  # only the console's pings count
        await sim.start()
        proxy = CuttingProxy(sim.port)
        await proxy.start()
        link = PPLink(room, LinkConfig(f"ws://127.0.0.1:{proxy.port}", backoff_base=5))
        task = asyncio.create_task(link.run())
        await wait_for(lambda: link.connected, PATIENCE, "connexion")
        proxy.frozen = True
        started = asyncio.get_running_loop().time()
        await wait_for(lambda: not link.connected, 12, "lien mort détecté")
        assert asyncio.get_running_loop().time() - started <= 10
        assert link.state[0] == "warning"
        await stop_tasks(task)
        proxy.frozen = False
        await proxy.stop()
        await sim.stop()

    asyncio.run(main())
