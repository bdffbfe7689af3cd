"""Malformed input and unreachable private chats (issue 8, item 10).

A command answered in private, sent in the group by someone the bot cannot reach in
private, gets a clear answer in the group that says nothing of what the answer holds.
"""

from __future__ import annotations

from pathlib import Path

from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import ALERT_AT, Squad, db_snapshot, make_settings, running_bot


async def test_forgetme_and_audit_in_the_group_without_a_private_chat_are_answered_there(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"), ALERT_AT[0] + 0.01, ALERT_AT[1])
        sipho = fake.user(202, "Sipho")
        await squad.join(sipho, ALERT_AT[0] + 0.02, ALERT_AT[1])
        await fake.idle()
        stranger = fake.user(300, "Zanele")  # never opened a private chat with the bot
        fake.blocked.update({squad.lead.id, sipho.id})  # they blocked the bot since joining
        cases = [
            (stranger, "/forgetme"),
            (squad.lead, "/audit"),
            (sipho, "/forgetme"),
            (sipho, "/me"),
            (fake.users[201], "/me"),  # Thandi can be reached: she gets it in private
        ]
        for user, text in cases:
            before = db_snapshot(db_path)
            mark = len(fake.calls)
            reply = await squad.ask(user, text)
            await fake.idle()
            if user is fake.users[201]:
                assert reply.text == render("me.sent_private")
                assert fake.calls_to("sendMessage", 201)[-1].at >= fake.calls[mark].at
                continue
            assert reply.text == render("private.open_first"), (text, reply.text)
            assert reply.params["reply_parameters"]["message_id"] > 0
            sent = [c for c in fake.calls[mark:] if c.method == "sendMessage" and c.status == 200]
            assert sent == [reply], "only the one answer in the group, nothing else"
            assert db_snapshot(db_path) == before
