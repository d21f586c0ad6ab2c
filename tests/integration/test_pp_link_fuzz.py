"""Fuzz of the PP link, structure-aware: EDXL-DE envelopes carrying EMSI, drawn field by field
from the profile's vocabulary and then damaged (fields removed, retyped, replaced, added,
stretched), mixed with arbitrary JSON, truncated JSON, random UTF-8 text and random bytes.

One console link, one connection, a real SQLite journal, the tests' own PP on loopback. Every
input must get exactly one answer: one RS-ERROR, or the acknowledgements RECU and INTEGRE, once
each; an input that is itself an error (``distributionKind`` Error) gets none. The connection
never drops and the link still carries a valid message at the end.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from scoptest.pp_peer import PP, MinimalPP
from scoptest.tasks import stop_tasks

from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models import fold_messages as fm
from scop.models.entries import Operator
from scop.protocols.edxl import EventInfo, envelope, fmt_time
from scop.protocols.pp_link import LinkConfig, PPLink
from scop.room import Room, open_room

BATCHES = 440  # hypothesis examples of about 23 inputs each: over 10,000 inputs
NO_KEEPALIVE = 24 * 3600.0  # the link's ping interval: never within a test run (see Harness)
# How long to wait for what the link owes before calling it lost: a bound for a hang, not a
# measure of speed (this runs among the whole suite on a loaded 2-core machine).
PATIENCE = 60.0

_ids = itertools.count()


def _fresh(prefix: str = PP.sender_id) -> str:
    """A distribution id never used before (the room remembers every one it saw)."""
    return f"{prefix}_fuzz-{next(_ids)}"


# -- strategies ------------------------------------------------------------------------------

json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=6,
)
words = st.text(max_size=60)
VOCABULARY = [
    "Actual", "Exercise", "Report", "Update", "Cancel", "Ack", "Error", "ACTUAL", "EXERCS",
    "ALERT", "UPDATE", "CANCEL", "fr.police.pp", "fr.police.scop", "2026-11-23T08:00:00Z", "",
]  # fmt: skip


@st.composite
def emsi(draw: st.DrawFn, did: str, exercise: bool, created: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "ID": did,
        "MODE": "EXERCS" if exercise else draw(st.sampled_from(["ACTUAL", "ACTUAL", "SYSTEM"])),
        "MSGTYPE": draw(st.sampled_from(["ALERT", "UPDATE", "CANCEL", "ACK", "ERROR"])),
    }
    if draw(st.booleans()):
        context["CREATION"] = created
    if draw(st.booleans()):
        context["LEVEL"] = draw(st.sampled_from(["STRTGC", "OPR", "TACTCL"]))
    if draw(st.booleans()):
        context["FREETEXT"] = draw(words)
    if draw(st.booleans()):
        context["ORIGIN"] = {"ORG_ID": PP.sender_id, "NAME": draw(words)}
    links = draw(st.lists(st.sampled_from(["other", "known"]), max_size=2))
    if links:  # never a predecessor of ours that does not exist: it would be held back
        context["LINK"] = [
            {"ID": _fresh("fr.police.autre") if kind == "other" else "KNOWN", "LINK_ROLE": "ADDSTO"}
            for kind in links
        ]
    event: dict[str, Any] = {"ID": draw(st.text(min_size=1, max_size=30))}
    if draw(st.booleans()):
        event["NAME"] = draw(words)
    if draw(st.booleans()):
        event["ETYPE"] = {
            "CATEGORY": draw(
                st.lists(
                    st.sampled_from(["FIR", "FIR/UKN", "EXP/GAS", "PSW/RIOT", "TRP/COL"]),
                    min_size=1,
                    max_size=2,
                )
            ),
            "ACTOR": [draw(st.sampled_from(["PPL", "VEH", "PPL/GRP"]))],
            "LOCTYPE": [draw(st.sampled_from(["OTH", "URB", ""]))],
        }
    if draw(st.booleans()):
        event["SCALE"] = draw(st.sampled_from(["1", "2", "3", "4", "5"]))
    if draw(st.booleans()):
        event["STATUS"] = draw(st.sampled_from(["COM", "IPR", "NST", "STOP"]))
    if draw(st.booleans()):
        event["FREETEXT"] = draw(words)
    if draw(st.booleans()):
        position: dict[str, Any] = {}
        if draw(st.booleans()):
            position["COORD"] = [{"LAT": draw(st.floats()), "LONG": draw(st.floats())}]
        if draw(st.booleans()):
            position["ADDRESS"] = draw(st.lists(words, max_size=2))
        event["EGEO"] = [{"TYPE": "GEN/LOCAT", "POSITION": position}]
    out: dict[str, Any] = {"CONTEXT": context, "EVENT": event}
    if draw(st.booleans()):
        out["MISSION"] = [
            {
                "TYPE": "GEN/SUPRTN",
                "ID": f"{did}.M{i}",
                "NAME": draw(
                    st.sampled_from(
                        [
                            "#REPONSE_DEMANDE_CONCOURS#ACCEPTE#",
                            "#REPONSE_DEMANDE_CONCOURS#PEUT-ETRE#",
                            "#ACTIVATION#CUMP#",
                            "#DEMANDE_POINT_SITUATION#",
                            "#DEMANDE_CONCOURS#UMIP#",
                            "#COMPTE_RENDU_CONCOURS#VPU#",
                            "##",
                        ]
                    )
                    | words
                ),
                "STATUS": draw(st.sampled_from(["IPR", "ABO", "COM"])),
            }
            for i in range(draw(st.integers(1, 2)))
        ]
    return out


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """A message as the PP would send it; valid as drawn, unless the clock or the marking
    makes it otherwise (expired, exercise on a live link)."""
    now = SystemClock().now() + timedelta(seconds=draw(st.integers(-7200, 600)))
    did = _fresh()
    exercise = draw(st.integers(0, 9)) == 0
    payload = draw(emsi(did, exercise, fmt_time(now)))
    return envelope(
        PP,
        draw(st.sampled_from(["Report", "Update", "Cancel"])),
        "emsi",
        payload,
        now=now,
        exercise=exercise,
        distribution_id=did,
        ttl=timedelta(seconds=draw(st.integers(-60, 7200))),
    )


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON tree, the places a mutation can hit."""
    out: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        keys = node.keys() if isinstance(node, dict) else range(len(node))
        for key in list(keys):
            out.append((node, key))
            if isinstance(node[key], dict | list):
                stack.append(node[key])
    return out


@st.composite
def damaged(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` under a new id, with up to three fields removed, retyped, replaced, added or
    stretched past the length limit (or none: then it is a valid message again)."""
    did = str(base["distributionID"])
    msg: dict[str, Any] = json.loads(json.dumps(base).replace(did, _fresh()))
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        slots = _slots(msg)
        if not slots:
            break
        # fixed bounds: what is drawn must not depend on the ids and clock filled in around it
        node, key = slots[draw(st.integers(0, 1000)) % len(slots)]
        action = draw(
            st.sampled_from(["delete", "json", "word", "vocabulary", "retype", "add", "stretch"])
        )
        if action == "delete":
            del node[key]
        elif action == "json":
            node[key] = draw(json_values)
        elif action == "word":
            node[key] = draw(words)
        elif action == "vocabulary":
            node[key] = draw(st.sampled_from(VOCABULARY))
        elif action == "retype":
            node[key] = [node[key]] if draw(st.booleans()) else str(node[key])
        elif action == "add" and isinstance(node, dict):
            node[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
        elif action == "stretch":
            node[key] = "x" * draw(st.integers(16_001, 40_000))
    return msg


raw_frames = st.one_of(
    st.binary(max_size=300),  # random bytes (a binary frame)
    st.text(max_size=300),  # random UTF-8 (a text frame)
    st.text(max_size=100).map(lambda t: t.encode("utf-8")),  # a binary frame that is UTF-8
    json_values.map(json.dumps),  # any JSON at all
)


@st.composite
def batches(draw: st.DrawFn) -> list[str | bytes]:
    """A few messages drawn from the profile, each sent as drawn and as several damaged
    copies, then random frames, all shuffled: about 25 inputs."""
    out: list[str | bytes] = []
    for _ in range(draw(st.integers(2, 4))):
        base = draw(envelopes())
        text = json.dumps(base, ensure_ascii=draw(st.booleans()))
        out.append(text)
        out.append(text[: draw(st.integers(0, 4000)) % len(text)])  # cut short
        out += [json.dumps(draw(damaged(base))) for _ in range(draw(st.integers(3, 6)))]
    out += draw(st.lists(raw_frames, min_size=4, max_size=10))
    draw(st.randoms(use_true_random=False)).shuffle(out)
    return out


def answered_as(frame: str | bytes) -> str | None:
    """The id an answer to ``frame`` refers to ("inconnu" when it has none), None when the
    profile says it gets no answer (an error is never answered)."""
    try:
        text = frame.decode("utf-8") if isinstance(frame, bytes) else frame
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return "inconnu"
    if not isinstance(obj, dict):
        return "inconnu"
    if obj.get("distributionKind") == "Error":
        return None
    did = obj.get("distributionID")
    return did if isinstance(did, str) and did else "inconnu"


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def quotes(frame: str | bytes) -> set[str]:
    """How an RS-ERROR that cannot name ``frame`` by its id quotes it instead (its
    ``sourceMessage``): the object itself, or an excerpt (the text, or the bytes in hex)."""
    if isinstance(frame, bytes):
        try:
            text = frame.decode("utf-8")
        except UnicodeDecodeError:
            return {_canon({"extrait": frame[:300].hex()})}
    else:
        text = frame
    out = {_canon({"extrait": text[:1000]})}
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return out
    if isinstance(obj, dict):
        out.add(_canon(obj))
    return out


# -- the link, on a loop of its own ----------------------------------------------------------


class Harness:
    """The console's link and the PP on one event loop that lives across hypothesis's examples
    (run between them, paused while the next batch is drawn: a thread of its own would touch
    the ``random`` module under hypothesis's feet)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.loop = asyncio.new_event_loop()
        self.room: Room
        self.link: PPLink
        self.task: asyncio.Task[None]
        # No keepalive on either end. Both live on this loop, which stops between examples and
        # stalls for seconds on a loaded machine: a ping sent just before such a stall has its
        # pong read only after ``ping_timeout`` has passed, and the link drops itself (seen in
        # CI as "pas de console connectée"). What is checked here is how inputs are answered;
        # the keepalive has its own tests in test_pp_link.py.
        self.pp = MinimalPP(ping_interval=None)
        self.known: list[str] = []  # ids the console acknowledged: safe predecessors
        self.fences = itertools.count()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coro)

    async def start(self) -> None:
        clock = SystemClock()
        store = JournalStore.open(f"sqlite:///{self.tmp_path / 'room.sqlite'}", clock)
        self.room = open_room(
            store, clock, Operator("Cdt. Test", "chief"), mode="live", label="Salle de test"
        )
        await self.pp.start()
        config = LinkConfig(self.pp.url, backoff_base=0.05, tick=0.2, ping_interval=NO_KEEPALIVE)
        self.link = PPLink(self.room, config)
        self.task = asyncio.create_task(self.link.run())
        await until(lambda: self.link.connected and self.pp.connected, PATIENCE, "connexion")

    async def stop(self) -> None:
        await stop_tasks(self.task)
        await self.pp.stop()
        self.room.store.close()

    def close(self) -> None:
        self.loop.close()

    def answers(self, key: str) -> tuple[int, int, int]:
        """(RS-ERRORs, RECU, INTEGRE) the PP received about ``key`` since the batch began."""
        acks = self.pp.acks.get(key, [])
        return len(self.pp.errors.get(key, [])), acks.count("RECU"), acks.count("INTEGRE")

    async def batch(self, batch: list[str | bytes]) -> tuple[list[str | bytes], Counter[str]]:
        self.pp.acks.clear()
        self.pp.errors.clear()
        if self.known:
            batch = [
                f.replace('"KNOWN"', json.dumps(self.known[i % len(self.known)]))
                if isinstance(f, str)
                else f
                for i, f in enumerate(batch)
            ]
        expected = Counter(k for k in map(answered_as, batch) if k is not None)
        for frame in batch:
            await self.pp.send_raw(frame)
        await until(
            lambda: all(sum(self.answers(k)[:2]) >= n for k, n in expected.items()),
            PATIENCE,
            "une réponse par entrée",
        )
        # What this batch caused has all been sent once the answer to a later frame arrives.
        fence = f"fence-{next(self.fences)}"
        await self.pp.send_raw(json.dumps({"distributionID": fence}))
        await until(lambda: fence in self.pp.errors, PATIENCE, "réponse à la clôture")
        del self.pp.errors[fence]
        self.known += [k for k in expected if self.answers(k)[1]]
        return batch, expected


async def until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"délai dépassé en attendant : {what}")
        await asyncio.sleep(0.002)


# A failing batch is big by design; shrinking it would replay batches against a link whose
# journal remembers every earlier one, so a failure is reported as found.
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
def test_fuzzed_inputs_each_get_one_answer_and_the_link_stays_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = Harness(tmp_path)
    total = Counter[str]()
    try:
        h.run(h.start())

        @settings(
            max_examples=BATCHES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(batches())
        def one_batch(batch: list[str | bytes]) -> None:
            sent, expected = h.run(h.batch(batch))
            for key, n in expected.items():
                errors, recu, integre = h.answers(key)
                assert errors + recu == n, (key, errors, recu, n)
                assert integre == recu, (key, recu, integre)
                total["error" if errors else "ack"] += n
            stray = (set(h.pp.errors) | set(h.pp.acks)) - set(expected)
            assert not stray, f"réponses à des entrées inconnues : {sorted(stray)[:5]}"
            # the errors about inputs with no readable id: one quoting each of them
            quoted = Counter(_canon(b.get("sourceMessage")) for b in h.pp.errors.get("inconnu", []))
            for frame in (f for f in sent if answered_as(f) == "inconnu"):
                match = next((q for q in quotes(frame) if quoted[q] > 0), None)
                assert match is not None, f"aucune RS-ERROR ne cite {frame[:80]!r}"
                quoted[match] -= 1
            total["inputs"] += len(batch)
            assert h.link.connected
            assert h.pp.connections == 1

        one_batch()
        assert total["inputs"] >= 10_000
        assert total["ack"] >= 500  # enough drawn messages were valid to be taken in
        assert total["error"] >= 5_000
        fences = next(h.fences)  # one RS-ERROR each
        assert h.link.endpoint.errors_sent == total["error"] + fences
        assert not h.pp.unreadable
        assert h.link.connections == 1
        assert not h.task.done()
        received = [e for e in h.room.store.iter_entries() if e.kind == fm.RECEIVED]
        assert len(received) == total["ack"]
        crashes = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not crashes  # nothing swallowed and logged either (periodic task, fold)
        # and it still carries a message
        did = h.run(h.pp.send(EventInfo("PP-OK", "FIR", "Feu de parking"), "après le fuzz"))
        h.run(until(lambda: "RECU" in h.pp.acks.get(did, []), PATIENCE, "message valide après"))
    finally:
        try:
            h.run(h.stop())
        finally:
            h.close()
