"""Telegram's sending limits, as the fake Telegram (``fakegram.FakeTelegram``) enforces them.

Telegram answers a bot that sends too fast with ``429 Too Many Requests`` and a
``retry_after``. Its published guidance: about 30 messages a second overall, at most 20
a minute to one group, and about one a second to one private chat. Edits count as sends.
The fake keeps the same three sliding windows over the sends it accepted, and refuses one
more with 429 (``retry_after`` in whole seconds, at least 1) when it would break one.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

__all__ = ["SENDING_METHODS", "TELEGRAM", "LimitKeeper", "Limits"]

# Calls that count against Telegram's sending limits (an edit is a send).
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendLocation",
        "sendVenue",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
    }
)


@dataclass(frozen=True)
class Limits:
    """Sends allowed within each window. ``slack`` forgives that share of a window: the
    bot's limiter and this server see one send a few milliseconds apart."""

    global_per_s: int = 30
    group_per_window: int = 20
    group_window_s: float = 60.0
    private_per_s: int = 1
    slack: float = 0.02


# Telegram's published limits; ``None`` in their place means "no limits".
TELEGRAM = Limits()


class LimitKeeper:
    """Sliding windows over the accepted sends; says how long a refused send must wait."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._global: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}
        self.refused = 0  # 429s this keeper answered

    def _window(self, chat_id: int) -> tuple[int, float]:
        if chat_id < 0:
            return self.limits.group_per_window, self.limits.group_window_s
        return self.limits.private_per_s, 1.0

    @staticmethod
    def _wait(sent: deque[float], limit: int, span: float, now: float, slack: float) -> float:
        """How long until one more send keeps within ``limit`` per ``span`` (0: now)."""
        forgiven = span * (1 - slack)
        while sent and sent[0] <= now - forgiven:
            sent.popleft()
        if len(sent) < limit:
            return 0.0
        return sent[0] + forgiven - now

    def admit(self, chat_id: int | None, now: float) -> float:
        """Count one send if every window has room (returns 0), else the ``retry_after``
        Telegram would give, in whole seconds."""
        slack = self.limits.slack
        waits = [self._wait(self._global, self.limits.global_per_s, 1.0, now, slack)]
        sent = None
        if chat_id is not None:
            sent = self._chats.setdefault(chat_id, deque())
            limit, span = self._window(chat_id)
            waits.append(self._wait(sent, limit, span, now, slack))
        wait = max(waits)
        if wait > 0:
            self.refused += 1
            return float(max(1, math.ceil(wait)))
        self._global.append(now)
        if sent is not None:
            sent.append(now)
        return 0.0
