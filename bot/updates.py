"""The durable intake's side of the core: what the poller and the inbox processor ask.

An update is committed here before the polling offset moves past it; it is emptied the
moment it is handled (or given up on). A second transport (Signal) stores its messages the
same way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.core import Core
from data import inbox
from data import privacy as privacy_q
from data.inbox import ONE_READ, InboxRow
from data.store import STORE_ERRORS, is_store_error

__all__ = ["ONE_READ", "STORE_ERRORS", "InboxRow", "UpdateLog", "is_store_error"]

MAX_ATTEMPTS = 20
RETRY_BASE_S = 0.5
RETRY_MAX_S = 30.0


class UpdateLog:
    def __init__(self, core: Core) -> None:
        self.core = core

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
        """Record how handling went: done (emptied at once), or left to retry with backoff
        (given up, and emptied, after ``MAX_ATTEMPTS``). An erasure also removes the traces
        its own update left, then the file is checkpointed. Returns the attempt number when
        the update is left to retry."""
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
