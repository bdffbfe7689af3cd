"""SQL for slots: an alert's team, one place per needed skill, each held by at most one
member. Filling a slot is one guarded UPDATE, so the first valid accept wins."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.domain import Skill, Slot, from_fields


def _joined(need: Sequence[Skill]) -> str:
    return ",".join(k.value for k in need)


def _slot(row: aiosqlite.Row) -> Slot:
    return from_fields(
        Slot,
        {
            "id": row["id"],
            "alert_id": row["alert_id"],
            "position": row["position"],
            "skills": tuple(Skill(v) for v in row["skills"].split(",") if v),
            "open_to_anyone": bool(row["open_to_anyone"]),
            "holder_member_id": row["holder_member_id"],
            "filled_at": row["filled_at"],
            "waves": row["waves"],
            "short_paged": bool(row["short_paged"]),
        },
    )


async def slots_of(db: aiosqlite.Connection, alert_id: int) -> list[Slot]:
    async with db.execute(
        "SELECT * FROM slots WHERE alert_id = ? ORDER BY position", (alert_id,)
    ) as cur:
        return [_slot(r) for r in await cur.fetchall()]


async def slot_by_id(db: aiosqlite.Connection, slot_id: int) -> Slot | None:
    async with db.execute("SELECT * FROM slots WHERE id = ?", (slot_id,)) as cur:
        row = await cur.fetchone()
    return _slot(row) if row else None


async def add_slots(
    db: aiosqlite.Connection, alert_id: int, needs: Sequence[Sequence[Skill]]
) -> None:
    """Append open slots after the alert's existing ones (each is placed after the last,
    the one just added included, by the statement that adds it)."""
    await db.executemany(
        "INSERT INTO slots(alert_id, position, skills) VALUES (?, coalesce("
        "(SELECT max(position) FROM slots WHERE alert_id = ?), -1) + 1, ?)",
        [(alert_id, alert_id, _joined(need)) for need in needs],
    )


async def remove_slot(db: aiosqlite.Connection, slot_id: int) -> bool:
    """Remove an open slot (a re-plan no longer needs it); a held one stays."""
    cur = await db.execute(
        "DELETE FROM slots WHERE id = ? AND holder_member_id IS NULL", (slot_id,)
    )
    return cur.rowcount == 1


async def set_skills(db: aiosqlite.Connection, slot_id: int, need: Sequence[Skill]) -> None:
    await db.execute("UPDATE slots SET skills = ? WHERE id = ?", (_joined(need), slot_id))


async def fill(db: aiosqlite.Connection, slot_id: int, member_id: int, now: float) -> bool:
    """Give the slot to ``member_id`` if nobody holds it; only one caller wins."""
    cur = await db.execute(
        "UPDATE slots SET holder_member_id = ?, filled_at = ?"
        " WHERE id = ? AND holder_member_id IS NULL",
        (member_id, now, slot_id),
    )
    return cur.rowcount == 1


async def free(db: aiosqlite.Connection, alert_id: int, member_id: int) -> int:
    """The member leaves the alert's team: their slot is open again, for a fresh round."""
    cur = await db.execute(
        "UPDATE slots SET holder_member_id = NULL, filled_at = NULL, waves = 0,"
        " open_to_anyone = 0, short_paged = 0 WHERE alert_id = ? AND holder_member_id = ?",
        (alert_id, member_id),
    )
    return cur.rowcount


async def bump_waves(db: aiosqlite.Connection, slot_id: int, *, anyone: bool) -> None:
    await db.execute(
        "UPDATE slots SET waves = waves + 1, open_to_anyone = max(open_to_anyone, ?) WHERE id = ?",
        (int(anyone), slot_id),
    )


async def holder_ids(db: aiosqlite.Connection, alert_id: int) -> list[int]:
    """The members who hold a slot of the alert, in slot order."""
    async with db.execute(
        "SELECT holder_member_id FROM slots WHERE alert_id = ? AND holder_member_id IS NOT NULL"
        " ORDER BY position",
        (alert_id,),
    ) as cur:
        return [int(r[0]) for r in await cur.fetchall()]


async def alerts_held_by(db: aiosqlite.Connection, member_id: int) -> list[int]:
    """The open alerts in which ``member_id`` holds a slot."""
    async with db.execute(
        "SELECT s.alert_id FROM slots s JOIN alerts a ON a.id = s.alert_id"
        " WHERE s.holder_member_id = ? AND a.state IN"
        " ('new', 'offered', 'acknowledged', 'en_route', 'on_scene', 'escalated')"
        " ORDER BY s.alert_id",
        (member_id,),
    ) as cur:
        return [int(r[0]) for r in await cur.fetchall()]


async def mark_short_paged(db: aiosqlite.Connection, slot_id: int) -> bool:
    """Record that the leads were told nobody is left for this slot; ``False`` if already."""
    cur = await db.execute(
        "UPDATE slots SET short_paged = 1 WHERE id = ? AND short_paged = 0", (slot_id,)
    )
    return cur.rowcount == 1
