"""SQL for follow-up tasks and a squad's changes to the rules."""

from __future__ import annotations

import aiosqlite

from bot.aftercare.model import Rule, Task, TaskState


def _task(row: aiosqlite.Row) -> Task:
    return Task(
        id=row["id"],
        alert_id=row["alert_id"],
        referral_id=row["referral_id"],
        rule=Rule(row["rule"]),
        owner_member_id=row["owner_member_id"],
        due_at=row["due_at"],
        state=TaskState(row["state"]),
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        snoozes=row["snoozes"],
        leads_paged_at=row["leads_paged_at"],
    )


async def add_task(
    db: aiosqlite.Connection,
    alert_id: int,
    rule: Rule,
    owner_member_id: int | None,
    due_at: float,
    now: float,
    referral_id: int | None = None,
) -> int | None:
    """A new task; ``None`` if the case already has one for this rule (or this referral)."""
    cur = await db.execute(
        "INSERT INTO followups(alert_id, referral_id, rule, owner_member_id, due_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (alert_id, referral_id, rule.value, owner_member_id, due_at, now),
    )
    return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None


async def task_by_id(db: aiosqlite.Connection, task_id: int) -> Task | None:
    async with db.execute("SELECT * FROM followups WHERE id = ?", (task_id,)) as cur:
        row = await cur.fetchone()
    return _task(row) if row else None


async def task_for(db: aiosqlite.Connection, alert_id: int, rule: Rule) -> Task | None:
    """The case's task for a rule that is not a referral's."""
    async with db.execute(
        "SELECT * FROM followups WHERE alert_id = ? AND rule = ? AND referral_id IS NULL",
        (alert_id, rule.value),
    ) as cur:
        row = await cur.fetchone()
    return _task(row) if row else None


async def task_of_referral(db: aiosqlite.Connection, referral_id: int) -> Task | None:
    async with db.execute("SELECT * FROM followups WHERE referral_id = ?", (referral_id,)) as cur:
        row = await cur.fetchone()
    return _task(row) if row else None


async def tasks_of_alert(db: aiosqlite.Connection, alert_id: int) -> list[Task]:
    async with db.execute(
        "SELECT * FROM followups WHERE alert_id = ? ORDER BY id", (alert_id,)
    ) as cur:
        return [_task(r) for r in await cur.fetchall()]


async def open_tasks(
    db: aiosqlite.Connection, squad_id: int, owner_member_id: int | None = None
) -> list[Task]:
    """The squad's open tasks (or one owner's), the earliest due first."""
    # CROSS JOIN: from the open tasks (followups_owner) to their alert, never from every
    # alert the squad ever had (alerts_squad_state) to its tasks.
    sql = (
        "SELECT f.* FROM followups f CROSS JOIN alerts a ON a.id = f.alert_id"
        " WHERE a.squad_id = ? AND f.state = 'open'"
    )
    args: tuple[object, ...] = (squad_id,)
    if owner_member_id is not None:
        sql += " AND f.owner_member_id = ?"
        args += (owner_member_id,)
    async with db.execute(sql + " ORDER BY f.due_at, f.id", args) as cur:
        return [_task(r) for r in await cur.fetchall()]


async def open_counts(db: aiosqlite.Connection, squad_id: int) -> dict[int, int]:
    """How many open tasks each member of the squad owns."""
    async with db.execute(
        "SELECT f.owner_member_id AS m, count(*) AS n FROM followups f"
        " CROSS JOIN alerts a ON a.id = f.alert_id WHERE a.squad_id = ? AND f.state = 'open'"
        " AND f.owner_member_id IS NOT NULL GROUP BY f.owner_member_id",
        (squad_id,),
    ) as cur:
        return {int(r["m"]): int(r["n"]) for r in await cur.fetchall()}


async def finish_task(db: aiosqlite.Connection, task_id: int, state: TaskState, now: float) -> bool:
    """Open → done, could not reach, or cancelled; the row count says who won."""
    cur = await db.execute(
        "UPDATE followups SET state = ?, finished_at = ? WHERE id = ? AND state = 'open'",
        (state.value, now, task_id),
    )
    return cur.rowcount == 1


async def reopen_at(db: aiosqlite.Connection, task_id: int, due_at: float) -> None:
    """A task falls due again (a new court date): open, not yet paged."""
    await db.execute(
        "UPDATE followups SET state = 'open', finished_at = NULL, leads_paged_at = NULL,"
        " due_at = ? WHERE id = ?",
        (due_at, task_id),
    )


async def snooze(db: aiosqlite.Connection, task_id: int, due_at: float) -> bool:
    cur = await db.execute(
        "UPDATE followups SET due_at = ?, snoozes = snoozes + 1 WHERE id = ? AND state = 'open'",
        (due_at, task_id),
    )
    return cur.rowcount == 1


async def set_owner(db: aiosqlite.Connection, task_id: int, member_id: int) -> bool:
    cur = await db.execute(
        "UPDATE followups SET owner_member_id = ? WHERE id = ? AND state = 'open'",
        (member_id, task_id),
    )
    return cur.rowcount == 1


async def mark_paged(db: aiosqlite.Connection, task_id: int, now: float) -> bool:
    """The leads are told once: only the first caller gets ``True``."""
    cur = await db.execute(
        "UPDATE followups SET leads_paged_at = ? WHERE id = ? AND leads_paged_at IS NULL"
        " AND state = 'open'",
        (now, task_id),
    )
    return cur.rowcount == 1


async def cancel_open(db: aiosqlite.Connection, alert_id: int, now: float) -> list[int]:
    """The alert was cancelled, or closed as a false alarm: its rule tasks end (a referral's
    check stays: the referral was made). Returns them."""
    async with db.execute(
        "SELECT id FROM followups WHERE alert_id = ? AND state = 'open' AND referral_id IS NULL",
        (alert_id,),
    ) as cur:
        ids = [int(r["id"]) for r in await cur.fetchall()]
    for task_id in ids:
        await finish_task(db, task_id, TaskState.CANCELLED, now)
    return ids


# a squad's changes to the rules ---------------------------------------------------------


async def changed_rules(db: aiosqlite.Connection, squad_id: int) -> dict[Rule, float | None]:
    async with db.execute(
        "SELECT rule, offset_s FROM followup_rules WHERE squad_id = ?", (squad_id,)
    ) as cur:
        return {Rule(r["rule"]): r["offset_s"] for r in await cur.fetchall()}


async def change_rule(
    db: aiosqlite.Connection, squad_id: int, rule: Rule, offset_s: float | None
) -> None:
    await db.execute(
        "INSERT INTO followup_rules(squad_id, rule, offset_s) VALUES (?, ?, ?)"
        " ON CONFLICT(squad_id, rule) DO UPDATE SET offset_s = excluded.offset_s",
        (squad_id, rule.value, offset_s),
    )


async def reset_rule(db: aiosqlite.Connection, squad_id: int, rule: Rule) -> bool:
    cur = await db.execute(
        "DELETE FROM followup_rules WHERE squad_id = ? AND rule = ?", (squad_id, rule.value)
    )
    return cur.rowcount == 1


async def forget_reporter_tasks(db: aiosqlite.Connection, user_id: int, now: float) -> None:
    """The person a case is about asked to be forgotten: nobody is to follow up on them.
    (Only cases that still point at them: an open alert, or one where they chose contact.)"""
    await db.execute(
        "UPDATE followups SET state = 'cancelled', finished_at = ? WHERE state = 'open'"
        " AND alert_id IN (SELECT id FROM alerts WHERE reporter_user_id = ?)",
        (now, user_id),
    )
