"""Regenerate the map's compact geodata in ``resources/geo/map/`` from ``../shared/geo/``.

Run once at build time (``.venv/bin/python tools/build_map_geo.py``) and commit the output:
the console never reads the raw open-data files. Needs shapely (dev tool only).

Why a build step: the raw files are ~5 MB of 15-digit coordinates; the page wants a few
hundred kB it can draw at once. Geometries are simplified (topology kept), rounded to 1e-5°
(about a metre), and written as delta-encoded integers inside small JS files, so the page
loads them with plain ``<script>`` tags from file:// (no XHR, no network).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, MultiPolygon, Polygon, shape
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT.parent / "shared" / "geo"
OUT = ROOT / "resources" / "geo" / "map"
SCALE = 100_000  # 1e-5 degree units

# The 17 mairies d'arrondissement and their public addresses (paris.fr). Paris Centre's mairie
# sits in the former mairie of the 3rd since 2020.
MAIRIES: list[tuple[str, str, str, str]] = [
    ("Paris Centre", "2", "Rue Eugène Spuller", "75003"),
    ("5e", "21", "Place du Panthéon", "75005"),
    ("6e", "78", "Rue Bonaparte", "75006"),
    ("7e", "116", "Rue de Grenelle", "75007"),
    ("8e", "3", "Rue de Lisbonne", "75008"),
    ("9e", "6", "Rue Drouot", "75009"),
    ("10e", "72", "Rue du Faubourg Saint-Martin", "75010"),
    ("11e", "12", "Place Léon Blum", "75011"),
    ("12e", "130", "Avenue Daumesnil", "75012"),
    ("13e", "1", "Place d'Italie", "75013"),
    ("14e", "2", "Place Ferdinand Brunot", "75014"),
    ("15e", "31", "Rue Péclet", "75015"),
    ("16e", "71", "Avenue Henri Martin", "75016"),
    ("17e", "16", "Rue des Batignolles", "75017"),
    ("18e", "1", "Place Jules Joffrin", "75018"),
    ("19e", "5", "Place Armand Carrel", "75019"),
    ("20e", "6", "Place Gambetta", "75020"),
]

ATTRIBUTION = (
    "Fond : © Ville de Paris (ODbL) — adresses : Base Adresse Nationale (Licence Ouverte 2.0)"
)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _ring(coords: Any) -> list[int]:
    """Flat [x0, y0, dx1, dy1, …] in 1e-5 degrees; consecutive duplicates dropped."""
    out: list[int] = []
    px = py = 0
    first = True
    for lon, lat in coords:
        x, y = round(lon * SCALE), round(lat * SCALE)
        if not first and x == px and y == py:
            continue
        if first:
            out += [x, y]
            first = False
        else:
            out += [x - px, y - py]
        px, py = x, y
    return out


def _polygons(geom: Any) -> list[list[list[int]]]:
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    result = []
    for p in polys:
        if not isinstance(p, Polygon) or p.is_empty:
            continue
        rings = [_ring(p.exterior.coords)] + [_ring(r.coords) for r in p.interiors]
        result.append([r for r in rings if len(r) >= 6])
    return result


def _label_point(geom: Any) -> list[float]:
    # the centroid may fall in a wood or outside a concave shape; the point of inaccessibility
    # approximation of shapely stays inside and reads better
    pt = geom.representative_point() if not geom.contains(geom.centroid) else geom.centroid
    return [round(pt.x, 5), round(pt.y, 5)]


def _load(name: str) -> list[dict[str, Any]]:
    data = json.loads((SRC / name).read_text(encoding="utf-8"))
    features: list[dict[str, Any]] = data["features"]
    return features


def build_arrondissements(tol: float) -> dict[str, Any]:
    feats = _load("arrondissements.geojson")
    by_num = {int(f["properties"]["c_ar"]): shape(f["geometry"]) for f in feats}
    if sorted(by_num) != list(range(1, 21)):
        raise SystemExit(f"arrondissements.geojson : 20 arrondissements attendus, {sorted(by_num)}")
    names = {int(f["properties"]["c_ar"]): f["properties"]["l_aroff"] for f in feats}
    # Paris Centre: one sector drawn from the union of the 1st to 4th
    centre = unary_union([by_num[n].buffer(0) for n in (1, 2, 3, 4)])
    sectors: list[dict[str, Any]] = [
        {
            "id": "centre",
            "label": "Paris Centre",
            "insee": [75101, 75102, 75103, 75104],
            "at": _label_point(centre),
            "poly": _polygons(centre.simplify(tol, preserve_topology=True)),
        }
    ]
    arrs: list[dict[str, Any]] = []
    for n in range(1, 21):
        g = by_num[n]
        label = "1er" if n == 1 else f"{n}e"
        arrs.append(
            {
                "n": n,
                "insee": 75100 + n,
                "label": label,
                "name": names[n],
                "poly": _polygons(g.simplify(tol, preserve_topology=True)),
            }
        )
        if n >= 5:
            sectors.append(
                {
                    "id": str(n),
                    "label": label,
                    "insee": [75100 + n],
                    "at": _label_point(g),
                    "poly": [],  # drawn from the arrondissement itself
                }
            )
    return {"arrondissements": arrs, "sectors": sectors}


def build_quartiers(tol: float) -> list[dict[str, Any]]:
    out = []
    for f in _load("quartiers.geojson"):
        p = f["properties"]
        g = shape(f["geometry"])
        out.append(
            {
                "n": int(p["c_qu"]),
                "ar": int(p["c_ar"]),
                "name": p["l_qu"],
                "at": _label_point(g),
                "poly": _polygons(g.simplify(tol, preserve_topology=True)),
            }
        )
    if len(out) != 80:
        raise SystemExit(f"quartiers.geojson : 80 quartiers attendus, {len(out)}")
    return sorted(out, key=lambda q: q["n"])


def build_water(tol: float) -> list[dict[str, Any]]:
    geoms = [shape(f["geometry"]).buffer(0) for f in _load("voies-deau.geojson")]
    merged = unary_union(geoms).simplify(tol, preserve_topology=True)
    return [{"poly": [poly]} for poly in _polygons(merged)]


def build_streets(tol: float) -> list[list[Any]]:
    raw = (SRC / "voies.csv").read_text(encoding="utf-8-sig")
    out: list[list[Any]] = []
    for row in csv.DictReader(io.StringIO(raw), delimiter=";"):
        geo = row.get("Geometry") or ""
        if not geo:
            continue
        g = shape(json.loads(geo))
        lines = list(g.geoms) if hasattr(g, "geoms") else [g]
        name = row.get("L_LONGMIN") or row.get("L_VOIE") or ""
        for line in lines:
            if not isinstance(line, LineString) or line.is_empty:
                continue
            enc = _ring(line.simplify(tol).coords)
            if len(enc) >= 4:
                out.append([name, enc])
    return out


def geocode_mairies(path: Path) -> list[dict[str, Any]]:
    """Each mairie's address against the Base Adresse Nationale: exact number on the street,
    else the middle of the street's numbers (reported, so a wrong name is caught here)."""
    wanted = {(_norm(street), cp): (label, num) for label, num, street, cp in MAIRIES}
    hits: dict[str, tuple[float, float]] = {}
    street_pts: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            key = (_norm(row["nom_voie"]), row["code_postal"])
            if key not in wanted:
                continue
            label, num = wanted[key]
            pt = (float(row["lon"]), float(row["lat"]))
            street_pts.setdefault(key, []).append(pt)
            if row["numero"] == num and not row["rep"]:
                hits[label] = pt
    out = []
    for label, num, street, cp in MAIRIES:
        key = (_norm(street), cp)
        how = "numéro exact"
        if label not in hits:
            pts = street_pts.get(key)
            if not pts:
                raise SystemExit(
                    f"mairie {label} : « {num} {street} {cp} » introuvable dans la BAN"
                )
            pts.sort()
            hits[label] = pts[len(pts) // 2]
            how = "milieu de la voie"
            print(f"mairie {label} : numéro {num} absent, {how}", file=sys.stderr)
        lon, lat = hits[label]
        out.append(
            {
                "label": f"Mairie {'de ' if label == 'Paris Centre' else 'du '}{label}",
                "address": f"{num} {street}, {cp} Paris",
                "lon": round(lon, 6),
                "lat": round(lat, 6),
                "geocoded": how,
            }
        )
    return out


def _write(name: str, key: str, value: Any) -> int:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = f"window.SCOP_GEO=window.SCOP_GEO||{{}};SCOP_GEO[{json.dumps(key)}]={body};\n"
    (OUT / name).write_text(text, encoding="utf-8")
    return len(text.encode())


def main() -> int:
    global SRC
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", type=Path, default=SRC)
    SRC = ap.parse_args().src
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = {
        "arrondissements.js": _write("arrondissements.js", "admin", build_arrondissements(2e-5)),
        "quartiers.js": _write("quartiers.js", "quartiers", build_quartiers(3e-5)),
        "eau.js": _write("eau.js", "water", build_water(1e-5)),
        "voies.js": _write("voies.js", "streets", build_streets(3e-5)),
        "mairies.js": _write("mairies.js", "mairies", geocode_mairies(SRC / "adresses-75.csv.gz")),
        "meta.js": _write("meta.js", "meta", {"attribution": ATTRIBUTION, "scale": SCALE}),
    }
    for name, size in sizes.items():
        print(f"{name:20} {size / 1024:8.1f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
