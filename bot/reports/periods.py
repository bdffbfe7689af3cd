"""Which span a report covers: this month, this quarter, or a named month, in the squad's
time zone. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.messages import month as month_value
from bot.messages import t


class PeriodKind(StrEnum):
    MONTH = "month"  # the current month, so far
    QUARTER = "quarter"  # the current calendar quarter, so far
    NAMED = "named"  # a month named YYYY-MM


@dataclass(frozen=True)
class Period:
    """What the caller asked for (parsed from the command)."""

    kind: PeriodKind = PeriodKind.MONTH
    year: int = 0
    month: int = 0


@dataclass(frozen=True)
class Span:
    start: float
    end: float
    label: dict[str, Any]  # how the summary names it
    slug: str  # in file names: 2026-05, 2026-Q2


def _epoch(year: int, month: int, zone: ZoneInfo) -> float:
    if month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=zone).timestamp()


def span_of(period: Period, now: float, tz: str) -> Span:
    """The span ``period`` names; a named month that has not begun is the caller's
    mistake (``ValueError``)."""
    zone = ZoneInfo(tz)
    today = datetime.fromtimestamp(now, zone)
    if period.kind is PeriodKind.QUARTER:
        first = 3 * ((today.month - 1) // 3) + 1
        start = _epoch(today.year, first, zone)
        quarter = (first - 1) // 3 + 1
        label = t("report.quarter", quarter=str(quarter), year=str(today.year))
        return Span(start, _epoch(today.year, first + 3, zone), label, f"{today.year}-Q{quarter}")
    year, month = (
        (period.year, period.month)
        if period.kind is PeriodKind.NAMED
        else (today.year, today.month)
    )
    start = _epoch(year, month, zone)
    if start > now:
        raise ValueError("that month has not begun")
    return Span(start, _epoch(year, month + 1, zone), month_value(start, tz), f"{year}-{month:02d}")


def parse_period(words: str) -> Period | None:
    """``""``, ``month``, ``quarter`` or ``YYYY-MM``; ``None`` for anything else."""
    word = words.strip().lower()
    if word in ("", "month"):
        return Period(PeriodKind.MONTH)
    if word == "quarter":
        return Period(PeriodKind.QUARTER)
    parts = word.split("-")
    if len(parts) == 2 and len(parts[0]) == 4 and parts[0].isdigit() and parts[1].isdigit():
        year, month = int(parts[0]), int(parts[1])
        if 2000 <= year <= 9999 and 1 <= month <= 12 and len(parts[1]) <= 2:
            return Period(PeriodKind.NAMED, year, month)
    return None


def month_of(at: float, tz: str) -> str:
    """``YYYY-MM`` of a moment in the squad's time zone: the finest date a CSV holds."""
    moment = datetime.fromtimestamp(at, ZoneInfo(tz))
    return f"{moment.year}-{moment.month:02d}"
