"""Telegram's sending limits, kept by one limiter that every outgoing message passes."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from datetime import timedelta

# Keep under every limit. A call counts from its admission until Telegram has answered it,
# and from the answer after that (``restamp``): Telegram counted it when it arrived, which
# is never later, so the windows here hold every message Telegram's hold, however late the
# call went. The overall window is then exactly Telegram's second. A group's window is
# long, so 10% more costs little there.
MARGIN = 1.1
GLOBAL_MARGIN = 1.0
# A private chat gets a wider margin: its one-a-second slot is the tightest limit, and a
# send whose call was slowed (a busy disk, a crash and a quick restart) must not land
# within a second of the next one.
PRIVATE_MARGIN = 1.25
# Direct replies let urgent outbox rows that wait for the overall limit go this much first.
URGENT_FIRST_S = 0.05
# The sender says after each pass whether urgent rows still wait for the overall limit; a
# direct reply waits while they do. Should the sender say nothing more (it is stuck), the
# word lapses after this long, so replies are delayed, never stopped.
URGENT_HELD_FOR_S = 3.0


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
        # When the sender last said urgent rows wait for the overall limit (None: none wait).
        self._urgent_held_at: float | None = None
        # Direct messages waiting for the overall limit, in the order they came.
        self._line = asyncio.Lock()

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
        if deletion:
            return max(
                0.0, self._blocked_until.get(chat_id, 0.0) - now, self._room(self._deletions, now)
            )
        return max(self._chat_wait(chat_id, now, paced=paced), self._room(self._global, now))

    def _chat_wait(self, chat_id: int, now: float, *, paced: bool = False) -> float:
        """Seconds until the chat's own limits (its window, a 429's hold, a board's pace)
        let one more message go, whatever the overall limit says."""
        waits = [0.0, self._blocked_until.get(chat_id, 0.0) - now]
        limit, span = self._window(chat_id)
        sent = self._chats.get(chat_id)
        if paced and chat_id in self._paced:
            waits.append(self._paced[chat_id] + self.group_gap_s - now)
        if sent:
            while sent and sent[0] <= now - span:
                sent.popleft()
            if len(sent) >= limit:
                waits.append(sent[0] + span - now)
        return max(waits)

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
        self.urgent_held(True)

    def urgent_held(self, held: bool) -> None:
        """The sender's word after a pass: urgent rows still wait for the overall limit
        (``held``), or none do. While they wait, a direct reply does not take the room the
        limit makes: the sender's next pass, planned for that room, gives it to them first
        however long the pass takes to read its rows (a time alone could lapse first)."""
        self._urgent_held_at = self.clock() if held else None

    def _urgent_still_held(self) -> bool:
        held = self._urgent_held_at
        return held is not None and self.clock() - held < URGENT_HELD_FOR_S

    def record(
        self, chat_id: int, at: float | None = None, *, deletion: bool = False, paced: bool = False
    ) -> float:
        """Count one call to ``chat_id`` made at ``at`` (now); returns the time counted."""
        at = self.clock() if at is None else at
        if deletion:
            self._deletions.append(at)
            return at
        if paced:
            self._paced[chat_id] = at
        self._global.append(at)
        self._chats.setdefault(chat_id, deque()).append(at)
        return at

    def restamp(self, chat_id: int, counted: float, *, deletion: bool = False) -> None:
        """The call counted at ``counted`` (its admission) has been answered: it counts from
        now. Telegram counts a message when it arrives, and a pass's calls go some
        milliseconds (under load, tens) after their admission; counted from then, the
        window would free early and the next second's calls meet the end of this one's at
        Telegram, which answers 429. Counted from the answer, it frees no earlier than
        Telegram's does."""
        now = self.clock()
        if now <= counted:
            return
        windows = [self._deletions] if deletion else [self._global, self._chat(chat_id)]
        for sent in windows:  # every time in a window is <= now: appending keeps it in order
            with contextlib.suppress(ValueError):  # gone: it left the window, and counts anew
                sent.remove(counted)
            sent.append(now)
        if not deletion and self._paced.get(chat_id) == counted:
            self._paced[chat_id] = now

    def forget(self, chat_id: int, counted: float, *, deletion: bool = False) -> None:
        """The call counted at ``counted`` will not be made: its slot is free again."""
        windows = [self._deletions] if deletion else [self._global, self._chat(chat_id)]
        for sent in windows:
            with contextlib.suppress(ValueError):
                sent.remove(counted)

    def _chat(self, chat_id: int) -> deque[float]:
        return self._chats.setdefault(chat_id, deque())

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
        """Wait for a slot (for direct calls, which are not queued in the outbox); returns
        the time it was counted at. A message waits after any urgent messages that are
        waiting for the overall limit; a ``deletion`` takes none of their slots, so it does
        not. Messages waiting for the overall limit take its room first come, first served:
        one at a time looks (the rest wait their turn without waking), and one whose own
        chat must wait (a 429's hold, its one a second) waits for that out of the line."""
        if deletion:
            await _waited(lambda: self.wait_for(chat_id, deletion=True))
            return self.record(chat_id, deletion=True)
        while True:
            await _waited(lambda: self._chat_wait(chat_id, self.clock()))
            async with self._line:
                while self._chat_wait(chat_id, self.clock()) <= 0:
                    wait = self._shared_wait()
                    if wait <= 0:
                        return self.record(chat_id)
                    await asyncio.sleep(wait)

    def _shared_wait(self) -> float:
        """Seconds until a direct message may take the overall limit's room: there is room,
        and no urgent message waits for it."""
        now = self.clock()
        wait = max(self._room(self._global, now), self._urgent_until - now)
        if wait <= 0 and self._urgent_still_held():
            return URGENT_FIRST_S  # look again once the sender's pass may have said more
        return wait


async def _waited(wait_of: Callable[[], float]) -> None:
    """Sleep until ``wait_of`` says there is nothing more to wait for."""
    wait = wait_of()
    while wait > 0:
        await asyncio.sleep(wait)
        wait = wait_of()
