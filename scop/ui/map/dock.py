"""The live map of Paris: a folium page rendered once, fed with batched JSON diffs.

The page never reloads for an update. On every room change the dock computes what differs
between the room's crews/events/perimeters/means and what it last sent, and pushes that diff
with ``runJavaScript`` at most every ``BATCH_INTERVAL_MS`` (a feed at 1,000 positions/s must
not become 1,000 page calls). The page talks back through console messages (``scop:{…}``):
clicks select, right-clicks open the Qt context menu here.
"""

from __future__ import annotations

import atexit
import json
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scop import map_commands
from scop.clock import local
from scop.models.entities import Crew, Event
from scop.models.fold_safety import DangerAlert, Hazard
from scop.models.vocabulary import EventStatus
from scop.room import Change, CommandRefused
from scop.safety.places import active_hazards
from scop.safety.watch import CrewTimer, crew_timer
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.map.page import write_page
from scop.ui.map.tiles import configured_sources, open_mbtiles, tiles_handler

log = logging.getLogger(__name__)

# Every map view alive. A page still alive when the web profile goes (a window closed but not
# yet deleted at exit, as in a test run) makes Chromium crash the process at exit: delete them
# first.
_VIEWS: weakref.WeakSet[QWebEngineView] = weakref.WeakSet()


@atexit.register
def _delete_views() -> None:
    import shiboken6

    for view in list(_VIEWS):
        if shiboken6.isValid(view):
            shiboken6.delete(view)


TIME_FILTERS: tuple[tuple[str, int], ...] = (
    ("Tous", 0),
    ("Dernière heure", 1),
    ("6 dernières heures", 6),
    ("24 dernières heures", 24),
)
PERIMETER_RADII = (50, 100, 200, 500)


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

    BATCH_INTERVAL_MS = 250
    CLOCK_REFRESH_MS = 30_000

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
        self.follow_box = QCheckBox("Suivre l'équipage sélectionné")
        bar.addWidget(self.follow_box)
        self.whole_button = QPushButton("Paris entier")
        self.whole_button.setToolTip("Recentrer la carte sur tout Paris")
        bar.addWidget(self.whole_button)
        bar.addStretch(1)
        self.state_label = QLabel("Carte en chargement…")
        self.state_label.setStyleSheet("color:#555;")
        bar.addWidget(self.state_label)
        lay.addLayout(bar)

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

        self.page.message.connect(self._on_page_message)
        self.page.loadFinished.connect(self._on_loaded)
        self.time_filter.currentIndexChanged.connect(self._on_time_filter)
        self.follow_box.toggled.connect(self._on_follow)
        self.whole_button.clicked.connect(lambda: self._js("ScopMap.resetView()"))
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self._on_reset)
        ctx.selection.crew_selected.connect(self._on_crew_selected)
        ctx.selection.event_selected.connect(self._on_event_selected)

        self.page_url = QUrl.fromLocalFile(str(write_page(self._page_options())))
        self.page.load(self.page_url)

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
        else:
            self.page.runJavaScript(script, 0, callback)

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
        else:
            self._dirty_crews.update(f.call_sign for f in change.fixes)
        self.schedule()

    def _on_reset(self) -> None:
        for sent in self._sent.values():
            sent.clear()
        self._full_pending = True
        self.schedule(now=True)

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
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self._on_reset)
        self.ctx.selection.crew_selected.disconnect(self._on_crew_selected)
        self.ctx.selection.event_selected.disconnect(self._on_event_selected)
