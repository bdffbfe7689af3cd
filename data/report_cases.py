"""SQL for /report: a squad's alerts in a period, with their case records, and the fund's
spending. Only what the report counts is read: no text, no names, no codes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import aiosqlite

from bot.domain import AlertState, CrisisType, Outcome
from bot.records.model import CaseRecord
from data.case_records import record_of_row


@dataclass(frozen=True)
class ReportCase:
    """One alert as a report sees it: times, type, outcome, a point (coarse once closed) and
    its case record."""

    alert_id: int
    created_at: float
    acknowledged_at: float | None
    arrived_at: float | None
    closed_at: float | None
    state: AlertState
    kind: CrisisType
    outcome: Outcome | None
    lat: float | None
    lon: float | None
    record: CaseRecord | None


async def cases_raised(
    db: aiosqlite.Connection, squad_id: int, start: float, end: float
) -> list[ReportCase]:
    """The squad's alerts raised in ``[start, end)``, oldest first (drills are left out)."""
    async with db.execute(
        "SELECT a.id, a.created_at, a.acknowledged_at, a.arrived_at, a.closed_at, a.state,"
        " a.crisis_type, a.outcome, a.lat, a.lon, r.alert_id AS has_record, r.violations,"
        " r.perpetrator, r.services, r.consent"
        " FROM alerts a LEFT JOIN case_records r ON r.alert_id = a.id"
        " WHERE a.squad_id = ? AND a.created_at >= ? AND a.created_at < ? AND a.drill = 0"
        " ORDER BY a.created_at",
        (squad_id, start, end),
    ) as cur:
        rows = await cur.fetchall()
    return [
        ReportCase(
            alert_id=r["id"],
            created_at=r["created_at"],
            acknowledged_at=r["acknowledged_at"],
            arrived_at=r["arrived_at"],
            closed_at=r["closed_at"],
            state=AlertState(r["state"]),
            kind=CrisisType(r["crisis_type"]) if r["crisis_type"] else CrisisType.OTHER,
            outcome=Outcome(r["outcome"]) if r["outcome"] else None,
            lat=r["lat"],
            lon=r["lon"],
            record=record_of_row(r, r["id"]) if r["has_record"] is not None else None,
        )
        for r in rows
    ]


async def closed_count(db: aiosqlite.Connection, squad_id: int, start: float, end: float) -> int:
    """Alerts closed in ``[start, end)``, whenever they were raised (drills are left out)."""
    async with db.execute(
        "SELECT count(*) FROM alerts WHERE squad_id = ? AND state = 'closed' AND drill = 0"
        " AND closed_at >= ? AND closed_at < ?",
        (squad_id, start, end),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def fund_spent(
    db: aiosqlite.Connection, squad_id: int, start: float, end: float
) -> dict[str, Decimal]:
    """What the fund paid out or approved in ``[start, end)``, by purpose (exact sums)."""
    async with db.execute(
        "SELECT purpose, amount FROM fund_entries WHERE squad_id = ? AND kind = 'request'"
        " AND state IN ('approved', 'paid') AND decided_at >= ? AND decided_at < ?",
        (squad_id, start, end),
    ) as cur:
        rows = await cur.fetchall()
    spent: dict[str, Decimal] = {}
    for r in rows:
        purpose = r["purpose"] or "other"
        spent[purpose] = spent.get(purpose, Decimal(0)) + Decimal(r["amount"])
    return spent
