"""The Paris area and distances on the ground.

Coordinates outside the area are refused at the door (feed, intake): a crew of the
municipal police does not operate in Lyon, and a swapped lon/lat lands there.
"""

from __future__ import annotations

import math

# Paris with a margin of a few hundred metres around the périphérique and the two woods.
LON_MIN, LON_MAX = 2.215, 2.475
LAT_MIN, LAT_MAX = 48.805, 48.915

EARTH_RADIUS_M = 6_371_008.8


def in_paris(lon: float, lat: float) -> bool:
    return LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Initial heading from the first point to the second, clockwise from north."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0
