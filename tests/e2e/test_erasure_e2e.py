"""Buttons that no longer decode, and what /me tells a reporter who is not a member."""

from __future__ import annotations

from pathlib import Path

from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    Squad,
    bot_message,
    code_of,
    db_snapshot,
    is_send,
    make_settings,
    running_bot,
)


async def test_an_undecodable_button_is_no_longer_valid(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        mark = await squad.say(squad.lead, "/help")
        message = bot_message(fake, await fake.wait_for(is_send(squad.group.id), after=mark))
        await fake.idle()
        for data in ("garbage", "s1:xyz:1", "s9:clm:1", "s1:clm:0"):
            before = db_snapshot(db_path)
            mark = len(fake.calls)
            await fake.press(squad.lead, message, data=data)
            answer = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
            assert answer.params.get("text") == render("button.invalid")
            await fake.idle()
            assert db_snapshot(db_path) == before


async def test_me_shows_a_non_member_reporter_their_alert(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"), *ALERT_AT)
        zanele = fake.user(300, "Zanele")
        mark = await squad.say(zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} robbed at the rank")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        await fake.idle()
        me = await squad.ask(zanele, "/me", private=True)
        assert render("not_member_any") not in me.text
        assert f"#{code_of(card)}" in me.text and "robbed at the rank" in me.text
