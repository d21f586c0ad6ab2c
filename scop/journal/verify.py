"""Walk a hash chain and name the first entry that does not belong where it stands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scop.models.entries import GENESIS_HASH, Entry, expected_hash


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    count: int
    head_hash: str
    bad_position: int | None = None
    problem: str = ""

    def message(self) -> str:
        if self.ok:
            return (
                f"Chaîne intègre : {self.count} entrées, empreinte de tête {self.head_hash[:16]}…"
            )
        return f"Chaîne rompue à l'entrée n° {self.bad_position} : {self.problem}"


def verify_chain(entries: Iterable[Entry], head: tuple[int, str] | None = None) -> VerifyReport:
    """``head`` is the anchor (last position, last hash) recorded beside the chain; without
    it a truncated tail cannot be told from a short journal."""
    prev_hash = GENESIS_HASH
    expected_pos = 1
    count = 0
    for e in entries:
        if e.position > expected_pos:
            return VerifyReport(
                False,
                count,
                prev_hash,
                expected_pos,
                f"entrée(s) n° {expected_pos} à {e.position - 1} supprimée(s)",
            )
        if e.position < expected_pos:
            return VerifyReport(
                False,
                count,
                prev_hash,
                e.position,
                f"entrée déplacée ou insérée (n° {e.position} attendu n° {expected_pos})",
            )
        if e.prev_hash != prev_hash:
            return VerifyReport(
                False,
                count,
                prev_hash,
                e.position,
                "le lien avec l'entrée précédente est rompu (entrée insérée, "
                "supprimée ou déplacée)",
            )
        if expected_hash(e) != e.hash:
            return VerifyReport(
                False,
                count,
                prev_hash,
                e.position,
                "contenu modifié (empreinte SHA-256 différente)",
            )
        prev_hash = e.hash
        expected_pos += 1
        count += 1
    if head is not None:
        head_pos, head_hash = head
        if head_pos > count:
            return VerifyReport(
                False,
                count,
                prev_hash,
                count + 1,
                f"entrée(s) n° {count + 1} à {head_pos} supprimée(s) en fin de journal",
            )
        if head_pos < count or head_hash != prev_hash:
            return VerifyReport(
                False,
                count,
                prev_hash,
                head_pos + 1 if head_pos < count else head_pos,
                "la tête enregistrée ne correspond pas à la chaîne",
            )
    return VerifyReport(True, count, prev_hash)
