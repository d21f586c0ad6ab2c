"""Optional tile sources of the map: a configured URL template, or a local MBTiles file.

By default the map fetches nothing. An operator may configure a tile server of the City's
network (QSettings ``map/tile_url`` or env ``SCOP_TILE_URL``), or an MBTiles file on disk
(``map/mbtiles``) served to the page through the ``scoptiles:`` URL scheme, so the map stays
offline. Either is offered as a base layer in the map's layer control.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QObject, QSettings
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

log = logging.getLogger(__name__)

SCHEME = b"scoptiles"
_TEMPLATE_RE = re.compile(r"^https?://[^\s]+$")
_MIME = {"png": b"image/png", "jpg": b"image/jpeg", "jpeg": b"image/jpeg", "webp": b"image/webp"}


def register_scheme() -> bool:
    """Declare ``scoptiles:`` to Chromium. Only possible before the QApplication exists; the
    composition root and the tests call this first. Returns whether the scheme is usable."""
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() == SCHEME:
        return True
    if QCoreApplication.instance() is not None:
        return False
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Path)
    # Local: a file:// page may load it; no network, no CORS needed for <img> tiles.
    scheme.setFlags(
        QWebEngineUrlScheme.Flag.LocalScheme
        | QWebEngineUrlScheme.Flag.SecureScheme
        | QWebEngineUrlScheme.Flag.ContentSecurityPolicyIgnored
    )
    QWebEngineUrlScheme.registerScheme(scheme)
    return True


register_scheme()


@dataclass(frozen=True)
class MbTilesInfo:
    path: Path
    name: str
    fmt: str
    minzoom: int
    maxzoom: int
    attribution: str


def open_mbtiles(path: Path) -> MbTilesInfo:
    """Read an MBTiles file's metadata; raises ValueError with a French message."""
    if not path.is_file():
        raise ValueError(f"Fichier MBTiles introuvable : {path}")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
            zooms = con.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise ValueError(f"Fichier MBTiles illisible ({path.name}) : {exc}") from exc
    fmt = str(meta.get("format", "png")).lower()
    if fmt not in _MIME:
        raise ValueError(f"MBTiles {path.name} : format « {fmt} » non pris en charge (raster)")
    return MbTilesInfo(
        path=path,
        name=str(meta.get("name") or path.stem),
        fmt=fmt,
        minzoom=int(zooms[0] if zooms and zooms[0] is not None else 0),
        maxzoom=int(zooms[1] if zooms and zooms[1] is not None else 19),
        attribution=str(meta.get("attribution", "")),
    )


class MbTilesHandler(QWebEngineUrlSchemeHandler):
    """Serves ``scoptiles:z/x/y`` from the configured MBTiles file (TMS rows flipped)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info: MbTilesInfo | None = None
        self._con: sqlite3.Connection | None = None
        self.served = 0

    def set_source(self, info: MbTilesInfo | None) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        self.info = info
        if info is not None:
            self._con = sqlite3.connect(
                f"file:{info.path}?mode=ro", uri=True, check_same_thread=False
            )

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        parts = job.requestUrl().path().strip("/").split("/")
        if self._con is None or self.info is None or len(parts) != 3:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        try:
            z, x, y = (int(p.split(".")[0]) for p in parts)
            row = self._con.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        except (ValueError, sqlite3.Error):
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
            return
        if row is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        buf = QBuffer(job)  # lives as long as the job
        buf.setData(QByteArray(bytes(row[0])))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        self.served += 1
        job.reply(_MIME[self.info.fmt], buf)


_HANDLER: MbTilesHandler | None = None


def tiles_handler(profile: QWebEngineProfile) -> MbTilesHandler | None:
    """The one handler of the profile (installed once; a scheme has one handler)."""
    global _HANDLER
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() != SCHEME:
        return None
    if _HANDLER is None:
        _HANDLER = MbTilesHandler(QCoreApplication.instance())
    if profile.urlSchemeHandler(SCHEME) is None:
        profile.installUrlSchemeHandler(SCHEME, _HANDLER)
    return _HANDLER


def configured_sources(
    settings: QSettings, tile_url: str | None = None
) -> tuple[str | None, Path | None, list[str]]:
    """(tile URL template, MBTiles path, problems in French). ``tile_url`` (``SCOP_TILE_URL``,
    from ``Config``) wins over the settings so a workstation can be pointed at a test server
    without touching its profile."""
    problems: list[str] = []
    url = tile_url or str(settings.value("map/tile_url", "") or "")
    url = url.strip()
    if url and not (_TEMPLATE_RE.match(url) and all(f"{{{k}}}" in url for k in ("z", "x", "y"))):
        problems.append(
            f"Source de tuiles ignorée : « {url} » n'est pas un modèle http(s) avec {{z}}, {{x}}"
            " et {y}."
        )
        url = ""
    mb = str(settings.value("map/mbtiles", "") or "").strip()
    return (url or None), (Path(mb).expanduser() if mb else None), problems
