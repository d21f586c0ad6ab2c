"""The hash chain: any sequence of appends verifies; any single tampering is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scop.clock import ManualClock
from scop.journal.verify import verify_chain
from scop.models.entries import (
    GENESIS_HASH,
    Draft,
    Entry,
    Operator,
    canonical_json,
    expected_hash,
    seal,
    seal_text,
)

OPS = [Operator("A. Martin", "operator"), Operator("Cdt. Morel", "chief")]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**9), 10**9)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
drafts = st.builds(
    Draft,
    kind=st.sampled_from(["log.note", "event.created", "crew.engaged", "pp.message_sent"]),
    payload=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=4),
    source=st.sampled_from(["operateur", "appel_3975", "pp", "systeme"]),
    author=st.sampled_from(OPS),
)


def chain(ds: list[Draft]) -> list[Entry]:
    clock = ManualClock()
    out: list[Entry] = []
    prev = GENESIS_HASH
    for i, d in enumerate(ds, 1):
        clock.advance(1.5)
        e = seal(i, clock.now(), d.author or OPS[0], d, prev)
        out.append(e)
        prev = e.hash
    return out


def head(entries: list[Entry]) -> tuple[int, str]:
    return (len(entries), entries[-1].hash if entries else GENESIS_HASH)


@settings(max_examples=150, deadline=None)
@given(st.lists(drafts, max_size=30))
def test_any_sequence_of_appends_verifies(ds: list[Draft]) -> None:
    entries = chain(ds)
    report = verify_chain(entries, head(entries))
    assert report.ok, report.message()
    assert report.count == len(entries)


TAMPERS = [
    "edit_payload",
    "edit_author",
    "edit_time",
    "edit_kind",
    "delete",
    "reorder",
    "insert_forged",
    "insert_copy",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(drafts, min_size=2, max_size=25), st.sampled_from(TAMPERS), st.data())
def test_any_single_tampering_is_detected(
    ds: list[Draft], tamper: str, data: st.DataObject
) -> None:
    entries = chain(ds)
    anchor = head(entries)  # recorded beside the chain before the tampering
    i = data.draw(st.integers(0, len(entries) - 1), label="index")
    e = entries[i]
    t = list(entries)
    if tamper == "edit_payload":
        t[i] = replace(e, payload={**e.payload, "tampered": True})
    elif tamper == "edit_author":
        t[i] = replace(e, author=e.author + " ")
    elif tamper == "edit_time":
        t[i] = replace(e, ts=e.ts + timedelta(seconds=1))
    elif tamper == "edit_kind":
        t[i] = replace(e, kind=e.kind + ".x")
    elif tamper == "delete":
        del t[i]
    elif tamper == "reorder":
        j = data.draw(st.integers(0, len(entries) - 1).filter(lambda j: j != i), label="other")
        t[i], t[j] = t[j], t[i]
    elif tamper == "insert_forged":
        # A well-formed entry sealed onto its predecessor, as a forger with the code would.
        prev = entries[i - 1].hash if i else GENESIS_HASH
        forged = seal(i + 1, e.ts, OPS[1], Draft("log.note", {"text": "forgé"}), prev)
        t.insert(i, forged)
    elif tamper == "insert_copy":
        t.insert(i, e)
    report = verify_chain(t, anchor)
    assert not report.ok
    # The first bad entry named is at or before the first position the tampering touched.
    first_touched = i + 1 if tamper != "reorder" else min(i, j) + 1
    assert report.bad_position is not None
    assert report.bad_position <= max(first_touched, 1) + (1 if tamper == "delete" else 0)
    assert report.bad_position >= 1


def test_truncated_tail_is_named_by_the_head() -> None:
    entries = chain([Draft("log.note", {"text": str(n)}) for n in range(5)])
    report = verify_chain(entries[:3], head(entries))
    assert not report.ok
    assert report.bad_position == 4
    assert "supprimée" in report.problem


def test_edit_is_named_as_such() -> None:
    entries = chain([Draft("log.note", {"text": str(n)}) for n in range(5)])
    entries[2] = replace(entries[2], payload={"text": "autre chose"})
    report = verify_chain(entries, head(entries))
    assert (report.ok, report.bad_position) == (False, 3)
    assert "modifié" in report.problem


# Payloads as code builds them, not only as JSON reads them: tuples, and integer keys, whose
# canonical text changes once read back ({10:…, 9:…} sorts as numbers, then as strings).
awkward_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
        | st.dictionaries(st.integers(-20, 20), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.text(max_size=8), awkward_values, max_size=5),
    st.text(min_size=1).filter(str.strip),
    st.sampled_from(["", "service:simulateur-pp", 'a"b\\c\u00e9\x01']),
)
def test_one_pass_seal_gives_the_hash_and_text_of_what_is_read_back(
    payload: dict, name: str, author_id: str
) -> None:
    """``seal_text`` encodes the payload once; the hash and the stored text must still be those
    of the payload as the journal gives it back, which is what verification recomputes."""
    author = Operator(name, "operator", author_id)
    e, text = seal_text(7, ManualClock().now(), author, Draft("log.note", payload), GENESIS_HASH)
    assert text == canonical_json(e.payload)
    assert e.hash == expected_hash(e)


def test_integer_keys_are_hashed_as_read_back() -> None:
    e, text = seal_text(
        1, ManualClock().now(), OPS[0], Draft("log.note", {"n": {10: 1, 9: 2}}), "0" * 64
    )
    assert text == '{"n":{"10":1,"9":2}}'
    assert e.hash == expected_hash(e)
