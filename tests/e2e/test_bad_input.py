"""Missing or malformed input gets a clear reply, never a traceback, and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    Squad,
    bot_message,
    db_snapshot,
    is_edit,
    is_send,
    make_settings,
    running_bot,
)


@pytest.fixture
async def squad(fake: FakeTelegram, db_path: Path):  # type: ignore[no-untyped-def]
    # Long timers: no deadline may fire while a case checks that nothing changed.
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=120))
    async with running_bot(settings):
        s = await Squad.set_up(fake)
        await s.join(fake.user(201, "Thandi"), ALERT_AT[0] + 0.01, ALERT_AT[1])
        await fake.idle()
        yield s


CASES = [
    # (who, text, private, expected reply fragment)
    ("stranger", "/alert 91.5, 28.0473 help", False, "latitude must be between -90 and 90"),
    ("stranger", "/alert 91, 28.0473", False, "latitude must be between -90 and 90"),
    ("stranger", "/alert abc, 28.0473", False, "could not read those coordinates"),
    ("stranger", "/alert -26.2, 200.5", False, "longitude must be between -180 and 180"),
    ("lead", "/close ZZZZ", False, "I don't know an alert with the code ZZZZ"),
    ("lead", "/close", False, "Please give the alert code"),
    ("lead", "/close #0O1I", False, "is not an alert code"),
    ("lead", "/cancel QQQQ", False, "I don't know an alert"),
    ("lead", "/claim", False, "no open alert"),
    ("lead", "/assign", False, "Please give the alert code"),
    ("lead", "/note", False, "Please give the alert code"),
    ("thandi", "/status", False, "Only a lead"),
    ("thandi", "/status", True, "Only a lead"),
    ("stranger", "/status", False, "Only a lead"),
    ("thandi", "/setup Another Name", False, "Only an administrator"),
    ("lead", "/setup Again", False, "already the squad"),
    ("lead", "/alias", False, "Send /alias"),
    ("lead", "/alias " + "x" * 40, False, "too long"),
    ("lead", "/place", False, "/place add"),
    ("lead", "/place add Corner", False, "/place add"),
    ("lead", "/place add Corner 95.1, 28.1", False, "latitude must be between"),
    ("lead", "/place remove Nowhere", False, "no place called"),
    ("lead", "/place remove " + "x" * 120, False, "too long"),
    ("thandi", "/place add Corner -26.1, 28.1", False, "Only a lead"),
    ("lead", "/lead", False, "Reply to a member"),
    ("lead", "/lead Nobody", False, "no member called"),
    ("thandi", "/lead Nomsa", False, "Only a lead"),
    ("lead", "/remove Nomsa", False, "cannot remove the last lead"),
    ("stranger", "/available", False, "not a member"),
    ("stranger", "/start not-a-real-token", True, "not valid any more"),
    ("thandi", "/start not-a-real-token", True, "not valid any more"),
    ("lead", "/alert " + "x" * 1200, False, "too long"),
]


@pytest.mark.parametrize(("who", "text", "private", "expected"), CASES)
async def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    squad: Squad,
    fake: FakeTelegram,
    db_path: Path,
    who: str,
    text: str,
    private: bool,
    expected: str,
) -> None:
    user = {"lead": squad.lead, "thandi": fake.users[201], "stranger": fake.user(300, "Zanele")}[
        who
    ]
    before = db_snapshot(db_path)
    reply = await squad.ask(user, text, private=private)
    assert expected in reply.text, reply.text
    await fake.idle()
    assert db_snapshot(db_path) == before  # a bad invite records nobody, not even a chat


async def test_buttons_from_strangers_and_on_closed_alerts_are_refused(
    squad: Squad, fake: FakeTelegram, db_path: Path
) -> None:
    thandi = fake.users[201]
    mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
    card = await fake.wait_for(is_send(squad.group.id, "#"), after=mark)
    await fake.idle()

    stranger = fake.user(400, "Mallory")
    for data in (None, "s1:clm:999999", "garbage", "s1:xyz:1", "s9:clm:1"):
        before = db_snapshot(db_path)
        mark = len(fake.calls)
        if data is None:
            await fake.press(stranger, bot_message(fake, card), button=render("button.claim"))
        else:
            await fake.press(stranger, bot_message(fake, card), data=data)
        answer = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert answer.params.get("text")
        assert answer.params.get("show_alert") is True
        await fake.idle()
        assert db_snapshot(db_path) == before

    # Thandi takes and closes it; a later press on the stale card is refused.
    mark = len(fake.calls)
    message = bot_message(fake, card)
    await fake.press(thandi, message, button=render("button.claim"))
    brief = await fake.wait_for(is_send(thandi.id, "You have"), after=mark)
    await fake.press(thandi, bot_message(fake, brief), button=render("button.close"))
    picker = await fake.wait_for(is_send(thandi.id, "How did"), after=mark)
    await fake.press(thandi, bot_message(fake, picker), button=render("outcome.false_alarm"))
    await fake.wait_for(is_edit(thandi.id, "is closed"), after=mark)
    await fake.idle()
    before = db_snapshot(db_path)
    mark = len(fake.calls)
    stale_claim = card.buttons()[0]["callback_data"]  # the button as it was on the old card
    await fake.press(thandi, message, data=stale_claim)
    answer = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
    assert "no longer open" in answer.params["text"]
    # The picker lost its outcome buttons at close; a stale press on one is refused.
    (health,) = [b for b in picker.buttons() if b["text"] == render("outcome.health")]
    await fake.press(thandi, bot_message(fake, picker), data=health["callback_data"])
    answer = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark + 1)
    assert "can't be closed" in answer.params["text"]
    await fake.idle()
    assert db_snapshot(db_path) == before


async def test_unknown_group_gets_one_short_explanation(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        stranger = fake.user(500, "Someone")
        group = fake.group(-2002, "Not a squad", admins=(stranger,))
        for text in ("/alert help", "/status", "/join", "/claim ABCD", "/available"):
            before = db_snapshot(db_path)
            mark = len(fake.calls)
            await fake.send(stranger, group, text)
            reply = await fake.wait_for(lambda c: c.method == "sendMessage", after=mark)
            assert reply.text == render("not_set_up")
            await fake.idle()
            assert len([c for c in fake.calls[mark:] if c.method == "sendMessage"]) == 1
            assert db_snapshot(db_path) == before
