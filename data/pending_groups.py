"""SQL for groups that added the bot but have not run /setup yet (left after a grace time)."""

from __future__ import annotations

import aiosqlite


async def bot_added(db: aiosqlite.Connection, chat_id: int, now: float) -> None:
    await db.execute(
        "INSERT INTO pending_groups(chat_id, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (chat_id, now),
    )


async def forget_group(db: aiosqlite.Connection, chat_id: int) -> None:
    await db.execute("DELETE FROM pending_groups WHERE chat_id = ?", (chat_id,))


async def overdue_groups(db: aiosqlite.Connection, added_before: float) -> list[int]:
    async with db.execute(
        "SELECT p.chat_id FROM pending_groups p WHERE p.added_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM squads s WHERE s.chat_id = p.chat_id)",
        (added_before,),
    ) as cur:
        return [r["chat_id"] for r in await cur.fetchall()]
