"""What the sender promises in the README's Reliability section (issue 8, items 7 and 11)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.messages import render
from tests.e2e.test_core_loop import ALERT_AT, code_of, is_edit, is_send
from tests.fakegram.server import FakeTelegram
from tests.harness import Squad, bot_message, make_settings, running_bot


def _as_if_the_bot_died_after_sending_the_offer(db: Path) -> None:
    """The offer's call was made, but the bot died before recording it: the row stays
    ``sending`` with no result and no remembered message (so it was never armed)."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute(
                "UPDATE outbox SET state = 'sending', sent_at = NULL, telegram_message_id = NULL"
                " WHERE json_extract(payload, '$.role') = 'offer'"
                " AND json_extract(payload, '$.op') = 'send'"
            )
            conn.execute("DELETE FROM messages WHERE role = 'offer'")
    finally:
        conn.close()


async def test_an_offer_sent_again_after_a_crash_says_so_and_is_the_one_armed(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=60))
    thandi = fake.user(201, "Thandi")
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        first = await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        code = code_of(first)
        await fake.wait_for(is_edit(thandi.id, f"#{code}"), after=mark)
        await fake.idle()
    resent = render("offer.resent")
    assert resent not in first.text
    _as_if_the_bot_died_after_sending_the_offer(db_path)

    mark = len(fake.calls)
    async with running_bot(settings):
        second = await fake.wait_for(is_send(thandi.id, f"#{code}"), after=mark)
        assert second.text.endswith(resent), second.text
        assert second.text.startswith(first.text)
        armed = await fake.wait_for(
            lambda c: is_edit(thandi.id, f"#{code}")(c) and bool(c.buttons()), after=mark
        )
        assert armed.params["message_id"] == second.result["message_id"]
        assert armed.text == second.text
        # The second copy acts on the one offer row.
        await fake.press(thandi, bot_message(fake, second), button=render("button.accept"))
        await fake.wait_for(is_send(thandi.id, f"You have #{code}"), after=mark)
        await fake.idle()
        offers = [c for c in fake.calls[mark:] if is_send(thandi.id, "Can you respond")(c)]
        assert offers == [second], "sent again once, never a third time"
