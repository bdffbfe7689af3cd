"""The database under pressure: a locked database delays an alert but loses nothing;
a full disk stops the bot loudly instead of dropping updates."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.app import EXIT_FATAL
from tests.fakegram.server import FakeTelegram
from tests.support import ALERT_AT, BotProcess, Squad, db_rows, is_send, make_settings, running_bot


async def test_a_locked_database_delays_the_alert_but_loses_nothing(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, db_busy_timeout=timedelta(seconds=0.2))
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"), ALERT_AT[0] + 0.01, ALERT_AT[1])
        await fake.idle()
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        try:
            mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
            await asyncio.sleep(1.5)
            assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"]
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark, timeout=15)
        await fake.wait_for(is_send(201, "#"), after=mark, timeout=15)
        assert db_rows(db_path, "SELECT count(*) FROM alerts") == [(1,)]


async def test_a_full_disk_stops_the_bot_with_a_clear_line_and_a_non_zero_exit(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(fake, tmp_path / "db.sqlite3", tmp_path)
    try:
        await bot.start()
        squad = await Squad.set_up(fake)
        await bot.stop()
        # Cap the file at its current size: the next write fails as on a full disk.
        conn = sqlite3.connect(bot.db)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.close()
        bot.settings["db_max_pages"] = str(pages)
        await bot.start()
        for i in range(30):
            await fake.send(
                squad.lead, squad.group, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} {'x' * 900} {i}"
            )
        code = await bot.wait_dead(timeout=30)
        assert code == EXIT_FATAL
        assert "disk is full" in bot.log()
    finally:
        await bot.close()
