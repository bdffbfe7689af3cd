"""SQL for warnings about a dangerous person. A warning row holds no alert id, no code and
no person but its issuer's membership (gone with them): see the migration 0013."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.records.model import Violation, codes, violations_of


@dataclass(frozen=True)
class SafetyWarning:
    id: int
    squad_id: int
    issuer_member_id: int | None
    violations: frozenset[Violation]
    description: str
    vehicle: str
    area: str
    day: str  # YYYY-MM-DD
    state: str  # draft | pending | sent
    awaiting: str | None  # description | vehicle: the issuer's next private text
    created_at: float
    expires_at: float | None


def _warning(row: aiosqlite.Row) -> SafetyWarning:
    return SafetyWarning(
        id=row["id"],
        squad_id=row["squad_id"],
        issuer_member_id=row["issuer_member_id"],
        violations=violations_of(row["violations"]),
        description=row["description"],
        vehicle=row["vehicle"],
        area=row["area"],
        day=row["day"],
        state=row["state"],
        awaiting=row["awaiting"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


async def create_draft(
    db: aiosqlite.Connection,
    *,
    squad_id: int,
    issuer_member_id: int,
    violations: frozenset[Violation],
    area: str,
    day: str,
    now: float,
    until: float,
) -> int:
    # One draft at a time per issuer: an older unfinished one goes.
    await db.execute(
        "DELETE FROM warnings WHERE issuer_member_id = ? AND state = 'draft'", (issuer_member_id,)
    )
    cur = await db.execute(
        "INSERT INTO warnings(squad_id, issuer_member_id, violations, area, day, state,"
        " awaiting, awaiting_until, created_at) VALUES (?, ?, ?, ?, ?, 'draft', 'description',"
        " ?, ?)",
        (squad_id, issuer_member_id, codes(violations), area, day, until, now),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def warning_by_id(db: aiosqlite.Connection, warning_id: int) -> SafetyWarning | None:
    async with db.execute("SELECT * FROM warnings WHERE id = ?", (warning_id,)) as cur:
        row = await cur.fetchone()
    return _warning(row) if row is not None else None


async def awaiting_text_from(
    db: aiosqlite.Connection, user_id: int, now: float
) -> SafetyWarning | None:
    """The draft whose next words this person was asked for, if it is still waiting."""
    async with db.execute(
        "SELECT w.* FROM warnings w JOIN members m ON m.id = w.issuer_member_id"
        " WHERE m.user_id = ? AND w.state = 'draft' AND w.awaiting IS NOT NULL"
        " AND w.awaiting_until >= ? ORDER BY w.id DESC LIMIT 1",
        (user_id, now),
    ) as cur:
        row = await cur.fetchone()
    return _warning(row) if row is not None else None


async def set_text(
    db: aiosqlite.Connection,
    warning_id: int,
    field: str,
    value: str,
    next_awaiting: str | None,
    until: float | None,
) -> None:
    assert field in ("description", "vehicle")
    await db.execute(
        f"UPDATE warnings SET {field} = ?, awaiting = ?, awaiting_until = ?"
        " WHERE id = ? AND state = 'draft'",
        (value, next_awaiting, until, warning_id),
    )


async def set_violations(
    db: aiosqlite.Connection, warning_id: int, violations: frozenset[Violation]
) -> None:
    await db.execute(
        "UPDATE warnings SET violations = ? WHERE id = ? AND state = 'draft'",
        (codes(violations), warning_id),
    )


async def submit(db: aiosqlite.Connection, warning_id: int) -> bool:
    cur = await db.execute(
        "UPDATE warnings SET state = 'pending', awaiting = NULL, awaiting_until = NULL"
        " WHERE id = ? AND state = 'draft'",
        (warning_id,),
    )
    return cur.rowcount == 1


async def approve(
    db: aiosqlite.Connection, warning_id: int, by: int, now: float, expires_at: float
) -> bool:
    """pending -> sent; the row count says whether this caller won."""
    cur = await db.execute(
        "UPDATE warnings SET state = 'sent', decided_by = ?, sent_at = ?, expires_at = ?"
        " WHERE id = ? AND state = 'pending'",
        (by, now, expires_at, warning_id),
    )
    return cur.rowcount == 1


async def delete(db: aiosqlite.Connection, warning_id: int, states: tuple[str, ...]) -> bool:
    """A rejected or discarded warning goes at once: its words are not kept."""
    marks = ",".join("?" for _ in states)
    cur = await db.execute(
        f"DELETE FROM warnings WHERE id = ? AND state IN ({marks})", (warning_id, *states)
    )
    return cur.rowcount == 1


async def in_force(db: aiosqlite.Connection, squad_id: int, now: float) -> list[SafetyWarning]:
    async with db.execute(
        "SELECT * FROM warnings WHERE squad_id = ? AND state = 'sent' AND expires_at > ?"
        " ORDER BY sent_at DESC",
        (squad_id, now),
    ) as cur:
        return [_warning(r) for r in await cur.fetchall()]


async def delete_expired(db: aiosqlite.Connection, now: float, unsent_before: float) -> int:
    """Sent warnings past their expiry, and drafts or unapproved ones older than a warning
    lives, are deleted."""
    cur = await db.execute(
        "DELETE FROM warnings WHERE (state = 'sent' AND expires_at <= ?)"
        " OR (state IN ('draft', 'pending') AND created_at < ?)",
        (now, unsent_before),
    )
    return cur.rowcount


async def forget_user(db: aiosqlite.Connection, user_id: int) -> None:
    """/forgetme: their drafts and the warnings still waiting for approval go; sent ones
    stay until they expire (they name nobody, and keep others safe)."""
    await db.execute(
        "DELETE FROM warnings WHERE state IN ('draft', 'pending')"
        " AND issuer_member_id IN (SELECT id FROM members WHERE user_id = ?)",
        (user_id,),
    )
