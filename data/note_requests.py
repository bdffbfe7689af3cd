"""SQL for a waiting Add note: the next private text of this person is that alert's note."""

from __future__ import annotations

import aiosqlite


async def request_note(db: aiosqlite.Connection, user_id: int, alert_id: int, until: float) -> None:
    await db.execute(
        "INSERT INTO note_requests(user_id, alert_id, until) VALUES (?, ?, ?)"
        " ON CONFLICT(user_id) DO UPDATE SET alert_id = excluded.alert_id, until = excluded.until",
        (user_id, alert_id, until),
    )


async def take_note_request(db: aiosqlite.Connection, user_id: int, now: float) -> int | None:
    """The alert this person's next text is a note for, if they pressed Add note recently."""
    async with db.execute(
        "SELECT alert_id, until FROM note_requests WHERE user_id = ?", (user_id,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    await db.execute("DELETE FROM note_requests WHERE user_id = ?", (user_id,))
    return int(row["alert_id"]) if row["until"] >= now else None
