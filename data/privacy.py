"""SQL for erasure, retention, the audit trail and other privacy switches."""

from __future__ import annotations

import aiosqlite

# About 1 km: what a closed case keeps for documentation.
COARSE_DECIMALS = 2


async def recent_audit(
    db: aiosqlite.Connection, squad_id: int, limit: int
) -> list[tuple[int | None, str, str | None, float]]:
    async with db.execute(
        "SELECT actor, action, target, at FROM audit WHERE squad_id = ? ORDER BY id DESC LIMIT ?",
        (squad_id, limit),
    ) as cur:
        return [(r["actor"], r["action"], r["target"], r["at"]) for r in await cur.fetchall()]


async def set_hygiene(db: aiosqlite.Connection, squad_id: int, on: bool) -> None:
    await db.execute("UPDATE squads SET hygiene = ? WHERE id = ?", (int(on), squad_id))


async def set_contact(db: aiosqlite.Connection, alert_id: int, allow: bool) -> None:
    await db.execute("UPDATE alerts SET contact_ok = ? WHERE id = ?", (int(allow), alert_id))


async def set_reporter_alias(db: aiosqlite.Connection, alert_id: int, alias: str) -> None:
    await db.execute("UPDATE alerts SET reporter_alias = ? WHERE id = ?", (alias, alert_id))


async def coarsen(db: aiosqlite.Connection, alert_id: int) -> None:
    """Round a finished alert's coordinates to about 1 km."""
    await db.execute(
        f"UPDATE alerts SET lat = round(lat, {COARSE_DECIMALS}),"
        f" lon = round(lon, {COARSE_DECIMALS}), coarsened = 1 WHERE id = ? AND coarsened = 0",
        (alert_id,),
    )


async def open_alerts_owned_by(db: aiosqlite.Connection, user_id: int) -> list[str]:
    async with db.execute(
        "SELECT a.code FROM alerts a JOIN members m ON m.id = a.owner_member_id"
        " WHERE m.user_id = ? AND a.state IN ('acknowledged', 'en_route', 'on_scene')",
        (user_id,),
    ) as cur:
        return [r["code"] for r in await cur.fetchall()]


async def scrub_transport_all(db: aiosqlite.Connection) -> None:
    """Handled updates and delivered messages hold names and text: empty them now."""
    await db.execute("UPDATE inbox SET raw = '' WHERE state <> 'pending' AND raw <> ''")
    await db.execute(
        "UPDATE outbox SET payload = '{}' WHERE state IN ('sent', 'failed', 'superseded')"
        " AND payload <> '{}'"
    )


async def forget_user(db: aiosqlite.Connection, user_id: int) -> None:
    """Everything that identifies one person goes; the cases they touched stay, anonymised."""
    # Alerts they reported: no link back to them, no free text, coordinates coarsened.
    await db.execute(
        "UPDATE alerts SET text = '', note = NULL, reporter_alias = NULL, contact_ok = 0,"
        f" lat = round(lat, {COARSE_DECIMALS}), lon = round(lon, {COARSE_DECIMALS}), coarsened = 1,"
        " reporter_user_id = 0,"
        " origin_chat_id = CASE WHEN origin = 'private' THEN 0 ELSE origin_chat_id END,"
        " origin_message_id = CASE WHEN origin = 'private' THEN NULL ELSE origin_message_id END"
        " WHERE reporter_user_id = ?",
        (user_id,),
    )
    # Their memberships (offers cascade; alerts they owned keep the case, without them).
    await db.execute("DELETE FROM members WHERE user_id = ?", (user_id,))
    await db.execute("DELETE FROM user_locations WHERE user_id = ?", (user_id,))
    await db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
    # Their private chat's id is their user id.
    await db.execute("DELETE FROM messages WHERE chat_id = ?", (user_id,))
    await db.execute("DELETE FROM outbox WHERE chat_id = ?", (user_id,))
    await db.execute("DELETE FROM send_log WHERE chat_id = ?", (user_id,))
    await db.execute("UPDATE audit SET actor = NULL WHERE actor = ?", (user_id,))
    await db.execute("DELETE FROM inbox WHERE state <> 'pending'")
    await scrub_transport_all(db)


async def wipe_squad(db: aiosqlite.Connection, squad_id: int, chat_id: int) -> None:
    """The whole squad goes: members, places, alerts and everything hanging off them."""
    async with db.execute("SELECT user_id FROM members WHERE squad_id = ?", (squad_id,)) as cur:
        users = [r["user_id"] for r in await cur.fetchall()]
    await db.execute("DELETE FROM squads WHERE id = ?", (squad_id,))  # cascades
    await db.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))
    await db.execute("DELETE FROM messages WHERE chat_id = ?", (chat_id,))
    await db.execute("DELETE FROM send_log WHERE chat_id = ?", (chat_id,))
    await db.execute("DELETE FROM audit WHERE squad_id = ?", (squad_id,))
    for user_id in users:
        async with db.execute("SELECT 1 FROM members WHERE user_id = ?", (user_id,)) as cur:
            still_member = await cur.fetchone() is not None
        if not still_member:
            await db.execute("DELETE FROM user_locations WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM outbox WHERE chat_id = ?", (user_id,))
            await db.execute("DELETE FROM messages WHERE chat_id = ?", (user_id,))
    await db.execute("DELETE FROM inbox WHERE state <> 'pending'")
    await scrub_transport_all(db)


async def delete_stale_locations(db: aiosqlite.Connection, before: float, now: float) -> int:
    cur = await db.execute(
        "DELETE FROM user_locations WHERE at < ? AND (live_until IS NULL OR live_until < ?)",
        (before, now),
    )
    return cur.rowcount


async def purge_closed_alerts(db: aiosqlite.Connection, closed_before: float, now: float) -> int:
    """Free text, notes and anything precise of long-finished alerts are deleted."""
    async with db.execute(
        "SELECT id FROM alerts WHERE state IN ('closed', 'cancelled') AND closed_at < ?"
        " AND purged_at IS NULL",
        (closed_before,),
    ) as cur:
        ids = [r["id"] for r in await cur.fetchall()]
    for alert_id in ids:
        await db.execute(
            "UPDATE alerts SET text = '', note = NULL, reporter_alias = NULL,"
            f" lat = round(lat, {COARSE_DECIMALS}), lon = round(lon, {COARSE_DECIMALS}),"
            " coarsened = 1, purged_at = ? WHERE id = ?",
            (now, alert_id),
        )
        # Anything still unsent about a long-finished alert is stale: drop it too.
        await db.execute(
            "UPDATE outbox SET payload = '{}', state = CASE WHEN state = 'pending'"
            " THEN 'superseded' ELSE state END WHERE alert_id = ? AND state <> 'sending'",
            (alert_id,),
        )
    return len(ids)


async def scrub_transport(db: aiosqlite.Connection, before: float) -> int:
    """Delivered messages are only kept briefly (they hold rendered names and text)."""
    cur = await db.execute(
        "UPDATE outbox SET payload = '{}' WHERE state IN ('sent', 'failed', 'superseded')"
        " AND payload <> '{}' AND coalesce(sent_at, created_at) < ?",
        (before,),
    )
    return cur.rowcount


# groups that never completed /setup ------------------------------------------------


async def bot_added(db: aiosqlite.Connection, chat_id: int, now: float) -> None:
    await db.execute(
        "INSERT INTO pending_groups(chat_id, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (chat_id, now),
    )


async def forget_group(db: aiosqlite.Connection, chat_id: int) -> None:
    await db.execute("DELETE FROM pending_groups WHERE chat_id = ?", (chat_id,))


async def overdue_groups(db: aiosqlite.Connection, added_before: float) -> list[int]:
    async with db.execute(
        "SELECT p.chat_id FROM pending_groups p WHERE p.added_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM squads s WHERE s.chat_id = p.chat_id)",
        (added_before,),
    ) as cur:
        return [r["chat_id"] for r in await cur.fetchall()]
