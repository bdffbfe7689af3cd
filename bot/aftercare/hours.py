"""Opening hours, read and understood, pure.

A lead types hours the way a notice board says them: ``mon-fri 08:00-16:00, sat 08:00-12:00``,
``daily 07:00-19:00``, ``24/7``, ``20:00-06:00`` (overnight), or nothing (not known). They are
kept in one canonical form and read again to say, at any moment, "open now, until 16:00" or
"opens 08:00", in the squad's time zone, so that nobody is sent to a closed clinic at night.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "24/7"
DAY_MIN = 24 * 60

_DAY_WORDS: dict[str, tuple[int, ...]] = {
    **{d: (i,) for i, d in enumerate(DAYS)},
    **{full: (i,) for i, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    "daily": tuple(range(7)),
    "everyday": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "weekends": (5, 6),
}  # fmt: skip
_ALWAYS_WORDS = {"24/7", "24h", "always", "24 hours", "24hours"}
_RANGE = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?-(\d{1,2})(?:[:h.](\d{2}))?$")
_DAY_RANGE = re.compile(r"^([a-z]+)-([a-z]+)$")


class HoursError(ValueError):
    """Hours that do not read: ``raw`` is the part that did not."""

    def __init__(self, raw: str) -> None:
        super().__init__(raw)
        self.raw = raw


@dataclass(frozen=True)
class Hours:
    """Opening times per weekday (0 = Monday), as minutes from that day's midnight; a range
    may end after midnight (up to 48:00), which is the next morning. ``always``: never closes;
    ``known`` False: nobody said."""

    ranges: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7
    always: bool = False
    known: bool = True


UNKNOWN = Hours(known=False)


def _minutes(hour: str, minute: str | None, raw: str, *, end: bool) -> int:
    h, m = int(hour), int(minute or 0)
    if m > 59 or h > 24 or (h == 24 and (m or not end)):
        raise HoursError(raw)
    return h * 60 + m


def _time_range(token: str) -> tuple[int, int] | None:
    """``08:00-16:00`` → (480, 960); an end before the start runs past midnight."""
    match = _RANGE.match(token)
    if match is None:
        return None
    start = _minutes(match.group(1), match.group(2), token, end=False)
    end = _minutes(match.group(3), match.group(4), token, end=True)
    if end == start:
        raise HoursError(token)
    return (start, end if end > start else end + DAY_MIN)


def _days(token: str) -> tuple[int, ...] | None:
    """``mon``, ``monday``, ``weekdays``, ``daily``, or a range ``mon-fri`` (``fri-mon``
    wraps over the weekend)."""
    if token in _DAY_WORDS:
        return _DAY_WORDS[token]
    match = _DAY_RANGE.match(token)
    if match is None:
        return None
    first, last = _DAY_WORDS.get(match.group(1), ()), _DAY_WORDS.get(match.group(2), ())
    if len(first) != 1 or len(last) != 1:
        return None
    a, b = first[0], last[0]
    return tuple((a + i) % 7 for i in range((b - a) % 7 + 1))


def parse(raw: str) -> Hours:
    """Read typed hours; ``HoursError`` names the part that does not read (``25:00``)."""
    text = " ".join(raw.lower().replace("–", "-").replace("—", "-").split())
    text = re.sub(r"\s*-\s*", "-", text)
    text = text.replace("every day", "everyday")
    if not text or text in ("?", "unknown", "not known"):
        return UNKNOWN
    if text in _ALWAYS_WORDS:
        return Hours(always=True)
    week: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    days: tuple[int, ...] = ()
    last_was_time = False
    said_closed = False
    waiting = ""  # days named with no time after them yet
    for token in [t for t in re.split(r"[\s,;]+", text) if t]:
        found_days = _days(token)
        if found_days is not None:
            days = found_days if last_was_time or not days else days + found_days
            last_was_time, waiting = False, token
            continue
        if token == "closed":
            days, last_was_time, said_closed, waiting = (), True, True, ""
            continue
        span = _time_range(token)
        if span is None:
            raise HoursError(token)
        for d in days or tuple(range(7)):
            week[d].append(span)
        last_was_time, waiting = True, ""
    if waiting:
        raise HoursError(waiting)  # "mon-fri" with no time: when?
    if not any(week) and not said_closed:
        raise HoursError(raw.strip())
    return Hours(ranges=tuple(tuple(sorted(set(day))) for day in week))


def _clock(minutes: int) -> str:
    """``HH:MM`` of minutes from a midnight; the next morning's hours read as such, and the
    end of the day as ``24:00``."""
    if minutes != DAY_MIN:
        minutes %= DAY_MIN
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def canonical(hours: Hours) -> str:
    """The stored form: ``mon-fri 08:00-16:00; sat 08:00-12:00``, ``24/7`` or ``""``."""
    if not hours.known:
        return ""
    if hours.always:
        return ALWAYS
    parts: list[str] = []
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and hours.ranges[j + 1] == hours.ranges[i]:
            j += 1
        if hours.ranges[i]:
            span = DAYS[i] if i == j else f"{DAYS[i]}-{DAYS[j]}"
            times = " ".join(f"{_clock(a)}-{_clock(b)}" for a, b in hours.ranges[i])
            parts.append(f"{span} {times}")
        i = j + 1
    return "; ".join(parts) if parts else "closed"


def read(stored: str) -> Hours:
    """The stored form, read back (it always parses)."""
    return parse(stored)


class OpenState(StrEnum):
    ALWAYS = "always"  # never closes
    OPEN = "open"  # open now, until ``at``
    OPENS = "opens"  # closed now, opens at ``at``
    CLOSED = "closed"  # no opening time at all
    UNKNOWN = "unknown"  # hours not known


@dataclass(frozen=True)
class Now:
    """What the hours mean at one moment: the state, and the moment it changes."""

    state: OpenState
    at: float | None = None  # when it closes (OPEN) or opens (OPENS), epoch seconds

    @property
    def open(self) -> bool:
        return self.state in (OpenState.ALWAYS, OpenState.OPEN)

    @property
    def rank(self) -> int:
        """Open first, then not known, then closed (for sorting a list)."""
        return {OpenState.ALWAYS: 0, OpenState.OPEN: 0, OpenState.UNKNOWN: 1}.get(self.state, 2)


def _intervals(hours: Hours, monday: datetime) -> list[tuple[datetime, datetime]]:
    """Every opening of the week that starts on ``monday`` and of the week before and after,
    as local moments (so a range past midnight and next week's first opening are there)."""
    found = []
    for week in (-1, 0, 1):
        for d, day in enumerate(hours.ranges):
            base = monday + timedelta(days=7 * week + d)
            for a, b in day:
                found.append((base + timedelta(minutes=a), base + timedelta(minutes=b)))
    return sorted(found)


def state_at(hours: Hours, at: float, zone: ZoneInfo) -> Now:
    if not hours.known:
        return Now(OpenState.UNKNOWN)
    if hours.always:
        return Now(OpenState.ALWAYS)
    if not any(hours.ranges):
        return Now(OpenState.CLOSED)
    local = datetime.fromtimestamp(at, zone)
    monday = datetime(local.year, local.month, local.day, tzinfo=zone) - timedelta(
        days=local.weekday()
    )
    # Aware arithmetic in one zone is wall-clock arithmetic: each opening is a local time,
    # whatever a change of summer time does in between.
    spans = [(a.timestamp(), b.timestamp()) for a, b in _intervals(hours, monday)]
    # Back-to-back spans (23:00-24:00 then 00:00-06:00) are one opening.
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in merged:
        if a <= at < b:
            return Now(OpenState.OPEN, b)
        if a > at:
            return Now(OpenState.OPENS, a)
    return Now(OpenState.CLOSED)


def local_time(at: float, zone: ZoneInfo) -> tuple[int, str]:
    """The weekday (0 = Monday) and ``HH:MM`` of a moment, in the zone."""
    local = datetime.fromtimestamp(at, zone)
    return local.weekday(), f"{local.hour:02d}:{local.minute:02d}"
