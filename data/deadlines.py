"""SQL for deadlines: rows the deadline runner wakes up for; each fires at most once."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.domain import (
    DISPATCH_DEADLINES,
    Deadline,
    DeadlineKind,
)


def _deadline(row: aiosqlite.Row) -> Deadline:
    return Deadline(
        row["id"],
        DeadlineKind(row["kind"]),
        row["alert_id"],
        row["offer_id"],
        row["due_at"],
        row["ref_id"],
    )


async def add_deadline(
    db: aiosqlite.Connection,
    kind: DeadlineKind,
    alert_id: int,
    due_at: float,
    offer_id: int | None = None,
    *,
    ref_id: int | None = None,
) -> int:
    cur = await db.execute(
        "INSERT INTO deadlines(kind, alert_id, offer_id, due_at, ref_id) VALUES (?, ?, ?, ?, ?)",
        (kind.value, alert_id, offer_id, due_at, ref_id),
    )
    return int(cur.lastrowid or 0)


async def cancel_deadlines(db: aiosqlite.Connection, alert_id: int, now: float) -> int:
    """Cancel the alert's dispatch deadlines (location, ack, escalate); clocks and check-ins
    have their own rules."""
    return await cancel_kinds(db, alert_id, DISPATCH_DEADLINES, now)


async def cancel_kinds(
    db: aiosqlite.Connection, alert_id: int, kinds: Sequence[DeadlineKind], now: float
) -> int:
    """Cancel the alert's pending deadlines of these kinds."""
    values = tuple(k.value for k in kinds)
    cur = await db.execute(
        "UPDATE deadlines SET cancelled_at = ? WHERE alert_id = ?"
        f" AND kind IN ({', '.join('?' * len(values))})"
        " AND fired_at IS NULL AND cancelled_at IS NULL",
        (now, alert_id, *values),
    )
    return cur.rowcount


async def cancel_ref_deadlines(
    db: aiosqlite.Connection, kind: DeadlineKind, ref_id: int, now: float
) -> int:
    """Cancel the pending deadlines of one clock or check-in."""
    cur = await db.execute(
        "UPDATE deadlines SET cancelled_at = ? WHERE kind = ? AND ref_id = ?"
        " AND fired_at IS NULL AND cancelled_at IS NULL",
        (now, kind.value, ref_id),
    )
    return cur.rowcount


async def cancel_offer_deadline(db: aiosqlite.Connection, offer_id: int, now: float) -> int:
    cur = await db.execute(
        "UPDATE deadlines SET cancelled_at = ? WHERE offer_id = ?"
        " AND fired_at IS NULL AND cancelled_at IS NULL",
        (now, offer_id),
    )
    return cur.rowcount


async def claim_deadline(db: aiosqlite.Connection, deadline_id: int, now: float) -> bool:
    """Mark a deadline fired; only the first caller gets ``True``."""
    cur = await db.execute(
        "UPDATE deadlines SET fired_at = ? WHERE id = ? AND fired_at IS NULL"
        " AND cancelled_at IS NULL",
        (now, deadline_id),
    )
    return cur.rowcount == 1


async def due_ref_deadlines(
    db: aiosqlite.Connection, kind: DeadlineKind, ref_id: int, now: float
) -> list[Deadline]:
    """The pending deadlines of one clock or check-in that are due at ``now``."""
    async with db.execute(
        "SELECT * FROM deadlines WHERE kind = ? AND ref_id = ? AND fired_at IS NULL"
        " AND cancelled_at IS NULL AND due_at <= ? ORDER BY due_at, id",
        (kind.value, ref_id, now),
    ) as cur:
        rows = await cur.fetchall()
    return [_deadline(r) for r in rows]


async def due_deadlines(db: aiosqlite.Connection, now: float, limit: int = 100) -> list[Deadline]:
    async with db.execute(
        "SELECT * FROM deadlines WHERE fired_at IS NULL AND cancelled_at IS NULL"
        " AND due_at <= ? ORDER BY due_at, id LIMIT ?",
        (now, limit),
    ) as cur:
        rows = await cur.fetchall()
    return [_deadline(r) for r in rows]


async def next_due_at(db: aiosqlite.Connection) -> float | None:
    async with db.execute(
        "SELECT min(due_at) AS due FROM deadlines WHERE fired_at IS NULL AND cancelled_at IS NULL"
    ) as cur:
        row = await cur.fetchone()
    return float(row["due"]) if row and row["due"] is not None else None


async def pending_deadlines(db: aiosqlite.Connection, alert_id: int) -> list[Deadline]:
    async with db.execute(
        "SELECT * FROM deadlines WHERE alert_id = ? AND fired_at IS NULL AND cancelled_at IS NULL"
        " ORDER BY due_at",
        (alert_id,),
    ) as cur:
        rows = await cur.fetchall()
    return [_deadline(r) for r in rows]
