"""SQL for the audit trail: who did what, when; never free text or coordinates."""

from __future__ import annotations

import aiosqlite


async def audit(
    db: aiosqlite.Connection,
    squad_id: int | None,
    actor: int | None,
    action: str,
    target: str | None,
    now: float,
) -> None:
    """Record who did what. Never pass free text or coordinates as ``target``."""
    await db.execute(
        "INSERT INTO audit(squad_id, actor, action, target, at) VALUES (?, ?, ?, ?, ?)",
        (squad_id, actor, action, target, now),
    )


async def recent_audit(
    db: aiosqlite.Connection, squad_id: int, limit: int
) -> list[tuple[int | None, str, str | None, float]]:
    async with db.execute(
        "SELECT actor, action, target, at FROM audit WHERE squad_id = ? ORDER BY id DESC LIMIT ?",
        (squad_id, limit),
    ) as cur:
        return [(r["actor"], r["action"], r["target"], r["at"]) for r in await cur.fetchall()]


async def audit_by_actor(
    db: aiosqlite.Connection, user_id: int, limit: int
) -> list[tuple[str, str | None, float]]:
    async with db.execute(
        "SELECT action, target, at FROM audit WHERE actor = ? ORDER BY id DESC LIMIT ?",
        (user_id, limit),
    ) as cur:
        return [(r["action"], r["target"], r["at"]) for r in await cur.fetchall()]
