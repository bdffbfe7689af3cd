"""The 48-hour clock through the real Application and the fake Bot API: its reminders reach
the team and the leads, survive a restart on the same database, and its buttons work.

The hours are shrunk to seconds, and courts sit around the clock, so the limit is exactly
the (shrunk) 48 hours; court hours have their own tests (tests/unit/test_clock_rules.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.messages import render
from tests.fakegram.server import Call, FakeTelegram
from tests.support import (
    ALERT_AT,
    Squad,
    bot_message,
    code_of,
    db_rows,
    is_send,
    make_settings,
    running_bot,
)

# The limit 12 s after the arrest; reminders 4 s and 8 s after it (8 s and 4 s left).
CLOCK: dict[str, Any] = {
    "legal_limit": timedelta(seconds=12),
    "legal_reminders": "4s,8s",
    "court_days": "mon,tue,wed,thu,fri,sat,sun",
    "court_hours": "00:00-24:00",
    "ack_timeout": timedelta(seconds=30),
}
REMINDER = "left to bring the arrested person before a court"


def set_type(db: Path, code: str, kind: str) -> None:
    """The alert's crisis type, as the lead's type setting will store it."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute("UPDATE alerts SET crisis_type = ? WHERE code = ?", (kind, code))
    finally:
        conn.close()


def reminders(fake: FakeTelegram, chat_id: int, after: int = 0) -> list[Call]:
    return [c for c in fake.calls[after:] if is_send(chat_id, REMINDER)(c)]


async def test_the_48_hour_clock_survives_a_restart_and_its_buttons_work(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, **CLOCK)
    thandi, zanele = fake.user(201, "Thandi"), fake.user(300, "Zanele")
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(thandi, ALERT_AT[0] + 0.01, ALERT_AT[1])
        await squad.ask(squad.lead, "/busy")
        mark = await squad.say(zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} taken by police")
        offer = await fake.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == thandi.id and "#" in c.text,
            after=mark,
        )
        code = code_of(offer)
        set_type(db_path, code, "arrest")
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        brief = await fake.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == thandi.id and "rights" in c.text,
            after=mark,
        )
        assert "to remain silent" in brief.text and "left)" in brief.text
        assert render("clock.button.bail") in [b["text"] for b in brief.buttons()]
        # The first reminder, to the paralegal and the lead.
        first = await fake.wait_for(is_send(thandi.id, REMINDER), after=mark, timeout=10)
        await fake.wait_for(is_send(squad.lead.id, REMINDER), after=mark)
        assert "Thandi" not in first.text and "police" not in first.text
        await fake.idle()  # every send recorded: none is left uncertain at the stop
    (arrested,) = db_rows(db_path, "SELECT created_at FROM alerts WHERE code = ?", code)[0]
    # Down while the second reminder comes due.
    await asyncio.sleep(max(0.0, arrested + 8.5 - time.time()))
    restart = len(fake.calls)
    async with running_bot(settings):
        second = await fake.wait_for(is_send(thandi.id, REMINDER), after=restart, timeout=10)
        await fake.wait_for(is_send(squad.lead.id, REMINDER), after=restart)
        pressed = len(fake.calls)
        message = bot_message(fake, second)
        await fake.press(thandi, message, button=render("clock.button.bail"))
        answer = await fake.wait_for(
            lambda c: c.method == "answerCallbackQuery", after=pressed, timeout=10
        )
        assert "noted" in answer.params["text"]
        await fake.idle()
        # The commands, through Telegram: in private they work; bad input and the group
        # get a clear reply.
        held = await squad.ask(thandi, f"/held {code} Hillbrow police station", private=True)
        assert held.text == f"#{code}: held at Hillbrow police station. Saved."
        bad = await squad.ask(thandi, f"/when {code} soon", private=True)
        assert bad.text.startswith("Send /when <code> <time>")
        in_group = await squad.ask(thandi, f"/held {code} Hillbrow police station")
        assert in_group.text == render("private_only")
        await fake.idle()
    assert second.text != first.text
    # Each reminder came once to each of them, across the restart.
    for person in (thandi.id, squad.lead.id):
        assert len(reminders(fake, person)) == 2, [c.text[:60] for c in reminders(fake, person)]
    assert db_rows(db_path, "SELECT kind, mark, held_at FROM clocks") == [
        ("legal", "bail", "Hillbrow police station")
    ]
    assert not db_rows(
        db_path,
        "SELECT 1 FROM deadlines WHERE kind = 'clock' AND fired_at IS NULL"
        " AND cancelled_at IS NULL",
    )


# PEP and the forensic window close 12 s after the assault, emergency contraception at 20 s;
# reminders 8 s and 4 s before each window closes.
MEDICAL: dict[str, Any] = {
    "pep_window": timedelta(seconds=12),
    "pep_ideal": timedelta(seconds=6),
    "forensic_window": timedelta(seconds=12),
    "ec_window": timedelta(seconds=20),
    "medical_reminders": "8s,4s",
    "ack_timeout": timedelta(seconds=30),
}
PEP = "left to start PEP"


async def test_the_pep_reminders_stop_once_pep_is_marked_started(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, **MEDICAL)):
        squad = await Squad.set_up(fake)
        ayanda, bongi = fake.user(201, "Ayanda"), fake.user(202, "Bongi")
        await squad.join(ayanda, ALERT_AT[0] + 0.01, ALERT_AT[1])
        await squad.join(bongi, ALERT_AT[0] + 0.02, ALERT_AT[1])
        await squad.skills(ayanda, "health worker")
        await squad.skills(bongi, "peer educator")
        await squad.ask(squad.lead, "/busy")
        mark = await squad.say(
            fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} she was raped"
        )
        offer = await fake.wait_for(is_send(ayanda.id, "Needed: health worker."), after=mark)
        await fake.press(ayanda, bot_message(fake, offer), button=render("button.accept"))
        # The first reminder (8 s before PEP closes) comes with the mark buttons.
        first = await fake.wait_for(is_send(ayanda.id, PEP), after=mark, timeout=10)
        await fake.wait_for(is_send(squad.lead.id, PEP), after=mark)
        pressed = len(fake.calls)
        await fake.press(ayanda, bot_message(fake, first), button=render("clock.button.pep.done"))
        await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=pressed)
        assert db_rows(db_path, "SELECT mark FROM clocks WHERE kind = 'pep'") == [("done",)]
        # Past the second PEP reminder point: no PEP reminder came after the mark, while
        # emergency contraception, not marked, still reminds.
        await fake.wait_for(
            is_send(ayanda.id, "emergency contraception"), after=pressed, timeout=15
        )
        await asyncio.sleep(1.0)
        await fake.idle()
        later = [c for c in fake.calls[pressed:] if c.method == "sendMessage" and PEP in c.text]
        assert later == []
