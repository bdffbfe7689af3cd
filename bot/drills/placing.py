"""Where a drill happens: a made-up point near the squad, never anyone's real location.

Pure: the anchor and the places to keep away from come in as plain points, and the
randomness as a ``random.Random`` (``secrets.SystemRandom`` in the bot, a seeded one in
tests).

- The anchor is the centre of the squad's saved places; a squad with none uses the lead's
  stored location rounded to about a kilometre (two decimals), so the anchor itself is
  not where the lead is. With neither, a drill has no location at all and goes to the
  whole squad at once, like an alert whose location never came.
- The point is at a random bearing, ``NEAR_M`` to ``FAR_M`` from the anchor, and never
  within ``KEEP_AWAY_M`` of any member's stored location. ``TRIES`` draws that all fall
  too close (a squad spread over the whole area) give no location at all.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from geographiclib.geodesic import Geodesic

from bot.domain import Location, Place
from bot.geo import Point, distance_m

NEAR_M = 500.0
FAR_M = 2000.0
KEEP_AWAY_M = 400.0
TRIES = 64
# A phone's GPS gives about six decimals (a tenth of a metre): a made-up point looks real.
DECIMALS = 6
# About a kilometre: the lead's own location is rounded to this before it anchors anything.
COARSE_DECIMALS = 2


def anchor(places: Sequence[Place], lead_location: Location | None) -> Point | None:
    """The centre of the squad's saved places, or else the lead's coarsened location."""
    if places:
        return Point(
            sum(p.lat for p in places) / len(places), sum(p.lon for p in places) / len(places)
        )
    if lead_location is not None:
        return Point(
            round(lead_location.lat, COARSE_DECIMALS), round(lead_location.lon, COARSE_DECIMALS)
        )
    return None


def made_up_point(centre: Point, avoid: Sequence[Point], rng: random.Random) -> Point | None:
    """A random point ``NEAR_M`` to ``FAR_M`` from ``centre``, at least ``KEEP_AWAY_M`` from
    every point of ``avoid``; None when ``TRIES`` draws found none."""
    for _ in range(TRIES):
        bearing = rng.uniform(0.0, 360.0)
        reach = rng.uniform(NEAR_M, FAR_M)
        found = Geodesic.WGS84.Direct(centre.lat, centre.lon, bearing, reach)
        point = Point(round(found["lat2"], DECIMALS), round(found["lon2"], DECIMALS))
        if all(distance_m(point, other) >= KEEP_AWAY_M for other in avoid):
            return point
    return None
