"""SQL for alerts.

Every state change is a guarded ``UPDATE ... WHERE state IN (...)``; the row count
tells the caller whether it won the race.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.domain import (
    Alert,
    AlertState,
    CrisisType,
    Origin,
    Outcome,
    from_fields,
    reader,
)

_ORIGIN = reader(Origin)
_STATE = reader(AlertState)
_OUTCOME = reader(Outcome)
_CRISIS = reader(CrisisType)


def _alert(found: aiosqlite.Row) -> Alert:
    # A dict of the row first: a row finds a column by name by comparing it with each
    # column's in turn, and an alert has over thirty.
    row = dict(zip(found.keys(), found, strict=True))
    return from_fields(
        Alert,
        {
            "id": row["id"],
            "squad_id": row["squad_id"],
            "code": row["code"],
            "reporter_user_id": row["reporter_user_id"],
            "origin": _ORIGIN(row["origin"]),
            "origin_chat_id": row["origin_chat_id"],
            "origin_message_id": row["origin_message_id"],
            "text": row["text"],
            "lat": row["lat"],
            "lon": row["lon"],
            "area_label": row["area_label"],
            "state": _STATE(row["state"]),
            "owner_member_id": row["owner_member_id"],
            "broadcast": bool(row["broadcast"]),
            "offers_made": row["offers_made"],
            "escalations": row["escalations"],
            "outcome": _OUTCOME(row["outcome"]) if row["outcome"] else None,
            "note": row["note"],
            "created_at": row["created_at"],
            "acknowledged_at": row["acknowledged_at"],
            "closed_at": row["closed_at"],
            "reporter_alias": row["reporter_alias"],
            "contact_ok": bool(row["contact_ok"]),
            "coarsened": bool(row["coarsened"]),
            "held": bool(row["held"]),
            "contact_asked": bool(row["contact_asked"]),
            "contact_answered": bool(row["contact_answered"]),
            "crisis_type": _CRISIS(row["crisis_type"]) if row["crisis_type"] else None,
            "police_consent": bool(row["police_consent"]),
            "occurred_at": row["occurred_at"],
            "linked_alert_id": row["linked_alert_id"],
            "drill": bool(row["drill"]),
        },
    )


alert_from_row = _alert


def _states(states: Sequence[AlertState]) -> tuple[str, list[str]]:
    return ",".join("?" for _ in states), [s.value for s in states]


# alerts ---------------------------------------------------------------------------


async def code_taken(db: aiosqlite.Connection, code: str) -> bool:
    async with db.execute("SELECT 1 FROM alerts WHERE code = ?", (code,)) as cur:
        return await cur.fetchone() is not None


async def insert_alert(
    db: aiosqlite.Connection,
    *,
    squad_id: int,
    code: str,
    reporter_user_id: int,
    origin: Origin,
    origin_chat_id: int,
    origin_message_id: int | None,
    text: str,
    lat: float | None,
    lon: float | None,
    area_label: str | None,
    now: float,
) -> Alert:
    cur = await db.execute(
        "INSERT INTO alerts(squad_id, code, reporter_user_id, origin, origin_chat_id,"
        " origin_message_id, text, lat, lon, area_label, state, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?)",
        (
            squad_id,
            code,
            reporter_user_id,
            origin.value,
            origin_chat_id,
            origin_message_id,
            text,
            lat,
            lon,
            area_label,
            now,
        ),
    )
    alert = await alert_by_id(db, int(cur.lastrowid or 0))
    assert alert is not None
    return alert


async def alert_by_id(db: aiosqlite.Connection, alert_id: int) -> Alert | None:
    async with db.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)) as cur:
        row = await cur.fetchone()
    return _alert(row) if row else None


async def alert_by_code(db: aiosqlite.Connection, squad_id: int | None, code: str) -> Alert | None:
    sql = "SELECT * FROM alerts WHERE code = ?"
    args: tuple[object, ...] = (code,)
    if squad_id is not None:
        sql, args = sql + " AND squad_id = ?", (code, squad_id)
    async with db.execute(sql, args) as cur:
        row = await cur.fetchone()
    return _alert(row) if row else None


async def alert_by_origin(
    db: aiosqlite.Connection, origin_chat_id: int, origin_message_id: int
) -> Alert | None:
    async with db.execute(
        "SELECT * FROM alerts WHERE origin_chat_id = ? AND origin_message_id = ?",
        (origin_chat_id, origin_message_id),
    ) as cur:
        row = await cur.fetchone()
    return _alert(row) if row else None


async def alerts_in_states(
    db: aiosqlite.Connection, squad_id: int, states: Sequence[AlertState]
) -> list[Alert]:
    """The squad's real alerts in these states (/status): drills are left out."""
    marks, values = _states(states)
    async with db.execute(
        f"SELECT * FROM alerts WHERE squad_id = ? AND state IN ({marks}) AND drill = 0"
        " ORDER BY created_at",
        (squad_id, *values),
    ) as cur:
        return [_alert(r) for r in await cur.fetchall()]


async def alerts_since(db: aiosqlite.Connection, squad_id: int, since: float) -> list[Alert]:
    """The squad's real alerts raised since then (/status, /meeting): drills are left out."""
    async with db.execute(
        "SELECT * FROM alerts WHERE squad_id = ? AND created_at >= ? AND drill = 0",
        (squad_id, since),
    ) as cur:
        return [_alert(r) for r in await cur.fetchall()]


async def stranded_alerts(db: aiosqlite.Connection) -> list[Alert]:
    """Open alerts with no owner and no pending deadline: nothing would move them on.
    (An alert held for a lead waits for the lead, on purpose.)"""
    async with db.execute(
        "SELECT * FROM alerts a WHERE a.state IN ('new', 'offered', 'escalated')"
        " AND a.held = 0 AND a.owner_member_id IS NULL AND NOT EXISTS (SELECT 1 FROM deadlines d"
        " WHERE d.alert_id = a.id AND d.fired_at IS NULL AND d.cancelled_at IS NULL"
        " AND d.kind IN ('location', 'ack', 'escalate'))"
        " ORDER BY a.id"
    ) as cur:
        return [_alert(r) for r in await cur.fetchall()]


async def orphaned_alerts(db: aiosqlite.Connection) -> list[Alert]:
    """Alerts someone is responding to whose responder no longer exists."""
    async with db.execute(
        "SELECT * FROM alerts WHERE state IN ('acknowledged', 'en_route', 'on_scene')"
        " AND (owner_member_id IS NULL OR NOT EXISTS"
        " (SELECT 1 FROM members m WHERE m.id = alerts.owner_member_id)) ORDER BY id"
    ) as cur:
        return [_alert(r) for r in await cur.fetchall()]


async def open_alerts_owned_by_member(db: aiosqlite.Connection, member_id: int) -> list[Alert]:
    async with db.execute(
        "SELECT * FROM alerts WHERE owner_member_id = ?"
        " AND state IN ('acknowledged', 'en_route', 'on_scene') ORDER BY id",
        (member_id,),
    ) as cur:
        return [_alert(r) for r in await cur.fetchall()]


async def open_alerts_of_reporter(
    db: aiosqlite.Connection, squad_id: int, reporter_user_id: int
) -> list[Alert]:
    """The reporter's open real alerts in one squad, newest first (a real alert never
    merges into a drill)."""
    async with db.execute(
        "SELECT * FROM alerts WHERE squad_id = ? AND reporter_user_id = ? AND drill = 0"
        " AND state IN ('new', 'offered', 'acknowledged', 'en_route', 'on_scene', 'escalated')"
        " ORDER BY id DESC",
        (squad_id, reporter_user_id),
    ) as cur:
        return [_alert(r) for r in await cur.fetchall()]


async def append_text(db: aiosqlite.Connection, alert_id: int, text: str) -> None:
    await db.execute(
        "UPDATE alerts SET text = CASE WHEN text = '' THEN ? ELSE text || char(10) || ? END"
        " WHERE id = ?",
        (text, text, alert_id),
    )


async def mark_contact_asked(db: aiosqlite.Connection, alert_id: int) -> bool:
    """Only the first caller gets ``True``: the reporter is asked about contact once."""
    cur = await db.execute(
        "UPDATE alerts SET contact_asked = 1 WHERE id = ? AND contact_asked = 0", (alert_id,)
    )
    return cur.rowcount == 1


async def open_unowned_in_squads(
    db: aiosqlite.Connection, squad_ids: Sequence[int], limit: int = 10
) -> list[Alert]:
    """Alerts nobody has taken yet (and no lead is holding), oldest first: what /claim lists."""
    if not squad_ids:
        return []
    marks = ",".join("?" for _ in squad_ids)
    async with db.execute(
        f"SELECT * FROM alerts WHERE squad_id IN ({marks}) AND held = 0"
        " AND state IN ('new', 'offered', 'escalated') ORDER BY id LIMIT ?",
        (*squad_ids, limit),
    ) as cur:
        return [_alert(r) for r in await cur.fetchall()]


async def set_held(db: aiosqlite.Connection, alert_id: int, held: bool) -> bool:
    cur = await db.execute(
        "UPDATE alerts SET held = ? WHERE id = ? AND held <> ?", (int(held), alert_id, int(held))
    )
    return cur.rowcount == 1


async def release_owner(db: aiosqlite.Connection, alert_id: int) -> bool:
    """Put an alert whose responder is gone back into dispatch (guarded by its state)."""
    cur = await db.execute(
        "UPDATE alerts SET state = 'new', owner_member_id = NULL, acknowledged_at = NULL"
        " WHERE id = ? AND state IN ('acknowledged', 'en_route', 'on_scene')",
        (alert_id,),
    )
    return cur.rowcount == 1


# A drill never waits for a location: it takes none but its made-up one (bot/drills/).
_WAITING = (
    "SELECT * FROM alerts WHERE reporter_user_id = ? AND reporter_user_id <> 0 AND lat IS NULL"
    " AND drill = 0"
    " AND state IN ('new', 'offered', 'escalated', 'acknowledged', 'en_route', 'on_scene')"
)


async def _newest_waiting(
    db: aiosqlite.Connection, where: str, args: tuple[object, ...]
) -> Alert | None:
    async with db.execute(_WAITING + f" AND {where} ORDER BY id DESC LIMIT 1", args) as cur:
        row = await cur.fetchone()
    return _alert(row) if row else None


async def awaiting_location(
    db: aiosqlite.Connection, reporter_user_id: int, private_chat_id: int
) -> Alert | None:
    """For a pin sent in private: the reporter's newest open alert with no location, raised
    in this private chat or in a group (the group asked them to send it privately)."""
    where = "(origin_chat_id = ? OR origin = 'group')"
    return await _newest_waiting(db, where, (reporter_user_id, private_chat_id))


async def awaiting_location_in_group(
    db: aiosqlite.Connection, reporter_user_id: int, group_chat_id: int
) -> Alert | None:
    """For a pin (or a typed answer) in a group: the sender's newest alert raised there that
    still has no location."""
    return await _newest_waiting(db, "origin_chat_id = ?", (reporter_user_id, group_chat_id))


async def transition(
    db: aiosqlite.Connection,
    alert_id: int,
    from_states: Sequence[AlertState],
    to_state: AlertState,
    **fields: object,
) -> bool:
    """Move an alert to ``to_state`` only if it is in one of ``from_states``."""
    sets = ["state = ?"] + [f"{name} = ?" for name in fields]
    marks, values = _states(from_states)
    cur = await db.execute(
        f"UPDATE alerts SET {', '.join(sets)} WHERE id = ? AND state IN ({marks})",
        (to_state.value, *fields.values(), alert_id, *values),
    )
    return cur.rowcount == 1


async def set_location(
    db: aiosqlite.Connection, alert_id: int, lat: float, lon: float, area_label: str | None
) -> bool:
    cur = await db.execute(
        "UPDATE alerts SET lat = ?, lon = ?, area_label = coalesce(?, area_label)"
        " WHERE id = ? AND lat IS NULL",
        (lat, lon, area_label, alert_id),
    )
    return cur.rowcount == 1


async def move_location(
    db: aiosqlite.Connection, alert_id: int, lat: float, lon: float, area_label: str
) -> bool:
    """A live location moved: only an open alert that still holds precise coordinates."""
    cur = await db.execute(
        "UPDATE alerts SET lat = ?, lon = ?, area_label = ? WHERE id = ? AND coarsened = 0"
        " AND lat IS NOT NULL AND state IN ('new', 'offered', 'escalated', 'acknowledged',"
        " 'en_route', 'on_scene')",
        (lat, lon, area_label, alert_id),
    )
    return cur.rowcount == 1


async def bump_offers(db: aiosqlite.Connection, alert_id: int, count: int = 1) -> None:
    await db.execute(
        "UPDATE alerts SET offers_made = offers_made + ? WHERE id = ?", (count, alert_id)
    )


async def set_note(db: aiosqlite.Connection, alert_id: int, note: str) -> bool:
    """Only on a closed alert whose records retention has not purged yet (the purge runs
    once per alert, so a note written after it would be kept for ever)."""
    cur = await db.execute(
        "UPDATE alerts SET note = ? WHERE id = ? AND state = 'closed' AND purged_at IS NULL",
        (note, alert_id),
    )
    return cur.rowcount == 1


async def mark_leads_told(db: aiosqlite.Connection, alert_id: int, now: float) -> bool:
    """True the first time only: the leads are told once per alert that a message is stuck."""
    cur = await db.execute(
        "UPDATE alerts SET leads_told_at = ? WHERE id = ? AND leads_told_at IS NULL",
        (now, alert_id),
    )
    return cur.rowcount == 1


async def is_purged(db: aiosqlite.Connection, alert_id: int) -> bool:
    async with db.execute("SELECT purged_at FROM alerts WHERE id = ?", (alert_id,)) as cur:
        row = await cur.fetchone()
    return row is not None and row["purged_at"] is not None


async def set_occurred_at(db: aiosqlite.Connection, alert_id: int, occurred_at: float) -> bool:
    """When it happened, as a team member or a lead typed it (``/when``)."""
    cur = await db.execute(
        "UPDATE alerts SET occurred_at = ? WHERE id = ?", (occurred_at, alert_id)
    )
    return cur.rowcount == 1


async def set_linked(db: aiosqlite.Connection, alert_id: int, linked_alert_id: int) -> None:
    """A "responder needs help" alert points at the alert its responder was on."""
    await db.execute(
        "UPDATE alerts SET linked_alert_id = ? WHERE id = ?", (linked_alert_id, alert_id)
    )


# offers ---------------------------------------------------------------------------


# deadlines ------------------------------------------------------------------------


# message map ----------------------------------------------------------------------


async def supersede_private_sends(
    db: aiosqlite.Connection, alert_id: int, chat_id: int | None = None
) -> int:
    """Unsent messages about a finished alert to private chats are not sent any more."""
    sql = (
        "UPDATE outbox SET state = 'superseded' WHERE alert_id = ? AND chat_id > 0"
        " AND state = 'pending'"
    )
    args: tuple[object, ...] = (alert_id,)
    if chat_id is not None:
        sql, args = sql + " AND chat_id = ?", (alert_id, chat_id)
    cur = await db.execute(sql, args)
    return cur.rowcount


async def set_owner(db: aiosqlite.Connection, alert_id: int, member_id: int) -> None:
    """Another responder of the team owns the alert (its owner left)."""
    await db.execute("UPDATE alerts SET owner_member_id = ? WHERE id = ?", (member_id, alert_id))


async def set_crisis_type(db: aiosqlite.Connection, alert_id: int, kind: CrisisType) -> bool:
    """Set the alert's crisis type; ``False`` if it already had that type or is finished."""
    cur = await db.execute(
        "UPDATE alerts SET crisis_type = ? WHERE id = ? AND crisis_type IS NOT ?"
        " AND state IN ('new', 'offered', 'acknowledged', 'en_route', 'on_scene', 'escalated')",
        (kind.value, alert_id, kind.value),
    )
    return cur.rowcount == 1


async def record_police_consent(db: aiosqlite.Connection, alert_id: int) -> bool:
    """The reporter or a responder agreed to involve the police; ``False`` if already so."""
    cur = await db.execute(
        "UPDATE alerts SET police_consent = 1 WHERE id = ? AND police_consent = 0"
        " AND state IN ('new', 'offered', 'acknowledged', 'en_route', 'on_scene', 'escalated')",
        (alert_id,),
    )
    return cur.rowcount == 1
