"""The anonymised CSV: one row per case whose survivor let it be counted. Pure.

A row holds the month, an area of about 5 km (or ``squad-wide``), the type, violations,
perpetrator, services, outcome, the times in whole minutes and the referral outcome. It
never holds a name, an id, a code, free text, a date finer than the month or a place finer
than about 5 km. Rows are sorted by their values, so their order tells nothing of the day.

Small cells: within one month and one area, a category value that fewer than
``SMALL_CELL`` cases share would single them out, so it is shown as ``<5``. The area itself
is ``<5`` when fewer than ``SMALL_CELL`` cases of the month fall in it.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Mapping

from bot.records.model import in_order, services_in_order
from bot.reports.periods import month_of
from data.report_cases import ReportCase

SMALL_CELL = 5
SUPPRESSED = "<5"
# About 5 km: a cell of the grid is this many degrees of latitude high (and as wide).
AREA_DEG = 0.045
SQUAD_WIDE = "squad-wide"

COLUMNS = (
    "month",
    "area",
    "type",
    "violations",
    "perpetrator",
    "services",
    "outcome",
    "minutes_to_acknowledge",
    "minutes_to_arrive",
    "minutes_to_close",
    "referral_outcome",
)
# The columns whose values could single a case out; month is the group, times are numbers.
CATEGORIES = ("type", "violations", "perpetrator", "services", "outcome", "referral_outcome")


def area_of(lat: float | None, lon: float | None) -> str:
    """The ~5 km cell a point falls in (``5km-<row>-<col>``), or ``squad-wide``."""
    if lat is None or lon is None:
        return SQUAD_WIDE
    row = math.floor((lat + 90.0) / AREA_DEG)
    step = AREA_DEG / max(math.cos(math.radians(lat)), 0.01)
    return f"5km-{row}-{math.floor((lon + 180.0) / step)}"


def _minutes(start: float, end: float | None) -> str:
    return "" if end is None or end < start else str(round((end - start) / 60))


def row_of(case: ReportCase, tz: str, referral: str) -> dict[str, str]:
    record = case.record
    assert record is not None
    return {
        "month": month_of(case.created_at, tz),
        "area": area_of(case.lat, case.lon),
        "type": case.kind.value,
        "violations": ";".join(v.value for v in in_order(record.violations)),
        "perpetrator": record.perpetrator.value if record.perpetrator else "",
        "services": ";".join(s.value for s in services_in_order(record.services)),
        "outcome": case.outcome.value if case.outcome else "",
        "minutes_to_acknowledge": _minutes(case.created_at, case.acknowledged_at),
        "minutes_to_arrive": _minutes(case.created_at, case.arrived_at),
        "minutes_to_close": _minutes(case.created_at, case.closed_at),
        "referral_outcome": referral,
    }


def suppress(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Replace every cell that fewer than ``SMALL_CELL`` cases of its month and area share."""
    groups = Counter((r["month"], r["area"]) for r in rows)
    shared = {
        column: Counter((r["month"], r["area"], r[column]) for r in rows) for column in CATEGORIES
    }
    out = []
    for r in rows:
        shown = dict(r)
        if groups[(r["month"], r["area"])] < SMALL_CELL:
            shown["area"] = SUPPRESSED
        for column in CATEGORIES:
            if shared[column][(r["month"], r["area"], r[column])] < SMALL_CELL:
                shown[column] = SUPPRESSED
        out.append(shown)
    return sorted(out, key=lambda r: tuple(r[c] for c in COLUMNS))


def anonymised_csv(
    cases: list[ReportCase], tz: str, referrals: Mapping[int, str] | None = None
) -> bytes:
    """The CSV's bytes (UTF-8, a header row first). ``cases``: the counted cases only."""
    rows = [row_of(c, tz, (referrals or {}).get(c.alert_id, "")) for c in cases]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(suppress(rows))
    return buffer.getvalue().encode("utf-8")
