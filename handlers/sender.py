"""The sender: the one owner of outgoing intent deliveries.

It delivers outbox rows in priority order (urgent before routine), keeps within
Telegram's limits, waits out 429s, retries 5xx and network errors with bounded
backoff, records Telegram's message ids, and handles the known harmless errors
quietly. A row is marked ``sending`` before its call, so after a crash it is sent
again only when it is unknown whether Telegram got it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import replace
from typing import Protocol

from telegram import Bot, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core import Core
from bot.intents import Intent, MessageRole, Op, Priority, Text
from bot.languages import language_of_chat
from bot.messages import t
from bot.phones import late_redaction
from bot.worker import Worker
from data import alerts as alerts_q
from data import outbox
from data import squads as squads_q
from data.outbox import OutboxRow
from data.store import Db
from handlers.limits import RateLimiter
from handlers.render import force_reply, inline_markup, location_keyboard, text_of

log = logging.getLogger(__name__)

# Telegram's errors that mean "nothing to do", matched on their description.
NOT_MODIFIED = "message is not modified"
EDIT_TARGET_GONE = ("message to edit not found", "message can't be edited")
DELETE_TARGET_GONE = ("message to delete not found", "message can't be deleted")
MAX_BACKOFF_S = 30.0
DELIVERY_FAILED = "delivery.failed"  # the catalogue key of the leads' "could not deliver"


class OnUndeliverable(Protocol):
    def __call__(
        self, alert_id: int, member_id: int | None, role: MessageRole, *, refused: bool
    ) -> Awaitable[None]: ...


class Sender(Worker):
    """Delivers the outbox. ``flush`` is safe to call from handlers; one pass at a time."""

    name = "squadline-sender"

    def __init__(
        self,
        bot: Bot,
        core: Core,
        on_undeliverable: OnUndeliverable | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__()
        self.bot = bot
        self.core = core
        self.on_undeliverable = on_undeliverable
        settings = core.settings
        self.limiter = limiter or RateLimiter(
            core.now,
            global_per_s=settings.limit_global_per_s,
            group_per_min=settings.limit_group_per_min,
            private_per_s=settings.limit_private_per_s,
            group_window_s=settings.limit_group_window.total_seconds(),
        )
        self.give_up_s = core.settings.send_give_up.total_seconds()
        self._lock = asyncio.Lock()
        self._next_try: float | None = None
        # Each chat's reader's language, looked up once per batch (see _language).
        self._languages: dict[int, str] = {}

    def kick(self) -> None:
        self.wake()

    async def seed_limits(self) -> None:
        """Count what the previous run sent within the limit windows (it may have crashed)."""
        now = self.core.now()
        since = now - self.limiter.longest_window_s
        async with self.core.store.transaction() as db:
            self.limiter.seed(await outbox.recent_sends(db, since))
            for chat_id, until in await outbox.active_holds(db, now):
                self.limiter.block(chat_id, until - now)

    async def log_direct(self, chat_id: int) -> None:
        """A direct reply is about to go out: wait for a slot and log it like the outbox does."""
        at = await self.limiter.acquire(chat_id)
        async with self.core.store.transaction() as db:
            await outbox.log_send(db, chat_id, at)

    async def flush(self) -> int:
        """Deliver every row that may go now; returns how many were delivered or settled."""
        handled = 0
        async with self._lock:
            while True:
                async with self.core.store.reading() as db:
                    batch = await outbox.next_batch(db, self.core.now(), limit=100)
                self._languages = {}
                progressed = 0
                held: set[int] = set()  # chats that must wait: keep their order
                self._next_try = None
                for row in batch:
                    chat = row.intent.chat_id
                    if chat in held:
                        continue
                    wait = self.limiter.wait_for(chat)
                    if wait > 0:
                        held.add(chat)
                        self._note_next_try(self.core.now() + wait)
                        continue
                    self.limiter.record(chat)
                    await self._deliver(row)
                    progressed += 1
                handled += progressed
                if progressed == 0:
                    return handled

    async def drain(self) -> None:
        """Flush until nothing is left that a rate limit alone was holding back."""
        while True:
            await self.flush()
            if self._next_try is None:
                return
            await asyncio.sleep(max(self._next_try - self.core.now(), 0.01))

    def _note_next_try(self, at: float) -> None:
        self._next_try = at if self._next_try is None else min(self._next_try, at)

    async def pass_once(self) -> float | None:
        await self.flush()
        async with self.core.store.reading() as db:
            next_at = await outbox.next_not_before(db)
        due = [t for t in (next_at, self._next_try) if t is not None]
        return max(min(due) - self.core.now(), 0.02) if due else None

    async def _deliver(self, row: OutboxRow) -> None:
        if row.uncertain and _is_offer_send(row.intent) and row.intent.text is not None:
            # A crash or a timeout hid whether the first copy arrived: this copy says it
            # was sent again (and so does the armed edit of it, see _arm_offer).
            row = replace(row, intent=replace(row.intent, text=_resent(row.intent.text)))
        intent = row.intent
        async with self.core.store.transaction() as db:
            await outbox.mark_sending(db, row.id)
            await outbox.log_send(db, intent.chat_id, self.core.now())
        if intent.role is MessageRole.OFFER and intent.op is Op.SEND:
            self.core.crash_point("before_offer_send")
        try:
            message = await self._call(intent)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            log.warning("429 from Telegram; chat held for %.1f s", seconds)
            self.limiter.block(intent.chat_id, seconds)
            async with self.core.store.transaction() as db:
                await outbox.hold_chat(db, intent.chat_id, self.core.now() + seconds)
            await self._later(row, seconds, "retry_after")
            return
        except Forbidden:
            log.warning("403 for a %s message: recipient unreachable", intent.role.value)
            async with self.core.store.transaction() as db:
                await outbox.mark_failed(db, row.id, "forbidden")
                if intent.chat_id > 0:
                    await squads_q.mark_blocked(db, intent.chat_id, self.core.now())
            await self._undeliverable(intent, refused=True)
            return
        except BadRequest as exc:
            if NOT_MODIFIED in str(exc).lower():
                await self._done(row, None)
                return
            log.warning("400 for a %s message", intent.role.value)
            async with self.core.store.transaction() as db:
                await outbox.mark_failed(db, row.id, "bad_request")
            return
        except (TimedOut, NetworkError) as exc:  # includes 5xx
            backoff = min(MAX_BACKOFF_S, 0.25 * 2 ** min(row.attempts, 7))
            failing_since = row.first_failed_at or self.core.now()
            if not row.reported and self.core.now() - failing_since > self.give_up_s:
                await self._stuck(row)
                if intent.role is MessageRole.OFFER:
                    return  # the next member was offered instead; this one is dropped
            log.warning("send failed (%s); retry in %.2f s", type(exc).__name__, backoff)
            # A timeout leaves it unknown whether Telegram got the message.
            await self._later(row, backoff, "network", uncertain=isinstance(exc, TimedOut))
            return
        if intent.role is MessageRole.OFFER and intent.op is Op.SEND:
            self.core.crash_point("after_offer_send")
        await self._done(row, message)

    async def _stuck(self, row: OutboxRow) -> None:
        """Failing for longer than the give-up time: an offer moves on to the next member;
        anything else keeps being retried (nothing is dropped), and the leads are told once."""
        intent = row.intent
        log.error(
            "a %s message is still failing after %d attempts", intent.role.value, row.attempts + 1
        )
        async with self.core.store.transaction() as db:
            await outbox.mark_reported(db, row.id)
            if intent.role is MessageRole.OFFER:
                await outbox.mark_failed(db, row.id, "network")
        await self._undeliverable(intent, refused=False)

    async def _undeliverable(self, intent: Intent, *, refused: bool) -> None:
        """Tell the core: an urgent message was refused (403), or any message about an
        alert is still failing after the give-up time (then the leads are told once)."""
        if intent.alert_id is None or self.on_undeliverable is None:
            return
        if intent.text is not None and intent.text.key == DELIVERY_FAILED:
            return  # the notice that a message is stuck is never itself reported: no loop
        if refused and (intent.priority is not Priority.URGENT or intent.op is Op.EDIT):
            return  # a 403 on anything else: the recipient is marked unreachable, that's all
        await self.on_undeliverable(intent.alert_id, intent.member_id, intent.role, refused=refused)

    async def _later(
        self, row: OutboxRow, seconds: float, error: str, *, uncertain: bool = False
    ) -> None:
        now = self.core.now()
        async with self.core.store.transaction() as db:
            await outbox.retry_later(db, row.id, now + seconds, error, now, uncertain=uncertain)

    async def _done(self, row: OutboxRow, message: Message | None) -> None:
        intent = row.intent
        now = self.core.now()
        async with self.core.store.transaction() as db:
            await outbox.mark_sent(db, row.id, message.message_id if message else None, now)
            if message is not None and intent.alert_id is not None and intent.message_id is None:
                await alerts_q.remember_message(
                    db,
                    alert_id=intent.alert_id,
                    member_id=intent.member_id,
                    chat_id=message.chat_id,
                    message_id=message.message_id,
                    role=intent.role.value,
                    now=now,
                )
                if _is_offer_send(intent):
                    await self._arm_offer(db, intent)
                alert = await alerts_q.alert_by_id(db, intent.alert_id)
                late = late_redaction(alert, intent, message.chat_id, message.message_id)
                if late is not None:
                    await outbox.enqueue(db, late, now)

    async def _arm_offer(self, db: Db, intent: Intent) -> None:
        """Second phase of an offer: its buttons go onto the one message whose id is recorded.

        An offer is first sent without buttons. If the bot dies before recording it, the
        copy sent again after the restart is the one that gets buttons; the lost one never
        does. So a member never holds two live offers for one alert. If the offer was
        answered or withdrawn meanwhile, it is not armed.
        """
        assert intent.alert_id is not None and intent.member_id is not None
        offer = await alerts_q.offer_for(db, intent.alert_id, intent.member_id)
        if offer is None or offer.answer is not None:
            return
        await outbox.enqueue(db, replace(intent, op=Op.EDIT), self.core.now())

    async def _call(self, intent: Intent) -> Message | None:
        lang = await self._language(intent)
        if intent.op is Op.LEAVE:
            await self.bot.leave_chat(intent.chat_id)
            return None
        if intent.op is Op.LOCATION:
            assert intent.lat is not None and intent.lon is not None
            return await self.bot.send_location(intent.chat_id, intent.lat, intent.lon)
        if intent.op is Op.DELETE:
            assert intent.message_id is not None
            try:
                await self.bot.delete_message(intent.chat_id, intent.message_id)
            except BadRequest as exc:
                if not any(gone in str(exc).lower() for gone in DELETE_TARGET_GONE):
                    raise
            return None
        if intent.op is Op.EDIT and intent.message_id is not None:
            try:
                edited = await self.bot.edit_message_text(
                    text_of(intent.text, lang),
                    chat_id=intent.chat_id,
                    message_id=intent.message_id,
                    reply_markup=inline_markup(intent.buttons, lang),
                )
            except BadRequest as exc:
                if not any(gone in str(exc).lower() for gone in EDIT_TARGET_GONE):
                    raise
                return None  # nothing left to clean
            return edited if isinstance(edited, Message) else None
        if intent.op is Op.EDIT and intent.alert_id is not None:
            async with self.core.store.reading() as db:
                target = await alerts_q.find_message(
                    db, intent.alert_id, intent.role.value, intent.chat_id
                )
            if target is not None:
                try:
                    result = await self.bot.edit_message_text(
                        text_of(intent.text, lang),
                        chat_id=intent.chat_id,
                        message_id=target,
                        reply_markup=inline_markup(intent.buttons, lang),
                    )
                except BadRequest as exc:
                    if not any(gone in str(exc).lower() for gone in EDIT_TARGET_GONE):
                        raise
                    log.info("edit target gone for a %s message; sending anew", intent.role.value)
                else:
                    return result if isinstance(result, Message) else None
            elif intent.role is MessageRole.OFFER:
                return None  # the offer never reached them; nothing to withdraw
        reply_markup = (
            location_keyboard(lang)
            if intent.request_location
            else force_reply()
            if intent.force_reply
            else inline_markup(intent.buttons, lang)
        )
        reply_parameters = (
            ReplyParameters(intent.reply_to, allow_sending_without_reply=True)
            if intent.reply_to
            else None
        )
        if _is_offer_send(intent):
            reply_markup = None  # buttons come in the second phase (see _arm_offer)
        return await self.bot.send_message(
            intent.chat_id,
            text_of(intent.text, lang),
            reply_markup=reply_markup,
            reply_parameters=reply_parameters,
        )

    async def _language(self, intent: Intent) -> str:
        """The reader's language: a private chat's person, or the group's squad."""
        if intent.text is None and not intent.buttons and not intent.request_location:
            return "en"
        if intent.chat_id not in self._languages:
            async with self.core.store.reading() as db:
                self._languages[intent.chat_id] = await language_of_chat(db, intent.chat_id)
        return self._languages[intent.chat_id]


def _is_offer_send(intent: Intent) -> bool:
    return intent.role is MessageRole.OFFER and intent.op is Op.SEND


def _resent(text: Text) -> Text:
    """The offer's text with a line saying it is a second copy."""
    if text.key == "lines" and t("offer.resent") in text.params.get("lines", []):
        return text
    lines = [t(text.key, **text.params), t("offer.resent")]
    return Text("lines", {"lines": lines})
