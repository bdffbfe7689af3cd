"""The intake reads its inbox again only when there may be rows it did not give (rows were
stored, the last read was full, a lane ended), yet a row due again is never left waiting
for another person's slow answer (handlers/transport/intake.py ``Intake.drain``)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from bot.updates import InboxRow
from handlers.transport import intake as intake_module

SLOW_S = 2.0  # one person's answer, waiting for Telegram


class Inbox:
    """The inbox's rows as the drain sees them: pending until handled, or due again later."""

    def __init__(self, ids: list[int]) -> None:
        self.rows = {i: {"state": "pending", "not_before": 0.0, "attempts": 0} for i in ids}
        self.reads = 0

    async def pending(self, skip: tuple[int, ...] = ()) -> list[InboxRow]:
        self.reads += 1
        now = asyncio.get_running_loop().time()
        return [
            InboxRow(i, str(i), r["attempts"])
            for i, r in sorted(self.rows.items())
            if r["state"] == "pending" and r["not_before"] <= now and i not in skip
        ]

    async def handled(self, row: InboxRow, *, retry: bool, erased_chat: int | None) -> int | None:
        r = self.rows[row.update_id]
        r["attempts"] += 1
        if retry:
            r["not_before"] = asyncio.get_running_loop().time() + 0.1
            return int(r["attempts"])
        r["state"] = "done"
        return None


async def test_a_row_left_to_retry_is_handled_again_while_another_lane_is_slow() -> None:
    """Row 1's answer takes SLOW_S; row 2 fails once and is due again 0.1 s later; row 3
    ends at 0.2 s. Row 2 is handled again long before row 1's answer is through: the read
    the drain puts off is made on time, not at the next lane's end."""
    seen: list[tuple[str, int]] = []

    class App:
        async def process_update(self, update: Any) -> None:
            seen.append(("start", update.uid))
            if update.uid == 1:
                await asyncio.sleep(SLOW_S)
            elif update.uid == 2 and [e for e in seen if e == ("start", 2)] == [("start", 2)]:
                assert intake_module.request_retry()
            elif update.uid == 3:
                await asyncio.sleep(0.2)
            seen.append(("end", update.uid))

    intake = object.__new__(intake_module.Intake)
    intake.app = App()  # type: ignore[assignment]
    intake._wake = asyncio.Event()
    intake._stored = True
    inbox = Inbox([1, 2, 3])
    intake.updates = inbox  # type: ignore[assignment]

    async def read(row: InboxRow) -> Any:
        chat = SimpleNamespace(id=row.update_id)
        return SimpleNamespace(uid=row.update_id, effective_chat=chat, effective_user=chat)

    intake._read = read  # type: ignore[method-assign]
    handled = await intake.drain()
    assert handled == 4  # row 2 twice
    assert seen.count(("start", 2)) == 2
    assert seen.index(("start", 2), seen.index(("start", 2)) + 1) < seen.index(("end", 1))
    assert inbox.reads < 20  # not read at every turn of the loop
