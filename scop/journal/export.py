"""A shift in one file: JSON lines (header, entries, crew positions, head), verifiable alone.

The file is what a trainer carries to a debrief and what ``scop replay`` opens.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from scop.clock import from_iso, to_iso
from scop.errors import Exit, InputError, cannot_read, cannot_write
from scop.journal.store import JournalStore
from scop.journal.verify import VerifyReport, verify_chain
from scop.models.entities import PositionFix
from scop.models.entries import GENESIS_HASH, Entry

FORMAT = "scop-journal"
VERSION = 1


class ExportError(InputError):
    """An export that cannot be read (or written): the message names the file and line."""


def _open(path: Path, mode: str, gz: bool | None = None) -> IO[str]:
    if path.suffix == ".gz" if gz is None else gz:
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8")


def _entry_dict(e: Entry) -> dict[str, Any]:
    return {
        "type": "entry",
        "position": e.position,
        "ts": e.ts_iso,
        "author": e.author,
        "role": e.role,
        "source": e.source,
        "kind": e.kind,
        "payload": e.payload,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        **({"author_id": e.author_id} if e.author_id else {}),
    }


def export_journal(
    store: JournalStore,
    path: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    with_positions: bool = True,
) -> int:
    """Write the chain from its start (a chain cannot be verified from its middle) up to
    ``until`` and, for replay, the crew positions from ``since``. The store is verified
    first, so an export never launders an altered journal. Returns the number of entries."""
    report = store.verify()
    if not report.ok:
        raise ExportError(
            f"Export refusé, la main courante est altérée : {report.message()}",
            "Lancer « scop journal verify » sur la base.",
            code=Exit.DB_DAMAGED,
        )
    # Written beside the target and renamed at the end: a failed export leaves no half file.
    part = path.with_name(path.name + ".partiel")
    try:
        n = _write_export(
            store,
            part,
            path.suffix == ".gz",
            since=since,
            until=until,
            with_positions=with_positions,
        )
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise cannot_write(path, exc) from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return n


def _write_export(
    store: JournalStore,
    path: Path,
    gz: bool,
    *,
    since: datetime | None,
    until: datetime | None,
    with_positions: bool,
) -> int:
    n, last_hash = 0, GENESIS_HASH
    with _open(path, "w", gz) as f:
        header = {
            "type": "header",
            "format": FORMAT,
            "version": VERSION,
            "mode": store.meta("mode") or "live",
            "label": store.meta("label") or "",
            "since": to_iso(since) if since else None,
            "until": to_iso(until) if until else None,
        }
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for e in store.iter_entries():
            if until is not None and e.ts > until:
                break
            f.write(json.dumps(_entry_dict(e), ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
            last_hash = e.hash
        if with_positions:
            after = 0
            while chunk := store.read_positions(after, 20000, until):
                for _id, fx in chunk:
                    if since is None or fx.ts >= since:
                        f.write(
                            json.dumps(
                                {
                                    "type": "position",
                                    "call_sign": fx.call_sign,
                                    "ts": to_iso(fx.ts),
                                    "lon": fx.lon,
                                    "lat": fx.lat,
                                    "heading": fx.heading,
                                    "speed": fx.speed,
                                }
                            )
                            + "\n"
                        )
                after = chunk[-1][0]
        f.write(json.dumps({"type": "head", "position": n, "hash": last_hash}) + "\n")
    return n


@dataclass
class ExportedShift:
    header: dict[str, Any]
    entries: list[Entry] = field(default_factory=list)
    positions: list[PositionFix] = field(default_factory=list)
    head: tuple[int, str] | None = None


def _entry_from(d: dict[str, Any]) -> Entry:
    return Entry(
        int(d["position"]),
        from_iso(d["ts"]),
        d["author"],
        d["role"],
        d["source"],
        d["kind"],
        d["payload"],
        d["prev_hash"],
        d["hash"],
        str(d.get("author_id", "")),
    )


_NOT_AN_EXPORT = "Vérifier qu'il s'agit d'un fichier écrit par « scop journal export »."


def iter_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    lineno = 0
    try:
        with _open(path, "r") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ExportError(
                        f"{path}:{lineno}: JSON illisible ({exc.msg})", _NOT_AN_EXPORT
                    ) from exc
                if not isinstance(d, dict) or "type" not in d:
                    raise ExportError(f"{path}:{lineno}: ligne sans type", _NOT_AN_EXPORT)
                yield lineno, d
    except (EOFError, zlib.error) as exc:
        raise ExportError(
            f"{path} : export tronqué après la ligne {lineno} (fichier compressé incomplet)",
            "Refaire l'export (scop journal export) ou recopier le fichier en entier.",
        ) from exc
    except gzip.BadGzipFile as exc:
        raise ExportError(
            f"{path} : ce n'est pas un fichier compressé gzip malgré son extension .gz",
            _NOT_AN_EXPORT,
        ) from exc
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"{path} : ce n'est pas un export de main courante SCOP (contenu binaire)",
            _NOT_AN_EXPORT,
            code=Exit.NOT_SCOP,
        ) from exc
    except OSError as exc:
        raise cannot_read(path, exc) from exc


def read_export(path: Path) -> ExportedShift:
    lines = iter_lines(path)
    try:
        _, header = next(lines)
    except StopIteration:
        raise ExportError(f"{path} : fichier vide", _NOT_AN_EXPORT) from None
    if header.get("type") != "header" or header.get("format") != FORMAT:
        raise ExportError(
            f"{path}:1: ce n'est pas un export de main courante SCOP",
            _NOT_AN_EXPORT,
            code=Exit.NOT_SCOP,
        )
    shift = ExportedShift(header)
    for lineno, d in lines:
        t = d["type"]
        try:
            if t == "entry":
                shift.entries.append(_entry_from(d))
            elif t == "position":
                shift.positions.append(
                    PositionFix(
                        d["call_sign"],
                        from_iso(d["ts"]),
                        d["lon"],
                        d["lat"],
                        d.get("heading"),
                        d.get("speed"),
                    )
                )
            elif t == "head":
                shift.head = (int(d["position"]), str(d["hash"]))
            else:
                raise ExportError(f"{path}:{lineno}: type de ligne inconnu {t!r}", _NOT_AN_EXPORT)
        except (KeyError, ValueError, TypeError) as exc:
            raise ExportError(f"{path}:{lineno}: ligne incomplète ({exc})", _NOT_AN_EXPORT) from exc
    return shift


def verify_export(path: Path) -> VerifyReport:
    shift = read_export(path)
    if shift.head is None:
        n = len(shift.entries)
        return VerifyReport(False, n, "", n + 1, "l'export n'a pas de ligne de tête (tronqué ?)")
    return verify_chain(shift.entries, shift.head)
