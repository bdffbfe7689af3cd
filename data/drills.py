"""SQL for drills: marking an alert as one, what its deletion waits for, and the deletion
itself, which leaves no row, no audit entry and no message text that names it."""

from __future__ import annotations

import json

import aiosqlite

from bot.domain import Alert

# The outbox rows a drill's deletion waits for: still to go, or going right now.
_UNSENT = "('pending', 'sending')"
_FINISHED = "('sent', 'failed', 'superseded')"


async def mark_drill(db: aiosqlite.Connection, alert_id: int) -> None:
    await db.execute("UPDATE alerts SET drill = 1 WHERE id = ?", (alert_id,))


async def is_drill(db: aiosqlite.Connection, alert_id: int) -> bool:
    async with db.execute("SELECT drill FROM alerts WHERE id = ?", (alert_id,)) as cur:
        row = await cur.fetchone()
    return bool(row and row["drill"])


async def code_is_drill(db: aiosqlite.Connection, code: str) -> bool:
    async with db.execute("SELECT drill FROM alerts WHERE code = ?", (code,)) as cur:
        row = await cur.fetchone()
    return bool(row and row["drill"])


def _names(code: str) -> str:
    """How a message's JSON names the drill: its code as a whole JSON string value."""
    return json.dumps(code)


async def unsent(db: aiosqlite.Connection, alert: Alert, group_chat_id: int) -> tuple[int, int]:
    """(still to go, going right now): the drill's own messages, and the squad's board
    messages that show it (a board about another alert lists it too)."""
    async with db.execute(
        "SELECT sum(state = 'pending') AS waiting, sum(state = 'sending') AS going FROM outbox"
        f" WHERE state IN {_UNSENT} AND (alert_id = ? OR (chat_id = ?"
        " AND json_extract(payload, '$.role') = 'card' AND instr(payload, ?) > 0))",
        (alert.id, group_chat_id, _names(alert.code)),
    ) as cur:
        row = await cur.fetchone()
    return (int(row["waiting"] or 0), int(row["going"] or 0)) if row else (0, 0)


async def has_linked(db: aiosqlite.Connection, alert_id: int) -> bool:
    """Whether a "responder needs help" drill still points at this one (its words hold this
    drill's code, so this one waits until that one is gone)."""
    async with db.execute("SELECT 1 FROM alerts WHERE linked_alert_id = ?", (alert_id,)) as cur:
        return await cur.fetchone() is not None


async def detach_cleanup(db: aiosqlite.Connection, alert_id: int, over: str) -> int:
    """Telegram did not take the phone clean-up in time: the edits and deletions still to go
    are kept, naming no drill (an edit says only ``over``, a catalogue key), so they still
    reach the phones after the drill is deleted; so is a board message still to go (it
    shows the other alerts too). Returns how many were kept."""
    text = json.dumps({"key": over, "params": {}})
    board = await db.execute(
        "UPDATE outbox SET alert_id = NULL, payload = json_set(payload, '$.alert_id', NULL)"
        " WHERE alert_id = ? AND state = 'pending' AND json_extract(payload, '$.role') = 'card'",
        (alert_id,),
    )
    cur = await db.execute(
        "UPDATE outbox SET alert_id = NULL, payload = CASE json_extract(payload, '$.op')"
        " WHEN 'edit' THEN json_set(payload, '$.alert_id', NULL, '$.text', json(?))"
        " ELSE json_set(payload, '$.alert_id', NULL) END"
        " WHERE alert_id = ? AND state = 'pending'"
        " AND json_extract(payload, '$.op') IN ('edit', 'delete')"
        " AND json_extract(payload, '$.message_id') IS NOT NULL",
        (text, alert_id),
    )
    return board.rowcount + cur.rowcount


async def delete_drill(db: aiosqlite.Connection, alert: Alert) -> None:
    """The drill goes entirely: its row and everything that hangs off it (offers, slots,
    deadlines, clocks, check-ins, its messages and their ids), its audit entries, and the
    text of delivered board messages that showed it."""
    # The squad's live board may have been posted about the drill: it stays the live board.
    await db.execute(
        "UPDATE messages SET alert_id = NULL WHERE alert_id = ? AND role = 'card'", (alert.id,)
    )
    await db.execute(
        "DELETE FROM audit WHERE squad_id = ? AND target = ?", (alert.squad_id, alert.code)
    )
    await db.execute(
        f"UPDATE outbox SET payload = '{{}}' WHERE state IN {_FINISHED} AND instr(payload, ?) > 0",
        (_names(alert.code),),
    )
    await db.execute("DELETE FROM outbox WHERE alert_id = ?", (alert.id,))
    await db.execute("DELETE FROM messages WHERE alert_id = ?", (alert.id,))
    await db.execute("DELETE FROM alerts WHERE id = ?", (alert.id,))  # the rest cascades
