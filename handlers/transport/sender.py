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

from telegram import Bot, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core import Core
from bot.delivery import Delivery, OnUndeliverable, OutboxRow, is_offer_send
from bot.intents import Intent, MessageRole, Op
from bot.worker import Worker
from handlers.markup import force_reply, inline_markup, location_keyboard, text_of
from handlers.transport.limits import RateLimiter

log = logging.getLogger(__name__)

# Telegram's errors that mean "nothing to do", matched on their description.
NOT_MODIFIED = "message is not modified"
EDIT_TARGET_GONE = ("message to edit not found", "message can't be edited")
DELETE_TARGET_GONE = ("message to delete not found", "message can't be deleted")
MAX_BACKOFF_S = 30.0


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
        # Every decision about a result is the core's: a second transport gets the same.
        self.delivery = Delivery(core, on_undeliverable)
        settings = core.settings
        self.limiter = limiter or RateLimiter(
            core.now,
            global_per_s=settings.limit_global_per_s,
            group_per_min=settings.limit_group_per_min,
            private_per_s=settings.limit_private_per_s,
            group_window_s=settings.limit_group_window.total_seconds(),
        )
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
        sends, holds = await self.delivery.recent(since)
        self.limiter.seed(sends)
        for chat_id, until in holds:
            self.limiter.block(chat_id, until - now)

    async def log_direct(self, chat_id: int) -> None:
        """A direct reply is about to go out: wait for a slot and log it like the outbox does."""
        at = await self.limiter.acquire(chat_id)
        await self.delivery.log_send(chat_id, at)

    async def flush(self) -> int:
        """Deliver every row that may go now; returns how many were delivered or settled."""
        handled = 0
        async with self._lock:
            while True:
                batch = await self.delivery.due(limit=100)
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
        next_at = await self.delivery.next_due_at()
        due = [t for t in (next_at, self._next_try) if t is not None]
        return max(min(due) - self.core.now(), 0.02) if due else None

    async def _deliver(self, row: OutboxRow) -> None:
        row = self.delivery.prepared(row)
        intent = row.intent
        await self.delivery.started(row)
        if is_offer_send(intent):
            self.core.crash_point("before_offer_send")
        try:
            message = await self._call(intent)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            log.warning("429 from Telegram; chat held for %.1f s", seconds)
            self.limiter.block(intent.chat_id, seconds)
            await self.delivery.held(row, seconds)
            return
        except Forbidden:
            log.warning("403 for a %s message: recipient unreachable", intent.role.value)
            await self.delivery.refused(row)
            return
        except BadRequest as exc:
            if NOT_MODIFIED in str(exc).lower():
                await self.delivery.delivered(row, None, None)
                return
            log.warning("400 for a %s message", intent.role.value)
            await self.delivery.rejected(row)
            return
        except (TimedOut, NetworkError) as exc:  # includes 5xx
            if await self.delivery.failing(row):
                log.error("an offer is still failing after %d attempts", row.attempts + 1)
                return  # the next member was offered instead; this one is dropped
            backoff = min(MAX_BACKOFF_S, 0.25 * 2 ** min(row.attempts, 7))
            log.warning("send failed (%s); retry in %.2f s", type(exc).__name__, backoff)
            # A timeout leaves it unknown whether Telegram got the message.
            await self.delivery.later(row, backoff, "network", uncertain=isinstance(exc, TimedOut))
            return
        if is_offer_send(intent):
            self.core.crash_point("after_offer_send")
        chat_id = message.chat_id if message is not None else None
        await self.delivery.delivered(row, chat_id, message.message_id if message else None)

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
            target = await self.delivery.target(intent)
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
        if is_offer_send(intent):
            reply_markup = None  # buttons come in the second phase (bot/delivery.py)
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
            self._languages[intent.chat_id] = await self.delivery.language_of(intent.chat_id)
        return self._languages[intent.chat_id]
