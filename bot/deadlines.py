"""The deadline runner: deadlines live in the database; this task only wakes up for them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.alerts import Alerts
from bot.core import Core
from data import alerts as alerts_q

log = logging.getLogger(__name__)

# Even with nothing due, look again now and then (guards against a lost wake-up).
MAX_SLEEP_S = 30.0


class DeadlineRunner:
    """Fires due deadlines through :meth:`Alerts.on_deadline`, which fires each at most once."""

    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.core = core
        self.alerts = alerts
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.fired = 0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="squadline-deadlines")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def fire_due(self) -> int:
        """Fire every deadline that is due now (overdue ones after a restart included)."""
        count = 0
        while True:
            async with self.core.store.reading() as db:
                due = await alerts_q.due_deadlines(db, self.core.now())
            if not due:
                return count
            for deadline in due:
                if await self.alerts.on_deadline(deadline):
                    count += 1
                    self.fired += 1
                    self.core.crash_point("deadline_fired")

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.fire_due()
                async with self.core.store.reading() as db:
                    next_due = await alerts_q.next_due_at(db)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("deadline runner failed; retrying in 1 s")
                await asyncio.sleep(1.0)
                continue
            delay = MAX_SLEEP_S if next_due is None else next_due - self.core.now()
            delay = min(max(delay, 0.0), MAX_SLEEP_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
