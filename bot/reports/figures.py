"""The report's figures, from its cases: medians, counts and the weekly series. Pure."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import AlertState, CrisisType
from bot.records.model import Consent, Perpetrator, Violation
from data.report_cases import ReportCase


def _median(values: Iterable[float]) -> float | None:
    found = [v for v in values if v >= 0]
    return statistics.median(found) if found else None


def counted(cases: Iterable[ReportCase]) -> list[ReportCase]:
    """The cases whose survivor let them be counted in anonymised reports."""
    return [c for c in cases if c.record is not None and c.record.allows(Consent.COUNT)]


@dataclass(frozen=True)
class Figures:
    raised: int
    closed: int
    ack_s: float | None  # medians, in seconds from the alert
    arrive_s: float | None
    close_s: float | None
    by_type: Counter[str]
    by_outcome: Counter[str]
    counted: int  # cases the survivor let be counted
    by_violation: Counter[str]
    by_perpetrator: Counter[str]
    # violation -> perpetrator -> cases (counted cases only)
    violation_perpetrator: dict[Violation, Counter[Perpetrator]] = field(default_factory=dict)


def figures(cases: list[ReportCase], closed: int) -> Figures:
    """Alerts, times, types and outcomes count every alert the squad handled; violations
    and perpetrators, which come from the survivor's record, count only consenting cases."""
    ok = counted(cases)
    by_violation: Counter[str] = Counter()
    by_perpetrator: Counter[str] = Counter()
    matrix: dict[Violation, Counter[Perpetrator]] = {}
    for case in ok:
        assert case.record is not None
        who = case.record.perpetrator or Perpetrator.UNKNOWN
        by_perpetrator[who.value] += 1
        for violation in case.record.violations:
            by_violation[violation.value] += 1
            matrix.setdefault(violation, Counter())[who] += 1
    return Figures(
        raised=len(cases),
        closed=closed,
        ack_s=_median(c.acknowledged_at - c.created_at for c in cases if c.acknowledged_at),
        arrive_s=_median(c.arrived_at - c.created_at for c in cases if c.arrived_at),
        close_s=_median(
            c.closed_at - c.created_at
            for c in cases
            if c.closed_at and c.state is AlertState.CLOSED
        ),
        by_type=Counter(c.kind.value for c in cases),
        by_outcome=Counter(c.outcome.value for c in cases if c.outcome is not None),
        counted=len(ok),
        by_violation=by_violation,
        by_perpetrator=by_perpetrator,
        violation_perpetrator=matrix,
    )


def week_of(at: float, tz: str) -> datetime:
    """The Monday (00:00, squad time) of the week ``at`` falls in."""
    moment = datetime.fromtimestamp(at, ZoneInfo(tz))
    monday = moment - timedelta(days=moment.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def weekly(
    cases: list[ReportCase], start: float, end: float, tz: str
) -> tuple[list[datetime], dict[CrisisType, list[int]]]:
    """Alerts per week by type: the weeks of the span, and for each type one count a week."""
    weeks: list[datetime] = []
    week = week_of(start, tz)
    last = min(end, max([start, *(c.created_at for c in cases)]))
    while week.timestamp() <= last:
        weeks.append(week)
        week = week + timedelta(days=7)
    index = {w: i for i, w in enumerate(weeks)}
    series: dict[CrisisType, list[int]] = {}
    for case in cases:
        at = index.get(week_of(case.created_at, tz))
        if at is not None:
            series.setdefault(case.kind, [0] * len(weeks))[at] += 1
    return weeks, series
