"""The 48-hour rule, pure: when an arrested person must be before a court.

South Africa: an arrested person must be brought before a court within 48 hours; when those
hours end outside ordinary court hours or on a day that is not an ordinary court day, the
limit is the end of the first court day after (Constitution s35(1)(d); Criminal Procedure
Act s50(1)(d)). The hours, the court days, the court hours and the holidays are settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import Settings

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class CourtRules:
    """The rule's settings, parsed: the limit, the court days (0 is Monday), the court
    hours in minutes after midnight (closing may be 1440: "24:00"), the holidays, the zone."""

    limit_s: float
    days: frozenset[int]
    opens_min: int
    closes_min: int
    holidays: frozenset[date]
    zone: ZoneInfo


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"SQUADLINE_TIMEZONE: unknown time zone {name!r}") from exc


def parse_days(raw: str) -> frozenset[int]:
    """``"mon,tue,wed,thu,fri"`` (names of three letters or more) to weekday numbers."""
    days = set()
    for part in raw.split(","):
        name = part.strip().lower()[:3]
        if not name:
            continue
        if name not in DAY_NAMES:
            raise ValueError(f"SQUADLINE_COURT_DAYS: {part.strip()!r} is not a day")
        days.add(DAY_NAMES.index(name))
    return frozenset(days)


def _minutes(raw: str) -> int:
    hours, _, minutes = raw.strip().partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= int(minutes or 0) < 60 or not 0 <= value <= _DAY_MINUTES:
        raise ValueError(raw)
    return value


def parse_hours(raw: str) -> tuple[int, int]:
    """``"08:00-16:00"`` to minutes after midnight (``"24:00"`` closes at midnight)."""
    try:
        opens, closes = (_minutes(p) for p in raw.split("-"))
    except ValueError as exc:
        raise ValueError(f"SQUADLINE_COURT_HOURS: {raw!r} is not like 08:00-16:00") from exc
    if opens >= closes:
        raise ValueError(f"SQUADLINE_COURT_HOURS: {raw!r} closes before it opens")
    return opens, closes


def parse_holidays(raw: str) -> frozenset[date]:
    """``"2026-12-25,2026-12-26"``."""
    try:
        return frozenset(date.fromisoformat(p.strip()) for p in raw.split(",") if p.strip())
    except ValueError as exc:
        raise ValueError(f"SQUADLINE_COURT_HOLIDAYS: {raw!r} is not YYYY-MM-DD,...") from exc


def court_rules(settings: Settings) -> CourtRules:
    """The rules from the settings; a setting that does not parse raises ``ValueError``
    (at start, with the setting's name)."""
    opens, closes = parse_hours(settings.court_hours)
    return CourtRules(
        limit_s=settings.legal_limit.total_seconds(),
        days=parse_days(settings.court_days),
        opens_min=opens,
        closes_min=closes,
        holidays=parse_holidays(settings.court_holidays),
        zone=zone_of(settings.timezone),
    )


def is_court_day(day: date, rules: CourtRules) -> bool:
    return day.weekday() in rules.days and day not in rules.holidays


def _at(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The wall-clock moment ``minutes`` after midnight of ``day`` (1440: the next midnight)."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    if minutes >= _DAY_MINUTES:
        nxt = day + timedelta(days=1)
        return datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return start + timedelta(minutes=minutes)


def court_limit(arrested_at: float, rules: CourtRules) -> float:
    """The limit: ``limit_s`` after the arrest; if that moment is outside court hours, not
    a court day or a holiday, the closing time of the first court day at or after it."""
    end = arrested_at + rules.limit_s
    local = datetime.fromtimestamp(end, rules.zone)
    day = local.date()
    for _ in range(3 * 366):  # no court day in three years: the settings allow none
        if is_court_day(day, rules):
            opens = _at(day, rules.opens_min, rules.zone).timestamp()
            closes = _at(day, rules.closes_min, rules.zone).timestamp()
            if opens <= end <= closes:
                return end
            if end < closes:
                return closes
        day += timedelta(days=1)
    return end


def reminder_times(limit_at: float, rules: CourtRules, points: Sequence[timedelta]) -> list[float]:
    """When to remind: each point (hours after the arrest, of ``limit_s``) is kept as the
    time it leaves before the limit, so "46 h" is always "2 hours left", also when court
    hours moved the limit past the 48 hours."""
    return sorted(limit_at - (rules.limit_s - p.total_seconds()) for p in points)


def court_opening(day: date, rules: CourtRules) -> float:
    """When the court opens on ``day`` (the stored form of a court date)."""
    return _at(day, rules.opens_min, rules.zone).timestamp()


def day_before(court_date_at: float, rules: CourtRules) -> float:
    """The court-date reminder: the court's opening time on the day before."""
    day = datetime.fromtimestamp(court_date_at, rules.zone).date() - timedelta(days=1)
    return court_opening(day, rules)
