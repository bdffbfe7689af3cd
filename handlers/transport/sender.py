"""The sender: the one owner of outgoing intent deliveries.

It delivers outbox rows in priority order (urgent before routine), keeps within
Telegram's limits, waits out 429s, retries 5xx and network errors with bounded
backoff, records Telegram's message ids, and handles the known harmless errors
quietly. A row is marked ``sending`` before its call, so after a crash it is sent
again only when it is unknown whether Telegram got it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core import Core
from bot.delivery import Delivery, Due, OnUndeliverable, OutboxRow, is_offer_send
from bot.intents import Intent, MessageRole, Op
from bot.logsafe import where
from bot.worker import Worker
from handlers.markup import FORCE_REPLY, inline_keyboard, location_request, text_of
from handlers.transport.intake import slot_lent
from handlers.transport.keepalive import LostInFlight
from handlers.transport.limits import RateLimiter, retry_after_s
from handlers.transport.raw_api import RawBotApi, Sent

log = logging.getLogger(__name__)

T = TypeVar("T")

# Telegram's errors that mean "nothing to do", matched on their description.
NOT_MODIFIED = "message is not modified"
EDIT_TARGET_GONE = ("message to edit not found", "message can't be edited")
DELETE_TARGET_GONE = ("message to delete not found", "message can't be deleted")
MAX_BACKOFF_S = 30.0
BATCH = 200  # outbox rows looked at in one pass
CONCURRENCY = 8  # calls in flight at once (to different chats)
DIRECT_ATTEMPTS = 5  # a direct call meeting 5xx or network errors: 0.25 + 0.5 + 1 + 2 s


class NoCall:
    """What ``_call`` returns when it made no call (its slot goes back to the limits)."""


@dataclass
class Outcome:
    """What one call came back with: where Telegram put the message, or the error it raised."""

    row: OutboxRow
    message: Sent | None = None
    error: Exception | None = None


class Sender(Worker):
    """Delivers the outbox; one pass at a time (``flush``), woken by ``kick``.

    A pass takes what may go now within the limits, marks it all ``sending`` in one
    transaction, makes the calls concurrently (one chat's messages in order), and records
    the results in one transaction. Handlers only ``kick`` it: they never wait for delivery.
    """

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
        # Each admitted row's call in the limits, until it is answered or will not be made
        # (RateLimiter.answered, not_made): its chat, when it was let go, whether it is a
        # deletion, and the board's pace before it.
        self._counted: dict[int, tuple[int, float, bool, float | None]] = {}
        self._wake_at: float | None = None  # a wake-up planned for when the limit has room
        # Each chat's reader's language, looked up once per pass (see _language).
        self._languages: dict[int, str] = {}

    def kick(self, urgent: bool = False) -> None:
        """Something was queued (``urgent``: an urgent message). While the overall limit is
        spent nothing can go anyway: the pass already planned for when it has room will
        find it (a backlog is not looked over again after every commit), and an urgent
        message's slot is kept from direct replies until then."""
        wait = self.limiter.global_wait()
        if wait <= 0:
            self.wake()
            return
        if urgent:
            self.limiter.urgent_written()
        now = self.core.now()
        if self._wake_at is None or self._wake_at <= now:  # one timer at a time
            self._wake_at = now + wait
            asyncio.get_running_loop().call_later(wait, self.wake)

    def urgent_queued(self) -> None:
        """An urgent message is being queued, its transaction not yet committed. A direct
        reply must not take the room it will need meanwhile (in a burst, the one slot the
        limit frees): until the sender's next pass has read it (once it is committed), a
        direct reply waits, as for any urgent row held by the overall limit. That pass comes
        milliseconds after the commit; rolled back, the next pass or a few seconds end it."""
        self.limiter.urgent_written()

    async def seed_limits(self) -> None:
        """Count what the previous run sent within the limit windows (it may have crashed)."""
        now = self.core.now()
        since = now - self.limiter.longest_window_s
        sends, holds = await self.delivery.recent(since)
        self.limiter.seed(sends)
        for chat_id, until in holds:
            self.limiter.block(chat_id, until - now)

    async def direct(
        self, chat_id: int, call: Callable[[], Awaitable[T]], *, deletion: bool = False
    ) -> T:
        """Make a direct call (an answer to the person who asked, or tidying the group: not
        queued in the outbox) within the same limits: wait for a slot, log it like the outbox
        does, call. A 429 holds the chat, as for an outbox row (across a restart too), and the
        call is made again once ``retry_after`` has passed: an answer is never dropped. A 5xx,
        a timeout or a network error is retried with backoff, ``DIRECT_ATTEMPTS`` times in all
        (after a timeout Telegram may have it: the answer may then come twice).
        ``deletion``: deleting a message, which takes no message's slot."""
        failures = 0
        while True:
            try:
                # Waiting for a slot (behind urgent messages, in a burst) holds up no one
                # else's update.
                async with slot_lent():
                    at = await self.limiter.acquire(chat_id, deletion=deletion)
                    try:
                        if not deletion:  # the limits across a restart count messages only
                            await self.delivery.log_send(chat_id, at)
                        return await call()
                    finally:
                        self.limiter.answered(chat_id, at, deletion=deletion)
            except RetryAfter as exc:
                seconds = retry_after_s(exc.retry_after)
                log.warning("429 from Telegram on a direct call; chat held for %.1f s", seconds)
                self.limiter.block(chat_id, seconds)
                await self.delivery.hold(chat_id, seconds)
            except BadRequest:
                raise  # a NetworkError to PTB, but it will never go
            except NetworkError as exc:  # includes 5xx and timeouts
                failures += 1
                if failures >= DIRECT_ATTEMPTS:
                    raise
                log.warning("direct call failed (%s); trying again", type(exc).__name__)
                await asyncio.sleep(backoff_s(failures - 1))

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message directly (tidying the group), as :meth:`direct` does, without
        PTB's objects: the group is tidied after every ``/alert`` in a raid."""
        return await self.direct(
            chat_id,
            functools.partial(self._api.delete_message, chat_id, message_id),
            deletion=True,
        )

    async def flush(self) -> int:
        """Deliver every row that may go now; returns how many were delivered or settled."""
        handled = 0
        async with self._lock:
            while True:
                admitted = self._admit(await self.delivery.due(BATCH))
                if not admitted:
                    return handled
                try:
                    handled += await self._pass(admitted)
                finally:  # failed or cancelled midway: a call perhaps made counts as made
                    for row_id in admitted:
                        self._answered(row_id)

    async def _pass(self, admitted: list[int]) -> int:
        # Read and marked ``sending`` in one transaction, so what goes is what is recorded
        # (an offer no longer open, or a row superseded, is dropped instead).
        rows = await self.delivery.started(admitted)
        self._uncount(admitted, rows)
        if not rows:
            return len(admitted)
        self._languages = await self.delivery.languages_of(
            sorted({row.intent.chat_id for row in rows if _worded(row.intent)})
        )
        if any(is_offer_send(row.intent) for row in rows):
            self.core.crash_point("before_offer_send")
        by_chat: dict[int, list[OutboxRow]] = {}
        for row in rows:
            by_chat.setdefault(row.intent.chat_id, []).append(row)
        gate = asyncio.Semaphore(CONCURRENCY)
        done = await asyncio.gather(*(self._lane(gate, lane) for lane in by_chat.values()))
        await self._settle([outcome for lane in done for outcome in lane])
        return len(admitted)

    def _admit(self, batch: list[Due]) -> list[int]:
        """The rows that may go now, in order; a chat that must wait keeps its order."""
        self._next_try = None
        admitted: list[int] = []
        held: set[int] = set()
        urgent_held = False
        for row in batch:
            chat = row.chat_id
            if chat in held:
                continue
            # A deletion is no message: it takes no message's slot (see RateLimiter).
            deletion = row.op is Op.DELETE
            # The squad's board is paced: what waits is folded into one message.
            paced = row.board and chat < 0
            wait = self.limiter.wait_for(chat, deletion=deletion, paced=paced)
            if wait > 0:
                held.add(chat)
                self._note_next_try(self.core.now() + wait)
                # Held by the overall limit (not only by its own chat): direct replies wait
                # until the pass planned for that limit's room has taken it.
                urgent_held = urgent_held or (row.urgent and self.limiter.global_wait() > 0)
                continue
            paced_before = self.limiter.paced_at(chat) if paced else None
            at = self.limiter.let_go(chat, deletion=deletion, paced=paced)
            self._counted[row.id] = (chat, at, deletion, paced_before)
            admitted.append(row.id)
        self.limiter.urgent_held(urgent_held)
        return admitted

    def _uncount(self, admitted: list[int], rows: list[OutboxRow]) -> None:
        """A row admitted but dropped as it started (its offer closed, its edit superseded)
        makes no call: the slot it was counted in goes back to the limits."""
        going = {row.id for row in rows}
        for row_id in admitted:
            if row_id not in going:
                self._not_made(row_id)

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

    async def _lane(self, gate: asyncio.Semaphore, rows: list[OutboxRow]) -> list[Outcome]:
        """One chat's rows, in order."""
        outcomes = []
        async with gate:
            for row in rows:
                outcomes.append(await self._attempt(row))
        return outcomes

    async def _attempt(self, row: OutboxRow) -> Outcome:
        intent = row.intent
        try:
            made = await self._call(intent)
        except Exception as exc:  # every error is settled by _settle, one by one
            self._answered(row.id)  # it may have reached Telegram
            return Outcome(row, error=exc)
        message = None
        if isinstance(made, NoCall):
            self._not_made(row.id)
        else:
            self._answered(row.id)
            message = made
        if is_offer_send(intent):
            self.core.crash_point("after_offer_send")
        return Outcome(row, message=message)

    def _answered(self, row_id: int) -> None:
        """Its call (if not yet said) counts from now in the limits (RateLimiter.answered)."""
        counted = self._counted.pop(row_id, None)
        if counted is not None:
            chat, at, deletion, _ = counted
            self.limiter.answered(chat, at, deletion=deletion)

    def _not_made(self, row_id: int) -> None:
        """Its call will not be made: the slot goes back (RateLimiter.not_made)."""
        counted = self._counted.pop(row_id, None)
        if counted is not None:
            chat, at, deletion, paced_before = counted
            self.limiter.not_made(chat, at, deletion=deletion, paced_before=paced_before)

    async def _settle(self, outcomes: list[Outcome]) -> None:
        """Record what Telegram took in one transaction; then each error, by its kind."""
        await self.delivery.delivered(
            [
                (o.row, o.message.chat_id if o.message else None, _message_id(o.message))
                for o in outcomes
                if o.error is None
            ]
        )
        for outcome in outcomes:
            if outcome.error is not None:
                await self._failed(outcome.row, outcome.error)

    async def _failed(self, row: OutboxRow, error: Exception) -> None:
        intent = row.intent
        if isinstance(error, RetryAfter):
            seconds = retry_after_s(error.retry_after)
            log.warning("429 from Telegram; chat held for %.1f s", seconds)
            self.limiter.block(intent.chat_id, seconds)
            await self.delivery.held(row, seconds)
        elif isinstance(error, Forbidden):
            log.warning("403 for a %s message: recipient unreachable", intent.role.value)
            await self.delivery.refused(row)
        elif isinstance(error, BadRequest):
            if NOT_MODIFIED in str(error).lower():
                await self.delivery.delivered([(row, None, None)])
                return
            log.warning("400 for a %s message", intent.role.value)
            await self.delivery.rejected(row)
        elif isinstance(error, TimedOut | NetworkError):  # includes 5xx
            # A timeout, or a connection lost once the request may have gone, leaves it
            # unknown whether Telegram got the message; a 5xx answer or a connection never
            # made says it did not.
            uncertain = isinstance(error, TimedOut | LostInFlight)
            if await self.delivery.failing(row, uncertain=uncertain):
                log.error("an offer is still failing after %d attempts", row.attempts + 1)
                return  # the next member was offered instead; this one is dropped
            backoff = backoff_s(row.attempts)
            log.warning("send failed (%s); retry in %.2f s", type(error).__name__, backoff)
            await self.delivery.later(row, backoff, "network", uncertain=uncertain)
        else:  # unexpected: whether Telegram has it is unknown, so it is resent as such
            log.error("a %s message failed (%s)", intent.role.value, where(error))
            await self.delivery.later(row, backoff_s(row.attempts), "error", uncertain=True)

    @functools.cached_property
    def _api(self) -> RawBotApi:
        """The Bot API without PTB's objects: the sender keeps only where a message is."""
        return RawBotApi(self.bot)

    async def _call(self, intent: Intent) -> Sent | NoCall | None:
        lang = await self._language(intent)
        api = self._api
        if intent.op is Op.LEAVE:
            await api.leave_chat(intent.chat_id)
            return None
        if intent.op is Op.LOCATION:
            assert intent.lat is not None and intent.lon is not None
            return await api.send_location(intent.chat_id, intent.lat, intent.lon)
        if intent.op is Op.VENUE:  # a pin whose title says what it is (a drill's)
            assert intent.lat is not None and intent.lon is not None
            title, _, address = text_of(intent.text, lang).partition("\n")
            return await api.send_venue(
                intent.chat_id, intent.lat, intent.lon, title, address or title
            )
        if intent.op is Op.DELETE:
            assert intent.message_id is not None
            try:
                await api.delete_message(intent.chat_id, intent.message_id)
            except BadRequest as exc:
                if not any(gone in str(exc).lower() for gone in DELETE_TARGET_GONE):
                    raise
                if intent.text is not None and "can't" in str(exc).lower():
                    # Too old for a bot to delete: it is edited to ``text`` instead, which
                    # is a message and counts as one. (Admitted as a deletion, it may come
                    # while its group's window is full: the rare edit then meets a 429,
                    # which holds the group and is waited out like any other.)
                    at = self.limiter.let_go(intent.chat_id)
                    try:
                        await self.delivery.log_send(intent.chat_id, at)
                        await self._edit_quietly(intent.chat_id, intent.message_id, intent, lang)
                    finally:
                        self.limiter.answered(intent.chat_id, at)
            return None
        if intent.op is Op.EDIT and intent.message_id is not None:
            try:
                return await api.edit_message_text(
                    intent.chat_id,
                    intent.message_id,
                    text_of(intent.text, lang),
                    inline_keyboard(intent.buttons, lang),
                )
            except BadRequest as exc:
                if not any(gone in str(exc).lower() for gone in EDIT_TARGET_GONE):
                    raise
                return None  # nothing left to clean
        if intent.op is Op.EDIT and (
            intent.alert_id is not None or intent.role is MessageRole.CARD
        ):
            target = await self.delivery.target(intent)
            if target is not None:
                try:
                    return await api.edit_message_text(
                        intent.chat_id,
                        target,
                        text_of(intent.text, lang),
                        inline_keyboard(intent.buttons, lang),
                    )
                except BadRequest as exc:
                    if not any(gone in str(exc).lower() for gone in EDIT_TARGET_GONE):
                        raise
                    log.info("edit target gone for a %s message; sending anew", intent.role.value)
            elif intent.role is MessageRole.OFFER:
                return NoCall()  # the offer never reached them; nothing to withdraw
        reply_markup = (
            location_request(lang)
            if intent.request_location
            else FORCE_REPLY
            if intent.force_reply
            else inline_keyboard(intent.buttons, lang)
        )
        reply_parameters = (
            {"message_id": intent.reply_to, "allow_sending_without_reply": True}
            if intent.reply_to
            else None
        )
        return await api.send_message(
            intent.chat_id, text_of(intent.text, lang), reply_markup, reply_parameters
        )

    async def _edit_quietly(self, chat_id: int, message_id: int, intent: Intent, lang: str) -> None:
        try:
            await self._api.edit_message_text(chat_id, message_id, text_of(intent.text, lang))
        except BadRequest as exc:
            if not any(gone in str(exc).lower() for gone in EDIT_TARGET_GONE):
                raise

    async def _language(self, intent: Intent) -> str:
        """The reader's language: a private chat's person, or the group's squad."""
        if not _worded(intent):
            return "en"
        if intent.chat_id not in self._languages:
            self._languages[intent.chat_id] = await self.delivery.language_of(intent.chat_id)
        return self._languages[intent.chat_id]


def _worded(intent: Intent) -> bool:
    """Whether the message has words or buttons (so its reader's language matters)."""
    return intent.text is not None or bool(intent.buttons) or intent.request_location


def backoff_s(failures: int) -> float:
    """The wait before trying again after ``failures`` earlier failed attempts."""
    return min(MAX_BACKOFF_S, 0.25 * 2.0 ** min(failures, 7))


def _message_id(message: Sent | None) -> int | None:
    return message.message_id if message is not None else None
