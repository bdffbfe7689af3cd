"""SQL for member skills (``member_skills``) and a squad's changes to what each crisis type
needs (``squad_needs``)."""

from __future__ import annotations

import aiosqlite

from bot.crisis import Needs, parse_stored_needs, stored_needs
from bot.domain import CrisisType, Skill

# member_skills ----------------------------------------------------------------------


async def skills_of(db: aiosqlite.Connection, member_id: int) -> frozenset[Skill]:
    async with db.execute(
        "SELECT skill FROM member_skills WHERE member_id = ?", (member_id,)
    ) as cur:
        return frozenset(Skill(r["skill"]) for r in await cur.fetchall())


async def set_skill(db: aiosqlite.Connection, member_id: int, skill: Skill, on: bool) -> bool:
    """Switch one skill on or off; whether anything changed."""
    if on:
        cur = await db.execute(
            "INSERT INTO member_skills(member_id, skill) VALUES (?, ?)"
            " ON CONFLICT(member_id, skill) DO NOTHING",
            (member_id, skill.value),
        )
    else:
        cur = await db.execute(
            "DELETE FROM member_skills WHERE member_id = ? AND skill = ?",
            (member_id, skill.value),
        )
    return cur.rowcount == 1


async def toggle_skill(db: aiosqlite.Connection, member_id: int, skill: Skill) -> bool:
    """Switch one skill the other way; whether it is on now."""
    if await set_skill(db, member_id, skill, False):
        return False
    await set_skill(db, member_id, skill, True)
    return True


async def available_counts(db: aiosqlite.Connection, squad_id: int) -> dict[Skill, int]:
    """How many of the squad's members who could be offered an alert now (available,
    approved, not an observer, not blocked) have each skill; every skill is a key."""
    counts = dict.fromkeys(Skill, 0)
    async with db.execute(
        "SELECT s.skill, count(*) AS n FROM member_skills s JOIN members m ON m.id = s.member_id"
        " WHERE m.squad_id = ? AND m.availability = 'available' AND m.approved = 1"
        " AND m.role <> 'observer' AND NOT EXISTS (SELECT 1 FROM blocks b"
        " WHERE b.squad_id = m.squad_id AND b.user_id = m.user_id)"
        " GROUP BY s.skill",
        (squad_id,),
    ) as cur:
        for row in await cur.fetchall():
            counts[Skill(row["skill"])] = int(row["n"])
    return counts


# squad_needs ------------------------------------------------------------------------


async def squad_needs(db: aiosqlite.Connection, squad_id: int) -> dict[CrisisType, Needs]:
    """A squad's changes to what crisis types need (an empty tuple: anyone). Types it did
    not change are not keys: they need what ``bot.crisis.DEFAULT_NEEDS`` says."""
    async with db.execute(
        "SELECT crisis_type, skills FROM squad_needs WHERE squad_id = ?", (squad_id,)
    ) as cur:
        rows = await cur.fetchall()
    known = {k.value for k in CrisisType}
    return {
        CrisisType(r["crisis_type"]): parse_stored_needs(r["skills"])
        for r in rows
        if r["crisis_type"] in known
    }


async def set_need(db: aiosqlite.Connection, squad_id: int, kind: CrisisType, needs: Needs) -> None:
    """What ``kind`` needs in this squad from now on (empty: anyone)."""
    await db.execute(
        "INSERT INTO squad_needs(squad_id, crisis_type, skills) VALUES (?, ?, ?)"
        " ON CONFLICT(squad_id, crisis_type) DO UPDATE SET skills = excluded.skills",
        (squad_id, kind.value, stored_needs(needs)),
    )


async def reset_need(db: aiosqlite.Connection, squad_id: int, kind: CrisisType) -> bool:
    """Back to the default; whether there was a change to undo."""
    cur = await db.execute(
        "DELETE FROM squad_needs WHERE squad_id = ? AND crisis_type = ?", (squad_id, kind.value)
    )
    return cur.rowcount == 1
