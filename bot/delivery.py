"""The outbox's side of the core: what a transport asks while it delivers.

The Telegram sender (handlers/transport/sender.py) makes the calls; every decision about
what a result means is here, so a second transport (Signal) gets the same rules:
- a row is marked ``sending`` before its call, so after a crash it is sent again only when
  its fate is unknown, and such an offer says it was sent again;
- an offer is delivered in two phases: the text, then its buttons onto the one copy whose
  id is recorded, so a member never holds two live offers;
- a refused (403) private chat makes that person unreachable, and an offer moves on;
- a message still failing after the give-up time tells the leads, once;
- a private message about an alert that finished while it was on its way is cleaned up.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from typing import Protocol

from bot.core import Core
from bot.intents import Intent, MessageRole, Op, Priority, Text
from bot.languages import language_of_chat
from bot.messages import t
from bot.phones import late_redaction
from data import alerts as alerts_q
from data import offers as offers_q
from data import outbox
from data import sent_messages as sent_q
from data import squads as squads_q
from data.outbox import OutboxRow

__all__ = ["Delivery", "OnUndeliverable", "OutboxRow"]

DELIVERY_FAILED = "delivery.failed"  # the catalogue key of the leads' "could not deliver"


class OnUndeliverable(Protocol):
    def __call__(
        self, alert_id: int, member_id: int | None, role: MessageRole, *, refused: bool
    ) -> Awaitable[None]: ...


def is_offer_send(intent: Intent) -> bool:
    return intent.role is MessageRole.OFFER and intent.op is Op.SEND


class Delivery:
    def __init__(self, core: Core, on_undeliverable: OnUndeliverable | None = None) -> None:
        self.core = core
        self.on_undeliverable = on_undeliverable
        self.give_up_s = core.settings.send_give_up.total_seconds()

    # -- what is due -------------------------------------------------------------------

    async def due(self, limit: int = 100) -> list[OutboxRow]:
        async with self.core.store.reading() as db:
            return await outbox.next_batch(db, self.core.now(), limit=limit)

    async def next_due_at(self) -> float | None:
        async with self.core.store.reading() as db:
            return await outbox.next_not_before(db)

    async def recent(self, since: float) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """What the previous run sent since ``since``, and the 429 holds still running."""
        async with self.core.store.transaction() as db:
            sends = await outbox.recent_sends(db, since)
            holds = await outbox.active_holds(db, self.core.now())
        return sends, holds

    async def log_send(self, chat_id: int, at: float) -> None:
        """A direct reply went out: the limits count it like an outbox row."""
        async with self.core.store.transaction() as db:
            await outbox.log_send(db, chat_id, at)

    @staticmethod
    def prepared(row: OutboxRow) -> OutboxRow:
        """A copy whose first delivery's fate is unknown: an offer then says it was sent
        again (and so does its armed edit)."""
        if row.uncertain and is_offer_send(row.intent) and row.intent.text is not None:
            return replace(row, intent=replace(row.intent, text=_resent(row.intent.text)))
        return row

    async def language_of(self, chat_id: int) -> str:
        """The language a message to this chat is written in (its person's, or its squad's)."""
        async with self.core.store.reading() as db:
            return await language_of_chat(db, chat_id)

    # -- results -----------------------------------------------------------------------

    async def started(self, row: OutboxRow) -> None:
        """Recorded before the call: after a crash, this row's fate is unknown."""
        async with self.core.store.transaction() as db:
            await outbox.mark_sending(db, row.id)
            await outbox.log_send(db, row.intent.chat_id, self.core.now())

    async def held(self, row: OutboxRow, seconds: float) -> None:
        """429: the chat is held (across restarts too) and the row waits."""
        async with self.core.store.transaction() as db:
            await outbox.hold_chat(db, row.intent.chat_id, self.core.now() + seconds)
        await self.later(row, seconds, "retry_after")

    async def later(
        self, row: OutboxRow, seconds: float, error: str, *, uncertain: bool = False
    ) -> None:
        now = self.core.now()
        async with self.core.store.transaction() as db:
            await outbox.retry_later(db, row.id, now + seconds, error, now, uncertain=uncertain)

    async def refused(self, row: OutboxRow) -> None:
        """403: the recipient cannot be reached (blocked the bot, never opened the chat)."""
        intent = row.intent
        async with self.core.store.transaction() as db:
            await outbox.mark_failed(db, row.id, "forbidden")
            if intent.chat_id > 0:
                await squads_q.mark_blocked(db, intent.chat_id, self.core.now())
        await self._undeliverable(intent, refused=True)

    async def rejected(self, row: OutboxRow) -> None:
        """400 that is not a known harmless one: this row will never go."""
        async with self.core.store.transaction() as db:
            await outbox.mark_failed(db, row.id, "bad_request")

    async def failing(self, row: OutboxRow) -> bool:
        """A 5xx or network error. Past the give-up time, the leads are told once; an offer
        is then dropped (the next member was offered instead). Returns whether the row is
        dropped; otherwise it is retried with backoff by the caller."""
        failing_since = row.first_failed_at or self.core.now()
        if row.reported or self.core.now() - failing_since <= self.give_up_s:
            return False
        intent = row.intent
        async with self.core.store.transaction() as db:
            await outbox.mark_reported(db, row.id)
            if intent.role is MessageRole.OFFER:
                await outbox.mark_failed(db, row.id, "network")
        await self._undeliverable(intent, refused=False)
        return intent.role is MessageRole.OFFER

    async def delivered(self, row: OutboxRow, chat_id: int | None, message_id: int | None) -> None:
        """Telegram took it. The message's id is remembered (edits and buttons find it
        after a restart), an offer gets its buttons, a late arrival is cleaned up."""
        intent = row.intent
        now = self.core.now()
        async with self.core.store.transaction() as db:
            await outbox.mark_sent(db, row.id, message_id, now)
            if chat_id is None or message_id is None or intent.alert_id is None:
                return
            if intent.message_id is not None:
                return  # an edit or deletion of a known message: nothing new to remember
            await sent_q.remember_message(
                db,
                alert_id=intent.alert_id,
                member_id=intent.member_id,
                chat_id=chat_id,
                message_id=message_id,
                role=intent.role.value,
                now=now,
            )
            if is_offer_send(intent):
                # Second phase: its buttons go onto the one message whose id is recorded.
                # A copy sent again after a crash is the one that gets buttons; the lost
                # one never does. An offer answered or withdrawn meanwhile is not armed.
                assert intent.member_id is not None
                offer = await offers_q.offer_for(db, intent.alert_id, intent.member_id)
                if offer is not None and offer.answer is None:
                    await outbox.enqueue(db, replace(intent, op=Op.EDIT), now)
            alert = await alerts_q.alert_by_id(db, intent.alert_id)
            late = late_redaction(alert, intent, chat_id, message_id)
            if late is not None:
                await outbox.enqueue(db, late, now)

    async def target(self, intent: Intent) -> int | None:
        """The message an edit by role is meant for, if one was ever recorded."""
        if intent.alert_id is None:
            return None
        async with self.core.store.reading() as db:
            return await sent_q.find_message(db, intent.alert_id, intent.role.value, intent.chat_id)

    async def _undeliverable(self, intent: Intent, *, refused: bool) -> None:
        """Tell the alert lifecycle: an urgent message was refused (403), or a message about
        an alert is still failing after the give-up time (then the leads are told once)."""
        if intent.alert_id is None or self.on_undeliverable is None:
            return
        if intent.text is not None and intent.text.key == DELIVERY_FAILED:
            return  # the notice that a message is stuck is never itself reported: no loop
        if refused and (intent.priority is not Priority.URGENT or intent.op is Op.EDIT):
            return  # a 403 on anything else: the recipient is marked unreachable, that's all
        await self.on_undeliverable(intent.alert_id, intent.member_id, intent.role, refused=refused)


def _resent(text: Text) -> Text:
    """The offer's text with a line saying it is a second copy."""
    if text.key == "lines" and t("offer.resent") in text.params.get("lines", []):
        return text
    lines = [t(text.key, **text.params), t("offer.resent")]
    return Text("lines", {"lines": lines})
