"""SQL for erasure, retention, the audit trail and other privacy switches."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from data import fund_ledger, safety_warnings

# About 1 km: what a closed case keeps until retention.
COARSE_DECIMALS = 2
# About 10 km: what it keeps after retention (its area label is dropped then too).
RETAINED_DECIMALS = 1
# An alert no longer points at its reporter's Telegram account or private chat.
UNLINK_REPORTER = (
    "reporter_user_id = 0,"
    " origin_chat_id = CASE WHEN origin = 'private' THEN 0 ELSE origin_chat_id END,"
    " origin_message_id = CASE WHEN origin = 'private' THEN NULL ELSE origin_message_id END"
)


async def alerts_reported_by(
    db: aiosqlite.Connection, user_id: int, limit: int
) -> list[tuple[str, str, str]]:
    """The alerts still linked to a reporter (code, state, words), newest first."""
    async with db.execute(
        "SELECT code, state, text FROM alerts WHERE reporter_user_id = ? ORDER BY id DESC LIMIT ?",
        (user_id, limit),
    ) as cur:
        return [(r["code"], r["state"], r["text"]) for r in await cur.fetchall()]


async def set_hygiene(db: aiosqlite.Connection, squad_id: int, on: bool) -> None:
    await db.execute("UPDATE squads SET hygiene = ? WHERE id = ?", (int(on), squad_id))


async def set_contact(db: aiosqlite.Connection, alert_id: int, allow: bool) -> None:
    await db.execute(
        "UPDATE alerts SET contact_ok = ?, contact_answered = 1 WHERE id = ?",
        (int(allow), alert_id),
    )


async def set_reporter_alias(db: aiosqlite.Connection, alert_id: int, alias: str) -> None:
    await db.execute("UPDATE alerts SET reporter_alias = ? WHERE id = ?", (alias, alert_id))


async def finish(db: aiosqlite.Connection, alert_id: int) -> None:
    """A closed or cancelled alert: round every copy of its coordinates to about 1 km (the
    row and the precise-location messages in the outbox), and drop the link to the
    reporter's Telegram account unless they chose to be contactable."""
    await db.execute(
        f"UPDATE alerts SET lat = round(lat, {COARSE_DECIMALS}),"
        f" lon = round(lon, {COARSE_DECIMALS}), coarsened = 1 WHERE id = ? AND coarsened = 0",
        (alert_id,),
    )
    await db.execute(
        f"UPDATE alerts SET {UNLINK_REPORTER} WHERE id = ? AND contact_ok = 0",
        (alert_id,),
    )
    await db.execute(
        "UPDATE outbox SET payload = json_set(payload,"
        f" '$.lat', round(json_extract(payload, '$.lat'), {COARSE_DECIMALS}),"
        f" '$.lon', round(json_extract(payload, '$.lon'), {COARSE_DECIMALS}))"
        " WHERE alert_id = ? AND json_valid(payload) AND json_extract(payload, '$.op') = 'location'"
        " AND json_extract(payload, '$.lat') IS NOT NULL",
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
    """Delivered messages hold names and text: empty them now. (A handled update is already
    empty; its id stays, so a redelivery of it is still recognised.)"""
    await db.execute("UPDATE inbox SET raw = '' WHERE state <> 'pending' AND raw <> ''")
    await db.execute(
        "UPDATE outbox SET payload = '{}' WHERE state IN ('sent', 'failed', 'superseded')"
        " AND payload <> '{}'"
    )


async def forget_user(db: aiosqlite.Connection, user_id: int, erased: str) -> None:
    """Everything that identifies one person goes; the cases they touched stay, anonymised.

    Unsent messages to other people keep going, with the person's alias and words
    replaced by ``erased``."""
    await _redact_unsent(db, user_id, erased)
    # A pending join request names them (first name, username): the leads never get it.
    await db.execute(
        "UPDATE outbox SET payload = '{}', state = CASE WHEN state = 'pending' THEN 'superseded'"
        " ELSE state END WHERE state <> 'sending' AND json_extract(payload, '$.role') ="
        " 'join_request' AND member_id IN (SELECT id FROM members WHERE user_id = ?)",
        (user_id,),
    )
    await db.execute("DELETE FROM note_requests WHERE user_id = ?", (user_id,))
    # Their unsent warnings; their receipts and notes in the fund's ledger (where they stay
    # as "a former member" once their memberships go, below).
    await safety_warnings.forget_user(db, user_id)
    await fund_ledger.forget_user(db, user_id)
    # Where they were held, if they were arrested (typed words, like the alert's).
    await db.execute(
        "UPDATE clocks SET held_at = NULL, held_place_id = NULL"
        " WHERE alert_id IN (SELECT id FROM alerts WHERE reporter_user_id = ?)",
        (user_id,),
    )
    # Alerts they reported: no link back to them, no free text, coordinates coarsened.
    await db.execute(
        "UPDATE alerts SET text = '', note = NULL, reporter_alias = NULL, contact_ok = 0,"
        f" lat = round(lat, {COARSE_DECIMALS}), lon = round(lon, {COARSE_DECIMALS}), coarsened = 1,"
        f" {UNLINK_REPORTER} WHERE reporter_user_id = ?",
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
    await db.execute("DELETE FROM kv WHERE key = ?", (f"hold:{user_id}",))
    await scrub_transport_all(db)


async def _redact_unsent(db: aiosqlite.Connection, user_id: int, erased: str) -> None:
    secrets: set[str] = set()
    async with db.execute("SELECT alias FROM members WHERE user_id = ?", (user_id,)) as cur:
        secrets.update(r["alias"] for r in await cur.fetchall())
    async with db.execute(
        "SELECT text, note FROM alerts WHERE reporter_user_id = ?", (user_id,)
    ) as cur:
        for r in await cur.fetchall():
            secrets.update(v for v in (r["text"], r["note"]) if v)
    secrets = {v for v in secrets if v.strip()}
    if not secrets:
        return
    async with db.execute(
        "SELECT id, payload FROM outbox WHERE state IN ('pending', 'sending') AND chat_id <> ?",
        (user_id,),
    ) as cur:
        rows = [(r["id"], r["payload"]) for r in await cur.fetchall()]
    # Longest first, so an alert's words go before an alias they happen to contain.
    ordered = sorted(secrets, key=len, reverse=True)
    for row_id, payload in rows:
        redacted = json.dumps(
            _redact(json.loads(payload), ordered, erased), separators=(",", ":"), ensure_ascii=False
        )
        if redacted != payload:
            await db.execute("UPDATE outbox SET payload = ? WHERE id = ?", (redacted, row_id))


def _redact(value: Any, secrets: list[str], erased: str, inside: bool = False) -> Any:
    """Replace the secrets in the values of a payload's text parameters (never in its
    catalogue keys, ops or button data)."""
    if isinstance(value, str):
        if inside:
            for secret in secrets:
                if value == secret or (len(secret) >= 3 and secret in value):
                    value = value.replace(secret, erased)
        return value
    if isinstance(value, list):
        return [_redact(v, secrets, erased, inside) for v in value]
    if isinstance(value, dict):
        return {
            k: v if k == "key" else _redact(v, secrets, erased, inside or k == "params")
            for k, v in value.items()
        }
    return value


async def after_erasure(db: aiosqlite.Connection, chat_id: int, update_id: int) -> None:
    """Once the update that confirmed an erasure is handled (and emptied): the send log and
    rate-limit hold its reply re-created go, and so do updates received before it that
    mention the erased person or group and still wait (for a retry): handling them later
    would bring back what was just erased."""
    await db.execute("DELETE FROM send_log WHERE chat_id = ?", (chat_id,))
    await db.execute("DELETE FROM kv WHERE key = ?", (f"hold:{chat_id}",))
    await db.execute(
        "DELETE FROM inbox WHERE state = 'pending' AND update_id < ? AND json_valid(raw)"
        " AND EXISTS (SELECT 1 FROM json_tree(inbox.raw) j WHERE j.key = 'id' AND j.value = ?)",
        (update_id, chat_id),
    )


async def wipe_squad(db: aiosqlite.Connection, squad_id: int, chat_id: int) -> None:
    """The whole squad goes: members, places, alerts and everything hanging off them."""
    async with db.execute("SELECT user_id FROM members WHERE squad_id = ?", (squad_id,)) as cur:
        users = [r["user_id"] for r in await cur.fetchall()]
    await db.execute("DELETE FROM squads WHERE id = ?", (squad_id,))  # cascades
    await db.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))
    await db.execute("DELETE FROM messages WHERE chat_id = ?", (chat_id,))
    await db.execute("DELETE FROM send_log WHERE chat_id = ?", (chat_id,))
    await db.execute("DELETE FROM kv WHERE key = ?", (f"hold:{chat_id}",))
    await db.execute("DELETE FROM audit WHERE squad_id = ?", (squad_id,))
    for user_id in users:
        async with db.execute("SELECT 1 FROM members WHERE user_id = ?", (user_id,)) as cur:
            still_member = await cur.fetchone() is not None
        if not still_member:
            await db.execute("DELETE FROM user_locations WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM outbox WHERE chat_id = ?", (user_id,))
            await db.execute("DELETE FROM messages WHERE chat_id = ?", (user_id,))
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
        # "+state": the range of alerts_unpurged, not every closed alert by alerts_state.
        "SELECT id FROM alerts WHERE +state IN ('closed', 'cancelled') AND closed_at < ?"
        " AND purged_at IS NULL",
        (closed_before,),
    ) as cur:
        ids = [r["id"] for r in await cur.fetchall()]
    for alert_id in ids:
        await db.execute(
            "UPDATE alerts SET text = '', note = NULL, reporter_alias = NULL, area_label = NULL,"
            f" lat = round(lat, {RETAINED_DECIMALS}), lon = round(lon, {RETAINED_DECIMALS}),"
            f" coarsened = 1, contact_ok = 0, {UNLINK_REPORTER}, purged_at = ? WHERE id = ?",
            (now, alert_id),
        )
        # Its messages (sent or still unsent: stale now) and which chat showed what: their
        # chat ids include the reporter's and the responders' private chats.
        await db.execute(
            "DELETE FROM outbox WHERE alert_id = ? AND state <> 'sending'", (alert_id,)
        )
        await db.execute("DELETE FROM messages WHERE alert_id = ?", (alert_id,))
        # How far each member was: with the area, that would place them.
        await db.execute("UPDATE offers SET distance_m = NULL WHERE alert_id = ?", (alert_id,))
        # Where an arrested person was held, as typed; and the case's clocks remind no more,
        # except a court date's reminder (it holds only the code and the day).
        await db.execute(
            "UPDATE clocks SET held_at = NULL, held_place_id = NULL WHERE alert_id = ?",
            (alert_id,),
        )
        await db.execute(
            "UPDATE deadlines SET cancelled_at = ? WHERE alert_id = ? AND kind = 'clock'"
            " AND fired_at IS NULL AND cancelled_at IS NULL AND ref_id NOT IN"
            " (SELECT id FROM clocks WHERE alert_id = ? AND mark = 'court_date')",
            (now, alert_id, alert_id),
        )
    return len(ids)


async def scrub_transport(db: aiosqlite.Connection, before: float) -> int:
    """Delivered messages are only kept briefly (they hold rendered names and text). A
    finished row about no alert then goes entirely (its chat id can be a person's); one
    about an alert keeps its ids until that alert's retention."""
    cur = await db.execute(
        "DELETE FROM outbox WHERE alert_id IS NULL AND state IN ('sent', 'failed', 'superseded')"
        " AND coalesce(sent_at, created_at) < ?",
        (before,),
    )
    deleted = cur.rowcount
    cur = await db.execute(
        "UPDATE outbox SET payload = '{}' WHERE state IN ('sent', 'failed', 'superseded')"
        " AND payload <> '{}' AND coalesce(sent_at, created_at) < ?",
        (before,),
    )
    return deleted + cur.rowcount


async def drop_expired_note_requests(db: aiosqlite.Connection, now: float) -> int:
    """An "Add note" nobody followed up: the waiting request (a person's id) goes."""
    cur = await db.execute("DELETE FROM note_requests WHERE until < ?", (now,))
    return cur.rowcount


async def drop_expired_holds(db: aiosqlite.Connection, now: float) -> int:
    """A rate-limit hold names a chat (often a person's): it goes once it has passed."""
    cur = await db.execute(
        "DELETE FROM kv WHERE key LIKE 'hold:%' AND CAST(value AS REAL) < ?", (now,)
    )
    return cur.rowcount


async def forget_strangers(db: aiosqlite.Connection, before: float) -> int:
    """The private-chat record of someone who is no member and no linked reporter, and has
    not written since ``before``: nothing needs to reach them any more."""
    cur = await db.execute(
        "DELETE FROM users WHERE updated_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM members m WHERE m.user_id = users.user_id)"
        " AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.reporter_user_id = users.user_id)",
        (before,),
    )
    return cur.rowcount


# groups that never completed /setup ------------------------------------------------
