"""Coordinates: parsing user text, validation, distances and coarse labels."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from geographiclib.geodesic import Geodesic

# -- reading coordinates in free text -------------------------------------------------
#
# Text is scanned for single coordinate values ("components"): a signed number with a
# dot or comma decimal, optionally with degrees, minutes and seconds (26°12'14.8"S) and a
# hemisphere letter or word before or after it. Two components next to each other form a
# pair. Every pair, every lone component that looks like a coordinate, and every Open
# Location Code ("plus code", 5G6R+QX) is removed from the text shown to anyone; the first
# pair is the location.

_HEMI = r"(?:[Nn]orth|[Ss]outh|[Ee]ast|[Ww]est|NORTH|SOUTH|EAST|WEST|[NSEW])"
_DEGREE = r"(?:°|º|˚|\s?\u030a|o(?=\s?\d{1,2}(?:[.,]\d+)?\s?['′’]))"
_MINUTE_MARK = r"['′’](?!['′’])"
_SECOND_MARK = r"(?:\"|″|”|′′|''|’’)"
_COMPONENT = re.compile(
    rf"(?:(?<![\w.])(?:(?P<pre>{_HEMI})\s?|(?P<prel>[nsew]))|(?<![\d.]))"
    r"(?P<sign>[-+−])?(?P<int>\d{1,3})(?:(?P<dsep>[.,])(?P<frac>\d+))?(?!\d)(?!\.\d)"
    rf"(?:\s?(?P<deg>{_DEGREE})"
    rf"(?:\s?(?P<min>\d{{1,2}}(?:[.,]\d+)?)\s?{_MINUTE_MARK}"
    rf"(?:\s?(?P<sec>\d{{1,2}}(?:[.,]\d+)?)\s?{_SECOND_MARK})?)?)?"
    rf"(?(pre)|(?(prel)|(?:(?:\s?(?P<suf>{_HEMI})|(?P<sufl>[nsew]))(?![A-Za-z]))?))"
)
# What may stand between the two halves of a pair: "-26.2, 28.0", "-26.2; 28.0",
# "-26.2 / 28.0", "-26.2 lon 28.0".
_GAP = re.compile(r"\s*[,;/]?\s*(?:(?:[Ll]on|[Ll]ng|[Ll]ong|[Ll]ongitude)\s?[:=]?\s*)?")
_LAT_LABEL = re.compile(r"(?:[Ll]at|[Ll]atitude)\s?[:=]?\s*$")
# 1,000,000 is a number, not the start of a pair.
_THOUSANDS = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3}){2,}(?![\d,])")
# Open Location Codes: 8 characters (or padded) + 2-3, or a short code of 4 or 6 + 2-3.
_OLC = "[23456789CFGHJMPQRVWXcfghjmpqrvwx]"
_PLUS_CODE = re.compile(
    rf"(?<![\w+])(?:{_OLC}{{2}}(?:{_OLC}{{2}}|00){{3}}\+(?:{_OLC}{{2,3}})?"
    rf"|(?:{_OLC}{{6}}|{_OLC}{{4}})\+{_OLC}{{2,3}})(?![\w+])"
)
# An attempt at a pair that is not numbers, e.g. "abc, 28.04" or "nan, 1.5".
_BROKEN_PAIR = re.compile(
    r"^\s*(?:(?P<word>[^\s,]+)\s*,\s*[-+−]?\d+\.\d+|[-+−]?\d+\.\d+\s*,\s*(?P<word2>[^\s,]+))"
)
_SPACES = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?)])")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")


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


@dataclass(frozen=True)
class _Component:
    """One coordinate value found in text, and where."""

    start: int
    end: int
    value: float | None  # None: written like a coordinate but not one (61 minutes)
    axis: str | None  # "lat" or "lon" when a hemisphere letter says which
    decimal: bool  # has decimals or degrees, so it is not just a count ("2 people")
    alone: bool  # looks like a coordinate even without a partner: removed anyway


def _component(match: re.Match[str]) -> _Component:
    letter = match.group("pre") or match.group("prel") or match.group("suf") or match.group("sufl")
    negative = match.group("sign") in ("-", "−")
    axis = None
    if letter:
        first = letter[0].upper()
        axis = "lat" if first in "NS" else "lon"
        negative = negative or first in "SW"
    frac, minutes, seconds = match.group("frac"), match.group("min"), match.group("sec")
    value: float | None = float(f"{match.group('int')}.{frac or 0}")
    if minutes is not None and value is not None:
        extra_m, extra_s = _to_float(minutes), _to_float(seconds) if seconds else 0.0
        if frac is not None or extra_m >= 60 or extra_s >= 60:
            value = None
        else:
            value += extra_m / 60 + extra_s / 3600
    if value is not None and negative:
        value = -value
    degrees = match.group("deg") is not None
    long_fraction = frac is not None and len(frac) >= (3 if match.group("dsep") == "." else 4)
    alone = minutes is not None or long_fraction or (bool(letter) and (frac is not None or degrees))
    return _Component(match.start(), match.end(), value, axis, frac is not None or degrees, alone)


def _is_pair(text: str, a: _Component, b: _Component) -> bool:
    gap = text[a.end : b.start]
    if not _GAP.fullmatch(gap):
        return False
    if not gap and text[a.end - 1].isdigit() and not text[b.start].isalpha():
        return False  # "12.5-13.5" is a range
    if a.axis is not None and a.axis == b.axis:
        return False  # "26.2N 28.0S": two latitudes
    if a.decimal and b.decimal:
        return True
    if a.axis is not None and b.axis is not None:
        return True  # "26S 28E"
    if a.axis is not None or b.axis is not None:
        return False
    # "91, 28.5" is a pair, but "2, 3 people hurt" and "at 5 26.2" are not.
    return (a.decimal or b.decimal) and "," in gap


def _lat_lon(a: _Component, b: _Component) -> tuple[float | None, float | None]:
    if a.axis == "lon" or b.axis == "lat":
        a, b = b, a
    return a.value, b.value


_NUM = r"\d{1,2}(?:[.,]\d+)?"
# Degrees, minutes (and seconds) written with spaces and hemisphere letters but no marks:
# "S 26 12.246 E 28 2.838", "26 12 14.8 S 28 2 50.3 E". Read as such before anything else,
# so that "S 26" and "12.246 E" are never taken for a pair of their own.
_UNMARKED_DMS = (
    re.compile(
        rf"(?<![\w.])(?P<h1>[NSns])\s?(?P<d1>\d{{1,2}})\s+(?P<m1>{_NUM})(?:\s+(?P<s1>{_NUM}))?"
        rf"\s*[,;]?\s*(?P<h2>[EWew])\s?(?P<d2>\d{{1,3}})\s+(?P<m2>{_NUM})(?:\s+(?P<s2>{_NUM}))?"
        r"(?![\w.])"
    ),
    re.compile(
        rf"(?<![\w.])(?P<d1>\d{{1,2}})\s+(?P<m1>{_NUM})(?:\s+(?P<s1>{_NUM}))?\s?(?P<h1>[NSns])"
        rf"\s*[,;]?\s*(?P<d2>\d{{1,3}})\s+(?P<m2>{_NUM})(?:\s+(?P<s2>{_NUM}))?\s?(?P<h2>[EWew])"
        r"(?![\w.])"
    ),
)


def _unmarked_dms(match: re.Match[str]) -> str:
    def value(d: str, m: str, sec: str | None, hemi: str) -> float | None:
        minutes, seconds = _to_float(m), _to_float(sec) if sec else 0.0
        if minutes >= 60 or seconds >= 60:
            return None
        v = int(d) + minutes / 60 + seconds / 3600
        return -v if hemi.upper() in "SW" else v

    lat = value(match["d1"], match["m1"], match["s1"], match["h1"])
    lon = value(match["d2"], match["m2"], match["s2"], match["h2"])
    if lat is None or lon is None:
        return match.group()
    return f"{lat:.6f}, {lon:.6f}"


def _scan(text: str) -> tuple[list[tuple[_Component, _Component]], str]:
    """The pairs in ``text`` (in order) and the text with every coordinate removed."""
    for pattern in _UNMARKED_DMS:
        text = pattern.sub(_unmarked_dms, text)
    masked = _THOUSANDS.sub(lambda m: "_" * len(m.group()), text)
    # A plus code's letters are not hemispheres ("W2222222+22" is not "West").
    masked = _PLUS_CODE.sub(lambda m: "_" * len(m.group()), masked)
    found = [_component(m) for m in _COMPONENT.finditer(masked)]
    pairs: list[tuple[_Component, _Component]] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(found):
        a = found[i]
        if i + 1 < len(found) and _is_pair(text, a, found[i + 1]):
            b = found[i + 1]
            pairs.append((a, b))
            label = _LAT_LABEL.search(text, 0, a.start)
            start = label.start() if label and _word_start(text, label.start()) else a.start
            spans.append((start, b.end))
            i += 2
            continue
        if a.alone:
            spans.append((a.start, a.end))
        i += 1
    spans.extend(m.span() for m in _PLUS_CODE.finditer(text))
    return pairs, _remove(text, spans)


def _word_start(text: str, at: int) -> bool:
    return at == 0 or not text[at - 1].isalpha()


def _remove(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        parts.append(text[pos : max(start, pos)])
        parts.append(" ")
        pos = end
    parts.append(text[pos:])
    lines = []
    for line in _EMPTY_BRACKETS.sub(" ", "".join(parts)).split("\n"):
        line = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", line)).strip(" ,;")
        if line:
            lines.append(line)
    return "\n".join(lines)


def scrub_coordinates(text: str) -> str:
    """``text`` with every coordinate-like pattern removed. Never raises."""
    return _scan(text)[1]


def find_coordinates(text: str) -> tuple[Point | None, str]:
    """Find the location written in free text.

    Returns the first coordinate pair (or ``None``) and the text with every
    coordinate-like pattern removed (all pairs, lone values such as ``26.2041S``, and
    plus codes). Raises :class:`CoordinateError` when the first pair is out of range,
    or the text starts with half a number ("abc, 28.0473").
    """
    pairs, rest = _scan(text)
    if not pairs:
        broken = _BROKEN_PAIR.match(text)
        if broken is not None:
            word = broken.group("word") or broken.group("word2") or ""
            if not _looks_like_word(word):
                raise CoordinateError("coords.not_numbers")
        return None, rest
    lat, lon = _lat_lon(*pairs[0])
    if lat is None or lon is None:
        raise CoordinateError("coords.not_numbers")
    return validate(lat, lon), rest


def _looks_like_word(word: str) -> bool:
    """A real word before a number ("near 12.5") is text, not a broken coordinate."""
    cleaned = word.strip().lower()
    return len(cleaned) > 3 and cleaned.isalpha() and cleaned not in {"nan", "inf", "infinity"}


# The WGS-84 ellipsoid: semi-major axis (m), flattening, semi-minor axis.
_A = 6378137.0
_F = 1 / 298.257223563
_B = _A * (1 - _F)
_VINCENTY_TOLERANCE = 1e-12  # radians of longitude on the auxiliary sphere: far under 1 mm
_VINCENTY_ROUNDS = 100


def distance_m(a: Point, b: Point) -> float:
    """Geodesic distance in metres (WGS-84). Vincenty's inverse formula, which agrees with
    geopy's engine (Karney's algorithm) to well under a millimetre and takes a fraction of
    its time (ranking computes one distance per candidate, every wave); for the nearly
    antipodal points where Vincenty's iteration does not settle, Karney's algorithm."""
    vincenty = _vincenty_m(a.lat, a.lon, b.lat, b.lon)
    if vincenty is not None:
        return vincenty
    return float(Geodesic.WGS84.Inverse(a.lat, a.lon, b.lat, b.lon, Geodesic.DISTANCE)["s12"])


def _vincenty_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float | None:
    """Vincenty (1975), inverse problem; ``None`` when the iteration does not converge."""
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    u1 = math.atan((1 - _F) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - _F) * math.tan(math.radians(lat2)))
    sin_u1, cos_u1 = math.sin(u1), math.cos(u1)
    sin_u2, cos_u2 = math.sin(u2), math.cos(u2)
    big_l = math.radians(lon2 - lon1)
    lam = big_l
    for _ in range(_VINCENTY_ROUNDS):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0.0:
            return 0.0  # the same point
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha * sin_alpha
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha != 0.0 else 0.0
        c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * _F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm * cos_2sm))
        )
        if abs(lam - previous) < _VINCENTY_TOLERANCE:
            break
    else:
        return None
    u_sq = cos2_alpha * (_A * _A - _B * _B) / (_B * _B)
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm * cos_2sm)
                - big_b
                / 6
                * cos_2sm
                * (-3 + 4 * sin_sigma * sin_sigma)
                * (-3 + 4 * cos_2sm * cos_2sm)
            )
        )
    )
    return _B * big_a * (sigma - delta_sigma)


def format_distance(metres: float | None) -> dict[str, float | None]:
    """A distance, formatted when rendered in the reader's language ("450 m", "2.0 km")."""
    return {"metres": metres}


# A grid of cells about 500 m across, for showing where an alert is without showing it.
GRID_DEG = 0.0045


def grid_label(point: Point) -> str:
    """A coarse label like ``grid 13676-46232``: the ~500 m cell the point falls in."""
    row = math.floor((point.lat + 90.0) / GRID_DEG)
    lon_step = GRID_DEG / max(math.cos(math.radians(point.lat)), 0.01)
    col = math.floor((point.lon + 180.0) / lon_step)
    return f"grid {row}-{col}"
