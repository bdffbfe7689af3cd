"""Scenario helpers: a real Application long-polling the fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.app import SquadApp, running
from bot.config import Settings
from tests.fakegram.server import Call, Chat, FakeTelegram, User


@asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[SquadApp]:
    """The real bot, started and stopped exactly as ``squadline run`` does."""
    async with running(settings) as app:
        yield app


class Squad:
    """A squad in the fake Telegram: its group, its people, and shortcuts to act as them."""

    def __init__(self, fake: FakeTelegram, group: Chat, lead: User) -> None:
        self.fake = fake
        self.group = group
        self.lead = lead
        self.invite_link: str | None = None

    @classmethod
    async def set_up(
        cls, fake: FakeTelegram, name: str = "Hillbrow Squad", chat_id: int = -1001
    ) -> Squad:
        lead = fake.user(100, "Nomsa")
        group = fake.group(chat_id, name, admins=(lead,))
        squad = cls(fake, group, lead)
        mark = len(fake.calls)
        await fake.send(lead, group, f"/setup {name}")
        await fake.wait_for(
            lambda c: c.method == "sendMessage" and "is set up" in c.text, after=mark
        )
        await squad.join(lead)
        return squad

    async def join(
        self,
        user: User,
        lat: float | None = None,
        lon: float | None = None,
        *,
        approve: bool = True,
    ) -> None:
        """The user taps /join and opens the private chat; unless ``approve`` is False the
        lead presses Approve on the join request; then (optionally) they share a location."""
        if self.invite_link is None:
            mark = len(self.fake.calls)
            await self.fake.send(user, self.group, "/join")
            call = await self.fake.wait_for(
                lambda c: (
                    c.method == "sendMessage" and bool(c.buttons()) and "url" in c.buttons()[0]
                ),
                after=mark,
            )
            self.invite_link = call.buttons()[0]["url"]
        token = self.invite_link.split("start=", 1)[1]
        chat = self.fake.private_chat(user)
        mark = len(self.fake.calls)
        await self.fake.send(user, chat, f"/start {token}")
        answer = await self.fake.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == user.id, after=mark
        )
        if approve and user.id != self.lead.id and "must approve" in answer.text:
            request = await self.fake.wait_for(
                lambda c: (
                    c.method == "sendMessage"
                    and c.chat_id == self.lead.id
                    and "Join request" in c.text
                    and f'"{user.first_name}"' in c.text
                ),
                after=mark,
            )
            mark = len(self.fake.calls)
            await self.fake.press(self.lead, bot_message(self.fake, request), button="Approve")
            await self.fake.wait_for(
                lambda c: c.method == "sendMessage" and c.chat_id == user.id, after=mark
            )
        if lat is not None and lon is not None:
            await self.share(user, lat, lon)

    async def share(
        self, user: User, lat: float, lon: float, live: int | None = None
    ) -> dict[str, Any]:
        chat = self.fake.private_chat(user)
        mark = len(self.fake.calls)
        message = await self.fake.share_location(user, chat, lat, lon, live_period=live)
        await self.fake.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == user.id, after=mark
        )
        return message

    async def say(
        self,
        user: User,
        text: str,
        *,
        private: bool = False,
        reply_to: dict[str, Any] | None = None,
    ) -> int:
        """Send text; returns the call-log mark to wait for the answer after."""
        chat = self.fake.private_chat(user) if private else self.group
        mark = len(self.fake.calls)
        await self.fake.send(user, chat, text, reply_to=reply_to)
        return mark

    async def ask(
        self, user: User, text: str, *, private: bool = False, timeout: float = 10.0
    ) -> Call:
        """Send text and wait for the bot's reply in that chat."""
        chat_id = user.id if private else self.group.id
        mark = await self.say(user, text, private=private)
        return await self.fake.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == chat_id,
            after=mark,
            timeout=timeout,
        )

    async def skills(self, user: User, *labels: str, by_lead: bool = False) -> None:
        """``user`` switches on skills with the /skills buttons (labels as shown: "paralegal",
        "health worker", ...); ``by_lead``: the lead does it for them with /skills ALIAS (only
        a lead can switch "police liaison")."""
        presser = self.lead if by_lead else user
        command = f"/skills {user.first_name}" if by_lead else "/skills"
        picker = await self.ask(presser, command, private=True)
        for label in labels:
            mark = len(self.fake.calls)
            await self.fake.press(presser, bot_message(self.fake, picker), button=label)
            await self.fake.wait_for(
                lambda c: c.method == "answerCallbackQuery" and "Switched on" in c.text,
                after=mark,
            )


def bot_message(fake: FakeTelegram, call: Call) -> dict[str, Any]:
    """The message as it is now in the fake Telegram (after any edits)."""
    assert isinstance(call.result, dict)
    return fake.message(call.result["chat"]["id"], call.result["message_id"])


async def settle(fake: FakeTelegram) -> None:
    await fake.idle()
    await asyncio.sleep(0)
