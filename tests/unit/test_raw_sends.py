"""The sender calls the Bot API without python-telegram-bot's objects
(handlers/transport/raw_api.py): what reaches Telegram is what PTB's methods sent, and
what comes back is still recorded and handled as before (message ids, 429 holds)."""

from __future__ import annotations

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.intents import Action, Button, Text
from bot.messages import render
from handlers.markup import FORCE_REPLY, DeepLinks, inline_keyboard, location_request
from handlers.transport.http_client import BotApiRequest
from handlers.transport.sender import Sender
from tests.fakegram.server import FakeTelegram
from tests.support import GROUP, db_rows
from tests.support.world import World

HERE = (-26.2041, 28.0473)


def a_bot(fake: FakeTelegram) -> Bot:
    return Bot(fake.token, base_url=f"{fake.url}/bot", request=BotApiRequest())


async def thandi_offered_an_alert(world: World, fake: FakeTelegram) -> int:
    """Thandi, 400 m away, was just approved (asked for her location, with the keyboard
    that shares it) and is offered Zanele's alert; the board goes to the group."""
    fake.group(GROUP, "Hillbrow")
    await world.member("Thandi", HERE[0] + 0.0036, HERE[1])
    for name, user_id in world.users.items():
        fake.private_chat(fake.user(user_id, name))
        fake.started.add(user_id)
    await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} she was arrested")
    return world.users["Thandi"]


async def deliver_everything(sender: Sender, world: World) -> None:
    """Passes of the sender until nothing is left, the clock moving past each chat's limit."""
    for _ in range(5):
        await sender.flush()
        world.clock.advance(1.5)


def outbox_of(world: World, chat_id: int) -> list[tuple[str, int | None]]:
    """Each of the chat's outbox rows: its state and Telegram's message id."""
    return db_rows(
        world.services.core.settings.database,
        "SELECT state, telegram_message_id FROM outbox WHERE chat_id = ? ORDER BY id",
        chat_id,
    )


def answered(fake: FakeTelegram, chat_id: int) -> list[tuple[str, int]]:
    """The message ids Telegram answered the chat's sends with, in the order of the rows."""
    return sorted(("sent", c.result["message_id"]) for c in fake.calls_to("sendMessage", chat_id))


async def test_the_sender_records_the_message_id_telegram_answered_with(
    world: World, fake: FakeTelegram
) -> None:
    thandi = await thandi_offered_an_alert(world, fake)
    async with a_bot(fake) as bot:
        await deliver_everything(Sender(bot, world.services.core), world)
    offer, notice = fake.calls_to("sendMessage", thandi)  # urgent first
    assert [b["text"] for b in offer.buttons()] == ["✅ Accept", "❌ Decline"]
    assert offer.result["reply_markup"] == offer.params["reply_markup"]
    assert notice.params["reply_markup"]["keyboard"][0][0]["request_location"] is True
    assert sorted(outbox_of(world, thandi)) == answered(fake, thandi)
    [board] = fake.calls_to("sendMessage", GROUP)
    assert outbox_of(world, GROUP) == [("sent", board.result["message_id"])]


async def test_a_429_on_a_send_holds_the_chat_and_the_message_goes_after_it(
    world: World, fake: FakeTelegram
) -> None:
    thandi = await thandi_offered_an_alert(world, fake)
    fake.fail("sendMessage", 429, chat_id=thandi, retry_after=3)
    async with a_bot(fake) as bot:
        sender = Sender(bot, world.services.core)
        await sender.flush()
        tried = [c for c in fake.calls if c.method == "sendMessage" and c.chat_id == thandi]
        assert tried[0].status == 429
        assert sender.limiter.wait_for(thandi) > 2.9, "the chat is held for retry_after"
        assert ("pending", None) in outbox_of(world, thandi), "not dropped: it waits"
        world.clock.advance(3.1)
        await deliver_everything(sender, world)
    assert tried[0].text in [c.text for c in fake.calls_to("sendMessage", thandi)]
    assert sorted(outbox_of(world, thandi)) == answered(fake, thandi)


def test_the_markup_sent_is_what_ptbs_objects_sent() -> None:
    """Keyboards as JSON objects, field for field what PTB's markup objects gave."""
    DeepLinks.bot_username = "squadline_bot"
    label = Text("button.accept")
    rows = (
        (Button(label, Action.ACCEPT, 7, "ca"), Button(label, url="https://example.org/a")),
        (Button(label, deep_link="help"), Button(label, profile_of=42)),
    )
    words = render("button.accept", None, "en")
    ptb = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(words, callback_data="s1:acc:7:ca"),
                InlineKeyboardButton(words, url="https://example.org/a"),
            ],
            [
                InlineKeyboardButton(words, url="https://t.me/squadline_bot?start=help"),
                InlineKeyboardButton(words, url="tg://user?id=42"),
            ],
        ]
    )
    assert inline_keyboard(rows) == ptb.to_dict()
    assert inline_keyboard(()) is None
    share = render("start.location_button", None, "en")
    assert (
        location_request()
        == ReplyKeyboardMarkup(
            [[KeyboardButton(share, request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        ).to_dict()
    )
    assert ForceReply(selective=True).to_dict() == FORCE_REPLY
