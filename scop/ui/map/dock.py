"""The live map of Paris: a folium page rendered once, fed with batched JSON diffs.

The page never reloads for an update. On every room change the dock computes what differs
between the room's crews/events/perimeters/means and what it last sent, and pushes that diff
with ``runJavaScript`` at most every ``BATCH_INTERVAL_MS`` (a feed at 1,000 positions/s must
not become 1,000 page calls). The page talks back through console messages (``scop:{…}``):
clicks select, right-clicks open the Qt context menu here.

Les cartes de l'observatoire are a layer of this page: events of a period and a category
counted by arrondissement and by quartier (:mod:`scop.reports.choropleth`), both levels sent
together; the page shows one or the other by its zoom. While the layer is on, it is counted
again every ``CHORO_REFRESH_MS`` when entries arrived (live, replay playback) or the period's
end moved with the clock, and at once after a replay seek.
"""

from __future__ import annotations

import atexit
import csv
import json
import logging
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scop import map_commands
from scop.clock import local
from scop.errors import cannot_write
from scop.models.entities import Crew, Event
from scop.models.entries import Entry
from scop.models.fold_safety import DangerAlert, Hazard
from scop.models.nomenclatures import categories
from scop.models.vocabulary import EventStatus
from scop.reports.choropleth import (
    Choropleth,
    Level,
    Tally,
    category_text,
    csv_rows,
    layer_payload,
    title,
)
from scop.reports.dashboard import SHIFT_HINT, SHIFT_LABEL, shift_name, shift_start
from scop.room import Change, CommandRefused
from scop.safety.places import active_hazards
from scop.safety.watch import CrewTimer, crew_timer
from scop.ui.choropleth_view import export_png
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.intake import KEYWORDS
from scop.ui.map.page import write_page
from scop.ui.map.tiles import configured_sources, open_mbtiles, tiles_handler
from scop.ui.paris_time import from_qt, paris_edit, to_qt
from scop.ui.save_as import save_as

log = logging.getLogger(__name__)

# Every map view alive. A page still alive when the web profile goes (a window closed but not
# yet deleted at exit, as in a test run) makes Chromium crash the process at exit: delete them
# first.
_VIEWS: weakref.WeakSet[QWebEngineView] = weakref.WeakSet()


@atexit.register
def _delete_views() -> None:
    for view in list(_VIEWS):
        if shiboken6.isValid(view):
            shiboken6.delete(view)


_READER: ThreadPoolExecutor | None = None


def _reader() -> ThreadPoolExecutor:
    """The one thread that reads the journal and places its events for the observatoire layer:
    on the GUI thread, a first switch-on over a day's journal froze the console for 0.1 to
    1.4 s (bench/map_observatoire.py). As the address base's loader
    (scop.geo.addresses.start_loading), a plain worker that touches no Qt object: the dock
    polls the future from a timer of its own, so an answer arriving after the layer went off
    or the dock was deleted is only a result nobody collects, never a signal from a dead dock.
    """
    global _READER
    if _READER is None:
        _READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="observatoire")
    return _READER


Placements = dict[str, tuple[int | None, ...]]


def _read_and_place(
    store: Any, after: int, tally: Tally, start: datetime, end: datetime
) -> tuple[list[Entry], Placements]:
    """In the reader thread: the entries beyond ``after``, and where the period's events not
    yet placed fall (the point-in-polygon of the next count); ``tally`` is only read."""
    new = store.read(after)
    return new, tally.placements(new, start, end)


TIME_FILTERS: tuple[tuple[str, int], ...] = (
    ("Tous", 0),
    ("Dernière heure", 1),
    ("6 dernières heures", 6),
    ("24 dernières heures", 24),
)
PERIMETER_RADII = (50, 100, 200, 500)
CHORO_SHIFT = -1  # the period box's « Cette vacation »: since the relève, as the dashboard's
CHORO_PERIODS: tuple[tuple[str, int], ...] = (
    (SHIFT_LABEL, CHORO_SHIFT),
    ("Dernières 24 h", 24),
    ("7 derniers jours", 24 * 7),
    ("30 derniers jours", 24 * 30),
    ("Période choisie…", 0),
)


def crew_item(c: Crew, timer: CrewTimer | None = None) -> dict[str, Any] | None:
    if c.lat is None or c.lon is None:
        return None
    item = {
        "id": c.call_sign,
        "lat": c.lat,
        "lon": c.lon,
        "s": c.status,
        "h": c.heading,
        "m": c.mode,
        "e": c.event_id,
        # planned end of duty (ms): the page flags the crew once its clock passes it
        "end": int(c.duty_end.timestamp() * 1000) if c.duty_end is not None else None,
    }
    if timer is not None:  # time in status for the tooltip; a due check makes the marker pulse
        item["tm"] = timer.label
        item["w"] = timer.level
    return item


def hazard_item(h: Hazard) -> dict[str, Any] | None:
    if h.lat is None or h.lon is None:
        return None
    return {
        "id": h.id,
        "lat": h.lat,
        "lon": h.lon,
        "label": f"{h.category_label} : {h.text}",
        "until": f"{local(h.expires_at):%d/%m/%Y}",
    }


def event_item(ev: Event) -> dict[str, Any] | None:
    if ev.lat is None or ev.lon is None:
        return None
    return {
        "id": ev.id,
        "lat": ev.lat,
        "lon": ev.lon,
        "cat": ev.category,
        "g": ev.gravity,
        "st": ev.status,
        "t": ev.title,
        "c": int(ev.created_at.timestamp() * 1000),
    }


def means_item(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "lat": p.lat,
        "lon": p.lon,
        "kind": p.means,
        "label": p.label,
        "e": p.event_id,
    }


def diff(
    sent: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """(items to add or replace, ids to remove); ``sent`` is updated to ``current``."""
    upserts = [item for key, item in current.items() if sent.get(key) != item]
    removed = [key for key in sent if key not in current]
    for key in removed:
        del sent[key]
    for item in upserts:
        sent[item["id"]] = item
    return upserts, removed


class MapPage(QWebEnginePage):
    """Forwards the page's ``scop:`` console messages; refuses to navigate anywhere else."""

    message = Signal(dict)

    def javaScriptConsoleMessage(
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        line: int,
        source: str,
    ) -> None:
        if message.startswith("scop:"):
            try:
                data = json.loads(message[5:])
            except ValueError:
                log.warning("carte : message illisible de la page : %.200s", message)
                return
            if isinstance(data, dict):
                self.message.emit(data)
            return
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            log.warning("carte (JS) %s:%s %s", source, line, message)

    def acceptNavigationRequest(
        self, url: QUrl | str, nav_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        # Only our own page: a link in the attribution must not take the view (or the
        # network) elsewhere.
        url = QUrl(url) if isinstance(url, str) else url
        return bool(
            nav_type != QWebEnginePage.NavigationType.NavigationTypeLinkClicked
            and (url.isLocalFile() or url.scheme() in ("data", "about"))
        )


class MapDock(ScopDock):
    dock_id = "map"
    title = "Carte"

    create_event_requested = Signal(float, float)  # lon, lat
    context_requested = Signal(float, float)  # lon, lat: the context menu is ready
    page_ready = Signal()
    batch_sent = Signal(int)  # batch number
    choropleth_sent = Signal()  # new counts went to the page
    choropleth_level_shown = Signal(str)  # the page switched level with its zoom

    BATCH_INTERVAL_MS = 250
    CLOCK_REFRESH_MS = 30_000
    CHORO_REFRESH_MS = 2_000
    REFIT_DEBOUNCE_MS = 300
    CHORO_CLOCK_S = 30  # a rolling period is counted again when its end moved this much
    CHORO_POLL_MS = 15  # how often a read under way in the reader thread is looked at

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.context_menu: QMenu | None = None
        self.context_point: tuple[float, float] | None = None
        self.batches_sent = 0
        self.last_page_ms: float | None = None
        self._page_loaded = False
        self._page_ready = False
        self._from_page = False
        self._full_pending = False
        self._dirty_all = True
        self._dirty_crews: set[str] = set()
        self._torn_down = False
        self._pending_danger: DangerAlert | None = None
        self._last_flush = 0.0
        self._sent: dict[str, dict[str, dict[str, Any]]] = {
            "crews": {},
            "events": {},
            "means": {},
            "perimeters": {},
            "hazards": {},
        }

        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.addWidget(QLabel("Événements :"))
        self.time_filter = QComboBox()
        for label, hours in TIME_FILTERS:
            self.time_filter.addItem(label, hours)
        self.time_filter.setToolTip("N'afficher que les événements créés dans cette période")
        bar.addWidget(self.time_filter)
        # a short text: with « Observatoire » the row must still fit a 1280 px console
        self.follow_box = QCheckBox("Suivre l'équipage")
        self.follow_box.setToolTip("Garder l'équipage sélectionné au centre de la carte")
        bar.addWidget(self.follow_box)
        self.whole_button = QPushButton("Paris entier")
        self.whole_button.setToolTip("Recentrer la carte sur tout Paris")
        bar.addWidget(self.whole_button)
        self.choro_button = QToolButton()
        self.choro_button.setText("Observatoire")
        self.choro_button.setCheckable(True)
        self.choro_button.setToolTip(
            "Carte de l'observatoire : événements d'une période et d'une catégorie comptés par "
            "arrondissement (par quartier en zoomant), avec légende et export PNG"
        )
        bar.addWidget(self.choro_button)
        self.state_label = QLabel("Carte en chargement…")
        self.state_label.setStyleSheet("color:#555;")
        # A status line, not a reason to widen the window: it takes the room left, no more.
        self.state_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.state_label, 1)
        lay.addLayout(bar)
        lay.addWidget(self._build_choro_bar())

        self.view = QWebEngineView()
        _VIEWS.add(self.view)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        profile = QWebEngineProfile.defaultProfile()
        self.page = MapPage(profile, self.view)
        s = self.page.settings()
        s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
        self.view.setPage(self.page)
        lay.addWidget(self.view, 1)
        self.set_content(w)

        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)
        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._refresh_clock)
        self._clock_timer.start(self.CLOCK_REFRESH_MS)
        self._choro_timer = QTimer(self)
        self._choro_timer.setInterval(self.CHORO_REFRESH_MS)
        self._choro_timer.timeout.connect(self._choro_tick)
        # The wall (« Mur d'images »): all of Paris after every resize, whatever was clicked
        # since; once the resizing stops (a window dragged to the wall's screen sends dozens).
        self.refit_on_resize = False
        self.refits = 0
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(self.REFIT_DEBOUNCE_MS)
        self._refit_timer.timeout.connect(self._refit)

        self.page.message.connect(self._on_page_message)
        self.page.loadFinished.connect(self._on_loaded)
        self.time_filter.currentIndexChanged.connect(self._on_time_filter)
        self.follow_box.toggled.connect(self._on_follow)
        self.whole_button.clicked.connect(lambda: self._js("ScopMap.resetView()"))
        self.choro_button.toggled.connect(self.show_choropleth)
        self.choro_period.currentIndexChanged.connect(self._on_choro_period)
        self.choro_category.currentIndexChanged.connect(self.refresh_choropleth)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self._on_reset)
        ctx.selection.crew_selected.connect(self._on_crew_selected)
        ctx.selection.event_selected.connect(self._on_event_selected)

        self.page_url = QUrl.fromLocalFile(str(write_page(self._page_options())))
        self.page.load(self.page_url)

    # -- the wall's refit ----------------------------------------------------------------------

    def layout_applied(self, key: str) -> None:
        self.refit_on_resize = key == "mur"
        if self.refit_on_resize:
            self._refit_timer.start()  # the docks just moved: Paris whole on the wall
        else:
            self._refit_timer.stop()  # a resize from the wall's last moments: not for this one

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.refit_on_resize:
            self._refit_timer.start()

    def _refit(self) -> None:
        if self._page_ready:
            self.refits += 1
            self._js("ScopMap.resetView()")

    # -- page --------------------------------------------------------------------------------

    def _page_options(self) -> dict[str, Any]:
        settings = QSettings("VilleDeParis", "SCOP")
        url, mb_path, problems = configured_sources(settings, self.ctx.config.tile_url)
        opts: dict[str, Any] = {}
        if url:
            opts["tile_url"] = url
            opts["tile_attribution"] = str(settings.value("map/tile_attribution", "") or "")
        if mb_path is not None:
            handler = tiles_handler(self.page.profile())
            if handler is None:
                problems.append("Fond MBTiles indisponible : schéma scoptiles non déclaré.")
            else:
                try:
                    info = open_mbtiles(mb_path)
                except ValueError as exc:
                    problems.append(str(exc))
                else:
                    handler.set_source(info)
                    opts["mbtiles"] = {
                        "url": "scoptiles:{z}/{x}/{y}",
                        "name": info.name,
                        "minzoom": info.minzoom,
                        "maxzoom": info.maxzoom,
                        "attribution": info.attribution,
                    }
        for text in problems:
            self.ctx.notices.warning(text)
        return opts

    def _on_loaded(self, ok: bool) -> None:
        self._page_loaded = ok
        if not ok:
            self.state_label.setText("Carte indisponible")
            self.ctx.notices.error("La carte n'a pas pu être chargée (fichiers de la carte ?).")

    def _js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        if callback is None:
            self.page.runJavaScript(script, 0)
            return

        def answered(result: Any) -> None:
            # A page being destroyed answers its pending scripts: the dock is torn down or
            # half deleted by then, and a signal emitted from it raises inside Qt.
            if not self._torn_down and shiboken6.isValid(self):
                callback(result)

        self.page.runJavaScript(script, 0, answered)

    def is_ready(self) -> bool:
        return super().is_ready() and self._page_loaded and self._page_ready

    def read_page_state(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """What the page itself shows, read back from it (tests, bench, the engagement test)."""

        def done(result: Any) -> None:
            try:
                data = json.loads(result) if isinstance(result, str) else {}
            except ValueError:
                data = {}
            callback(data if isinstance(data, dict) else {})

        self._js(
            "typeof ScopMap === 'object' && ScopMap.ready() ? JSON.stringify(ScopMap.state())"
            " : JSON.stringify({leaflet: typeof L, ready: false})",
            done,
        )

    # -- batches -----------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        # Position fixes only touch their crews: the next batch diffs just those (a feed at
        # 1,000 fixes/s must not cost a diff of every crew four times a second).
        if change.entries:
            self._dirty_all = True
            self._choro_dirty = True
        else:
            self._dirty_crews.update(f.call_sign for f in change.fixes)
        self.schedule()

    def _on_reset(self) -> None:
        for sent in self._sent.values():
            sent.clear()
        self._full_pending = True
        self.schedule(now=True)
        self._choro_reset()

    def schedule(self, now: bool = False) -> None:
        """Coalesce: one batch per BATCH_INTERVAL_MS at most, however many changes arrive."""
        if not self._page_ready or self._flush_timer.isActive():
            return
        elapsed_ms = (time.monotonic() - self._last_flush) * 1000
        wait = 0 if now else max(0, int(self.BATCH_INTERVAL_MS - elapsed_ms))
        self._flush_timer.start(wait)

    def _now_ms(self) -> int:
        return int(self.ctx.room.clock.now().timestamp() * 1000)

    def build_batch(self, full: bool = False) -> dict[str, Any] | None:
        """The diff between the room and what the page was last sent (None: nothing)."""
        st = self.ctx.room.state
        batch: dict[str, Any] = {"now": self._now_ms()}
        now = self.ctx.room.clock.now()
        dirty_all, dirty = self._dirty_all or full, self._dirty_crews
        self._dirty_all, self._dirty_crews = False, set()
        if full:
            batch["full"] = True
            for sent in self._sent.values():
                sent.clear()
        if not dirty_all:
            sent_crews = self._sent["crews"]
            upserts: list[dict[str, Any]] = []
            removed: list[str] = []
            for call_sign in dirty:
                crew = st.crews.get(call_sign)
                item = crew_item(crew, crew_timer(st, crew, now)) if crew is not None else None
                if item is None:
                    if sent_crews.pop(call_sign, None) is not None:
                        removed.append(call_sign)
                elif sent_crews.get(call_sign) != item:
                    sent_crews[call_sign] = item
                    upserts.append(item)
            if upserts:
                batch["crews"] = upserts
            if removed:
                batch["crews_removed"] = removed
            return batch if upserts or removed else None
        current = {
            "crews": {
                c.call_sign: i
                for c in st.crews.values()
                if (i := crew_item(c, crew_timer(st, c, now)))
            },
            "hazards": {h.id: i for h in active_hazards(st, now) if (i := hazard_item(h))},
            "events": {e.id: i for e in st.events.values() if (i := event_item(e))},
            "means": {m.id: means_item(m) for m in st.means.values()},
            "perimeters": {p.id: p.to_json() for p in st.perimeters.values()},
        }
        changed = full
        for kind, items in current.items():
            kind_upserts, kind_removed = diff(self._sent[kind], items)
            if kind_upserts:
                batch[kind] = kind_upserts
            if kind_removed:
                batch[f"{kind}_removed"] = kind_removed
            changed = changed or bool(kind_upserts or kind_removed)
        return batch if changed else None

    def flush(self) -> None:
        if not self._page_ready:
            return
        full = self._full_pending
        self._full_pending = False
        batch = self.build_batch(full=full)
        self._last_flush = time.monotonic()
        if batch is None:
            return
        self.send_batch(batch)

    def send_batch(self, batch: dict[str, Any]) -> None:
        payload = json.dumps(batch, separators=(",", ":"), ensure_ascii=False)
        self.batches_sent += 1
        n = self.batches_sent
        self._js(f"ScopMap.apply({payload})", self._on_applied)
        self.batch_sent.emit(n)

    def _on_applied(self, ms: Any) -> None:
        if isinstance(ms, int | float):
            self.last_page_ms = float(ms)

    def _refresh_clock(self) -> None:
        # crews' timers and hazards' expiry move with the clock even when nothing else changes
        self._dirty_all = True
        self.schedule()
        # the time filter and the crews' planned ends move with the room's clock even when
        # nothing else changes
        if self._page_ready:
            self._js(f"ScopMap.apply({{now:{self._now_ms()}}})")

    # -- controls ----------------------------------------------------------------------------

    def _on_time_filter(self) -> None:
        if not self._page_ready:
            return  # applied when the page is ready
        self._js(f"ScopMap.apply({{now:{self._now_ms()}}})")
        self._js(f"ScopMap.setTimeFilter({int(self.time_filter.currentData() or 0)})")

    def _on_follow(self, on: bool) -> None:
        if not self._page_ready:
            return
        self._js(f"ScopMap.setFollow({'true' if on else 'false'})")

    # -- les cartes de l'observatoire ----------------------------------------------------

    def _build_choro_bar(self) -> QWidget:
        """The layer's own row, shown while it is on: period, category, export."""
        self.choro_bar = QWidget()
        row = QHBoxLayout(self.choro_bar)
        row.setContentsMargins(4, 0, 4, 0)
        self.choro_period = QComboBox()
        for label, hours in CHORO_PERIODS:
            self.choro_period.addItem(label, hours)
        self._shift_index = self.choro_period.findData(CHORO_SHIFT)
        self.choro_period.setItemData(self._shift_index, SHIFT_HINT, Qt.ItemDataRole.ToolTipRole)
        self.choro_category = QComboBox()
        self.choro_category.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.choro_category.setMinimumContentsLength(22)
        self.choro_category.addItem("Toutes catégories", "")
        for code in sorted(c for c in categories() if "/" not in c):
            self._add_category(code)
        self.choro_export = QToolButton()
        self.choro_export.setText("Exporter…")
        self.choro_export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.choro_export)
        menu.addAction("Image PNG (titre, période, légende, sources)…").triggered.connect(
            lambda: self.ask_export_choropleth("png")
        )
        menu.addAction("Tableau CSV des comptes…").triggered.connect(
            lambda: self.ask_export_choropleth("csv")
        )
        self.choro_export.setMenu(menu)
        self.choro_summary = QLabel()
        self.choro_summary.setStyleSheet("color:#555;")
        for widget in (QLabel("Période :"), self.choro_period, QLabel("Catégorie :")):
            row.addWidget(widget)
        row.addWidget(self.choro_category, 1)
        row.addWidget(self.choro_export)
        row.addWidget(self.choro_summary)
        self.choro_bar.setVisible(False)
        self._tally = Tally()
        self._tally_after = 0  # journal position read into the tally
        self._tally_store: Any = None  # the store it was read from
        # The read under way in the reader thread, of which journal (generation, store), and
        # whether the layer asked again meanwhile; the poll collects its answer.
        self._choro_read: Future[tuple[list[Entry], Placements]] | None = None
        self._choro_read_key: tuple[int, Any] = (0, None)
        self._choro_generation = 0
        self._choro_again = False
        self._choro_poll = QTimer(self)
        self._choro_poll.setInterval(self.CHORO_POLL_MS)
        self._choro_poll.timeout.connect(self._choro_answered)
        self._choro_dirty = True
        self._choro_sent = ""
        self._choro_computed_at: datetime | None = None
        self._custom_period: tuple[datetime, datetime] | None = None
        self.choropleths: dict[Level, Choropleth] = {}
        self.choro_level = Level.ARRONDISSEMENT
        return self.choro_bar

    def _add_category(self, code: str) -> None:
        self.choro_category.addItem(category_text(code), code)
        hint = KEYWORDS.get(code)
        if hint:
            i = self.choro_category.count() - 1
            self.choro_category.setItemData(i, hint, Qt.ItemDataRole.ToolTipRole)

    def choropleth_on(self) -> bool:
        return self.choro_button.isChecked()

    def show_choropleth(self, on: bool) -> None:
        """Switch the layer (from the dock's button, the page's layer control or a test)."""
        if self.choro_button.isChecked() != on:
            self.choro_button.blockSignals(True)
            self.choro_button.setChecked(on)
            self.choro_button.blockSignals(False)
        self.choro_bar.setVisible(on)
        if on:
            self._choro_timer.start()
            self.refresh_choropleth()
        else:
            self._choro_timer.stop()  # a read under way: its answer is dropped if still off
        if self._page_ready:
            self._js(f"ScopMap.showChoropleth({'true' if on else 'false'})")

    def set_choropleth_period(self, start: datetime, end: datetime) -> None:
        """A chosen period (the dialog, or a test): [start, end), cut at the room's clock."""
        if end <= start:
            raise ValueError("Période inversée : le début doit précéder la fin.")
        self._custom_period = (start, end)
        i = self.choro_period.findData(0)
        if self.choro_period.currentIndex() != i:
            self.choro_period.blockSignals(True)
            self.choro_period.setCurrentIndex(i)
            self.choro_period.blockSignals(False)
        self.refresh_choropleth()

    def _on_choro_period(self) -> None:
        if self.choro_period.currentData() == 0:
            self._ask_period()
        self.refresh_choropleth()

    def _ask_period(self) -> None:
        now = self.ctx.room.clock.now()
        start, end = self._custom_period or (now - timedelta(days=7), now)
        dlg = QDialog(self)
        dlg.setWindowTitle("Carte de l'observatoire — période")
        form = QFormLayout(dlg)
        edits = []
        for label, t in (("Du", start), ("Au", end)):
            e = paris_edit(QDateTimeEdit())  # Paris time, whatever the workstation's zone
            e.setDateTime(to_qt(t))
            e.setDisplayFormat("dd/MM/yyyy HH:mm")
            e.setCalendarPopup(True)
            form.addRow(label, e)
            edits.append(e)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dlg.accept)
        buttons.rejected.connect(dlg.reject)
        form.addRow(buttons)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            if self._custom_period is None:  # nothing chosen: back to the shift
                self.choro_period.setCurrentIndex(0)
            return
        a, b = (from_qt(e.dateTime()) for e in edits)
        try:
            self.set_choropleth_period(a, b)
        except ValueError as exc:
            self.ctx.notices.warning(str(exc))

    def choropleth_period(self) -> tuple[datetime, datetime]:
        now = self.ctx.room.clock.now()
        hours = int(self.choro_period.currentData() or 0)
        if hours == CHORO_SHIFT or (not hours and self._custom_period is None):
            return shift_start(self.ctx.room.state, now), now
        if hours:
            return now - timedelta(hours=hours), now
        start, end = self._custom_period or (now, now)
        return start, min(end, now)

    def _period_name(self, start: datetime) -> str:
        """The shift says why it begins where it does (its box's tooltip says when, in Paris
        time); the other periods are their dates."""
        if self.choro_period.currentData() != CHORO_SHIFT:
            return ""
        hint = f"{SHIFT_HINT}\nCette vacation commence le {local(start):%d/%m/%Y à %H:%M}."
        self.choro_period.setItemData(self._shift_index, hint, Qt.ItemDataRole.ToolTipRole)
        return shift_name(self.ctx.room.state, self.ctx.room.clock.now())

    def _choro_tick(self) -> None:
        if not self.choropleth_on():
            return
        moved = self._choro_computed_at is None or (
            self.choro_period.currentData()
            and abs((self.ctx.room.clock.now() - self._choro_computed_at).total_seconds())
            >= self.CHORO_CLOCK_S
        )
        if self._choro_dirty or moved:
            self.refresh_choropleth()

    def refresh_choropleth(self) -> None:
        """Read what the journal holds beyond the tally, in the reader thread, then count both
        levels and send them if they changed (:meth:`_choro_answered`, on the GUI thread)."""
        self._choro_dirty = False
        if self._choro_read is not None:  # one read at a time: counted again on its answer
            self._choro_again = True
            return
        store = self.ctx.room.store
        start, end = self.choropleth_period()
        self._choro_read = _reader().submit(
            _read_and_place, store, self._tally_after, self._tally, start, end
        )
        self._choro_read_key = (self._choro_generation, store)
        self._choro_poll.start()

    def _choro_answered(self) -> None:
        read = self._choro_read
        if read is None or not read.done():
            return
        self._choro_poll.stop()
        self._choro_read = None
        again, self._choro_again = self._choro_again, False
        generation, store = self._choro_read_key
        if self._torn_down or not self.choropleth_on():
            return  # the layer went off (or the dock away) meanwhile: nobody wants it now
        if generation != self._choro_generation or store is not self.ctx.room.store:
            self.refresh_choropleth()  # read from a journal since replaced (a fork)
            return
        try:
            new, placed = read.result()
        except Exception:  # the database is away: the bridge says so; counted at the next tick
            log.warning("carte de l'observatoire : main courante illisible", exc_info=True)
            self._choro_dirty = True
            return
        self._count_choropleth(store, new, placed)
        if again:
            self.refresh_choropleth()

    def _count_choropleth(
        self, store: Any, new: list[Entry], placed: Placements | None = None
    ) -> None:
        """Both levels counted over the tally with ``new`` (read from ``store``, its events
        ``placed`` ahead) added; sent to the page if they changed."""
        room = self.ctx.room
        self._tally_store = store
        if new or placed:
            self._tally.add(new, placed)
        if new:
            self._tally_after = new[-1].position
        start, end = self.choropleth_period()
        self._choro_computed_at = room.clock.now()
        end = max(start, end)  # a chosen period not begun at the replay's instant: all zero
        category = str(self.choro_category.currentData() or "")
        known = {self.choro_category.itemData(i) for i in range(self.choro_category.count())}
        for code in sorted(self._tally.categories(start, end) - known):
            if code:
                self._add_category(code)
        name = self._period_name(start)
        self.choropleths = {lv: self._tally.count(start, end, category, lv, name) for lv in Level}
        c = self.choropleths[Level.ARRONDISSEMENT]
        self.choro_summary.setText(
            f"{c.total} événement(s)" if c.total else "aucun événement sur la période"
        )
        if not self._page_ready or not self.choropleth_on():
            return
        payload = json.dumps(
            layer_payload(self.choropleths, room.mode), separators=(",", ":"), ensure_ascii=False
        )
        if payload == self._choro_sent:
            return
        self._choro_sent = payload
        self._js(f"ScopMap.setChoropleth({payload})", lambda _r: self.choropleth_sent.emit())

    def _choro_reset(self) -> None:
        # A replay seek moves the instant over a journal that does not change (read-only, the
        # same store): what was read stays, the period's end follows the clock. Anything else
        # (a fork) replaces the journal: read it again; where each point fell is kept.
        store = self.ctx.room.store
        if not (store is self._tally_store and store.readonly):
            self._tally.clear()
            self._tally_after = 0
            self._choro_generation += 1  # a read under way is of the former journal
        self._choro_dirty = True
        if self.choropleth_on():
            self.refresh_choropleth()

    def shown_choropleth(self) -> Choropleth:
        """The counts of the level the map shows now (counted first if the layer is off)."""
        if not self.choropleths or not self.choropleth_on():
            self._count_now()
        if not self.choropleths:  # the journal could not be read
            raise ValueError("Main courante illisible : carte impossible à exporter.")
        return self.choropleths[self.choro_level]

    def _count_now(self) -> None:
        """An export wants the counts at once: the journal is read here, on the GUI thread
        (an export, not a switch-on); a read under way is forgotten, its answer never used."""
        if self._choro_read is not None:
            self._choro_read = None
            self._choro_poll.stop()
            self._choro_dirty = True
        store = self.ctx.room.store
        try:
            new = store.read(self._tally_after)
        except Exception:
            log.warning("carte de l'observatoire : main courante illisible", exc_info=True)
            return
        self._count_choropleth(store, new)

    def export_choropleth(self, path: Path, fmt: str = "png") -> None:
        """The layer's counts as a picture (painted by scop.ui.choropleth_view, the same counts
        the page was sent, at the level its zoom shows) or as a CSV table."""
        c = self.shown_choropleth()
        if fmt == "png":
            export_png(c, path, self.ctx.room.mode)
            return
        try:
            with path.open("w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f, delimiter=";")
                w.writerow([title(c, self.ctx.room.mode)])
                w.writerows(csv_rows(c))
        except OSError as exc:
            raise cannot_write(path, exc) from exc

    def ask_export_choropleth(self, fmt: str) -> None:
        level = "arrondissements" if self.choro_level == Level.ARRONDISSEMENT else "quartiers"
        save_as(
            self, self.ctx.notices, title="Exporter la carte de l'observatoire",
            default_name=f"carte_{level}.{fmt}", filters=f"*.{fmt}",
            export=lambda path: self.export_choropleth(path, fmt), done="Carte exportée",
        )  # fmt: skip

    # -- selection ---------------------------------------------------------------------------

    def _on_crew_selected(self, call_sign: str) -> None:
        if not self._page_ready:
            return
        pan = "false" if self._from_page else "true"
        self._js(f"ScopMap.select('crew', {json.dumps(call_sign)}, {pan})")

    def _on_event_selected(self, event_id: str) -> None:
        if not self._page_ready:
            return
        pan = "false" if self._from_page else "true"
        self._js(f"ScopMap.select('event', {json.dumps(event_id)}, {pan})")

    # -- messages from the page --------------------------------------------------------------

    def _on_page_message(self, msg: dict[str, Any]) -> None:
        kind = msg.get("t")
        if kind == "ready":
            if not msg.get("ok"):
                self.ctx.notices.error("Carte incomplète : fond de carte non dessiné.")
                return
            self._page_ready = True
            self.state_label.setText("")
            self._full_pending = True
            self.flush()
            self._js(f"ScopMap.setTimeFilter({int(self.time_filter.currentData() or 0)})")
            if self.follow_box.isChecked():
                self._on_follow(True)
            if self.ctx.selection.call_sign:
                self._on_crew_selected(self.ctx.selection.call_sign)
            if self._pending_danger is not None:
                self.focus_danger(self._pending_danger)
            if self.ctx.selection.event_id:
                self._on_event_selected(self.ctx.selection.event_id)
            if self.choropleth_on():
                self._choro_sent = ""
                self.show_choropleth(True)
            self.page_ready.emit()
        elif kind == "select":
            self._from_page = True
            try:
                if msg.get("kind") == "crew":
                    self.ctx.selection.select_crew(str(msg.get("id")))
                elif msg.get("kind") == "event":
                    self.ctx.selection.select_event(str(msg.get("id")))
            finally:
                self._from_page = False
        elif kind == "ctx":
            try:
                lon, lat = float(msg["lon"]), float(msg["lat"])
                x, y = int(msg.get("x", 0)), int(msg.get("y", 0))
            except (KeyError, TypeError, ValueError):
                return
            self._open_context_menu(lon, lat, QPoint(x, y))
        elif kind == "polygon":
            points = msg.get("points") or []
            self._record(
                lambda: map_commands.draw_polygon(
                    self.ctx.room,
                    [(float(p[0]), float(p[1])) for p in points],
                    event_id=self._perimeter_event(),
                )
            )
        elif kind == "choro":
            self.show_choropleth(bool(msg.get("on")))
        elif kind == "choro_level":
            level = str(msg.get("level"))
            if level in tuple(Level):
                self.choro_level = Level(level)
                self.choropleth_level_shown.emit(level)
        elif kind == "notice":
            text = str(msg.get("text", ""))
            if msg.get("level") == "warning":
                self.ctx.notices.warning(text)
            else:
                self.ctx.notices.info(text)

    # -- right click -------------------------------------------------------------------------

    def simulate_context_click(self, lon: float, lat: float) -> None:
        """Dispatch a real ``contextmenu`` DOM event in the page at (lon, lat): the menu then
        comes through the page → Python path, as a mouse right-click would."""
        self._js(f"ScopMap.simulateContextMenu({float(lat)!r}, {float(lon)!r})")

    def _perimeter_event(self) -> str | None:
        ev_id = self.ctx.selection.event_id
        ev = self.ctx.room.state.events.get(ev_id) if ev_id else None
        return ev.id if ev is not None and ev.status != EventStatus.CLOS else None

    def _open_context_menu(self, lon: float, lat: float, at: QPoint) -> None:
        if self.context_menu is not None:
            self.context_menu.close()
            self.context_menu.deleteLater()
        menu = QMenu(self)
        create = menu.addAction("Créer un événement ici")
        create.triggered.connect(lambda: self.create_event_requested.emit(lon, lat))
        ev_id = self._perimeter_event()
        sub = menu.addMenu("Tracer un périmètre" + (f" autour de {ev_id}" if ev_id else ""))
        for radius in PERIMETER_RADII:
            act = sub.addAction(f"Cercle de {radius} m")
            act.triggered.connect(lambda _=False, r=radius: self.draw_circle(lon, lat, r))
        custom = sub.addAction("Cercle de rayon choisi…")
        custom.triggered.connect(lambda: self._ask_radius(lon, lat))
        poly = sub.addAction("Polygone (cliquer les sommets, double-clic pour finir)")
        poly.triggered.connect(lambda: self._js(f"ScopMap.startPolygon({lat!r}, {lon!r})"))
        for per in map_commands.perimeters_at(self.ctx.room.state, lon, lat):
            around = f" ({per.event_id})" if per.event_id else ""
            lift = menu.addAction(f"Lever le périmètre {per.id}{around}")
            lift.triggered.connect(
                lambda _=False, pid=per.id: self._record(
                    lambda: map_commands.lift_perimeter(self.ctx.room, pid)
                )
            )
        measure = menu.addAction("Mesurer une distance")
        measure.triggered.connect(lambda: self._js(f"ScopMap.startMeasure({lat!r}, {lon!r})"))
        self.context_menu = menu
        self.context_point = (lon, lat)
        self.context_requested.emit(lon, lat)
        menu.popup(self.view.mapToGlobal(at))

    def context_action(self, text: str) -> Any:
        """The action of the last context menu whose text starts with ``text`` (submenus too)."""
        menus: list[Any] = [self.context_menu] if self.context_menu is not None else []
        while menus:
            menu = menus.pop()
            for act in menu.actions():
                if act.menu() is not None:
                    menus.append(act.menu())
                if act.text().startswith(text):
                    return act
        return None

    def _ask_radius(self, lon: float, lat: float) -> None:
        radius, ok = QInputDialog.getInt(
            self, "Tracer un périmètre", "Rayon du périmètre (m) :", 150, 5, 5000, 10
        )
        if ok:
            self.draw_circle(lon, lat, radius)

    def draw_circle(self, lon: float, lat: float, radius_m: float) -> None:
        self._record(
            lambda: map_commands.draw_circle(
                self.ctx.room, lon, lat, radius_m, event_id=self._perimeter_event()
            )
        )

    def _record(self, command: Callable[[], Any]) -> None:
        try:
            command()
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))

    # -- wiring and teardown -----------------------------------------------------------------

    def focus_danger(self, alert: DangerAlert, trail_points: int = 30) -> None:
        """An agent in danger: the map centres on the crew and draws its last positions."""
        self._pending_danger = alert
        if not self._page_ready:
            return  # shown when the page is ready
        self._pending_danger = None
        store = self.ctx.room.store
        last = self.ctx.room.state.last_fix_id
        rows = store.read_positions(after_id=max(0, last - 20_000))
        trail = [[f.lat, f.lon] for _, f in rows if f.call_sign == alert.call_sign]
        trail = trail[-trail_points:]
        lat, lon = alert.lat, alert.lon
        if (lat is None or lon is None) and trail:
            lat, lon = trail[-1]
        if lat is None or lon is None:
            return
        args = json.dumps([alert.call_sign, lat, lon, trail])
        self._js(f"ScopMap.focusDanger.apply(null, {args})")

    def wire(self, docks: dict[str, ScopDock]) -> None:
        events = docks.get("events")
        intake = getattr(events, "open_intake", None)
        if callable(intake):
            self.create_event_requested.connect(lambda lon, lat: intake(lon=lon, lat=lat))

    def teardown(self) -> None:
        if self._torn_down:
            return
        self._torn_down = True
        self._flush_timer.stop()
        self._clock_timer.stop()
        self._choro_timer.stop()
        self._choro_poll.stop()  # a read under way finishes in its thread, its answer unread
        self._choro_read = None
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self._on_reset)
        self.ctx.selection.crew_selected.disconnect(self._on_crew_selected)
        self.ctx.selection.event_selected.disconnect(self._on_event_selected)
