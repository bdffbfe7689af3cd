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
    assert raw == json.dumps(sent, ensure_ascii=False)
