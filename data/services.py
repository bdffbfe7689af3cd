"""SQL for the squad's service directory, and a lead's guided /service add dialogue."""

from __future__ import annotations

import aiosqlite

from bot.aftercare.model import Category, DraftStep, Service, ServiceDraft
from data.squads import place_key


def _service(row: aiosqlite.Row) -> Service:
    return Service(
        id=row["id"],
        squad_id=row["squad_id"],
        category=Category(row["category"]),
        name=row["name"],
        lat=row["lat"],
        lon=row["lon"],
        hours=row["hours"],
        phone=row["phone"],
        note=row["note"],
    )


async def add_service(
    db: aiosqlite.Connection,
    squad_id: int,
    category: Category,
    name: str,
    lat: float,
    lon: float,
    hours: str,
    phone: str | None,
    note: str | None,
    now: float,
) -> int | None:
    """A new entry; ``None`` if the squad already has one of this name."""
    cur = await db.execute(
        "INSERT INTO services(squad_id, category, name, name_key, lat, lon, hours, phone, note,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(squad_id, name_key)"
        " DO NOTHING",
        (squad_id, category.value, name, place_key(name), lat, lon, hours, phone, note, now),
    )
    return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None


async def services_of(
    db: aiosqlite.Connection, squad_id: int, category: Category | None = None
) -> list[Service]:
    sql = "SELECT * FROM services WHERE squad_id = ?"
    args: tuple[object, ...] = (squad_id,)
    if category is not None:
        sql += " AND category = ?"
        args += (category.value,)
    async with db.execute(sql + " ORDER BY category, name_key", args) as cur:
        return [_service(r) for r in await cur.fetchall()]


async def service_by_id(db: aiosqlite.Connection, service_id: int) -> Service | None:
    async with db.execute("SELECT * FROM services WHERE id = ?", (service_id,)) as cur:
        row = await cur.fetchone()
    return _service(row) if row else None


async def service_by_name(db: aiosqlite.Connection, squad_id: int, name: str) -> Service | None:
    async with db.execute(
        "SELECT * FROM services WHERE squad_id = ? AND name_key = ?", (squad_id, place_key(name))
    ) as cur:
        row = await cur.fetchone()
    return _service(row) if row else None


async def remove_service(db: aiosqlite.Connection, service_id: int) -> bool:
    cur = await db.execute("DELETE FROM services WHERE id = ?", (service_id,))
    return cur.rowcount == 1


# the guided dialogue ------------------------------------------------------------------


def _draft(row: aiosqlite.Row) -> ServiceDraft:
    return ServiceDraft(
        user_id=row["user_id"],
        squad_id=row["squad_id"],
        step=DraftStep(row["step"]),
        category=Category(row["category"]),
        name=row["name"],
        lat=row["lat"],
        lon=row["lon"],
        hours=row["hours"],
        phone=row["phone"],
        until=row["until"],
    )


async def start_draft(
    db: aiosqlite.Connection, user_id: int, squad_id: int, category: Category, until: float
) -> None:
    """The lead tapped a category: the dialogue starts (again) and asks for the name."""
    await db.execute(
        "INSERT INTO service_drafts(user_id, squad_id, step, category, until)"
        " VALUES (?, ?, 'name', ?, ?) ON CONFLICT(user_id) DO UPDATE SET"
        " squad_id = excluded.squad_id, step = 'name', category = excluded.category,"
        " name = NULL, lat = NULL, lon = NULL, hours = NULL, phone = NULL, until = excluded.until",
        (user_id, squad_id, category.value, until),
    )


async def draft_of(db: aiosqlite.Connection, user_id: int, now: float) -> ServiceDraft | None:
    """The lead's dialogue, unless it has waited too long for an answer."""
    async with db.execute(
        "SELECT * FROM service_drafts WHERE user_id = ? AND until >= ?", (user_id, now)
    ) as cur:
        row = await cur.fetchone()
    return _draft(row) if row else None


_DRAFT_FIELDS = frozenset({"name", "lat", "lon", "hours", "phone"})


async def advance_draft(
    db: aiosqlite.Connection,
    user_id: int,
    at: DraftStep,
    to: DraftStep,
    until: float,
    **values: object,
) -> bool:
    """One answer: store it and move to the next step, if the dialogue is still at ``at``
    (a second tap of an old button changes nothing)."""
    assert set(values) <= _DRAFT_FIELDS
    sets = "".join(f", {name} = ?" for name in values)
    cur = await db.execute(
        f"UPDATE service_drafts SET step = ?, until = ?{sets} WHERE user_id = ? AND step = ?",
        (to.value, until, *values.values(), user_id, at.value),
    )
    return cur.rowcount == 1


async def drop_draft(db: aiosqlite.Connection, user_id: int) -> None:
    await db.execute("DELETE FROM service_drafts WHERE user_id = ?", (user_id,))


async def drop_expired_drafts(db: aiosqlite.Connection, now: float) -> int:
    cur = await db.execute("DELETE FROM service_drafts WHERE until < ?", (now,))
    return cur.rowcount
