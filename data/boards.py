"""SQL for the squad's board: the alerts its one live group message shows, and those it
waits on for a location."""

from __future__ import annotations

import aiosqlite

from bot.domain import Alert
from data.alerts import alert_from_row

_OPEN = "('new', 'offered', 'acknowledged', 'en_route', 'on_scene', 'escalated')"


async def board_alerts(
    db: aiosqlite.Connection, squad_id: int, *, finished_since: float | None
) -> list[tuple[Alert, str | None, int]]:
    """The alerts the squad's board shows, oldest first, each with its owner's alias and how
    many of its places are open: every open alert that is not held for a lead, and
    (``finished_since``) those that ended since then."""
    async with db.execute(
        "SELECT a.*, m.alias AS owner_alias,"
        " (SELECT count(*) FROM slots s WHERE s.alert_id = a.id"
        "  AND s.holder_member_id IS NULL) AS open_slots"
        " FROM alerts a LEFT JOIN members m ON m.id = a.owner_member_id"
        f" WHERE a.squad_id = ? AND a.held = 0 AND (a.state IN {_OPEN}"
        "  OR (a.state IN ('closed', 'cancelled') AND a.closed_at >= ?))"
        " ORDER BY a.id",
        (squad_id, finished_since if finished_since is not None else float("inf")),
    ) as cur:
        rows = await cur.fetchall()
    return [(alert_from_row(r), r["owner_alias"], r["open_slots"]) for r in rows]


async def waiting_in_group(db: aiosqlite.Connection, group_chat_id: int) -> list[Alert]:
    """The open alerts raised in this group that still have no location (not held; never a
    drill, which takes no location but its made-up one)."""
    async with db.execute(
        "SELECT * FROM alerts WHERE origin_chat_id = ? AND lat IS NULL AND held = 0 AND drill = 0"
        " AND state IN ('new', 'offered', 'escalated', 'acknowledged', 'en_route', 'on_scene')"
        " ORDER BY id",
        (group_chat_id,),
    ) as cur:
        return [alert_from_row(r) for r in await cur.fetchall()]
