"""SQL for offers: who was asked to respond to an alert, and how they answered."""

from __future__ import annotations

import aiosqlite

from bot.domain import (
    Offer,
    OfferAnswer,
    from_fields,
)


def _offer(row: aiosqlite.Row) -> Offer:
    return from_fields(
        Offer,
        {
            "id": row["id"],
            "alert_id": row["alert_id"],
            "member_id": row["member_id"],
            "distance_m": row["distance_m"],
            "offered_at": row["offered_at"],
            "answer": OfferAnswer(row["answer"]) if row["answer"] else None,
            "answered_at": row["answered_at"],
            "slot_id": row["slot_id"],
            "copy": row["copy"],
        },
    )


async def insert_offer(
    db: aiosqlite.Connection,
    alert_id: int,
    member_id: int,
    distance_m: float | None,
    now: float,
    *,
    slot_id: int | None = None,
) -> Offer | None:
    """Offer the alert to a member (once per alert); ``slot_id`` None: any open slot."""
    cur = await db.execute(
        "INSERT INTO offers(alert_id, member_id, distance_m, offered_at, slot_id)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(alert_id, member_id) DO NOTHING",
        (alert_id, member_id, distance_m, now, slot_id),
    )
    if cur.rowcount != 1:
        return None
    # The row as just written (every column is one of these, or empty until answered), so it
    # is not read back (RETURNING would need SQLite 3.35; a python3 may bring older).
    return Offer(
        id=int(cur.lastrowid or 0),
        alert_id=alert_id,
        member_id=member_id,
        distance_m=distance_m,
        offered_at=now,
        answer=None,
        answered_at=None,
        slot_id=slot_id,
        copy=None,
    )


async def offer_by_id(db: aiosqlite.Connection, offer_id: int) -> Offer | None:
    async with db.execute("SELECT * FROM offers WHERE id = ?", (offer_id,)) as cur:
        row = await cur.fetchone()
    return _offer(row) if row else None


async def offer_for(db: aiosqlite.Connection, alert_id: int, member_id: int) -> Offer | None:
    async with db.execute(
        "SELECT * FROM offers WHERE alert_id = ? AND member_id = ?", (alert_id, member_id)
    ) as cur:
        row = await cur.fetchone()
    return _offer(row) if row else None


async def offers_of(db: aiosqlite.Connection, alert_id: int) -> list[Offer]:
    async with db.execute(
        "SELECT * FROM offers WHERE alert_id = ? ORDER BY id", (alert_id,)
    ) as cur:
        return [_offer(r) for r in await cur.fetchall()]


async def answer_offer(
    db: aiosqlite.Connection, offer_id: int, answer: OfferAnswer, now: float
) -> bool:
    """Record an answer, but only to an offer that has none yet."""
    cur = await db.execute(
        "UPDATE offers SET answer = ?, answered_at = ? WHERE id = ? AND answer IS NULL",
        (answer.value, now, offer_id),
    )
    return cur.rowcount == 1


async def close_open_offers(
    db: aiosqlite.Connection, alert_id: int, answer: OfferAnswer, now: float
) -> list[Offer]:
    """Answer every still-open offer of an alert; returns the offers that were open."""
    async with db.execute(
        "SELECT * FROM offers WHERE alert_id = ? AND answer IS NULL", (alert_id,)
    ) as cur:
        open_offers = [_offer(r) for r in await cur.fetchall()]
    await db.execute(
        "UPDATE offers SET answer = ?, answered_at = ? WHERE alert_id = ? AND answer IS NULL",
        (answer.value, now, alert_id),
    )
    return open_offers


async def record_copy(db: aiosqlite.Connection, offer_id: int, copy: str) -> None:
    """The copy of the offer about to be sent (recorded before its call): from now the only
    one whose buttons act."""
    await db.execute("UPDATE offers SET copy = ? WHERE id = ?", (copy, offer_id))


async def put_back_copy(
    db: aiosqlite.Connection, alert_id: int, member_id: int, failed: str, before: str | None
) -> None:
    """Copy ``failed`` never reached Telegram: the one honoured before it is again, unless a
    newer copy has been recorded since."""
    await db.execute(
        "UPDATE offers SET copy = ? WHERE alert_id = ? AND member_id = ? AND copy = ?",
        (before, alert_id, member_id, failed),
    )


async def members_engaged(db: aiosqlite.Connection, squad_id: int) -> dict[int, int]:
    """Members of a squad holding unanswered offers for open alerts, or slots of them, and
    how many: they rank after every free member, the least engaged first, so offers in a
    burst spread evenly across the squad."""
    async with db.execute(
        "SELECT member_id, count(*) AS n FROM ("
        " SELECT o.member_id FROM offers o JOIN alerts a ON a.id = o.alert_id"
        " WHERE a.squad_id = ? AND o.answer IS NULL AND a.state IN"
        " ('new', 'offered', 'acknowledged', 'en_route', 'on_scene', 'escalated')"
        " UNION ALL SELECT s.holder_member_id FROM slots s JOIN alerts a ON a.id = s.alert_id"
        " WHERE a.squad_id = ? AND s.holder_member_id IS NOT NULL AND a.state IN"
        " ('acknowledged', 'en_route', 'on_scene')) GROUP BY member_id",
        (squad_id, squad_id),
    ) as cur:
        return {int(r[0]): int(r[1]) for r in await cur.fetchall()}
