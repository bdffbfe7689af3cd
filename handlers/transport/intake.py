"""Durable intake: poll Telegram, store each update, then handle it and mark it done.

PTB's own Updater confirms an update to Telegram as soon as it has fetched it, so a
crash before the handler ran would lose it. Here the offset moves past an update only
after the update is committed to the inbox table; on start, unfinished rows are
handled first, in order. Each update is stored as Telegram sent it, fetched without
PTB's objects (``raw_api``): it becomes an ``Update`` once, when it is handled. In
webhook mode (``webhook.py``) the poller does not run: the webhook hands each update to
:meth:`Intake.receive`, the same way in, before its HTTP 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import deque
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import (
    Conflict,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application
from telegram.request import BaseRequest

from bot import json_codec
from bot.core import Core
from bot.logsafe import where
from bot.updates import ONE_READ, STORE_ERRORS, InboxRow, UpdateLog
from handlers.transport.limits import retry_after_s
from handlers.transport.raw_api import RawBotApi

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_PARALLEL = 8
POLLER = "squadline-poller"
PROCESSOR = "squadline-inbox"
RETRY_BASE_S = 0.5
RETRY_MAX_S = 30.0


class Slot:
    """One of the drain's ``MAX_PARALLEL`` slots, held by the task handling an update."""

    def __init__(self, gate: asyncio.Semaphore) -> None:
        self.gate = gate
        self.held = False
        self.owner: asyncio.Task[Any] | None = None

    async def take(self) -> None:
        await self.gate.acquire()
        self.held = True
        self.owner = asyncio.current_task()

    def give(self) -> None:
        if self.held:
            self.held = False
            self.gate.release()


@dataclass
class Handling:
    """Set while one inbox row is handled; the error handler marks it for a retry."""

    update_id: int
    retry: bool = False
    # Set by an erasure (/forgetme, /wipe): whose traces to clear once this row is handled.
    erased_chat: int | None = None
    slot: Slot | None = None


CURRENT: ContextVar[Handling | None] = ContextVar("squadline_inbox_row", default=None)


@contextlib.asynccontextmanager
async def slot_lent() -> AsyncIterator[None]:
    """While the update being handled waits for Telegram's limits (a direct reply waiting
    for its slot, behind urgent messages), its intake slot goes to the next update: a
    reply waiting in each slot held up the handling of every alert stored meanwhile, and
    so the very offers the reply was waiting for. Its own lane still waits for it."""
    handling = CURRENT.get()
    slot = handling.slot if handling is not None else None
    if slot is None or not slot.held or slot.owner is not asyncio.current_task():
        yield  # not the handler's own task (a reply's files sent later): nothing to lend
        return
    slot.give()
    cancelled = False
    try:
        yield
    except asyncio.CancelledError:
        cancelled = True  # the bot is stopping: no slot to take back
        raise
    finally:
        if not cancelled:
            await slot.take()


def request_retry() -> bool:
    """Called by the error handler: leave the current update in the inbox to retry."""
    handling = CURRENT.get()
    if handling is None:
        return False
    handling.retry = True
    return True


def erasure_handled(chat_id: int) -> None:
    """``Core.on_erasure``: after a confirmed /forgetme (the person's id) or /wipe (the
    group's id). Once the triggering update is marked done, its traces are cleared and the
    WAL is truncated."""
    handling = CURRENT.get()
    if handling is not None:
        handling.erased_chat = chat_id


class Intake:
    """The poller and the inbox processor."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        core: Core,
        poll_timeout: float,
        polling: BaseRequest,
    ) -> None:
        """``polling``: the request object the bot was built with for getUpdates."""
        self.app = app
        self.core = core
        # The updates are fetched as JSON and stored as they came, never made objects
        # here: the inbox's processor makes each one an ``Update`` once, to handle it.
        self.bot_api = RawBotApi(app.bot, polling)
        self.updates = UpdateLog(core)
        self.poll_timeout = poll_timeout
        self._wake = asyncio.Event()
        self._stored = True  # rows were stored since the drain last read the inbox
        # When a row not stored since may be due (one left to retry, or whose bookkeeping
        # failed), on the loop's clock; found from the inbox at each read it causes.
        self._due_at = -math.inf
        self._left_again = False  # a row was left in the inbox during the drain's last read
        self._tasks: list[asyncio.Task[None]] = []
        self.fatal: BaseException | None = None
        self.stopped = asyncio.Event()

    def kick(self) -> None:
        self._stored = True
        self._wake.set()

    async def start(self, *, poll: bool = True) -> None:
        """Handle what a previous run left unfinished, then start polling (unless a webhook
        brings the updates) and processing."""
        await self.drain()
        self._tasks = [asyncio.create_task(self._process_loop(), name=PROCESSOR)]
        if poll:
            self._tasks.append(asyncio.create_task(self._poll_loop(), name=POLLER))

    def running(self, name: str) -> bool:
        """Whether the task ``name`` (``POLLER``, ``PROCESSOR``) is running: for /healthz."""
        return any(t.get_name() == name and not t.done() for t in self._tasks)

    async def receive(self, rows: list[tuple[int, str]], next_offset: int | None = None) -> bool:
        """The one way in, for the poller and the webhook alike: commit the updates (and
        the polling offset past them) to the inbox, then wake the processor. False: they
        were not stored, and the caller must not confirm them to Telegram."""
        try:
            await self.updates.store(rows, next_offset)
        except STORE_ERRORS as exc:
            if _disk_full(exc):
                self._die_disk_full(exc)
            else:
                log.error("could not store updates (%s)", type(exc).__name__)
            return False
        self.core.crash_point("inbox_written")
        self.kick()
        return True

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.updates.settle()

    # -- polling ------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        offset = await self.updates.offset()
        failures = 0
        long_poll = int(self.poll_timeout)
        while True:
            try:
                updates = await self.bot_api.get_updates(
                    offset or None,
                    long_poll,
                    ALLOWED_UPDATES,
                    # PTB's get_updates added the long poll's own time to its read timeout.
                    read_timeout=long_poll + self.poll_timeout + 10,
                )
            except RetryAfter as exc:
                await asyncio.sleep(retry_after_s(exc.retry_after))
                continue
            except TimedOut:
                continue
            except Conflict as exc:
                failures += 1
                await self._conflict(exc, failures)
                continue
            except InvalidToken as exc:
                log.critical("Telegram rejected the bot token; stopping")
                self.fatal = exc
                self.stopped.set()
                return
            except NetworkError as exc:
                failures += 1
                delay = min(RETRY_MAX_S, RETRY_BASE_S * 2 ** min(failures, 6))
                log.warning("getUpdates failed (%s); retry in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if not updates:
                continue
            rows = [(u["update_id"], json_codec.dumps(u)) for u in updates]
            next_offset = max(update_id for update_id, _ in rows) + 1
            if not await self.receive(rows, next_offset):
                if self.fatal is not None:
                    return
                await asyncio.sleep(1.0)  # not confirmed: Telegram delivers them again
                continue
            offset = next_offset

    async def _conflict(self, exc: Conflict, failures: int) -> None:
        """409: a webhook is still set (the bot ran in webhook mode before), or another
        process polls with this token."""
        if "webhook" in str(exc).lower():
            log.warning("a webhook is set for this bot; deleting it to poll")
            with contextlib.suppress(TelegramError):
                await self.app.bot.delete_webhook()
        else:
            log.warning("another process is polling with this bot token; retrying")
        await asyncio.sleep(min(RETRY_MAX_S, RETRY_BASE_S * 2 ** min(failures, 6)))

    # -- processing ---------------------------------------------------------------------

    async def _process_loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                handled = await self.drain()
                retry_at = await self.updates.next_retry_at()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("inbox processing failed (%s); retrying in 1 s", where(exc))
                await asyncio.sleep(1.0)
                continue
            if handled:
                continue
            delay = 5.0 if retry_at is None else min(max(retry_at - self.core.now(), 0.05), 5.0)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):  # not wait_for: see bot/worker.py
                    await self._wake.wait()

    async def drain(self) -> int:
        """Handle every pending row that is due, until none is left. Rows of one person in
        one chat stay in order (a lane); different lanes are handled side by side, at most
        ``MAX_PARALLEL`` rows at once. A row stored meanwhile is picked up as soon as it
        comes (the poller's kick), not when everything before it is done: a slow answer (a
        report's charts, a reply waiting out a 429) holds up its own lane only, never
        another person's alert."""
        handled = 0
        gate = asyncio.Semaphore(MAX_PARALLEL)
        lanes: dict[tuple[int, int], asyncio.Task[int]] = {}
        queues: dict[tuple[int, int], deque[tuple[InboxRow, Update]]] = {}
        taken: set[int] = set()  # update ids queued or being handled
        # Lanes whose task has ended, told by the task itself: waiting on every lane at
        # once (``asyncio.wait``) looked over all of them each time one ended, and a burst
        # has thousands.
        ended: deque[tuple[int, int]] = deque()
        loop = asyncio.get_running_loop()
        full = True  # the first read is never skipped

        def collect(lane: tuple[int, int]) -> int:
            task = lanes.pop(lane)
            queues.pop(lane, None)
            return task.result()  # a lane's failure fails the drain, as before

        def start(lane: tuple[int, int], queue: deque[tuple[InboxRow, Update]]) -> None:
            task = asyncio.create_task(self._run_lane(gate, queue, taken))

            def on_end(_: asyncio.Task[int]) -> None:
                ended.append(lane)
                self._wake.set()

            task.add_done_callback(on_end)
            lanes[lane] = task

        try:
            while True:
                self._wake.clear()
                # The inbox is read again only when there may be rows it did not give: rows
                # were stored, the last read was full, or a row not stored since has come due
                # (left to retry, or its bookkeeping failed). A lane ending makes no row
                # readable, and in a burst each read looks over every row being handled.
                now = loop.time()
                due = now >= self._due_at
                if self._stored or full or due:
                    self._stored = self._left_again = False
                    # Those being handled are not read again: in a burst, more than a read's
                    # worth can wait for their answers, and the rows after them must be read.
                    rows = await self.updates.pending(skip=tuple(taken))
                    full = len(rows) >= ONE_READ
                    if due:
                        at = await self._next_due_at(loop)
                        if not self._left_again:  # else read again: it may have been skipped
                            self._due_at = at
                else:
                    rows = []
                for row in rows:
                    if row.update_id in taken:
                        continue
                    taken.add(row.update_id)
                    update = await self._read(row)
                    if update is None:
                        taken.discard(row.update_id)
                        continue
                    lane = _lane(update)
                    if lane in lanes and lanes[lane].done():
                        handled += collect(lane)
                    queue = queues.setdefault(lane, deque())
                    queue.append((row, update))
                    if lane not in lanes:
                        start(lane, queue)
                if not lanes:
                    return handled
                if not ended:
                    # Until a lane ends, rows are stored, or a row left to retry comes due.
                    wait = None if math.isinf(self._due_at) else max(self._due_at - now, 0.0)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(wait):
                            await self._wake.wait()
                while ended:
                    lane = ended.popleft()
                    if lane in lanes and lanes[lane].done():  # not collected already
                        handled += collect(lane)
        finally:
            for task in lanes.values():
                task.cancel()
            await asyncio.gather(*lanes.values(), return_exceptions=True)
            # A lane stopped while its update's mark was under way: the mark is waited
            # for, or the next drain would read that update again and handle it twice.
            await self.updates.settle()

    async def _next_due_at(self, loop: asyncio.AbstractEventLoop) -> float:
        """When the next row left to retry comes due, on the loop's clock (``inf``: none)."""
        at = await self.updates.next_retry_after()
        if at is None:
            return math.inf
        return loop.time() + max(at - self.core.now(), 0.0)

    def _due_again(self) -> None:
        """A row handled just now is left in the inbox (to retry, or its bookkeeping
        failed): the drain reads the inbox at once, and learns when it comes due."""
        self._due_at = -math.inf
        self._left_again = True
        self._wake.set()

    async def _read(self, row: InboxRow) -> Update | None:
        """The row as an Update; ``None`` if it cannot be one (a shape python-telegram-bot
        cannot read). Such a row would fail every time and hold up every update after it, so
        it is set aside as handled, and only its id and the error's kind are logged."""
        try:
            return Update.de_json(json_codec.loads(row.raw), self.app.bot)
        except Exception as exc:  # whatever the shape, it must not block the inbox
            log.error("update %s could not be read (%s); set aside", row.update_id, where(exc))
            await self.updates.set_aside(row)
            return None

    async def _run_lane(
        self,
        gate: asyncio.Semaphore,
        queue: deque[tuple[InboxRow, Update]],
        taken: set[int],
    ) -> int:
        """One lane's rows, in order, each in one of the drain's slots; how many."""
        done = 0
        while queue:
            row, update = queue[0]
            slot = Slot(gate)
            await slot.take()
            try:
                await self._handle(row, update, slot)
            finally:
                slot.give()
            queue.popleft()
            taken.discard(row.update_id)
            done += 1
        return done

    async def _handle(self, row: InboxRow, update: Update, slot: Slot | None = None) -> None:
        handling = Handling(row.update_id, slot=slot)
        token = CURRENT.set(handling)
        try:
            await self.app.process_update(update)
        finally:
            CURRENT.reset(token)
        if slot is not None:
            # Handled: its bookkeeping holds no slot (MARK_WINDOW_S in bot/updates.py).
            slot.give()
        try:
            attempt = await self.updates.handled(
                row, retry=handling.retry, erased_chat=handling.erased_chat
            )
            if attempt is not None:
                log.warning(
                    "update %s left in the inbox to retry (attempt %d)", row.update_id, attempt
                )
                self._due_again()
        except STORE_ERRORS as exc:
            if _disk_full(exc):
                self._die_disk_full(exc)
            log.error("could not record the inbox row (%s)", type(exc).__name__)
            self._due_again()

    def _die_disk_full(self, exc: BaseException) -> None:
        log.critical("the disk is full: the database cannot be written; stopping")
        self.fatal = exc
        self.stopped.set()


def _lane(update: Update) -> tuple[int, int]:
    chat = update.effective_chat
    user = update.effective_user
    return (chat.id if chat else 0, user.id if user else 0)


def _disk_full(exc: BaseException) -> bool:
    return "full" in str(exc).lower()
