"""SQL for case records: categories only (bot/records/model.py), one row per closed alert."""

from __future__ import annotations

import aiosqlite

from bot.records.model import (
    CaseRecord,
    Consent,
    Perpetrator,
    codes,
    services_of,
    violations_of,
)


def record_of_row(row: aiosqlite.Row, alert_id: int) -> CaseRecord:
    return CaseRecord(
        alert_id=alert_id,
        violations=violations_of(row["violations"] or ""),
        perpetrator=Perpetrator(row["perpetrator"]) if row["perpetrator"] else None,
        services=services_of(row["services"] or ""),
        consent=Consent(row["consent"]) if row["consent"] else None,
    )


async def record_of(db: aiosqlite.Connection, alert_id: int) -> CaseRecord | None:
    async with db.execute("SELECT * FROM case_records WHERE alert_id = ?", (alert_id,)) as cur:
        row = await cur.fetchone()
    return record_of_row(row, alert_id) if row is not None else None


async def save(db: aiosqlite.Connection, record: CaseRecord, now: float) -> None:
    await db.execute(
        "INSERT INTO case_records(alert_id, violations, perpetrator, services, consent,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(alert_id) DO UPDATE SET"
        " violations = excluded.violations, perpetrator = excluded.perpetrator,"
        " services = excluded.services, consent = excluded.consent,"
        " updated_at = excluded.updated_at",
        (
            record.alert_id,
            codes(record.violations),
            record.perpetrator.value if record.perpetrator else None,
            codes(record.services),
            record.consent.value if record.consent else None,
            now,
        ),
    )
