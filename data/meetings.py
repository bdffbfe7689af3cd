"""SQL for meetings a lead marked as held: the next digest starts where the last one ended."""

from __future__ import annotations

import aiosqlite


async def last_meeting_until(db: aiosqlite.Connection, squad_id: int) -> float | None:
    async with db.execute(
        "SELECT max(until) AS until FROM meetings WHERE squad_id = ?", (squad_id,)
    ) as cur:
        row = await cur.fetchone()
    return float(row["until"]) if row and row["until"] is not None else None


async def record_meeting(
    db: aiosqlite.Connection, squad_id: int, since: float, until: float
) -> bool:
    """A meeting held, covering ``since``..``until``; not twice for the same end."""
    cur = await db.execute(
        "INSERT INTO meetings(squad_id, since, until) SELECT ?, ?, ? WHERE NOT EXISTS"
        " (SELECT 1 FROM meetings WHERE squad_id = ? AND until >= ?)",
        (squad_id, since, until, squad_id, until),
    )
    return cur.rowcount == 1


async def squad_started_at(db: aiosqlite.Connection, squad_id: int) -> float:
    """When the squad was set up: the first digest starts there."""
    async with db.execute("SELECT created_at FROM squads WHERE id = ?", (squad_id,)) as cur:
        row = await cur.fetchone()
    assert row is not None
    return float(row["created_at"])
