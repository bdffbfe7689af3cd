"""SQL for check-ins: one row per responder on an alert's team; its next step is a deadline."""

from __future__ import annotations

import aiosqlite

from bot.domain import Checkin, CheckinState


def _checkin(row: aiosqlite.Row) -> Checkin:
    return Checkin(
        id=row["id"],
        alert_id=row["alert_id"],
        member_id=row["member_id"],
        started_at=row["started_at"],
        arrived_at=row["arrived_at"],
        asked_at=row["asked_at"],
        answered_at=row["answered_at"],
        state=CheckinState(row["state"]),
        help_alert_id=row["help_alert_id"],
    )


async def start(db: aiosqlite.Connection, alert_id: int, member_id: int, now: float) -> Checkin:
    """The responder joined the alert's team: check-ins start afresh (a responder who left
    and came back starts again)."""
    await db.execute(
        "INSERT INTO checkins(alert_id, member_id, started_at) VALUES (?, ?, ?)"
        " ON CONFLICT(alert_id, member_id) DO UPDATE SET started_at = excluded.started_at,"
        " arrived_at = NULL, asked_at = NULL, answered_at = NULL, state = 'waiting'",
        (alert_id, member_id, now),
    )
    found = await checkin_of(db, alert_id, member_id)
    assert found is not None
    return found


async def checkin_by_id(db: aiosqlite.Connection, checkin_id: int) -> Checkin | None:
    async with db.execute("SELECT * FROM checkins WHERE id = ?", (checkin_id,)) as cur:
        row = await cur.fetchone()
    return _checkin(row) if row else None


async def checkin_of(db: aiosqlite.Connection, alert_id: int, member_id: int) -> Checkin | None:
    async with db.execute(
        "SELECT * FROM checkins WHERE alert_id = ? AND member_id = ?", (alert_id, member_id)
    ) as cur:
        row = await cur.fetchone()
    return _checkin(row) if row else None


async def checkins_of_alert(db: aiosqlite.Connection, alert_id: int) -> list[Checkin]:
    async with db.execute(
        "SELECT * FROM checkins WHERE alert_id = ? ORDER BY id", (alert_id,)
    ) as cur:
        return [_checkin(r) for r in await cur.fetchall()]


async def mark_arrived(db: aiosqlite.Connection, checkin_id: int, now: float) -> None:
    await db.execute("UPDATE checkins SET arrived_at = ? WHERE id = ?", (now, checkin_id))


async def mark_asked(db: aiosqlite.Connection, checkin_id: int, now: float) -> bool:
    """A question went out; only from a state that is not already waiting for an answer."""
    cur = await db.execute(
        "UPDATE checkins SET state = 'asked', asked_at = ?, answered_at = NULL"
        " WHERE id = ? AND state != 'asked'",
        (now, checkin_id),
    )
    return cur.rowcount == 1


async def restart(db: aiosqlite.Connection, checkin_id: int) -> None:
    """Arrived with no question open: the next one counts from now."""
    await db.execute(
        "UPDATE checkins SET state = 'waiting' WHERE id = ? AND state != 'asked'", (checkin_id,)
    )


async def answer(
    db: aiosqlite.Connection,
    checkin_id: int,
    state: CheckinState,
    now: float,
    *,
    expect: tuple[CheckinState, ...],
) -> bool:
    """How the question ended (ok, help, missed), guarded by the state it ends from: the row
    count tells a late or second press from the first."""
    marks = ",".join("?" for _ in expect)
    answered_at = None if state is CheckinState.MISSED else now
    cur = await db.execute(
        f"UPDATE checkins SET state = ?, answered_at = ? WHERE id = ? AND state IN ({marks})",
        (state.value, answered_at, checkin_id, *(s.value for s in expect)),
    )
    return cur.rowcount == 1


async def set_help_alert(db: aiosqlite.Connection, checkin_id: int, alert_id: int) -> None:
    await db.execute("UPDATE checkins SET help_alert_id = ? WHERE id = ?", (alert_id, checkin_id))


async def delete(db: aiosqlite.Connection, checkin_id: int) -> None:
    await db.execute("DELETE FROM checkins WHERE id = ?", (checkin_id,))
