"""SQL for clocks: an alert's legal and medical clocks (their reminders are deadlines)."""

from __future__ import annotations

import aiosqlite

from bot.clocks.model import CaseClock, ClockKind, Mark


def _clock(row: aiosqlite.Row) -> CaseClock:
    return CaseClock(
        id=row["id"],
        alert_id=row["alert_id"],
        kind=ClockKind(row["kind"]),
        started_at=row["started_at"],
        due_at=row["due_at"],
        mark=Mark(row["mark"]) if row["mark"] else None,
        marked_at=row["marked_at"],
        court_date=row["court_date"],
        held_at=row["held_at"],
        held_place_id=row["held_place_id"],
    )


async def clocks_of(db: aiosqlite.Connection, alert_id: int) -> list[CaseClock]:
    async with db.execute(
        "SELECT * FROM clocks WHERE alert_id = ? ORDER BY id", (alert_id,)
    ) as cur:
        return [_clock(r) for r in await cur.fetchall()]


async def clock_by_id(db: aiosqlite.Connection, clock_id: int) -> CaseClock | None:
    async with db.execute("SELECT * FROM clocks WHERE id = ?", (clock_id,)) as cur:
        row = await cur.fetchone()
    return _clock(row) if row else None


async def add_clock(
    db: aiosqlite.Connection, alert_id: int, kind: ClockKind, started_at: float, due_at: float
) -> int | None:
    """A new clock; ``None`` if the alert already has one of this kind."""
    cur = await db.execute(
        "INSERT INTO clocks(alert_id, kind, started_at, due_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(alert_id, kind) DO NOTHING",
        (alert_id, kind.value, started_at, due_at),
    )
    return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None


async def set_times(
    db: aiosqlite.Connection, clock_id: int, started_at: float, due_at: float
) -> None:
    await db.execute(
        "UPDATE clocks SET started_at = ?, due_at = ? WHERE id = ?", (started_at, due_at, clock_id)
    )


async def set_mark(
    db: aiosqlite.Connection,
    clock_id: int,
    mark: Mark,
    now: float,
    court_date: float | None = None,
) -> None:
    await db.execute(
        "UPDATE clocks SET mark = ?, marked_at = ?, court_date = ? WHERE id = ?",
        (mark.value, now, court_date, clock_id),
    )


async def end_running(db: aiosqlite.Connection, alert_id: int, now: float) -> list[int]:
    """The alert was cancelled (or a false alarm): its unmarked clocks end. Returns them."""
    async with db.execute(
        "SELECT id FROM clocks WHERE alert_id = ? AND mark IS NULL", (alert_id,)
    ) as cur:
        ids = [int(r["id"]) for r in await cur.fetchall()]
    await db.execute(
        "UPDATE clocks SET mark = 'ended', marked_at = ? WHERE alert_id = ? AND mark IS NULL",
        (now, alert_id),
    )
    return ids


async def set_held(
    db: aiosqlite.Connection, clock_id: int, held_at: str, place_id: int | None
) -> None:
    await db.execute(
        "UPDATE clocks SET held_at = ?, held_place_id = ? WHERE id = ?",
        (held_at, place_id, clock_id),
    )


async def delete_clock(db: aiosqlite.Connection, clock_id: int) -> None:
    await db.execute("DELETE FROM clocks WHERE id = ?", (clock_id,))


async def legal_clocks_to_show(
    db: aiosqlite.Connection, squad_id: int, now: float
) -> list[tuple[str, CaseClock]]:
    """The squad's legal clocks still running (unmarked), or with a court date to come,
    of alerts not yet purged, with their alert's code; soonest first. A drill's clock is
    practice: /status and /meeting leave it out."""
    async with db.execute(
        "SELECT c.*, a.code AS code FROM clocks c JOIN alerts a ON a.id = c.alert_id"
        " WHERE a.squad_id = ? AND a.purged_at IS NULL AND c.kind = 'legal' AND a.drill = 0"
        " AND (c.mark IS NULL OR (c.mark = 'court_date' AND c.court_date >= ?))"
        " ORDER BY coalesce(c.court_date, c.due_at), c.id",
        (squad_id, now - 86400),
    ) as cur:
        return [(r["code"], _clock(r)) for r in await cur.fetchall()]
