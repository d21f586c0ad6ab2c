"""Offline geocoding against the Base Adresse Nationale for Paris (158,000 addresses).

The control room has no internet, so completion, forward and reverse geocoding run on the
shipped file (``resources/geo/adresses-75.csv.gz``, Licence Ouverte 2.0 Etalab). Loading
takes a second or two: :func:`start_loading` does it once, in a worker thread, at start-up;
everything after is in memory. Matching folds accents and case ("52 rue oberk" finds
"52 Rue Oberkampf, 75011 Paris").
"""

from __future__ import annotations

import bisect
import csv
import gzip
import io
import math
import threading
import unicodedata
from array import array
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from scop.geo.area import haversine_m, in_paris
from scop.resources import resource_path

CELL_DEG = 0.002  # grid of the reverse index: ~150 m x 220 m at Paris's latitude

# Abbreviations operators type for the street types and saints.
_ABBREVIATIONS = {
    "bd": "boulevard",
    "bld": "boulevard",
    "boul": "boulevard",
    "av": "avenue",
    "ave": "avenue",
    "pl": "place",
    "fg": "faubourg",
    "fbg": "faubourg",
    "st": "saint",
    "ste": "sainte",
    "sq": "square",
    "imp": "impasse",
    "pas": "passage",
    "qu": "quai",
    "r": "rue",
    "ch": "chemin",
    "all": "allee",
}


class AddressNotFound(LookupError):
    """The text names no address of the base; the message is for the operator."""


@dataclass(frozen=True, slots=True)
class Address:
    label: str  # "52 Rue Oberkampf, 75011 Paris"
    lon: float
    lat: float
    street: str = ""
    postcode: str = ""
    number: str = ""  # "52", "52 bis"; empty for a whole street


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    out = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        out.append(ch.lower() if ch.isalnum() else " ")
    return " ".join("".join(out).split())


def fold_query(text: str) -> str:
    """Folded, with abbreviations expanded, except the last word (the one being typed)."""
    words = fold(text).split()
    if not words:
        return ""
    head = [_ABBREVIATIONS.get(w, w) for w in words[:-1]]
    return " ".join([*head, words[-1]])


_REPETITIONS = {"b": "bis", "t": "ter", "q": "quater", "c": "quinquies"}


def _number(number: str, rep: str) -> str:
    if not rep:
        return number
    return f"{number} {_REPETITIONS.get(rep.lower(), rep.upper())}"


def _label(number: str, rep: str, street: str, postcode: str) -> str:
    num = _number(number, rep)
    return f"{num} {street}, {postcode} Paris" if num else f"{street}, {postcode} Paris"


class AddressIndex:
    """Addresses in memory: a sorted folded index for completion, a grid for reverse."""

    def __init__(self, rows: list[tuple[str, str, str, str, float, float]]) -> None:
        # rows: (number, rep, street, postcode, lon, lat)
        rows = [r for r in rows if in_paris(r[4], r[5])]
        self.labels: list[str] = []
        self.streets: list[str] = []
        self.postcodes: list[str] = []
        self.numbers: list[str] = []
        self.lons = array("d")
        self.lats = array("d")
        keyed: list[tuple[str, int]] = []
        street_points: dict[tuple[str, str], list[int]] = {}
        for i, (number, rep, street, postcode, lon, lat) in enumerate(rows):
            label = _label(number, rep, street, postcode)
            self.labels.append(label)
            self.streets.append(street)
            self.postcodes.append(postcode)
            self.numbers.append(_number(number, rep))
            self.lons.append(lon)
            self.lats.append(lat)
            keyed.append((fold(label), i))
            street_points.setdefault((street, postcode), []).append(i)
        keyed.sort()
        self._keys = [k for k, _ in keyed]
        self._ids = [i for _, i in keyed]
        # Whole streets, placed at their middle address, for "rue oberkampf" without a number.
        self._street_entries: list[tuple[str, Address]] = []
        for (street, postcode), ids in street_points.items():
            mid = sorted(ids, key=lambda j: (self.lats[j], self.lons[j]))[len(ids) // 2]
            addr = Address(
                _label("", "", street, postcode), self.lons[mid], self.lats[mid], street, postcode
            )
            self._street_entries.append((fold(f"{street} {postcode}"), addr))
        self._street_entries.sort(key=lambda t: t[0])
        self._grid: dict[tuple[int, int], list[int]] = {}
        for i in range(len(self.labels)):
            self._grid.setdefault(self._cell(self.lons[i], self.lats[i]), []).append(i)

    def __len__(self) -> int:
        return len(self.labels)

    @staticmethod
    def _cell(lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lon / CELL_DEG), math.floor(lat / CELL_DEG)

    def address(self, i: int) -> Address:
        return Address(
            self.labels[i],
            self.lons[i],
            self.lats[i],
            self.streets[i],
            self.postcodes[i],
            self.numbers[i],
        )

    # -- completion and forward geocoding ------------------------------------------------

    def _prefixed(self, key: str) -> Iterator[int]:
        start = bisect.bisect_left(self._keys, key)
        for pos in range(start, len(self._keys)):
            if not self._keys[pos].startswith(key):
                return
            yield self._ids[pos]

    def complete(self, text: str, limit: int = 12) -> list[Address]:
        """Addresses whose label starts with what was typed, then whole streets whose name
        contains every word typed (so "oberkampf" finds "Rue Oberkampf")."""
        key = fold_query(text)
        if not key:
            return []
        out: list[Address] = []
        for i in self._prefixed(key):
            out.append(self.address(i))
            if len(out) >= limit:
                return out
        seen = {a.label for a in out}
        if key[0].isdigit():
            # "52 oberkampf": a number, then words of the street
            number, _, rest = key.partition(" ")
            if rest:
                for street in self._matching_streets(rest, limit):
                    hit = next(
                        self._prefixed(f"{number} {fold(street.street)} {street.postcode}"), None
                    )
                    if hit is not None and self.labels[hit] not in seen:
                        seen.add(self.labels[hit])
                        out.append(self.address(hit))
                    if len(out) >= limit:
                        break
            return out[:limit]
        out += [a for a in self._matching_streets(key, limit) if a.label not in seen]
        return out[:limit]

    def _matching_streets(self, key: str, limit: int) -> list[Address]:
        words = key.split()
        found: list[Address] = []
        starts: list[Address] = []
        for folded, addr in self._street_entries:
            if all(f" {w}" in f" {folded}" for w in words):
                (starts if folded.startswith(key) else found).append(addr)
                if len(starts) >= limit:
                    break
        return (starts + found)[:limit]

    def geocode(self, text: str) -> Address:
        """The address an operator meant, or :class:`AddressNotFound` with a clear message."""
        key = fold_query(text)
        if not key:
            raise AddressNotFound("Adresse vide : tapez une adresse ou cliquez sur la carte.")
        first = next(self._prefixed(key), None)
        if first is not None:
            return self.address(first)
        candidates = self.complete(text, limit=1)
        if candidates:
            return candidates[0]
        raise AddressNotFound(
            f"Adresse introuvable dans la Base Adresse Nationale : « {text.strip()} ». "
            "Vérifiez le numéro et le nom de la voie, choisissez une proposition de la liste "
            "ou placez l'événement d'un clic droit sur la carte."
        )

    # -- reverse geocoding ---------------------------------------------------------------

    def reverse(self, lon: float, lat: float, max_m: float = 300.0) -> Address:
        """The nearest address to a point (a click on the map)."""
        if not in_paris(lon, lat):
            raise AddressNotFound(
                f"Le point ({lat:.5f}, {lon:.5f}) est hors de Paris : aucune adresse."
            )
        cx, cy = self._cell(lon, lat)
        best, best_d = -1, math.inf
        cos_lat = math.cos(math.radians(lat))
        ring = 0
        while ring <= 8:
            for ix in range(cx - ring, cx + ring + 1):
                for iy in range(cy - ring, cy + ring + 1):
                    if max(abs(ix - cx), abs(iy - cy)) != ring:
                        continue
                    for i in self._grid.get((ix, iy), ()):
                        dx = (self.lons[i] - lon) * cos_lat
                        dy = self.lats[i] - lat
                        d = dx * dx + dy * dy
                        if d < best_d:
                            best, best_d = i, d
            # Anything in the next ring is at least ring*CELL away (in latitude degrees).
            if best >= 0 and math.sqrt(best_d) <= ring * CELL_DEG * cos_lat:
                break
            ring += 1
        if best < 0:
            raise AddressNotFound("Aucune adresse à proximité de ce point.")
        addr = self.address(best)
        if haversine_m(lon, lat, addr.lon, addr.lat) > max_m:
            raise AddressNotFound(
                f"Aucune adresse à moins de {int(max_m)} m de ce point "
                f"({lat:.5f}, {lon:.5f}) : précisez l'adresse à la main."
            )
        return addr


def read_rows(path: Path) -> list[tuple[str, str, str, str, float, float]]:
    rows: list[tuple[str, str, str, str, float, float]] = []
    with gzip.open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=";")
        header = next(reader)
        col = {name: n for n, name in enumerate(header)}
        try:
            i_num, i_rep, i_voie = col["numero"], col["rep"], col["nom_voie"]
            i_cp, i_lon, i_lat = col["code_postal"], col["lon"], col["lat"]
        except KeyError as exc:
            raise ValueError(f"{path}: colonne manquante {exc}") from None
        for line, r in enumerate(reader, start=2):
            try:
                rows.append(
                    (r[i_num], r[i_rep], r[i_voie], r[i_cp], float(r[i_lon]), float(r[i_lat]))
                )
            except (IndexError, ValueError):
                raise ValueError(f"{path}:{line}: ligne d'adresse illisible") from None
    return rows


def default_path() -> Path:
    return resource_path("geo", "adresses-75.csv.gz")


_lock = threading.Lock()
_index: AddressIndex | None = None
_future: Future[AddressIndex] | None = None


def get_index() -> AddressIndex:
    """The shipped address base, loaded once (blocking if nobody started it yet)."""
    global _index
    with _lock:
        if _index is None:
            _index = AddressIndex(read_rows(default_path()))
        return _index


def loaded_index() -> AddressIndex | None:
    """The base if already in memory; ``None`` while it is still loading."""
    return _index


def start_loading() -> Future[AddressIndex]:
    """Load the base in a worker thread; call at start-up, then use :func:`loaded_index`."""
    global _future
    if _future is None:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adresses")
        _future = pool.submit(get_index)
        pool.shutdown(wait=False)
    return _future
