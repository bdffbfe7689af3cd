"""One sandbox: the fake Telegram on 127.0.0.1, the real bot polling it, the squad set up.

``Sandbox`` is what the page talks to. It holds one ``Session`` at a time; Reset throws the
session away (the bot stopped, its database deleted, the fake Telegram gone) and starts a
new one, so nothing of the last one is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import running
from bot.config import Settings
from bot.logsafe import where
from handlers.sandbox.fakegram import FakeTelegram, Limits
from handlers.sandbox.feed import Feed
from handlers.sandbox.people import People, Stuck
from handlers.sandbox.setup import set_up_squad
from handlers.sandbox.tour import play

log = logging.getLogger(__name__)

# The sandbox's bot. Its token is new at every start (``new_token``): the fake Telegram
# listens on 127.0.0.1 like the page, and a web page open in the same browser could post
# forms to it, but never with a token it cannot know.
BOT_ID = 7000001
BOT_USERNAME = "squadline_sandbox_bot"
DATABASE = "squadline.sqlite3"

# The stand-in for Telegram keeps Telegram's sending limits (30 a second in all, 20 a minute
# in a group) and answers 429 with ``retry_after`` to a send that breaks one, as Telegram
# does, so the sandbox shows the bot keeping to them. Only a private chat is allowed 10 a
# second instead of about one: at Telegram's pace, setting the squad up (the lead's chat
# gets 17 messages) takes 25 seconds; at 10 it takes about 2. The bot is told the same pace
# (``TIMERS``), and a send refused all the same waits and goes again, never lost.
PRIVATE_PER_S = 10
LIMITS = Limits(private_per_s=PRIVATE_PER_S)

# Where the defaults would make a demo wait for minutes, the sandbox waits less (a setting
# you set yourself still wins). The README's "Try it" section lists these.
TIMERS: dict[str, Any] = {
    "ack_timeout": timedelta(seconds=45),
    "location_wait": timedelta(seconds=20),
    "checkin_interval": timedelta(minutes=3),
    "checkin_grace": timedelta(minutes=2),
    # The pace the stand-in for Telegram allows in a private chat (``LIMITS``).
    "limit_private_per_s": PRIVATE_PER_S,
}
# The tour's pause after each step, in seconds: long enough to read the narration.
PACE = 3.0


def new_token() -> str:
    return f"{BOT_ID}:{secrets.token_urlsafe(24)}"


def sandbox_settings(base: Settings, api_url: str, token: str) -> Settings:
    """The same settings, pointed at the local fake Telegram and a throwaway database.
    Nothing that could leave this computer or touch a real squad's data is kept: no
    geocoder, no real database or its key, no setup code; joining needs a lead's approval."""
    timers = {k: v for k, v in TIMERS.items() if k not in base.model_fields_set}
    forced: dict[str, Any] = {
        "bot_token": SecretStr(token),
        "telegram_api_url": api_url,
        "database": base.sandbox_dir / DATABASE,
        "database_key": None,
        "new_database_key": None,
        "setup_code": None,
        "geocoder": None,
        "crash_at": None,
        "join_approval": True,
        # A long poll to this computer costs nothing, and a short one lets Reset and Ctrl+C
        # stop the bot at once (the fake Telegram answers a poll only when it times out).
        "poll_timeout": 1.0,
        # Long polling the stand-in, and no health server: nothing listens but the page.
        "webhook_url": None,
        "health_port": None,
    }
    return base.model_copy(update={**timers, **forced})


def throw_away(folder: Path) -> None:
    """Delete the sandbox database and its journal files (only those: the folder is a
    setting, and may hold other things)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        (folder / f"{DATABASE}{suffix}").unlink(missing_ok=True)


class NotReady(Exception):
    """The sandbox is starting or starting over; try again in a moment."""


class Session:
    """One fake Telegram with the real bot on it."""

    def __init__(self, base: Settings, feed: Feed) -> None:
        self.base = base
        self.feed = feed
        self.fake = FakeTelegram(token=new_token(), bot_username=BOT_USERNAME, limits=LIMITS)
        self.people = People(self.fake, feed)
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._up = asyncio.Event()  # the bot is running (or gave up)
        self._bot: asyncio.Task[None] | None = None
        self._helpers: list[asyncio.Task[None]] = []  # following the calls; the setup

    async def start(self) -> None:
        """Start the fake Telegram and the bot; the squad is set up in the background."""
        url = await self.fake.start()
        settings = sandbox_settings(self.base, url, self.fake.token)
        settings.sandbox_dir.mkdir(parents=True, exist_ok=True)
        throw_away(settings.sandbox_dir)
        self._helpers.append(asyncio.create_task(self._follow()))
        self._bot = asyncio.create_task(self._run_bot(settings))
        await self._up.wait()
        if not self._bot.done():
            self._helpers.append(asyncio.create_task(self._set_up()))

    async def stop(self) -> None:
        """Stop the setup, then the bot (as ``squadline run`` stops), then the fake."""
        for task in self._helpers[1:]:
            task.cancel()
        self._stop.set()
        waiting: list[asyncio.Task[None]] = self._helpers[1:]
        if self._bot is not None:
            waiting.append(self._bot)
        for task in waiting:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._helpers:
            self._helpers[0].cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._helpers[0]
        await self.fake.stop()
        throw_away(self.base.sandbox_dir)

    async def _run_bot(self, settings: Settings) -> None:
        try:
            async with running(settings, self._stop):
                self._up.set()
                await self._stop.wait()
        except Exception as exc:
            log.error("the sandbox's bot stopped: %s", where(exc))
            self.feed.set_status("failed", "sandbox.status.bot_stopped")
        finally:
            self._up.set()

    async def _set_up(self) -> None:
        try:
            await set_up_squad(self.people, self.feed)
        except Stuck as stuck:
            log.warning("the sandbox's set-up stopped: no %s came", stuck)
            self.feed.set_status("failed", "sandbox.status.stuck")
            return
        self.ready.set()

    async def _follow(self) -> None:
        """Show what the bot does, as it does it (the fake server's call log)."""
        seen = 0
        while True:
            calls = self.fake.calls
            while seen < len(calls):
                self.feed.follow(calls[seen])
                seen += 1
            await asyncio.sleep(0.05)


class Sandbox:
    """What the page talks to: the current session, Reset, and the tour."""

    def __init__(self, base: Settings, pace: float = PACE) -> None:
        self.base = base
        self.pace = pace
        self.feed = Feed(bot_id=BOT_ID)
        self.session: Session | None = None
        self._lock = asyncio.Lock()
        self._tour: asyncio.Task[None] | None = None

    @property
    def people(self) -> People:
        if self.session is None or not self.session.ready.is_set():
            raise NotReady
        return self.session.people

    async def start(self) -> None:
        async with self._lock:
            await self._start()

    async def reset(self, language: str | None = None) -> None:
        """Start over: a new fake Telegram, a new database, the squad set up again (in
        ``language``, when one is given: the page's words, the people's Telegram apps and
        the squad's language)."""
        async with self._lock:
            await self._end()
            self.feed.reset(language)
            await self._start()

    async def close(self) -> None:
        async with self._lock:
            await self._end()
            self.feed.close()

    def play_tour(self) -> bool:
        """Start the tour (``False`` while one is playing or the squad is not ready)."""
        people = self.people
        if self._tour is not None and not self._tour.done():
            return False
        self.feed.set_tour(True)
        self._tour = asyncio.create_task(self._play(people))
        return True

    async def _play(self, people: People) -> None:
        try:
            await play(people, self.feed, self.pace)
        finally:
            self.feed.set_tour(False)

    async def _start(self) -> None:
        self.feed.set_status("starting", "sandbox.status.starting")
        self.session = Session(self.base, self.feed)
        await self.session.start()

    async def _end(self) -> None:
        if self._tour is not None:
            self._tour.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tour
            self._tour = None
        if self.session is not None:
            await self.session.stop()
            self.session = None
