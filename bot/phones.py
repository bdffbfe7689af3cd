"""A seized phone: once an alert is finished, the private chats about it stop carrying it.

At close or cancel (and when a responder leaves the case), every private message about the
alert is edited down to "#CODE · closed" (or cancelled), which removes the reporter's words
and the buttons, and every precise-location message is deleted. Unsent private messages
about it are dropped. A message whose delivery was under way while the alert finished is
cleaned up as soon as its delivery is recorded (see :func:`late_redaction`).
"""

from __future__ import annotations

import aiosqlite

from bot.domain import FINAL_STATES, Alert, AlertState, Origin
from bot.intents import Intent, MessageRole, Op, Priority, Text
from bot.messages import t
from data import alerts as alerts_q
from data import outbox
from data import sent_messages as sent_q

# Pins, and what the reporter sent in private about the alert, are deleted, not edited.
_LOCATION_ROLES = frozenset({MessageRole.LOCATION.value, MessageRole.REPORTER_OWN.value})
# Messages that only say how an alert ended (they hold its code, nothing else).
FINAL_NOTICES = frozenset({"offer.cancelled", "reporter.closed", "reporter.cancelled"})


def redaction(alert: Alert, state: AlertState, chat_id: int, message_id: int, role: str) -> Intent:
    """The edit (or, for a pin, the deletion) that leaves only "#CODE · state"."""
    if role in _LOCATION_ROLES:
        return Intent(
            op=Op.DELETE,
            chat_id=chat_id,
            priority=Priority.HIGH,
            alert_id=alert.id,
            role=MessageRole.NOTICE,
            message_id=message_id,
        )
    return Intent(
        op=Op.EDIT,
        chat_id=chat_id,
        priority=Priority.HIGH,
        text=Text("phone.redacted", {"code": alert.code, "state": t(f"state.{state.value}")}),
        alert_id=alert.id,
        role=MessageRole.NOTICE,
        message_id=message_id,
    )


async def clean_phones(
    db: aiosqlite.Connection,
    alert: Alert,
    state: AlertState,
    now: float,
    *,
    chat_id: int | None = None,
) -> int:
    """Queue the clean-up of every private chat about ``alert`` (or just ``chat_id``)."""
    await alerts_q.supersede_private_sends(db, alert.id, chat_id)
    count = 0
    for chat, message_id, role in await sent_q.private_messages_of(db, alert.id, chat_id):
        await outbox.enqueue(db, redaction(alert, state, chat, message_id, role), now)
        count += 1
    reporter_chat = alert.origin_chat_id if alert.origin is Origin.PRIVATE else None
    if reporter_chat and alert.origin_message_id and chat_id in (None, reporter_chat):
        # A bot may delete what a person sent it in private: the reporter's own /alert,
        # with their words, goes too.
        await outbox.enqueue(
            db,
            Intent(
                op=Op.DELETE,
                chat_id=reporter_chat,
                priority=Priority.HIGH,
                alert_id=alert.id,
                role=MessageRole.NOTICE,
                message_id=alert.origin_message_id,
            ),
            now,
        )
        count += 1
    return count


def late_redaction(
    alert: Alert | None, intent: Intent, chat_id: int, message_id: int
) -> Intent | None:
    """A private message about an alert was delivered after the alert finished: clean it."""
    if alert is None or alert.state not in FINAL_STATES or chat_id <= 0:
        return None
    if intent.op not in (Op.SEND, Op.LOCATION, Op.VENUE):
        return None  # an edit or a deletion is the clean-up itself
    if intent.text is not None and intent.text.key in FINAL_NOTICES:
        return None
    return redaction(alert, alert.state, chat_id, message_id, intent.role.value)
