"""SQL for blocks: people whose alerts a lead stopped from dispatching in one squad."""

from __future__ import annotations

import aiosqlite


async def block(db: aiosqlite.Connection, squad_id: int, user_id: int, now: float) -> bool:
    cur = await db.execute(
        "INSERT INTO blocks(squad_id, user_id, at) VALUES (?, ?, ?)"
        " ON CONFLICT(squad_id, user_id) DO NOTHING",
        (squad_id, user_id, now),
    )
    return cur.rowcount == 1


async def unblock(db: aiosqlite.Connection, squad_id: int, user_id: int) -> bool:
    cur = await db.execute(
        "DELETE FROM blocks WHERE squad_id = ? AND user_id = ?", (squad_id, user_id)
    )
    return cur.rowcount == 1


async def is_blocked(db: aiosqlite.Connection, squad_id: int, user_id: int) -> bool:
    async with db.execute(
        "SELECT 1 FROM blocks WHERE squad_id = ? AND user_id = ?", (squad_id, user_id)
    ) as cur:
        return await cur.fetchone() is not None


async def count(db: aiosqlite.Connection, squad_id: int) -> int:
    async with db.execute(
        "SELECT count(*) AS n FROM blocks WHERE squad_id = ?", (squad_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row["n"]) if row else 0
