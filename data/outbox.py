"""SQL for the outbox (the sender's durable queue) and the send log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import aiosqlite

from bot.intents import Intent, MessageRole, Op, Priority
from data.store import IN_IDS, id_list

NOT_STARTED = "-"  # no offer copy's tag (those are letters)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    intent: Intent
    attempts: int
    uncertain: bool  # a previous call started and its result was never recorded, or timed out
    created_at: float
    first_failed_at: float | None = None
    reported: bool = False
    drill: bool = False  # about a drill: marked DRILL as it goes out (bot/drills/marking.py)
    # An offer as it goes: the copy honoured before this one (put back if this one surely
    # never reached Telegram; bot/delivery.py). NOT_STARTED: not read to be sent.
    copy_before: str | None = NOT_STARTED


async def enqueue(db: aiosqlite.Connection, intent: Intent, now: float) -> int:
    """Queue an intent. A newer edit of the same message supersedes a pending one; a
    squad's board is coalesced (see ``_enqueue_board``)."""
    if intent.role is MessageRole.CARD:
        return await _enqueue_board(db, intent, now)
    if intent.op is Op.EDIT and intent.alert_id is not None:
        # The same message: by its explicit id, or else by its role in this chat.
        await db.execute(
            "UPDATE outbox SET state = 'superseded' WHERE state = 'pending' AND alert_id = ?"
            " AND chat_id = ? AND coalesce(member_id, 0) = coalesce(?, 0)"
            " AND json_extract(payload, '$.op') = 'edit'"
            " AND json_extract(payload, '$.role') = ?"
            " AND coalesce(json_extract(payload, '$.message_id'), 0) = coalesce(?, 0)",
            (
                intent.alert_id,
                intent.chat_id,
                intent.member_id,
                intent.role.value,
                intent.message_id,
            ),
        )
    cur = await db.execute(
        "INSERT INTO outbox(priority, chat_id, alert_id, member_id, payload, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            int(intent.priority),
            intent.chat_id,
            intent.alert_id,
            intent.member_id,
            intent.to_json(),
            now,
        ),
    )
    return int(cur.lastrowid or 0)


async def _pending_board(
    db: aiosqlite.Connection, chat_id: int, *ops: Op
) -> list[tuple[int, Op, str]]:
    """The group's board changes still waiting, as (row id, operation, payload), oldest
    first."""
    async with db.execute(
        "SELECT id, payload, json_extract(payload, '$.op') AS op FROM outbox"
        " WHERE chat_id = ? AND state = 'pending' AND json_extract(payload, '$.role') = 'card'"
        f" AND json_extract(payload, '$.op') IN ({','.join('?' * len(ops))}) ORDER BY id",
        (chat_id, *(op.value for op in ops)),
    ) as cur:
        return [(r["id"], Op(r["op"]), r["payload"]) for r in await cur.fetchall()]


async def board_post_pending(db: aiosqlite.Connection, chat_id: int) -> bool:
    """Whether a new board message for this group is waiting for its turn."""
    return bool(await _pending_board(db, chat_id, Op.SEND))


async def _enqueue_board(db: aiosqlite.Connection, intent: Intent, now: float) -> int:
    """The squad's board is one live message, so at most one change of it waits: a newer
    one replaces a pending edit, and is folded into a pending new post (which keeps what it
    replies to, and goes at the higher of the two priorities). (Both are found by one
    read.)"""
    posts = []
    for row_id, op, payload in await _pending_board(db, intent.chat_id, Op.EDIT, Op.SEND):
        if op is Op.EDIT:
            await db.execute("UPDATE outbox SET state = 'superseded' WHERE id = ?", (row_id,))
        else:
            posts.append((row_id, payload))
    if posts:
        post_id, payload = posts[0]
        post = Intent.from_json(payload)
        merged = replace(
            intent,
            op=Op.SEND,
            reply_to=post.reply_to or intent.reply_to,
            priority=min(post.priority, intent.priority),
        )
        await db.execute(
            "UPDATE outbox SET payload = ?, priority = ?, alert_id = ? WHERE id = ?",
            (merged.to_json(), int(merged.priority), merged.alert_id, post_id),
        )
        return post_id
    cur = await db.execute(
        "INSERT INTO outbox(priority, chat_id, alert_id, member_id, payload, created_at)"
        " VALUES (?, ?, ?, NULL, ?, ?)",
        (int(intent.priority), intent.chat_id, intent.alert_id, intent.to_json(), now),
    )
    return int(cur.lastrowid or 0)


@dataclass(frozen=True)
class Due:
    """What the sender weighs against the limits before it reads a row in full."""

    id: int
    chat_id: int
    op: Op
    priority: Priority
    board: bool  # the squad's board (the card)

    @property
    def urgent(self) -> bool:
        return self.priority is Priority.URGENT


async def next_due(db: aiosqlite.Connection, now: float, limit: int) -> list[Due]:
    """The rows that are due, most urgent first: their chat and operation only (a backlog
    held by the limits is looked over on every pass, so its messages are not parsed)."""
    async with db.execute(
        "SELECT id, chat_id, json_extract(payload, '$.op') AS op, priority,"
        " json_extract(payload, '$.role') = 'card' AS board FROM outbox"
        " WHERE state IN ('pending', 'sending') AND not_before <= ?"
        " ORDER BY priority, id LIMIT ?",
        (now, limit),
    ) as cur:
        return [
            Due(r["id"], r["chat_id"], Op(r["op"]), Priority(r["priority"]), bool(r["board"]))
            for r in await cur.fetchall()
        ]


async def rows_to_send(db: aiosqlite.Connection, ids: Sequence[int]) -> list[OutboxRow]:
    """These rows in full, in the order of ``ids``, those still to be sent (``pending``, or
    ``sending`` with their fate unknown). Read in the transaction that marks them: a row
    read earlier may since have been folded into, superseded or redacted."""
    async with db.execute(
        f"{_ROWS} WHERE o.id {IN_IDS} AND o.state IN ('pending', 'sending')", (id_list(ids),)
    ) as cur:
        found = {r["id"]: _row(r) for r in await cur.fetchall()}
    return [found[i] for i in ids if i in found]


# A row in full, and whether it is about a drill (its alert's flag).
_ROWS = (
    "SELECT o.id, o.payload, o.attempts, o.state, o.uncertain, o.created_at,"
    " o.first_failed_at, o.reported, coalesce(a.drill, 0) AS drill"
    " FROM outbox o LEFT JOIN alerts a ON a.id = o.alert_id"
)


def _row(r: aiosqlite.Row) -> OutboxRow:
    return OutboxRow(
        r["id"],
        Intent.from_json(r["payload"]),
        r["attempts"],
        r["state"] == "sending" or bool(r["uncertain"]),
        r["created_at"],
        r["first_failed_at"],
        bool(r["reported"]),
        bool(r["drill"]),
    )


async def next_batch(db: aiosqlite.Connection, now: float, limit: int = 50) -> list[OutboxRow]:
    async with db.execute(
        f"{_ROWS} WHERE o.state IN ('pending', 'sending') AND o.not_before <= ?"
        " ORDER BY o.priority, o.id LIMIT ?",
        (now, limit),
    ) as cur:
        return [_row(r) for r in await cur.fetchall()]


async def mark_sending(db: aiosqlite.Connection, row_ids: Sequence[int]) -> None:
    """Recorded before the calls: after a crash, these rows' fate is unknown. One statement
    for a sender's pass, not one a row."""
    await db.execute(
        f"UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id {IN_IDS}",
        (id_list(row_ids),),
    )


async def next_not_before(db: aiosqlite.Connection, now: float) -> float | None:
    """When the next row held back until later (a retry, a 429's hold) comes due. Rows due
    already are not counted: those the limits hold are the limiter's to time."""
    async with db.execute(
        "SELECT min(not_before) AS t FROM outbox WHERE state = 'pending' AND not_before > ?",
        (now,),
    ) as cur:
        row = await cur.fetchone()
    return float(row["t"]) if row and row["t"] is not None else None


async def mark_sent(
    db: aiosqlite.Connection, sent: Sequence[tuple[int, int | None]], now: float
) -> None:
    """Telegram took these (row id, the message's id if it made one)."""
    await db.executemany(
        "UPDATE outbox SET state = 'sent', sent_at = ?, telegram_message_id = ? WHERE id = ?",
        [(now, message_id, row_id) for row_id, message_id in sent],
    )


async def mark_superseded(db: aiosqlite.Connection, row_id: int) -> None:
    """Not to be sent after all (an offer that was answered or withdrawn before its turn)."""
    await db.execute("UPDATE outbox SET state = 'superseded' WHERE id = ?", (row_id,))


async def mark_failed(db: aiosqlite.Connection, row_id: int, error: str) -> None:
    await db.execute(
        "UPDATE outbox SET state = 'failed', error = ? WHERE id = ?",
        (error, row_id),
    )


async def retry_later(
    db: aiosqlite.Connection,
    row_id: int,
    not_before: float,
    error: str,
    now: float,
    *,
    uncertain: bool = False,
) -> None:
    """Try again later. ``uncertain``: the call timed out, so Telegram may have it (sticky)."""
    await db.execute(
        "UPDATE outbox SET state = 'pending', not_before = ?, error = ?,"
        " first_failed_at = CASE WHEN ? = 'network' THEN coalesce(first_failed_at, ?)"
        " ELSE first_failed_at END, uncertain = max(uncertain, ?) WHERE id = ?",
        (not_before, error, error, now, int(uncertain), row_id),
    )


async def mark_reported(db: aiosqlite.Connection, row_id: int) -> None:
    await db.execute("UPDATE outbox SET reported = 1 WHERE id = ?", (row_id,))


async def hold_chat(db: aiosqlite.Connection, chat_id: int, until: float) -> None:
    """Telegram said 429 for this chat: remembered, so a restart keeps waiting too."""
    await db.execute(
        "INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET"
        " value = max(CAST(kv.value AS REAL), CAST(excluded.value AS REAL))",
        (f"hold:{chat_id}", str(until)),
    )


async def active_holds(db: aiosqlite.Connection, now: float) -> list[tuple[int, float]]:
    async with db.execute("SELECT key, value FROM kv WHERE key LIKE 'hold:%'") as cur:
        rows = await cur.fetchall()
    holds = [(int(r["key"].split(":", 1)[1]), float(r["value"])) for r in rows]
    await db.execute("DELETE FROM kv WHERE key LIKE 'hold:%' AND CAST(value AS REAL) < ?", (now,))
    return [(chat, until) for chat, until in holds if until > now]


async def log_send(db: aiosqlite.Connection, chat_id: int, at: float) -> None:
    await log_sends(db, (chat_id,), at)


async def log_sends(db: aiosqlite.Connection, chat_ids: Sequence[int], at: float) -> None:
    """A message went to each of these chats at ``at`` (the limits count them)."""
    await db.executemany(
        "INSERT INTO send_log(chat_id, at) VALUES (?, ?)", [(chat_id, at) for chat_id in chat_ids]
    )


async def recent_sends(db: aiosqlite.Connection, since: float) -> list[tuple[int, float]]:
    async with db.execute(
        "SELECT chat_id, at FROM send_log WHERE at >= ? ORDER BY at", (since,)
    ) as cur:
        return [(int(r["chat_id"]), float(r["at"])) for r in await cur.fetchall()]


async def prune_send_log(db: aiosqlite.Connection, before: float) -> int:
    cur = await db.execute("DELETE FROM send_log WHERE at < ?", (before,))
    return cur.rowcount


async def forget_join_request(db: aiosqlite.Connection, member_id: int) -> None:
    """A join request was answered: its copies (which name the person) are emptied."""
    await db.execute(
        "UPDATE outbox SET payload = '{}', state = CASE WHEN state = 'pending' THEN 'superseded'"
        " ELSE state END WHERE member_id = ? AND state <> 'sending'"
        " AND json_extract(payload, '$.role') = 'join_request'",
        (member_id,),
    )
