"""Telegram's sending limits, kept by one limiter that every outgoing message passes."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import timedelta

# Keep under every limit: the moment a send is counted here and the moment Telegram
# receives it differ by a few (sometimes many) milliseconds of database and network time.
# A group's window is long, so 10% costs little; the overall window is one second, where
# 3% is 30 ms of jitter and leaves 97% of the bot's budget usable.
MARGIN = 1.1
GLOBAL_MARGIN = 1.03
# A private chat gets a wider margin: its one-a-second slot is the tightest limit, and a
# send whose call was slowed (a busy disk, a crash and a quick restart) must not land
# within a second of the next one.
PRIVATE_MARGIN = 1.25
# Direct replies let urgent outbox rows that wait for the overall limit go this much first.
URGENT_FIRST_S = 0.05


def retry_after_s(value: float | timedelta) -> float:
    """A 429's ``retry_after`` in seconds (PTB 22 gives seconds or, opted in, a timedelta)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RateLimiter:
    """Sliding windows over what was sent; it never sleeps itself, it says how long to wait."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        global_per_s: int,
        group_per_min: int,
        private_per_s: int,
        group_window_s: float = 60.0,
    ) -> None:
        self.clock = clock
        self.global_per_s = global_per_s
        self.group_per_min = group_per_min
        self.private_per_s = private_per_s
        self.group_window_s = group_window_s
        self._global: deque[float] = deque()
        # Deletions are not messages: Telegram's published limits are on sending and editing
        # (their limits are shared; a deletion's are "high enough to cover all reasonable
        # usages", tdlib/telegram-bot-api#572). They get a window of their own, as wide as
        # the overall one, so a clean-up after a burst never takes a message's slot.
        self._deletions: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}
        self._blocked_until: dict[int, float] = {}
        self._paced: dict[int, float] = {}  # when each group's board last went
        # Urgent outbox rows wait for the overall limit until then: direct replies wait too.
        self._urgent_until = 0.0

    def _window(self, chat_id: int) -> tuple[int, float]:
        if chat_id < 0:
            return self.group_per_min, self.group_window_s * MARGIN
        return self.private_per_s, PRIVATE_MARGIN

    @property
    def group_gap_s(self) -> float:
        """A group's paced messages (its board) go one per this many seconds at most: a raid
        then never spends the whole minute's budget at once, and what waits is folded
        together (bot/alerts/cards.py) instead of queueing for the next minute."""
        return self.group_window_s * MARGIN / self.group_per_min

    def wait_for(self, chat_id: int, *, deletion: bool = False, paced: bool = False) -> float:
        """Seconds until one more message to ``chat_id`` keeps within every limit
        (``deletion``: deleting a message, which counts only in the deletions' own window;
        ``paced``: a group's board, also kept ``group_gap_s`` after the previous one)."""
        now = self.clock()
        waits = [self._blocked_until.get(chat_id, 0.0) - now]
        if deletion:
            waits.append(self._room(self._deletions, now))
            return max(0.0, *waits)
        waits.append(self._room(self._global, now))
        limit, span = self._window(chat_id)
        sent = self._chats.get(chat_id)
        if paced and chat_id in self._paced:
            waits.append(self._paced[chat_id] + self.group_gap_s - now)
        if sent:
            while sent and sent[0] <= now - span:
                sent.popleft()
            if len(sent) >= limit:
                waits.append(sent[0] + span - now)
        return max(0.0, *waits)

    def global_wait(self) -> float:
        """Seconds until the overall limit has room for one more message."""
        return max(0.0, self._room(self._global, self.clock()))

    def _room(self, sent: deque[float], now: float) -> float:
        """Seconds until a one-second window of ``global_per_s`` has room (<= 0: now)."""
        while sent and sent[0] <= now - GLOBAL_MARGIN:
            sent.popleft()
        if len(sent) < self.global_per_s:
            return 0.0
        return sent[0] + GLOBAL_MARGIN - now

    def urgent_waiting(self, seconds: float) -> None:
        """Urgent messages wait ``seconds`` for the overall limit: until then no direct reply
        takes a slot they need (urgent messages never wait behind routine ones)."""
        self._urgent_until = max(self._urgent_until, self.clock() + seconds + URGENT_FIRST_S)

    def record(
        self, chat_id: int, at: float | None = None, *, deletion: bool = False, paced: bool = False
    ) -> None:
        at = self.clock() if at is None else at
        if deletion:
            self._deletions.append(at)
            return
        if paced:
            self._paced[chat_id] = at
        self._global.append(at)
        self._chats.setdefault(chat_id, deque()).append(at)

    def seed(self, sends: list[tuple[int, float]]) -> None:
        """What an earlier run sent (from the send log), oldest first."""
        for chat_id, at in sends:
            self.record(chat_id, at)

    @property
    def longest_window_s(self) -> float:
        return max(PRIVATE_MARGIN, GLOBAL_MARGIN, self.group_window_s * MARGIN)

    def block(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing goes there until ``retry_after`` passed."""
        self._blocked_until[chat_id] = max(
            self._blocked_until.get(chat_id, 0.0), self.clock() + seconds
        )

    async def acquire(self, chat_id: int, *, deletion: bool = False) -> float:
        """Wait for a slot (for direct calls, which are not queued in the outbox). A message
        waits after any urgent messages that are waiting for the overall limit; a
        ``deletion`` takes none of their slots, so it does not."""
        wait = self._acquire_wait(chat_id, deletion)
        while wait > 0:
            await asyncio.sleep(wait)
            wait = self._acquire_wait(chat_id, deletion)
        self.record(chat_id, deletion=deletion)
        return self.clock()

    def _acquire_wait(self, chat_id: int, deletion: bool) -> float:
        wait = self.wait_for(chat_id, deletion=deletion)
        return wait if deletion else max(wait, self._urgent_until - self.clock())
