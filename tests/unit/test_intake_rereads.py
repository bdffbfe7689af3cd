"""The intake reads its inbox again only when there may be rows it did not give (rows were
stored, the last read was full, a row left in the inbox comes due), yet a row due again is
never left waiting for another person's slow answer (handlers/transport/intake.py
``Intake.drain``)."""

from __future__ import annotations

import asyncio
import math
import time
from types import SimpleNamespace
from typing import Any

from bot.updates import RETRY_BASE_S, InboxRow
from handlers.transport import intake as intake_module

SLOW_S = 2.5  # one person's answer, waiting for Telegram


class Inbox:
    """The inbox's rows as the drain sees them (on the wall clock, as the store's are)."""

    def __init__(self, ids: list[int], fail_bookkeeping: set[int]) -> None:
        self.rows = {i: {"state": "pending", "not_before": 0.0, "attempts": 0} for i in ids}
        self.fail_bookkeeping = fail_bookkeeping
        self.reads = 0

    async def pending(self, skip: tuple[int, ...] = ()) -> list[InboxRow]:
        self.reads += 1
        now = time.time()
        return [
            InboxRow(i, str(i), int(r["attempts"]))
            for i, r in sorted(self.rows.items())
            if r["state"] == "pending" and r["not_before"] <= now and i not in skip
        ]

    async def next_retry_after(self) -> float | None:
        now = time.time()
        later = [
            r["not_before"]
            for r in self.rows.values()
            if r["state"] == "pending" and r["not_before"] > now
        ]
        return min(later) if later else None

    async def handled(self, row: InboxRow, *, retry: bool, erased_chat: int | None) -> int | None:
        if row.update_id in self.fail_bookkeeping:
            self.fail_bookkeeping.discard(row.update_id)
            raise intake_module.STORE_ERRORS[0]("database is locked")
        r = self.rows[row.update_id]
        r["attempts"] += 1
        if retry:  # as UpdateLog.handled: the first retry waits RETRY_BASE_S
            r["not_before"] = time.time() + RETRY_BASE_S
            return int(r["attempts"])
        r["state"] = "done"
        return None

    async def settle(self) -> None:
        """As UpdateLog.settle: this inbox marks at once, so there is nothing to wait for."""


async def drained(inbox: Inbox, retry_once: set[int]) -> list[tuple[str, int]]:
    """Rows 1 (SLOW_S to answer), 2 and 3 (0.2 s) in three people's lanes, drained."""
    seen: list[tuple[str, int]] = []

    class App:
        async def process_update(self, update: Any) -> None:
            seen.append(("start", update.uid))
            if update.uid == 1:
                await asyncio.sleep(SLOW_S)
            elif update.uid in retry_once:
                retry_once.discard(update.uid)
                assert intake_module.request_retry()
            elif update.uid == 3:
                await asyncio.sleep(0.2)
            seen.append(("end", update.uid))

    intake = object.__new__(intake_module.Intake)
    intake.app = App()  # type: ignore[assignment]
    intake.core = SimpleNamespace(now=time.time)  # type: ignore[assignment]
    intake._wake = asyncio.Event()
    intake._stored = True
    intake._due_at = -math.inf
    intake._left_again = False
    intake.updates = inbox  # type: ignore[assignment]

    async def read(row: InboxRow) -> Any:
        chat = SimpleNamespace(id=row.update_id)
        return SimpleNamespace(uid=row.update_id, effective_chat=chat, effective_user=chat)

    intake._read = read  # type: ignore[method-assign]
    await intake.drain()
    return seen


def second_start(seen: list[tuple[str, int]], uid: int) -> int:
    return seen.index(("start", uid), seen.index(("start", uid)) + 1)


async def test_a_row_left_to_retry_is_handled_again_while_another_lane_is_slow() -> None:
    """Row 2 fails and is due again RETRY_BASE_S later: it is handled again then, long
    before row 1's slow answer is through (before, it waited for it)."""
    inbox = Inbox([1, 2, 3], fail_bookkeeping=set())
    seen = await drained(inbox, retry_once={2})
    assert second_start(seen, 2) < seen.index(("end", 1))
    assert inbox.reads <= 6  # a lane ending alone does not read the inbox again


async def test_a_row_whose_bookkeeping_failed_is_handled_again_at_once() -> None:
    inbox = Inbox([1, 2, 3], fail_bookkeeping={2})
    seen = await drained(inbox, retry_once=set())
    assert second_start(seen, 2) < seen.index(("end", 3))
