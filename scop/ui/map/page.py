"""The map page, rendered once with folium and every asset local.

folium points Leaflet, jQuery, Bootstrap and Font Awesome at CDNs: offline the page is blank
while ``loadFinished`` says True (HOUSE_STYLE). Here its default JS/CSS are replaced by the
shipped Leaflet, the compact geodata and our own ``scop_map.js``; nothing else is loaded.
The page is written to a file (``setHtml`` refuses pages over 2 MB) and never rebuilt: live
changes go in as JSON batches.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from scop.resources import resource_path

GEO_FILES = ("meta", "arrondissements", "quartiers", "eau", "voies", "mairies")
PARIS_CENTRE = (48.8589, 2.3469)
MAX_ZOOM = 19
MIN_ZOOM = 10

_TMP: Path | None = None


def _tmpdir() -> Path:
    global _TMP
    if _TMP is None:
        _TMP = Path(tempfile.mkdtemp(prefix="scop-carte-"))
        atexit.register(shutil.rmtree, _TMP, True)
    return _TMP


def _url(*parts: str) -> str:
    return resource_path(*parts).as_uri()


class _Init(MacroElement):
    """Calls ScopMap.init once folium has created the Leaflet map."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "ScopMap.init({{ this._parent.get_name() }}, {{ this.options }});"
        "{% endmacro %}"
    )

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ScopInit"
        self.options = json.dumps(options, ensure_ascii=False)


def render_page(options: dict[str, Any]) -> str:
    m = folium.Map(
        location=PARIS_CENTRE,
        zoom_start=12,
        tiles=None,
        control_scale=False,  # scop_map.js adds a metric-only scale
        zoom_control=True,
        # with tiles=None folium drops max_zoom/min_zoom: the map itself must carry them
        maxZoom=MAX_ZOOM,
        minZoom=MIN_ZOOM,
        zoomSnap=0.25,
        zoomDelta=0.5,
    )
    m.default_js = [("leaflet", _url("web", "leaflet", "leaflet.js"))] + [
        (f"scop_geo_{name}", _url("geo", "map", f"{name}.js")) for name in GEO_FILES
    ]
    m.default_js.append(("scop_map", _url("web", "scop_map.js")))
    m.default_css = [
        ("leaflet_css", _url("web", "leaflet", "leaflet.css")),
        ("scop_map_css", _url("web", "scop_map.css")),
    ]
    _Init(options).add_to(m)
    html: str = m.get_root().render()
    return html


def write_page(options: dict[str, Any]) -> Path:
    """Render to a file of this session's temporary directory (loaded with a file:// URL)."""
    html = render_page(options)
    fd, name = tempfile.mkstemp(prefix="carte-", suffix=".html", dir=_tmpdir())
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(html)
    return Path(name)
