"""SQL for referrals: made with consent, moved through their states, and their notes."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.aftercare.model import Category, Reason, Referral, ReferralState


def _referral(row: aiosqlite.Row) -> Referral:
    return Referral(
        id=row["id"],
        alert_id=row["alert_id"],
        service_id=row["service_id"],
        category=Category(row["category"]),
        made_by=row["made_by"],
        consent_at=row["consent_at"],
        state=ReferralState(row["state"]),
        reason=Reason(row["reason"]) if row["reason"] else None,
        referred_at=row["referred_at"],
        attended_at=row["attended_at"],
        finished_at=row["finished_at"],
        note=row["note"],
    )


async def make_referral(
    db: aiosqlite.Connection,
    alert_id: int,
    service_id: int,
    category: Category,
    made_by: int,
    now: float,
) -> int | None:
    """A referral the person agreed to (now): it starts as referred. ``None``: the case is
    already referred to this service and that referral is still open (a second tap)."""
    cur = await db.execute(
        "INSERT INTO referrals(alert_id, service_id, category, made_by, consent_at, referred_at)"
        " SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM referrals WHERE alert_id = ?"
        " AND service_id = ? AND state IN ('referred', 'attended'))",
        (alert_id, service_id, category.value, made_by, now, now, alert_id, service_id),
    )
    return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None


async def referral_by_id(db: aiosqlite.Connection, referral_id: int) -> Referral | None:
    async with db.execute("SELECT * FROM referrals WHERE id = ?", (referral_id,)) as cur:
        row = await cur.fetchone()
    return _referral(row) if row else None


async def referrals_of(db: aiosqlite.Connection, alert_id: int) -> list[Referral]:
    async with db.execute(
        "SELECT * FROM referrals WHERE alert_id = ? ORDER BY id", (alert_id,)
    ) as cur:
        return [_referral(r) for r in await cur.fetchall()]


async def attend(db: aiosqlite.Connection, referral_id: int, now: float) -> bool:
    """Referred → attended; the row count says whether this press won."""
    cur = await db.execute(
        "UPDATE referrals SET state = 'attended', attended_at = ? WHERE id = ?"
        " AND state = 'referred'",
        (now, referral_id),
    )
    return cur.rowcount == 1


async def finish(
    db: aiosqlite.Connection,
    referral_id: int,
    state: ReferralState,
    reason: Reason | None,
    now: float,
) -> bool:
    """Referred or attended → successful, unsuccessful (with a reason) or lost."""
    cur = await db.execute(
        "UPDATE referrals SET state = ?, reason = ?, finished_at = ? WHERE id = ?"
        " AND state IN ('referred', 'attended')",
        (state.value, reason.value if reason else None, now, referral_id),
    )
    return cur.rowcount == 1


async def set_note(db: aiosqlite.Connection, referral_id: int, note: str) -> None:
    await db.execute("UPDATE referrals SET note = ? WHERE id = ?", (note, referral_id))


async def squad_referrals(
    db: aiosqlite.Connection, squad_id: int, states: Sequence[ReferralState] | None = None
) -> list[Referral]:
    sql = "SELECT r.* FROM referrals r JOIN alerts a ON a.id = r.alert_id WHERE a.squad_id = ?"
    args: list[object] = [squad_id]
    if states is not None:
        sql += f" AND r.state IN ({', '.join('?' * len(states))})"
        args += [s.value for s in states]
    async with db.execute(sql + " ORDER BY r.id", args) as cur:
        return [_referral(r) for r in await cur.fetchall()]


# a waiting note ------------------------------------------------------------------------


async def request_note(
    db: aiosqlite.Connection, user_id: int, referral_id: int, until: float
) -> None:
    await db.execute(
        "INSERT INTO referral_note_requests(user_id, referral_id, until) VALUES (?, ?, ?)"
        " ON CONFLICT(user_id) DO UPDATE SET referral_id = excluded.referral_id,"
        " until = excluded.until",
        (user_id, referral_id, until),
    )


async def take_note_request(db: aiosqlite.Connection, user_id: int, now: float) -> int | None:
    """The referral this person's next text is a note for, if they asked recently."""
    async with db.execute(
        "SELECT referral_id, until FROM referral_note_requests WHERE user_id = ?", (user_id,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    await db.execute("DELETE FROM referral_note_requests WHERE user_id = ?", (user_id,))
    return int(row["referral_id"]) if row["until"] >= now else None


async def drop_expired_note_requests(db: aiosqlite.Connection, now: float) -> int:
    cur = await db.execute("DELETE FROM referral_note_requests WHERE until < ?", (now,))
    return cur.rowcount


# retention and erasure -------------------------------------------------------------------

# A case has ended when its alert is finished and none of its referrals or tasks is open;
# it ended at the latest of those moments.
_ENDED_BEFORE = """
    a.state IN ('closed', 'cancelled') AND a.closed_at < :cutoff
    AND NOT EXISTS (SELECT 1 FROM referrals r2 WHERE r2.alert_id = a.id
        AND (r2.state IN ('referred', 'attended') OR r2.finished_at >= :cutoff))
    AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.alert_id = a.id
        AND (f.state = 'open' OR f.finished_at >= :cutoff))
"""


async def purge_notes(db: aiosqlite.Connection, cutoff: float) -> int:
    """Referral notes of cases that ended before ``cutoff`` are emptied (tasks hold no
    free text)."""
    cur = await db.execute(
        # From the referrals that still hold a note (referrals_noted) to their alert, not
        # from every closed alert to its referrals and follow-ups.
        "UPDATE referrals SET note = NULL WHERE note IS NOT NULL AND EXISTS"
        f" (SELECT 1 FROM alerts a WHERE a.id = referrals.alert_id AND {_ENDED_BEFORE})",
        {"cutoff": cutoff},
    )
    return cur.rowcount


async def forget_user(db: aiosqlite.Connection, user_id: int) -> None:
    """``/forgetme``: the referral notes about the cases they reported (while an alert still
    points at them), and what they were typing (a note request, a directory draft)."""
    await db.execute(
        "UPDATE referrals SET note = NULL WHERE alert_id IN"
        " (SELECT id FROM alerts WHERE reporter_user_id = ?)",
        (user_id,),
    )
    await db.execute("DELETE FROM referral_note_requests WHERE user_id = ?", (user_id,))
    await db.execute("DELETE FROM service_drafts WHERE user_id = ?", (user_id,))
