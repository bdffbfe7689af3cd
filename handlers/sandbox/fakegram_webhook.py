"""The fake Telegram's webhook side (``FakeTelegram.webhook``): once the bot calls
setWebhook, each queued update is POSTed to its URL with the secret in Telegram's header, in
order and one at a time (the bot asks for ``max_connections=1``), and again after ``retry``
until the bot answers 200: an error status, a refused connection or a killed bot all mean
"send it again"."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def post_update(url: str, secret: str | None, update: dict[str, Any]) -> int:
    """One POST, as Telegram (or anyone on the internet) would make it; the HTTP status,
    0 when nothing answered."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                url, data=json.dumps(update), headers=headers, timeout=aiohttp.ClientTimeout(10)
            ) as answer,
        ):
            return answer.status
    except (aiohttp.ClientError, TimeoutError, OSError):
        return 0


class WebhookPusher:
    """Set by setWebhook, cleared by deleteWebhook; ``posts`` records every POST made as
    (update_id, status)."""

    def __init__(self, retry: float = 0.2) -> None:
        self.hook: dict[str, Any] | None = None
        self.posts: list[tuple[Any, int]] = []
        self.retry = retry
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str | None:
        return None if self.hook is None else str(self.hook["url"])

    @property
    def secret(self) -> str | None:
        return None if self.hook is None else self.hook.get("secret_token")

    def start(
        self,
        next_update: Callable[[], Awaitable[dict[str, Any]]],
        delivered: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        """``next_update`` waits for the first queued update while a webhook is set;
        ``delivered`` takes it off the queue once the bot answered 200."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(next_update, delivered))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def post(self, update: dict[str, Any], secret: str | None) -> int:
        assert self.url is not None, "no webhook is set"
        status = await post_update(self.url, secret, update)
        self.posts.append((update.get("update_id"), status))
        return status

    async def _run(
        self,
        next_update: Callable[[], Awaitable[dict[str, Any]]],
        delivered: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        while True:
            update = await next_update()
            if self.hook is None:
                continue
            if await self.post(update, self.secret) == 200:
                await delivered(update)
            else:
                await asyncio.sleep(self.retry)
