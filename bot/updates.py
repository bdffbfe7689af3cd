"""The durable intake's side of the core: what the poller and the inbox processor ask.

An update is committed here before the polling offset moves past it; it is emptied when
it is marked done, about 10 ms after it is handled (or when it is given up on). A second
transport (Signal) stores its messages the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence

from bot.core import Core
from data import inbox
from data import privacy as privacy_q
from data.inbox import ONE_READ, InboxRow
from data.store import STORE_ERRORS, is_store_error

__all__ = ["ONE_READ", "STORE_ERRORS", "InboxRow", "UpdateLog", "is_store_error"]

MAX_ATTEMPTS = 20
# A handled update is marked done in a commit it shares with those handled within this
# long: in a raid, a commit for each was about a tenth of the bot's CPU (README
# "Performance"). Only the same person's next update in the same chat waits for it.
MARK_WINDOW_S = 0.01
RETRY_BASE_S = 0.5
RETRY_MAX_S = 30.0


class MarksStopped(RuntimeError):
    """The commit that was to mark an update done was stopped (the loop is ending): the
    update is handled again at the next start. Not a cancellation of its waiter's own."""


class UpdateLog:
    def __init__(self, core: Core) -> None:
        self.core = core
        # Updates handled, waiting to be marked done in the next commit; that commit's
        # outcome, which each of them awaits; and the tasks making such commits.
        self._done: list[int] = []
        self._marked: asyncio.Future[None] | None = None
        self._marking: set[asyncio.Task[None]] = set()

    async def offset(self) -> int:
        async with self.core.store.reading() as db:
            return await inbox.get_offset(db)

    async def store(self, rows: Sequence[tuple[int, str]], next_offset: int | None) -> None:
        """Commit fetched updates and the offset past them (polling; a webhook has none),
        in one transaction."""
        async with self.core.store.transaction() as db:
            await inbox.store_updates(db, rows, self.core.now())
            if next_offset is not None:
                await inbox.set_offset(db, next_offset)

    async def pending(self, skip: Collection[int] = ()) -> list[InboxRow]:
        """Rows to handle, but for ``skip`` (being handled already: in a burst, more than one
        read's worth can be waiting for their answers to go, and the rows after them must
        still be read)."""
        async with self.core.store.reading() as db:
            return await inbox.pending(db, self.core.now(), skip=skip)

    async def next_retry_at(self) -> float | None:
        async with self.core.store.reading() as db:
            return await inbox.next_retry_at(db)

    async def next_retry_after(self) -> float | None:
        """When the next pending row that is not due yet comes due (one left to retry)."""
        async with self.core.store.reading() as db:
            return await inbox.next_retry_at(db, after=self.core.now())

    async def handled(self, row: InboxRow, *, retry: bool, erased_chat: int | None) -> int | None:
        """Record how handling went: done (emptied in the shared commit of ``_mark_done``),
        or left to retry with backoff
        (given up, and emptied, after ``MAX_ATTEMPTS``). An erasure also removes the traces
        its own update left, then the file is checkpointed. Returns the attempt number when
        the update is left to retry."""
        if not retry and erased_chat is None:
            await self._mark_done(row.update_id)
            return None
        now = self.core.now()
        # Bookkeeping: lost to a power cut, the update is handled again (idempotently).
        async with self.core.store.transaction(durable=False) as db:
            if retry:
                give_up = row.attempts + 1 >= MAX_ATTEMPTS
                delay = min(RETRY_MAX_S, RETRY_BASE_S * 2 ** min(row.attempts, 6))
                await inbox.retry_later(db, row.update_id, now + delay, give_up, now)
            else:
                await inbox.mark_done(db, row.update_id, now)
                if erased_chat is not None:
                    await privacy_q.after_erasure(db, erased_chat, row.update_id)
        if erased_chat is not None and not retry:
            await self.core.store.checkpoint()
        return row.attempts + 1 if retry else None

    async def _mark_done(self, update_id: int) -> None:
        """Mark a handled update done (its content emptied) in the commit shared with those
        handled within ``MARK_WINDOW_S``; returns once that commit is made, or raises its
        error (the update is then handled again, as after any failed bookkeeping)."""
        self._done.append(update_id)
        if self._marked is None:
            marked = asyncio.get_running_loop().create_future()
            # Its error is read even if every update waiting for it was cancelled meanwhile.
            marked.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._marked = marked
            task = asyncio.create_task(self._mark_soon(marked))
            self._marking.add(task)
            task.add_done_callback(lambda task: self._ended(task, marked))
        await asyncio.shield(self._marked)

    def _ended(self, task: asyncio.Task[None], marked: asyncio.Future[None]) -> None:
        """A marking task is over. Stopped before its commit (the loop is ending; even
        before it began), its updates are handled again at the next start, and those
        waiting for it are told so."""
        self._marking.discard(task)
        if not marked.done():
            if self._marked is marked:
                self._done, self._marked = [], None
            marked.set_exception(MarksStopped())

    async def _mark_soon(self, marked: asyncio.Future[None]) -> None:
        await asyncio.sleep(MARK_WINDOW_S)  # cancelled: see _ended
        update_ids, self._done, self._marked = self._done, [], None  # later ones: a new commit
        try:
            async with self.core.store.transaction(durable=False) as db:
                await inbox.mark_all_done(db, update_ids, self.core.now())
        except Exception as exc:
            marked.set_exception(exc)
        else:
            marked.set_result(None)

    async def settle(self) -> None:
        """Wait for the marks under way (the bot is stopping): an update handled is then
        not handled again at the next start."""
        if self._marking:
            await asyncio.wait(set(self._marking))  # their outcomes were their waiters'

    async def set_aside(self, row: InboxRow) -> None:
        """An update that cannot be read is marked done in a commit of its own, at once:
        it is met while the inbox is being read, and waiting for a shared commit there
        would hold up the rows after it."""
        async with self.core.store.transaction(durable=False) as db:
            await inbox.mark_done(db, row.update_id, self.core.now())
