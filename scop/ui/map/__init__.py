"""The live map of Paris (folium/Leaflet in a QWebEngineView, every asset local)."""

# scop.ui.docks lists MapDock and scop.ui.map.dock subclasses ScopDock: importing the docks
# package first lets either side be imported first.
import scop.ui.docks  # noqa: F401
from scop.ui.map.dock import MapDock

__all__ = ["MapDock"]
