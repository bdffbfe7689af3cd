"""The deadline runner: deadlines live in the database; this task only wakes up for them."""

from __future__ import annotations

import asyncio
import logging

from bot.alerts import Alerts
from bot.core import Core
from bot.worker import Worker
from data import deadlines as deadlines_q

log = logging.getLogger(__name__)

# Deadlines fired in one transaction: one commit for many after a restart, while a batch
# holds the loop for only tens of milliseconds.
BATCH = 25


class DeadlineRunner(Worker):
    """Fires due deadlines through :meth:`Alerts.on_deadline`, which fires each at most once."""

    name = "squadline-deadlines"

    def __init__(self, core: Core, alerts: Alerts) -> None:
        super().__init__()
        self.core = core
        self.alerts = alerts
        self.fired = 0

    async def fire_due(self) -> int:
        """Fire every deadline that is due now (overdue ones after a restart included), a
        batch per transaction."""
        count = 0
        while True:
            async with self.core.store.reading() as db:
                due = await deadlines_q.due_deadlines(db, self.core.now())
            if not due:
                return count
            for start in range(0, len(due), BATCH):
                fired = await self.alerts.on_deadlines(due[start : start + BATCH])
                if fired:
                    count += fired
                    self.fired += fired
                    self.core.crash_point("deadline_fired")
                # The store answers without suspending: let updates and sends in between.
                await asyncio.sleep(0)

    async def pass_once(self) -> float | None:
        await self.fire_due()
        async with self.core.store.reading() as db:
            next_due = await deadlines_q.next_due_at(db)
        return None if next_due is None else next_due - self.core.now()
