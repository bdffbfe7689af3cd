"""A background loop that does a pass, then sleeps until woken or its next due time."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.logsafe import where

log = logging.getLogger(__name__)


class Worker:
    """Subclasses implement :meth:`pass_once`, returning seconds until the next pass is due
    (``None``: only when woken, or after ``idle_s``). A failing pass is logged and retried."""

    name = "squadline-worker"
    idle_s = 30.0

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        """Its loop is running (for /healthz); a failing pass does not end it."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def pass_once(self) -> float | None:
        raise NotImplementedError

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                delay = await self.pass_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("%s failed (%s); retrying in 1 s", self.name, where(exc))
                await asyncio.sleep(1.0)
                continue
            wait = self.idle_s if delay is None else min(max(delay, 0.0), self.idle_s)
            # asyncio.timeout, not wait_for: wait_for can swallow a cancellation that
            # arrives as the event is set (a stop racing a wake-up), and the loop never ends.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
