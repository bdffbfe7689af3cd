"""Typed times and dates (``/when``, ``/courtdate``), pure: what the adapter parses, and
what it means in the squad's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_TIME = re.compile(r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})[ T]+)?(\d{1,2})[:h.](\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class TypedTime:
    """``HH:MM`` (``day`` None: today, or yesterday if that is still to come) or
    ``YYYY-MM-DD HH:MM``, as a wall-clock time in the squad's time zone."""

    hour: int
    minute: int
    day: date | None = None


def parse_time(raw: str) -> TypedTime | None:
    """``"21:30"``, ``"2026-11-27 21:30"``; ``None`` for anything else."""
    match = _TIME.match(" ".join(raw.split()))
    if match is None:
        return None
    year, month, mday, hour, minute = match.groups()
    if not (0 <= int(hour) <= 23 and 0 <= int(minute) <= 59):
        return None
    day = None
    if year is not None:
        try:
            day = date(int(year), int(month), int(mday))
        except ValueError:
            return None
    return TypedTime(int(hour), int(minute), day)


def parse_day(raw: str) -> date | None:
    """``"2026-12-02"``; ``None`` for anything else."""
    match = _DAY.match(raw.strip())
    if match is None:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def resolve(typed: TypedTime, now: float, zone: ZoneInfo) -> float:
    """The moment a typed time names. A bare ``HH:MM`` is today's, or yesterday's when
    today's is still to come (nobody reports an arrest before it happens)."""
    today = datetime.fromtimestamp(now, zone).date()
    day = typed.day or today
    at = datetime(day.year, day.month, day.day, typed.hour, typed.minute, tzinfo=zone)
    if typed.day is None and at.timestamp() > now:
        day = today - timedelta(days=1)
        at = datetime(day.year, day.month, day.day, typed.hour, typed.minute, tzinfo=zone)
    return at.timestamp()


def local_day(at: float, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(at, zone).date()
