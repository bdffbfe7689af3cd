"""Scenario steps for evidence, warnings and the fund: a closed alert, and pressing
through the case record's buttons."""

from __future__ import annotations

from bot.messages import render
from tests.fakegram.server import Call, FakeTelegram, User
from tests.support.calls import ALERT_AT, code_of, is_edit, is_send
from tests.support.scenario import Squad, bot_message

THANDI_AT = (ALERT_AT[0] + 0.0036, ALERT_AT[1])


async def closed_by(fake: FakeTelegram, squad: Squad, responder: User, words: str) -> Call:
    """A reporter alerts; ``responder`` accepts, arrives and closes: the closing message."""
    mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} {words}")
    code = code_of(await fake.wait_for(is_send(squad.group.id, "#"), after=mark))
    offer = await fake.wait_for(is_send(responder.id, f"#{code}"), after=mark)
    mark = len(fake.calls)
    await fake.press(responder, bot_message(fake, offer), button=render("button.accept"))
    brief = await fake.wait_for(is_send(responder.id, "You have"), after=mark)
    await fake.press(responder, bot_message(fake, brief), button=render("button.arrived"))
    await fake.wait_for(is_edit(responder.id, "you have arrived"), after=mark)
    mark = len(fake.calls)
    await fake.press(responder, bot_message(fake, brief), button=render("button.close"))
    picker = await fake.wait_for(is_send(responder.id, "How did"), after=mark)
    await fake.press(responder, bot_message(fake, picker), button=render("outcome.health"))
    return await fake.wait_for(is_edit(responder.id, "is closed"), after=mark)


async def press_through(fake: FakeTelegram, user: User, message: Call, *labels: str) -> Call:
    """Press each label on the record's message in turn, waiting for each edit."""
    shown = message
    for label in labels:
        mark = len(fake.calls)
        await fake.press(user, bot_message(fake, message), button=label)
        shown = await fake.wait_for(
            lambda c: c.method in ("editMessageText", "sendMessage") and c.chat_id == user.id,
            after=mark,
        )
    return shown
