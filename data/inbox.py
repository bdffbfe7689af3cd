"""SQL for the durable inbox and the polling offset."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import aiosqlite

from data.store import IN_IDS, id_list

OFFSET_KEY = "telegram.offset"


@dataclass(frozen=True)
class InboxRow:
    update_id: int
    raw: str
    attempts: int


async def store_updates(
    db: aiosqlite.Connection, updates: Sequence[tuple[int, str]], now: float
) -> int:
    """Store fetched updates; one already stored (redelivered) is ignored."""
    stored = 0
    for update_id, raw in updates:
        cur = await db.execute(
            "INSERT INTO inbox(update_id, raw, received_at) VALUES (?, ?, ?)"
            " ON CONFLICT(update_id) DO NOTHING",
            (update_id, raw, now),
        )
        stored += cur.rowcount
    return stored


ONE_READ = 100  # rows one read of the pending ones gives at most


async def pending(
    db: aiosqlite.Connection, now: float, limit: int = ONE_READ, skip: Collection[int] = ()
) -> list[InboxRow]:
    """The pending rows that are due, oldest first, but for ``skip`` (those being handled)."""
    marks = ",".join("?" * len(skip))
    async with db.execute(
        "SELECT update_id, raw, attempts FROM inbox WHERE state = 'pending' AND not_before <= ?"
        f" AND update_id NOT IN ({marks}) ORDER BY update_id LIMIT ?",
        (now, *skip, limit),
    ) as cur:
        rows = await cur.fetchall()
    return [InboxRow(r["update_id"], r["raw"], r["attempts"]) for r in rows]


async def next_retry_at(db: aiosqlite.Connection, after: float | None = None) -> float | None:
    """The earliest time a pending row is due (``after``: of those due later than then)."""
    later = "" if after is None else " AND not_before > ?"
    async with db.execute(
        f"SELECT min(not_before) AS t FROM inbox WHERE state = 'pending'{later}",
        () if after is None else (after,),
    ) as cur:
        row = await cur.fetchone()
    return float(row["t"]) if row and row["t"] is not None else None


async def mark_done(db: aiosqlite.Connection, update_id: int, now: float) -> None:
    """Handled: only the id, the state and the timestamps remain (the content is emptied)."""
    await mark_all_done(db, [update_id], now)


async def mark_all_done(db: aiosqlite.Connection, update_ids: Sequence[int], now: float) -> None:
    """Handled updates: only their ids, states and timestamps remain (their content is
    emptied), in one statement however many there are."""
    if not update_ids:
        return
    await db.execute(
        "UPDATE inbox SET state = 'done', done_at = ?, attempts = attempts + 1, raw = ''"
        f" WHERE update_id {IN_IDS}",
        (now, id_list(update_ids)),
    )


async def retry_later(
    db: aiosqlite.Connection, update_id: int, not_before: float, give_up: bool, now: float
) -> None:
    """Retry later; on giving up (``failed``) the content is emptied like a handled one."""
    await db.execute(
        "UPDATE inbox SET attempts = attempts + 1, not_before = ?,"
        " state = CASE WHEN ? THEN 'failed' ELSE state END,"
        " raw = CASE WHEN ? THEN '' ELSE raw END,"
        " done_at = CASE WHEN ? THEN ? ELSE done_at END WHERE update_id = ?",
        (not_before, give_up, give_up, give_up, now, update_id),
    )


async def prune_done(db: aiosqlite.Connection, before: float) -> int:
    cur = await db.execute(
        "DELETE FROM inbox WHERE state IN ('done', 'failed')"
        " AND coalesce(done_at, received_at) < ?",
        (before,),
    )
    return cur.rowcount


async def get_offset(db: aiosqlite.Connection) -> int:
    async with db.execute("SELECT value FROM kv WHERE key = ?", (OFFSET_KEY,)) as cur:
        row = await cur.fetchone()
    return int(row["value"]) if row else 0


async def set_offset(db: aiosqlite.Connection, offset: int) -> None:
    await db.execute(
        "INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET"
        " value = excluded.value WHERE CAST(kv.value AS INTEGER) < CAST(excluded.value AS INTEGER)",
        (OFFSET_KEY, str(offset)),
    )
