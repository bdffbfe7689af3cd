"""SQL for squads, members, users, member locations and saved places."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.domain import (
    Availability,
    Location,
    Member,
    Place,
    Role,
    Skill,
    Squad,
    from_fields,
    reader,
)

_ROLE = reader(Role)
_AVAILABILITY = reader(Availability)
_SKILL = reader(Skill)

_MEMBER_COLUMNS = (
    "m.id, m.squad_id, m.user_id, m.alias, m.role, m.availability, m.joined_at, m.approved,"
    " CASE WHEN u.blocked = 0 THEN u.private_chat_id END AS private_chat_id,"
    " (SELECT group_concat(skill) FROM member_skills s WHERE s.member_id = m.id) AS skills"
)
_MEMBER_FROM = "members m LEFT JOIN users u ON u.user_id = m.user_id"


def _squad(row: aiosqlite.Row) -> Squad:
    return Squad(
        row["id"],
        row["chat_id"],
        row["name"],
        row["invite_token"],
        bool(row["hygiene"]),
        row["language"],
    )


def _member(row: aiosqlite.Row) -> Member:
    return from_fields(
        Member,
        {
            "id": row["id"],
            "squad_id": row["squad_id"],
            "user_id": row["user_id"],
            "alias": row["alias"],
            "role": _ROLE(row["role"]),
            "availability": _AVAILABILITY(row["availability"]),
            "private_chat_id": row["private_chat_id"],
            "joined_at": row["joined_at"],
            "approved": bool(row["approved"]),
            "skills": frozenset(_SKILL(v) for v in (row["skills"] or "").split(",") if v),
        },
    )


def _location(row: aiosqlite.Row, prefix: str = "") -> Location:
    """A member's last location, from its columns (``prefix``: as the query named them)."""
    return Location(
        row[f"{prefix}lat"],
        row[f"{prefix}lon"],
        row[f"{prefix}at"],
        row[f"{prefix}accuracy"],
        row[f"{prefix}live_until"],
    )


async def _one(db: aiosqlite.Connection, sql: str, args: Sequence[object]) -> aiosqlite.Row | None:
    async with db.execute(sql, args) as cur:
        return await cur.fetchone()


async def _all(db: aiosqlite.Connection, sql: str, args: Sequence[object]) -> list[aiosqlite.Row]:
    async with db.execute(sql, args) as cur:
        return list(await cur.fetchall())


# squads ---------------------------------------------------------------------------


async def squad_by_chat(db: aiosqlite.Connection, chat_id: int) -> Squad | None:
    row = await _one(db, "SELECT * FROM squads WHERE chat_id = ?", (chat_id,))
    return _squad(row) if row else None


async def squad_by_id(db: aiosqlite.Connection, squad_id: int) -> Squad | None:
    row = await _one(db, "SELECT * FROM squads WHERE id = ?", (squad_id,))
    return _squad(row) if row else None


async def squad_by_token(db: aiosqlite.Connection, token: str) -> Squad | None:
    row = await _one(db, "SELECT * FROM squads WHERE invite_token = ?", (token,))
    return _squad(row) if row else None


async def insert_squad(
    db: aiosqlite.Connection, chat_id: int, name: str, token: str, now: float
) -> Squad | None:
    """Create the squad; ``None`` if this group already has one (lost race included)."""
    cur = await db.execute(
        "INSERT INTO squads(chat_id, name, invite_token, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(chat_id) DO NOTHING",
        (chat_id, name, token, now),
    )
    if cur.rowcount != 1:
        return None
    return await squad_by_chat(db, chat_id)


# users ----------------------------------------------------------------------------


async def upsert_private_chat(
    db: aiosqlite.Connection,
    user_id: int,
    private_chat_id: int,
    now: float,
    telegram_language: str | None = None,
) -> None:
    """The user opened (or wrote in) a private chat with the bot: they are reachable.

    ``telegram_language``: the supported language their Telegram app uses, ``""`` if it is
    one the bot does not speak (then none is kept), ``None`` to leave it as it is."""
    await db.execute(
        "INSERT INTO users(user_id, private_chat_id, blocked, updated_at, telegram_language)"
        " VALUES (?, ?, 0, ?, NULLIF(?, ''))"
        " ON CONFLICT(user_id) DO UPDATE SET private_chat_id = excluded.private_chat_id,"
        " blocked = 0, updated_at = excluded.updated_at,"
        " telegram_language = CASE WHEN ? IS NULL THEN users.telegram_language"
        " ELSE excluded.telegram_language END",
        (user_id, private_chat_id, now, telegram_language, telegram_language),
    )


async def private_chat_of(db: aiosqlite.Connection, user_id: int) -> int | None:
    row = await _one(
        db, "SELECT private_chat_id FROM users WHERE user_id = ? AND blocked = 0", (user_id,)
    )
    return row["private_chat_id"] if row else None


async def mark_blocked(db: aiosqlite.Connection, private_chat_id: int, now: float) -> int:
    cur = await db.execute(
        "UPDATE users SET blocked = 1, updated_at = ? WHERE private_chat_id = ? AND blocked = 0",
        (now, private_chat_id),
    )
    return cur.rowcount


# members --------------------------------------------------------------------------


async def _members(
    db: aiosqlite.Connection, where: str, args: Sequence[object], order: str = "m.id"
) -> list[Member]:
    """Members (with their reachability) matching ``where``: the one query they all use."""
    sql = f"SELECT {_MEMBER_COLUMNS} FROM {_MEMBER_FROM} WHERE {where} ORDER BY {order}"
    return [_member(r) for r in await _all(db, sql, args)]


async def member(db: aiosqlite.Connection, squad_id: int, user_id: int) -> Member | None:
    found = await _members(db, "m.squad_id = ? AND m.user_id = ?", (squad_id, user_id))
    return found[0] if found else None


async def member_by_id(db: aiosqlite.Connection, member_id: int) -> Member | None:
    found = await _members(db, "m.id = ?", (member_id,))
    return found[0] if found else None


async def members_of_squad(db: aiosqlite.Connection, squad_id: int) -> list[Member]:
    return await _members(db, "m.squad_id = ?", (squad_id,))


async def available_members_located(
    db: aiosqlite.Connection, squad_id: int
) -> list[tuple[Member, Location | None]]:
    """The squad's available members whom it has not blocked, each with their last location
    (if the bot has one): who an alert may be offered to, in one read (dispatch ranks
    them)."""
    sql = (
        f"SELECT {_MEMBER_COLUMNS}, l.lat AS loc_lat, l.lon AS loc_lon, l.at AS loc_at,"
        " l.accuracy AS loc_accuracy, l.live_until AS loc_live_until"
        f" FROM {_MEMBER_FROM} LEFT JOIN user_locations l ON l.user_id = m.user_id"
        " WHERE m.squad_id = ? AND m.availability = 'available'"
        " AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.squad_id = m.squad_id"
        " AND b.user_id = m.user_id)"
        " ORDER BY m.id"
    )
    return [
        (_member(r), None if r["loc_lat"] is None else _location(r, "loc_"))
        for r in await _all(db, sql, (squad_id,))
    ]


async def memberships_of_user(db: aiosqlite.Connection, user_id: int) -> list[Member]:
    """All of a user's memberships, most recently joined first."""
    return await _members(db, "m.user_id = ?", (user_id,), "m.joined_at DESC, m.id DESC")


async def members_by_alias(db: aiosqlite.Connection, squad_id: int, alias: str) -> list[Member]:
    return await _members(db, "m.squad_id = ? AND lower(m.alias) = lower(?)", (squad_id, alias))


async def insert_member(
    db: aiosqlite.Connection,
    squad_id: int,
    user_id: int,
    alias: str,
    role: Role,
    now: float,
    *,
    approved: bool = True,
) -> bool:
    cur = await db.execute(
        "INSERT INTO members(squad_id, user_id, alias, role, joined_at, approved)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(squad_id, user_id) DO NOTHING",
        (squad_id, user_id, alias, role.value, now, int(approved)),
    )
    return cur.rowcount == 1


async def approve_member(db: aiosqlite.Connection, member_id: int) -> bool:
    """A lead approved a join request; only the first approval counts."""
    cur = await db.execute(
        "UPDATE members SET approved = 1 WHERE id = ? AND approved = 0", (member_id,)
    )
    return cur.rowcount == 1


async def waiting_members(db: aiosqlite.Connection, squad_id: int) -> list[Member]:
    """Join requests no lead has answered yet."""
    return await _members(db, "m.squad_id = ? AND m.approved = 0", (squad_id,))


async def leads_of(db: aiosqlite.Connection, squad_id: int) -> list[Member]:
    return await _members(db, "m.squad_id = ? AND m.role = 'lead'", (squad_id,))


async def set_invite_token(db: aiosqlite.Connection, squad_id: int, token: str) -> None:
    await db.execute("UPDATE squads SET invite_token = ? WHERE id = ?", (token, squad_id))


async def forget_user_if_unused(db: aiosqlite.Connection, user_id: int) -> None:
    """Drop the private-chat record of someone who is no longer a member anywhere."""
    await db.execute(
        "DELETE FROM users WHERE user_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM members WHERE user_id = ?)",
        (user_id, user_id),
    )


async def set_role(db: aiosqlite.Connection, member_id: int, role: Role) -> bool:
    """Change a role; whoever a lead makes a lead needs no approval."""
    cur = await db.execute(
        "UPDATE members SET role = ?, approved = CASE WHEN ? = 'lead' THEN 1 ELSE approved END"
        " WHERE id = ? AND role <> ?",
        (role.value, role.value, member_id, role.value),
    )
    return cur.rowcount == 1


async def count_leads(db: aiosqlite.Connection, squad_id: int) -> int:
    row = await _one(
        db, "SELECT count(*) AS n FROM members WHERE squad_id = ? AND role = 'lead'", (squad_id,)
    )
    return int(row["n"]) if row else 0


async def delete_member(db: aiosqlite.Connection, member_id: int) -> bool:
    cur = await db.execute("DELETE FROM members WHERE id = ?", (member_id,))
    return cur.rowcount == 1


async def set_alias(db: aiosqlite.Connection, member_ids: Sequence[int], alias: str) -> None:
    await db.executemany(
        "UPDATE members SET alias = ? WHERE id = ?", [(alias, mid) for mid in member_ids]
    )


async def set_availability(
    db: aiosqlite.Connection, member_ids: Sequence[int], availability: Availability
) -> None:
    await db.executemany(
        "UPDATE members SET availability = ? WHERE id = ?",
        [(availability.value, mid) for mid in member_ids],
    )


# locations ------------------------------------------------------------------------


async def save_location(db: aiosqlite.Connection, user_id: int, loc: Location) -> None:
    await db.execute(
        "INSERT INTO user_locations(user_id, lat, lon, accuracy, live_until, at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET"
        " lat = excluded.lat, lon = excluded.lon, accuracy = excluded.accuracy,"
        " live_until = excluded.live_until, at = excluded.at",
        (user_id, loc.lat, loc.lon, loc.accuracy, loc.live_until, loc.at),
    )


async def location_of(db: aiosqlite.Connection, user_id: int) -> Location | None:
    row = await _one(db, "SELECT * FROM user_locations WHERE user_id = ?", (user_id,))
    if row is None:
        return None
    return _location(row)


async def locations_of(db: aiosqlite.Connection, user_ids: Sequence[int]) -> dict[int, Location]:
    if not user_ids:
        return {}
    marks = ",".join("?" for _ in user_ids)
    rows = await _all(db, f"SELECT * FROM user_locations WHERE user_id IN ({marks})", user_ids)
    return {r["user_id"]: _location(r) for r in rows}


# places ---------------------------------------------------------------------------


def place_key(name: str) -> str:
    return " ".join(name.casefold().split())


async def add_place(
    db: aiosqlite.Connection, squad_id: int, name: str, lat: float, lon: float
) -> bool:
    cur = await db.execute(
        "INSERT INTO places(squad_id, name, name_key, lat, lon) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(squad_id, name_key) DO NOTHING",
        (squad_id, name, place_key(name), lat, lon),
    )
    return cur.rowcount == 1


async def remove_place(db: aiosqlite.Connection, squad_id: int, name: str) -> bool:
    cur = await db.execute(
        "DELETE FROM places WHERE squad_id = ? AND name_key = ?", (squad_id, place_key(name))
    )
    return cur.rowcount == 1


async def places_of(db: aiosqlite.Connection, squad_id: int) -> list[Place]:
    rows = await _all(db, "SELECT * FROM places WHERE squad_id = ? ORDER BY name_key", (squad_id,))
    return [Place(r["id"], r["squad_id"], r["name"], r["lat"], r["lon"]) for r in rows]


async def holders_of(db: aiosqlite.Connection, alert_id: int) -> list[Member]:
    """The members who hold a slot of the alert (its team), in slot order."""
    return await _members(
        db,
        "m.id IN (SELECT holder_member_id FROM slots WHERE alert_id = ?)",
        (alert_id, alert_id),
        "(SELECT min(position) FROM slots s WHERE s.holder_member_id = m.id AND s.alert_id = ?)",
    )
