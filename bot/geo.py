"""Coordinates: parsing user text, validation, distances and coarse labels."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from geopy.distance import geodesic

_INT = r"[-+−]?\d{1,3}"
_DEC = r"[-+−]?\d{1,3}\.\d+"
# "-26.2041, 28.0473", "-26.2041 28.0473" or "91, 28.5": at least one side must have
# decimals so that "/alert 2, 3 people hurt" stays text.
_PAIR = re.compile(
    rf"(?<![\w.])(?:(?P<a>{_DEC})\s*[,;]?\s*(?P<b>{_DEC})"
    rf"|(?P<c>{_INT})\s*,\s*(?P<d>{_DEC})|(?P<e>{_DEC})\s*,\s*(?P<f>{_INT}))(?![\w.])"
)
# An attempt at a pair that is not numbers, e.g. "abc, 28.04" or "nan, 1.5".
_BROKEN_PAIR = re.compile(
    r"^\s*(?:(?P<word>[^\s,]+)\s*,\s*[-+−]?\d+\.\d+|[-+−]?\d+\.\d+\s*,\s*(?P<word2>[^\s,]+))"
)


class CoordinateError(ValueError):
    """Coordinates were written but are not valid. ``reason`` is a message key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


def validate(lat: float, lon: float) -> Point:
    """Return a point if the coordinates are finite and in range, else raise."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise CoordinateError("coords.not_numbers")
    if not -90.0 <= lat <= 90.0:
        raise CoordinateError("coords.lat_range")
    if not -180.0 <= lon <= 180.0:
        raise CoordinateError("coords.lon_range")
    return Point(lat, lon)


def _to_float(raw: str) -> float:
    return float(raw.replace("−", "-").replace(",", "."))


def find_coordinates(text: str) -> tuple[Point | None, str]:
    """Find a coordinate pair in free text.

    Returns the point (or ``None``) and the text with the pair removed. Raises
    :class:`CoordinateError` when the text holds a pair that is out of range or
    is half a number ("abc, 28.0473").
    """
    match = _PAIR.search(text)
    if match is None:
        broken = _BROKEN_PAIR.match(text)
        if broken is not None:
            word = broken.group("word") or broken.group("word2") or ""
            if not _looks_like_word(word):
                raise CoordinateError("coords.not_numbers")
        return None, text
    lat_raw = match.group("a") or match.group("c") or match.group("e")
    lon_raw = match.group("b") or match.group("d") or match.group("f")
    try:
        point = validate(_to_float(lat_raw), _to_float(lon_raw))
    except ValueError as exc:
        if isinstance(exc, CoordinateError):
            raise
        raise CoordinateError("coords.not_numbers") from exc
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    return point, " ".join(rest.split())


def _looks_like_word(word: str) -> bool:
    """A real word before a number ("near 12.5") is text, not a broken coordinate."""
    cleaned = word.strip().lower()
    return len(cleaned) > 3 and cleaned.isalpha() and cleaned not in {"nan", "inf", "infinity"}


def distance_m(a: Point, b: Point) -> float:
    """Geodesic distance in metres (WGS-84, via geopy)."""
    return float(geodesic((a.lat, a.lon), (b.lat, b.lon)).meters)


def format_distance(metres: float | None) -> str:
    if metres is None:
        return "?"
    if metres < 1000:
        return f"{round(metres / 50) * 50:.0f} m" if metres >= 50 else "< 50 m"
    return f"{metres / 1000:.1f} km"


# A grid of cells about 500 m across, for showing where an alert is without showing it.
GRID_DEG = 0.0045


def grid_label(point: Point) -> str:
    """A coarse label like ``grid 13676-46232``: the ~500 m cell the point falls in."""
    row = math.floor((point.lat + 90.0) / GRID_DEG)
    lon_step = GRID_DEG / max(math.cos(math.radians(point.lat)), 0.01)
    col = math.floor((point.lon + 180.0) / lon_step)
    return f"grid {row}-{col}"
