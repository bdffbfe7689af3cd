"""The sender: delivers outbox rows by priority and records Telegram's message ids."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core import Core
from bot.intents import Intent, MessageRole, Op
from data import alerts as alerts_q
from data import outbox
from data import squads as squads_q
from data.outbox import OutboxRow
from handlers.render import force_reply, inline_markup, location_keyboard, text_of

log = logging.getLogger(__name__)

# Telegram's errors that mean "nothing to do", matched on their description.
NOT_MODIFIED = "message is not modified"
EDIT_TARGET_GONE = ("message to edit not found", "message can't be edited")
MAX_BACKOFF_S = 60.0
MAX_ATTEMPTS = 12


class Sender:
    """One sender owns all outgoing intent deliveries."""

    def __init__(
        self,
        bot: Bot,
        core: Core,
        on_offer_undeliverable: Callable[[int, int], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.core = core
        self.on_offer_undeliverable = on_offer_undeliverable
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="squadline-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def flush(self) -> int:
        """Deliver everything that is due now; returns how many rows were handled."""
        handled = 0
        async with self._lock:
            while True:
                async with self.core.store.reading() as db:
                    batch = await outbox.next_batch(db, self.core.now())
                if not batch:
                    return handled
                for row in batch:
                    await self._deliver(row)
                    handled += 1

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.flush()
                async with self.core.store.reading() as db:
                    next_at = await outbox.next_not_before(db)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sender loop failed; retrying in 1 s")
                await asyncio.sleep(1.0)
                continue
            delay = 30.0 if next_at is None else min(max(next_at - self.core.now(), 0.05), 30.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _deliver(self, row: OutboxRow) -> None:
        intent = row.intent
        try:
            message = await self._call(intent)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            log.warning("429 from Telegram; row %s waits %.1f s", row.id, seconds)
            await self._later(row, seconds, "retry_after")
            return
        except Forbidden:
            log.warning("403 for row %s (%s): recipient unreachable", row.id, intent.role)
            async with self.core.store.transaction() as db:
                await outbox.mark_failed(db, row.id, "forbidden")
                if intent.chat_id > 0:
                    await squads_q.mark_blocked(db, intent.chat_id, self.core.now())
            if (
                intent.role is MessageRole.OFFER
                and intent.op is Op.SEND
                and intent.alert_id is not None
                and intent.member_id is not None
                and self.on_offer_undeliverable is not None
            ):
                await self.on_offer_undeliverable(intent.alert_id, intent.member_id)
            return
        except BadRequest as exc:
            description = str(exc).lower()
            if NOT_MODIFIED in description:
                await self._done(row, None)
                return
            log.warning("400 for row %s (%s): %s", row.id, intent.role, type(exc).__name__)
            async with self.core.store.transaction() as db:
                await outbox.mark_failed(db, row.id, "bad_request")
            return
        except (TimedOut, NetworkError) as exc:
            backoff = min(MAX_BACKOFF_S, 0.5 * (2 ** min(row.attempts, 8)))
            log.warning(
                "network error for row %s (%s); retry in %.1f s",
                row.id,
                type(exc).__name__,
                backoff,
            )
            if row.attempts + 1 >= MAX_ATTEMPTS:
                async with self.core.store.transaction() as db:
                    await outbox.mark_failed(db, row.id, "network")
                return
            await self._later(row, backoff, "network")
            return
        await self._done(row, message)

    async def _later(self, row: OutboxRow, seconds: float, error: str) -> None:
        async with self.core.store.transaction() as db:
            await outbox.retry_later(db, row.id, self.core.now() + seconds, error)

    async def _done(self, row: OutboxRow, message: Message | None) -> None:
        intent = row.intent
        now = self.core.now()
        async with self.core.store.transaction() as db:
            await outbox.mark_sent(db, row.id, message.message_id if message else None, now)
            if message is not None and intent.alert_id is not None:
                await alerts_q.remember_message(
                    db,
                    alert_id=intent.alert_id,
                    member_id=intent.member_id,
                    chat_id=message.chat_id,
                    message_id=message.message_id,
                    role=intent.role.value,
                    now=now,
                )

    async def _call(self, intent: Intent) -> Message | None:
        if intent.op is Op.LOCATION:
            assert intent.lat is not None and intent.lon is not None
            return await self.bot.send_location(intent.chat_id, intent.lat, intent.lon)
        if intent.op is Op.EDIT and intent.alert_id is not None:
            async with self.core.store.reading() as db:
                target = await alerts_q.find_message(
                    db, intent.alert_id, intent.role.value, intent.chat_id
                )
            if target is not None:
                try:
                    result = await self.bot.edit_message_text(
                        text_of(intent.text),
                        chat_id=intent.chat_id,
                        message_id=target,
                        reply_markup=inline_markup(intent.buttons),
                    )
                except BadRequest as exc:
                    if not any(gone in str(exc).lower() for gone in EDIT_TARGET_GONE):
                        raise
                    log.info("edit target gone for %s; sending a new message", intent.role)
                else:
                    return result if isinstance(result, Message) else None
            elif intent.role is MessageRole.OFFER:
                return None  # the offer was never delivered; nothing to withdraw
        markup = inline_markup(intent.buttons)
        reply_markup = markup
        if intent.request_location:
            reply_markup = location_keyboard()  # type: ignore[assignment]
        elif intent.force_reply:
            reply_markup = force_reply()  # type: ignore[assignment]
        reply_parameters = (
            ReplyParameters(intent.reply_to, allow_sending_without_reply=True)
            if intent.reply_to
            else None
        )
        return await self.bot.send_message(
            intent.chat_id,
            text_of(intent.text),
            reply_markup=reply_markup,
            reply_parameters=reply_parameters,
        )
