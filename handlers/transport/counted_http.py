"""PTB's HTTP client, counting Telegram's 429 answers (for /metrics).

Every Bot API call but getUpdates goes through this one request object (the sender's,
the direct replies', the answers to button presses), so counting here counts every 429,
whoever made the call. It changes nothing else: the status and the body go back to PTB as
they came.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.transport.http_client import BotApiRequest

TOO_MANY_REQUESTS = 429


class CountedRequest(BotApiRequest):
    def __init__(self, on_429: Callable[[], None], connection_pool_size: int) -> None:
        super().__init__(connection_pool_size=connection_pool_size)
        self.on_429 = on_429

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, body = await super().do_request(*args, **kwargs)
        if status == TOO_MANY_REQUESTS:
            self.on_429()
        return status, body
