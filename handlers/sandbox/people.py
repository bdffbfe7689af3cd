"""The sandbox's people acting in the fake Telegram: they write, share locations, press
buttons and follow links, and everything they do is shown on the page.

Buttons are found by what they do (the action in their callback data, ``bot.intents.Action``)
and the bot's answers by which chat they come to, never by their wording, so the setup and
the tour keep working when the bot's messages change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.intents import Action
from handlers.buttons import Press, decode
from handlers.sandbox.cast import AREA, BY_KEY, CAST, GROUP_ID, GROUP_TITLE, LEAD, Spot
from handlers.sandbox.fakegram import Call, Chat, FakeTelegram, User
from handlers.sandbox.feed import Feed, Json

# How long the setup and the tour wait for the bot before they give up, in seconds.
WAIT_S = 20.0
# A live location shared from the page lasts this long (Telegram offers 15 min, 1 h, 8 h).
LIVE_PERIOD_S = 8 * 3600


class Stuck(Exception):
    """The bot did not do what the script waited for (it says what that was)."""


class UnknownPersona(ValueError):
    pass


@dataclass(frozen=True)
class Found:
    """A button on a message in the fake Telegram, found by what it does."""

    chat: str  # the chat it is in: "group", or the persona whose private chat it is
    message: dict[str, Any]
    data: str
    press: Press

    @property
    def label(self) -> str:
        """The button's label, as the bot wrote it."""
        rows = (self.message.get("reply_markup") or {}).get("inline_keyboard", [])
        return next(
            str(b["text"]) for row in rows for b in row if b.get("callback_data") == self.data
        )


class People:
    """The cast in one fake Telegram: their chats, and what they do there."""

    def __init__(self, fake: FakeTelegram, feed: Feed) -> None:
        """Everyone's Telegram app is in the page's language."""
        self.fake = fake
        self.feed = feed
        self.users: dict[str, User] = {
            p.key: fake.user(p.user_id, p.name, language_code=feed.language) for p in CAST
        }
        self.group = fake.group(GROUP_ID, GROUP_TITLE, admins=(self.users[LEAD.key],))
        # The squad made Squadline an admin, so it can tidy pins out of the group.
        self.group.admins.add(int(fake.token.split(":")[0]))

    # -- who and where -------------------------------------------------------------------

    def user(self, persona: str) -> User:
        found = self.users.get(persona)
        if found is None:
            raise UnknownPersona(persona)
        return found

    def chat(self, persona: str, where: str) -> Chat:
        """``where``: "group", or "private" (the persona's own chat with the bot)."""
        if where == "group":
            return self.group
        if where == "private":
            return self.fake.private_chat(self.user(persona))
        raise ValueError(f"no chat {where!r}")

    def _original(self, chat: Chat, message_id: int | None) -> dict[str, Any] | None:
        if message_id is None:
            return None
        return self.fake.messages.get((chat.id, message_id))

    # -- what they do ----------------------------------------------------------------------

    async def say(
        self, persona: str, where: str, text: str, *, reply_to: int | None = None
    ) -> Json | None:
        chat = self.chat(persona, where)
        message = await self.fake.send(
            self.user(persona), chat, text, reply_to=self._original(chat, reply_to)
        )
        return self.feed.message(message)

    async def share(
        self,
        persona: str,
        where: str,
        spot: Spot,
        *,
        live: bool = False,
        reply_to: int | None = None,
    ) -> Json | None:
        """Share the place at ``spot`` on the drawn map (the bot gets its coordinates)."""
        chat = self.chat(persona, where)
        lat, lon = AREA.point(spot)
        message = await self.fake.share_location(
            self.user(persona),
            chat,
            lat,
            lon,
            live_period=LIVE_PERIOD_S if live else None,
            reply_to=self._original(chat, reply_to),
        )
        return self.feed.message(message)

    async def press(self, persona: str, chat_key: str, message_id: int, data: str) -> None:
        """Press a button of a message in ``chat_key`` ("group", or the persona's own)."""
        chat = self.chat(persona, "group" if chat_key == "group" else "private")
        if chat_key not in ("group", persona):
            raise ValueError("a persona presses buttons only in the group or in their own chat")
        message = self.fake.messages.get((chat.id, message_id))
        if message is None:
            raise LookupError("that message is gone")
        update = await self.fake.press(self.user(persona), message, data=data)
        self.feed.pressed(str(update["callback_query"]["id"]), persona)

    async def open_link(self, persona: str, url: str) -> bool:
        """A link button. A Telegram link to this bot with ``start`` opens the private chat
        and sends /start with it, as Telegram does; anything else would leave this computer,
        so it is not opened (``False``)."""
        parts = urlsplit(url)
        bot = str(self.fake.bot.get("username", ""))
        if parts.scheme != "https" or parts.netloc != "t.me" or parts.path.strip("/") != bot:
            return False
        start = parse_qs(parts.query).get("start")
        await self.say(persona, "private", f"/start {start[0]}" if start else "/start")
        return True

    async def press_found(self, found: Found, persona: str | None = None) -> None:
        """Press a found button: in a private chat its owner does; in the group, ``persona``."""
        presser = persona or found.chat
        await self.press(presser, found.chat, int(found.message["message_id"]), found.data)

    # -- what they wait for ------------------------------------------------------------------

    def mark(self) -> int:
        """A place in the call log: wait for what the bot does after it."""
        return len(self.fake.calls)

    async def bot_says(
        self, chat_keys: Iterable[str], after: int, what: str, within: float = WAIT_S
    ) -> Call:
        """The bot's next message (sent or edited) in one of these chats, after ``after``."""
        ids = {self._chat_id(k) for k in chat_keys}
        methods = {"sendMessage", "sendLocation", "editMessageText", "editMessageReplyMarkup"}
        return await self._call(
            lambda c: c.method in methods and c.chat_id in ids, after, what, within
        )

    async def popup(self, after: int, what: str, within: float = WAIT_S) -> Call:
        """The bot's answer to a button press (the pop-up, even an empty one)."""
        return await self._call(lambda c: c.method == "answerCallbackQuery", after, what, within)

    async def button(
        self,
        personas: Iterable[str],
        action: Action,
        what: str,
        *,
        newer: dict[str, int] | None = None,
        arg: str | None = None,
        alert_id: int | None = None,
        within: float = WAIT_S,
    ) -> Found:
        """Wait for a button that does ``action`` in one of these chats (the newest message
        first), on a message newer than ``newer[persona]`` when given."""
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        keys = list(personas)
        while True:
            for key in keys:
                found = self.find(key, action, arg=arg, alert_id=alert_id)
                if found is not None and int(found.message["message_id"]) > (newer or {}).get(
                    key, 0
                ):
                    return found
            if loop.time() >= end:
                raise Stuck(what)
            await asyncio.sleep(0.05)

    def find(
        self,
        persona: str,
        action: Action,
        *,
        arg: str | None = None,
        alert_id: int | None = None,
    ) -> Found | None:
        """The newest message in the chat with a button that does ``action``."""
        chat_id = self._chat_id(persona)
        mine = sorted(
            (m for (c, _), m in list(self.fake.messages.items()) if c == chat_id),
            key=lambda m: int(m["message_id"]),
            reverse=True,
        )
        for message in mine:
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in (b for row in rows for b in row):
                press = decode(button.get("callback_data"))
                if press is None or press.action is not action:
                    continue
                if arg is not None and press.arg != arg:
                    continue
                if alert_id is not None and press.alert_id != alert_id:
                    continue
                return Found(persona, message, str(button["callback_data"]), press)
        return None

    def newest(self, persona: str) -> int:
        """The id of the newest message in a chat (0 when it has none)."""
        chat_id = self._chat_id(persona)
        return max((m for c, m in list(self.fake.messages) if c == chat_id), default=0)

    async def link(self, persona: str, after: int, what: str, within: float = WAIT_S) -> str:
        """A link button in the bot's next message to a chat (an invite, say)."""
        chat_id = self._chat_id(persona)

        def has_link(call: Call) -> bool:
            return call.chat_id == chat_id and any("url" in b for b in call.buttons())

        call = await self._call(has_link, after, what, within)
        return str(next(b["url"] for b in call.buttons() if "url" in b))

    async def quiet(self, still: float = 0.5, within: float = WAIT_S) -> None:
        """Until the bot has made no call for ``still`` seconds (or ``within`` passed): what
        it was still sending (edits of the card, say) has been sent."""
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        while loop.time() < end:
            count = len(self.fake.calls)
            await asyncio.sleep(still)
            if len(self.fake.calls) == count:
                return

    async def _call(
        self, matches: Callable[[Call], bool], after: int, what: str, within: float
    ) -> Call:
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        seen = after
        while True:
            calls = self.fake.calls
            for call in calls[seen:]:
                if call.status == 200 and matches(call):
                    return call
            seen = len(calls)
            if loop.time() >= end:
                raise Stuck(what)
            await asyncio.sleep(0.05)

    def _chat_id(self, key: str) -> int:
        return GROUP_ID if key == "group" else BY_KEY[key].user_id
