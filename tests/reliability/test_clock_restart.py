"""kill -9 the real bot process between the 48-hour clock's reminders, and again right after
one fired (before it was sent): every reminder still reaches the paralegal and the lead,
exactly once.

Hours are shrunk to seconds and courts sit around the clock (court hours have their own
tests: tests/unit/test_clock_rules.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import ALERT_AT, BotProcess, Squad, bot_message, code_of, db_rows, is_send

pytestmark = pytest.mark.timeout(120)

KILLED = -9
REMINDER = "left to bring the arrested person before a court"


async def test_the_48_hour_reminders_survive_a_kill_9(fake: FakeTelegram, tmp_path: Path) -> None:
    db = tmp_path / "squadline.sqlite3"
    bot = BotProcess(
        fake,
        db,
        tmp_path,
        legal_limit="20",
        legal_reminders="5s,10s",  # 15 s and 10 s left
        court_days="mon,tue,wed,thu,fri,sat,sun",
        court_hours="00:00-24:00",
        ack_timeout="30",
    )
    await bot.start()
    try:
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, ALERT_AT[0] + 0.005, ALERT_AT[1])
        await squad.ask(squad.lead, "/busy")
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        offer = await fake.wait_for(is_send(thandi.id, "#"), after=mark, timeout=15)
        code = code_of(offer)
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("UPDATE alerts SET crisis_type = 'arrest' WHERE code = ?", (code,))
        conn.close()
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        await fake.wait_for(is_send(thandi.id, "to remain silent"), after=mark)
        await fake.wait_for(is_send(thandi.id, REMINDER), after=mark, timeout=15)
        await fake.wait_for(is_send(squad.lead.id, REMINDER), after=mark)
        await fake.idle()

        await bot.kill()  # kill -9 while the second reminder is pending
        (arrested,) = db_rows(db, "SELECT created_at FROM alerts WHERE code = ?", code)[0]
        await asyncio.sleep(max(0.0, arrested + 10.5 - time.time()))
        # Back up, armed: it fires the overdue reminder, commits, and dies before sending.
        await bot.start(crash_at="deadline_fired", wait_ready=False)
        assert await bot.wait_dead() == KILLED, bot.log()[-2000:]
        restart = len(fake.calls)
        await bot.start()
        await fake.wait_for(is_send(thandi.id, REMINDER), after=restart, timeout=15)
        await fake.wait_for(is_send(squad.lead.id, REMINDER), after=restart)
        await fake.idle(quiet=0.5)
    finally:
        await bot.stop()
        await bot.close()
    for person in (thandi.id, squad.lead.id):
        sent = [c.text for c in fake.calls if is_send(person, REMINDER)(c)]
        assert len(sent) == 2 and all("seconds left" in text for text in sent), sent
    assert db_rows(
        db, "SELECT count(*) FROM deadlines WHERE kind = 'clock' AND fired_at IS NOT NULL"
    ) == [(2,)]
