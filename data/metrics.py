"""SQL for /metrics: counts and durations only, never who or where."""

from __future__ import annotations

from pathlib import Path

import aiosqlite


async def alerts_by_state(db: aiosqlite.Connection) -> dict[str, int]:
    async with db.execute("SELECT state, count(*) AS n FROM alerts GROUP BY state") as cur:
        return {str(r["state"]): int(r["n"]) for r in await cur.fetchall()}


async def outbox_backlog(db: aiosqlite.Connection) -> dict[int, int]:
    """Rows waiting to be sent (or whose send is in flight), by priority."""
    async with db.execute(
        "SELECT priority, count(*) AS n FROM outbox WHERE state IN ('pending', 'sending')"
        " GROUP BY priority"
    ) as cur:
        return {int(r["priority"]): int(r["n"]) for r in await cur.fetchall()}


async def inbox_backlog(db: aiosqlite.Connection) -> int:
    async with db.execute("SELECT count(*) AS n FROM inbox WHERE state = 'pending'") as cur:
        row = await cur.fetchone()
    return int(row["n"]) if row else 0


async def acknowledged_since(db: aiosqlite.Connection, since: float) -> list[tuple[float, float]]:
    """(acknowledged at, seconds from the alert to its acknowledgement) after ``since``."""
    async with db.execute(
        "SELECT acknowledged_at AS at, acknowledged_at - created_at AS took FROM alerts"
        " WHERE acknowledged_at > ? ORDER BY acknowledged_at",
        (since,),
    ) as cur:
        return [(float(r["at"]), float(r["took"])) for r in await cur.fetchall()]


async def fired_since(db: aiosqlite.Connection, since: float) -> list[tuple[float, float]]:
    """(fired at, seconds it fired after it was due) for deadlines fired after ``since``."""
    async with db.execute(
        "SELECT fired_at AS at, fired_at - due_at AS late FROM deadlines"
        " WHERE fired_at > ? ORDER BY fired_at",
        (since,),
    ) as cur:
        return [(float(r["at"]), float(r["late"])) for r in await cur.fetchall()]


def file_bytes(database: Path) -> int:
    """The database's size on disk: the file and its write-ahead log."""
    total = 0
    for path in (database, database.with_name(database.name + "-wal")):
        try:
            total += path.stat().st_size
        except FileNotFoundError:
            pass
    return total
