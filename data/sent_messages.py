"""SQL for the sent-message map: which Telegram message shows what, so edits and buttons
survive a restart."""

from __future__ import annotations

import aiosqlite


async def remember_message(
    db: aiosqlite.Connection,
    *,
    alert_id: int | None,
    member_id: int | None,
    chat_id: int,
    message_id: int,
    role: str,
    now: float,
) -> None:
    await db.execute(
        "INSERT INTO messages(alert_id, member_id, chat_id, message_id, role, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(chat_id, message_id) DO UPDATE SET"
        " alert_id = excluded.alert_id, member_id = excluded.member_id, role = excluded.role",
        (alert_id, member_id, chat_id, message_id, role, now),
    )


async def find_message(
    db: aiosqlite.Connection, alert_id: int, role: str, chat_id: int
) -> int | None:
    """The newest message of ``role`` about an alert in a chat, if one was sent."""
    async with db.execute(
        "SELECT message_id FROM messages WHERE alert_id = ? AND role = ? AND chat_id = ?"
        " ORDER BY id DESC LIMIT 1",
        (alert_id, role, chat_id),
    ) as cur:
        row = await cur.fetchone()
    return int(row["message_id"]) if row else None


async def private_messages_of(
    db: aiosqlite.Connection, alert_id: int, chat_id: int | None = None
) -> list[tuple[int, int, str]]:
    """(chat id, message id, role) of every message about an alert in a private chat."""
    sql = "SELECT chat_id, message_id, role FROM messages WHERE alert_id = ? AND chat_id > 0"
    args: tuple[object, ...] = (alert_id,)
    if chat_id is not None:
        sql, args = sql + " AND chat_id = ?", (alert_id, chat_id)
    async with db.execute(sql + " ORDER BY id", args) as cur:
        return [(r["chat_id"], r["message_id"], r["role"]) for r in await cur.fetchall()]


async def alert_for_message(
    db: aiosqlite.Connection, chat_id: int, message_id: int, role: str
) -> int | None:
    async with db.execute(
        "SELECT alert_id FROM messages WHERE chat_id = ? AND message_id = ? AND role = ?",
        (chat_id, message_id, role),
    ) as cur:
        row = await cur.fetchone()
    return int(row["alert_id"]) if row and row["alert_id"] is not None else None


async def find_board(db: aiosqlite.Connection, chat_id: int) -> tuple[int, float] | None:
    """The squad's live board in a group (its newest card): (message id, when it was posted)."""
    async with db.execute(
        "SELECT message_id, created_at FROM messages WHERE chat_id = ? AND role = 'card'"
        " ORDER BY id DESC LIMIT 1",
        (chat_id,),
    ) as cur:
        row = await cur.fetchone()
    return (int(row["message_id"]), float(row["created_at"])) if row else None


async def forget_message(db: aiosqlite.Connection, chat_id: int, message_id: int) -> None:
    await db.execute(
        "DELETE FROM messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
    )


async def cards_to_retire(db: aiosqlite.Connection, chat_id: int, board: int) -> list[int]:
    """The group's other card messages that a new board (``board``) replaces: the previous
    board, and the per-alert cards from before the board (issue 14) of alerts still open,
    which would go stale. A finished alert's old card already says how it ended."""
    async with db.execute(
        "SELECT m.message_id FROM messages m LEFT JOIN alerts a ON a.id = m.alert_id"
        " WHERE m.chat_id = ? AND m.role = 'card' AND m.message_id <> ? AND (m.id = ("
        "  SELECT max(id) FROM messages WHERE chat_id = ? AND role = 'card'"
        "  AND message_id <> ?) OR a.state NOT IN ('closed', 'cancelled'))"
        " ORDER BY m.id",
        (chat_id, board, chat_id, board),
    ) as cur:
        return [int(r["message_id"]) for r in await cur.fetchall()]
