"""Telegram's sending limits, kept by one limiter that every outgoing message passes."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from datetime import timedelta

# Keep under every limit. A call counts from the moment it is let go until Telegram has
# answered it, however long that takes, and from the answer after that: Telegram counted
# it when it arrived, never later, so the windows here always hold every message
# Telegram's hold. The overall window is then exactly Telegram's second. A group's window
# is long, so 10% more costs little there.
MARGIN = 1.1
GLOBAL_MARGIN = 1.0
# A private chat gets a wider margin: its one-a-second slot is the tightest limit, and a
# send whose call was slowed (a busy disk, a crash and a quick restart) must not land
# within a second of the next one.
PRIVATE_MARGIN = 1.25
# While urgent rows wait, a direct reply looks again this often for the sender's word.
URGENT_FIRST_S = 0.05
# The sender says after each pass whether urgent rows still wait for the overall limit; a
# direct reply waits while they do. Should the sender say nothing more (it is stuck), the
# word lapses after this long, so replies are delayed, never stopped.
URGENT_HELD_FOR_S = 3.0
# A window full of calls not yet answered is looked at again this often.
IN_FLIGHT_POLL_S = 0.02
# A call let go and never said answered (a path that failed to say) stops counting after
# this long, longer than any call's timeout: a lost word costs a slot for a while, never
# for good.
IN_FLIGHT_LAPSE_S = 120.0


def retry_after_s(value: float | timedelta) -> float:
    """A 429's ``retry_after`` in seconds (PTB 22 gives seconds or, opted in, a timedelta)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Window:
    """One limit's sliding window: calls answered (counted from their answers) and calls in
    flight (let go, not yet answered: counted until they are)."""

    __slots__ = ("answered", "flying")

    def __init__(self) -> None:
        self.answered: deque[float] = deque()
        self.flying: deque[float] = deque()  # when each was let go

    def wait(self, now: float, limit: int, span: float) -> float:
        """Seconds until one more call keeps within ``limit`` a ``span`` (0: now)."""
        answered, flying = self.answered, self.flying
        while answered and answered[0] <= now - span:
            answered.popleft()
        while flying and flying[0] <= now - IN_FLIGHT_LAPSE_S:
            flying.popleft()
        over = len(answered) + len(flying) - limit + 1  # answered calls that must age out
        if over <= 0:
            return 0.0
        if over <= len(answered):
            return answered[over - 1] + span - now
        return IN_FLIGHT_POLL_S  # in-flight calls alone fill it: until one is answered

    def let_go(self, at: float) -> None:
        self.flying.append(at)

    def done(self, let_go_at: float, now: float) -> None:
        """The call let go at ``let_go_at`` was answered now (every time here is <= now:
        appending keeps the window in order)."""
        with contextlib.suppress(ValueError):  # lapsed: it counts from its answer all the same
            self.flying.remove(let_go_at)
        self.answered.append(now)

    def not_made(self, let_go_at: float) -> None:
        with contextlib.suppress(ValueError):
            self.flying.remove(let_go_at)


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
        self._global = Window()
        # Deletions are not messages: Telegram's published limits are on sending and editing
        # (their limits are shared; a deletion's are "high enough to cover all reasonable
        # usages", tdlib/telegram-bot-api#572). They get a window of their own, as wide as
        # the overall one, so a clean-up after a burst never takes a message's slot.
        self._deletions = Window()
        self._chats: dict[int, Window] = {}
        self._blocked_until: dict[int, float] = {}
        self._paced: dict[int, float] = {}  # when each group's board last went
        # When the sender last said urgent rows wait for the overall limit (None: none wait).
        self._urgent_held_at: float | None = None
        # Direct messages waiting for the overall limit, in the order they came.
        self._line = asyncio.Lock()

    def _chat(self, chat_id: int) -> Window:
        return self._chats.setdefault(chat_id, Window())

    def _chat_limit(self, chat_id: int) -> tuple[int, float]:
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
            held = self._blocked_until.get(chat_id, 0.0) - now
            return max(0.0, held, self._deletions.wait(now, self.global_per_s, GLOBAL_MARGIN))
        return max(self._chat_wait(chat_id, now, paced=paced), self._overall_wait(now))

    def _chat_wait(self, chat_id: int, now: float, *, paced: bool = False) -> float:
        """Seconds until the chat's own limits (its window, a 429's hold, a board's pace)
        let one more message go, whatever the overall limit says."""
        waits = [0.0, self._blocked_until.get(chat_id, 0.0) - now]
        if paced and chat_id in self._paced:
            waits.append(self._paced[chat_id] + self.group_gap_s - now)
        window = self._chats.get(chat_id)
        if window is not None:
            waits.append(window.wait(now, *self._chat_limit(chat_id)))
        return max(waits)

    def global_wait(self) -> float:
        """Seconds until the overall limit has room for one more message."""
        return self._overall_wait(self.clock())

    def _overall_wait(self, now: float) -> float:
        return self._global.wait(now, self.global_per_s, GLOBAL_MARGIN)

    def urgent_held(self, held: bool) -> None:
        """The sender's word after a pass: urgent rows still wait for the overall limit
        (``held``), or none do. While they wait, a direct reply does not take the room the
        limit makes: the sender's next pass, planned for that room, gives it to them first
        however long the pass takes to read its rows (a time alone could lapse first). Only
        a pass renews the word: without passes it lapses after ``URGENT_HELD_FOR_S``."""
        self._urgent_held_at = self.clock() if held else None

    def urgent_written(self) -> None:
        """An urgent row is being written, or was queued while the overall limit is spent:
        direct replies wait for the sender's next pass, as if it had said urgent rows are
        held; a word already standing is not renewed (a sender that makes no passes must
        not hold replies for ever)."""
        if not self._urgent_still_held():
            self._urgent_held_at = self.clock()

    def _urgent_still_held(self) -> bool:
        held = self._urgent_held_at
        return held is not None and self.clock() - held < URGENT_HELD_FOR_S

    def let_go(self, chat_id: int, *, deletion: bool = False, paced: bool = False) -> float:
        """A call to ``chat_id`` is let go now: it counts until ``answered`` (or
        ``not_made``) is said with the time this returns."""
        at = self.clock()
        if deletion:
            self._deletions.let_go(at)
            return at
        if paced:
            self._paced[chat_id] = at
        self._global.let_go(at)
        self._chat(chat_id).let_go(at)
        return at

    def answered(self, chat_id: int, let_go_at: float, *, deletion: bool = False) -> None:
        """Telegram answered the call let go at ``let_go_at`` (or it failed): it counts from
        now. A pass's calls reach Telegram milliseconds (under load, tens; behind a busy
        disk, more) after they are let go; counted from then, the window would free early
        and the next second's calls meet the end of this one's at Telegram, which answers
        429. Counted until and from the answer, it frees no earlier than Telegram's does."""
        now = self.clock()
        for window in self._windows(chat_id, deletion):
            window.done(let_go_at, now)

    def not_made(
        self,
        chat_id: int,
        let_go_at: float,
        *,
        deletion: bool = False,
        paced_before: float | None = None,
    ) -> None:
        """The call let go at ``let_go_at`` will not be made: its slot is free again (and a
        board's pace is what it was before, ``paced_before``)."""
        for window in self._windows(chat_id, deletion):
            window.not_made(let_go_at)
        if not deletion and self._paced.get(chat_id) == let_go_at:
            if paced_before is None:
                del self._paced[chat_id]
            else:
                self._paced[chat_id] = paced_before

    def paced_at(self, chat_id: int) -> float | None:
        """When the group's board last went (was let go)."""
        return self._paced.get(chat_id)

    def _windows(self, chat_id: int, deletion: bool) -> list[Window]:
        return [self._deletions] if deletion else [self._global, self._chat(chat_id)]

    def record(self, chat_id: int, at: float | None = None, *, deletion: bool = False) -> None:
        """Count one call to ``chat_id`` answered at ``at`` (now)."""
        at = self.clock() if at is None else at
        for window in self._windows(chat_id, deletion):
            window.answered.append(at)

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
        the time it was let go at, for ``answered``. A message waits after any urgent
        messages that are waiting for the overall limit; a ``deletion`` takes none of their
        slots, so it does not. Messages waiting for the overall limit take its room first
        come, first served: one at a time looks (the rest wait their turn without waking),
        and one whose own chat must wait (a 429's hold, its one a second) waits for that out
        of the line."""
        if deletion:
            await _waited(lambda: self.wait_for(chat_id, deletion=True))
            return self.let_go(chat_id, deletion=True)
        while True:
            await _waited(lambda: self._chat_wait(chat_id, self.clock()))
            async with self._line:
                while self._chat_wait(chat_id, self.clock()) <= 0:
                    wait = self._shared_wait()
                    if wait <= 0:
                        return self.let_go(chat_id)
                    await asyncio.sleep(wait)

    def _shared_wait(self) -> float:
        """Seconds until a direct message may take the overall limit's room: there is room,
        and no urgent message waits for it."""
        now = self.clock()
        wait = self._overall_wait(now)
        if wait <= 0 and self._urgent_still_held():
            return URGENT_FIRST_S  # look again once the sender's pass may have said more
        return wait


async def _waited(wait_of: Callable[[], float]) -> None:
    """Sleep until ``wait_of`` says there is nothing more to wait for."""
    wait = wait_of()
    while wait > 0:
        await asyncio.sleep(wait)
        wait = wait_of()
