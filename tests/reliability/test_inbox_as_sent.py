"""The inbox stores each update as Telegram sent it: every field, in Telegram's order,
with nothing python-telegram-bot would add, drop or reorder (handlers/transport/intake.py,
raw_api.py). The bot is killed right after the inbox write, so the row is read before the
update is handled (which empties it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakegram.server import FakeTelegram
from tests.support import BotProcess, db_rows, webhook_mode

pytestmark = pytest.mark.timeout(60)

KILLED = -9


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_inbox_row_is_the_update_as_telegram_sent_it(
    fake: FakeTelegram, tmp_path: Path, mode: str
) -> None:
    db = tmp_path / "squadline.sqlite3"
    bot = BotProcess(fake, db, tmp_path, **(webhook_mode() if mode == "webhook" else {}))
    group = fake.group(-1001, "Hillbrow Squad")
    zanele = fake.user(300, "Zanelé", language_code="zu")
    await bot.start(crash_at="inbox_written")
    try:
        sent = await fake.deliver(
            {
                "message": {
                    "message_id": 7,
                    "from": zanele.as_json(),
                    "chat": group.as_json(),
                    "date": 1_800_000_000,
                    "text": "/alert -26.2041, 28.0473 ngicela usizo 🚨",
                    "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
                    # PTB drops an empty list, and keeps a field it does not know at the end.
                    "caption_entities": [],
                    "a_field_telegram_adds_later": {"nested": None},
                }
            }
        )
        assert await bot.wait_dead() == KILLED, bot.log()[-2000:]
    finally:
        await bot.close()
    [(raw,)] = db_rows(db, "SELECT raw FROM inbox WHERE update_id = ?", sent["update_id"])
    # Every field, in Telegram's order, as compact JSON (as Telegram writes it) in UTF-8.
    assert raw == json.dumps(sent, ensure_ascii=False, separators=(",", ":"))


async def test_an_update_that_cannot_be_read_is_set_aside_and_holds_up_no_one(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Stored as sent, an update python-telegram-bot cannot read would fail each time it is
    handled. It is set aside (logged by its id and the error's kind only), and the update
    after it is answered."""
    db = tmp_path / "squadline.sqlite3"
    bot = BotProcess(fake, db, tmp_path)
    thandi = fake.user(301, "Thandi")
    await bot.start()
    try:
        odd = await fake.deliver({"callback_query": {"id": "5", "data": "+27 82 555 0100"}})
        mark = len(fake.calls)
        await fake.send(thandi, fake.private_chat(thandi), "/help")
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 301, after=mark)
        [(state,)] = db_rows(db, "SELECT state FROM inbox WHERE update_id = ?", odd["update_id"])
    finally:
        await bot.stop()
    assert state == "done", "the unreadable update is set aside"
    log = bot.log()
    assert f"update {odd['update_id']} could not be read" in log
    # (Not "555" alone: a log line's milliseconds can read 555.)
    held = ("555 0100", "5550100", "+27 82")
    assert not [part for part in held if part in log], "nothing of what it held is logged"
