"""What follows the call, through the real bot and the fake Bot API: taking and closing an
alert, a referral with consent, and the follow-up reminders of a small squad across a
restart, with when each was due and when Telegram got it (``bench.followup_timing`` prints
the figures; ``tests/e2e/test_aftercare_e2e.py`` checks the scenario)."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.messages import render
from tests.fakegram.server import Call, FakeTelegram, User
from tests.support.calls import ALERT_AT, code_of, is_edit, is_send
from tests.support.db import db_rows
from tests.support.scenario import Squad, bot_message, running_bot
from tests.support.settings import make_settings

# Short rules, so the whole scenario takes seconds: the check on the person 4 s after the
# close, a referral's check 9 s after it is made; no page to the leads meanwhile.
FOLLOWUP_TIMES: dict[str, Any] = {
    "followup_check": timedelta(seconds=4),
    "followup_referral": timedelta(seconds=9),
    "followup_grace": timedelta(seconds=120),
    "ack_timeout": timedelta(seconds=60),
}
REMINDER = re.compile(r"📋 Follow-up F(\d+) for #")
CLINIC = "clinic Hillbrow Clinic | -26.1913, 28.0434 | 24/7 | +27 11 555 0101"


async def take_and_close(squad: Squad, user: User, code: str, outcome: str) -> Call:
    """``user`` claims the alert (``/claim``), then closes it with ``outcome`` (a label);
    returns the closing message."""
    fake = squad.fake
    mark = await squad.say(user, f"/claim {code}")
    await fake.wait_for(is_send(user.id, "You have"), after=mark)
    mark = await squad.say(user, f"/close {code}", private=True)
    picker = await fake.wait_for(is_send(user.id, f"How did #{code} end?"), after=mark)
    mark = len(fake.calls)
    await fake.press(user, bot_message(fake, picker), button=outcome)
    return await fake.wait_for(is_edit(user.id, f"#{code} is closed"), after=mark)


async def raise_alert(squad: Squad, reporter: User, words: str) -> str:
    fake = squad.fake
    mark = await squad.say(reporter, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} {words}")
    return code_of(await fake.wait_for(is_send(squad.group.id, "#"), after=mark))


async def refer_with_consent(squad: Squad, user: User, code: str, service: str) -> Call:
    """``/refer CODE``, the service's button, **They agreed**; returns the referral message."""
    fake = squad.fake
    choices = await squad.ask(user, f"/refer {code}", private=True)
    mark = len(fake.calls)
    await fake.press(user, bot_message(fake, choices), button=service)
    question = await fake.wait_for(is_edit(user.id, "did the person agree"), after=mark)
    mark = len(fake.calls)
    await fake.press(user, bot_message(fake, question), button=render("button.consent_yes"))
    return await fake.wait_for(
        is_edit(user.id, "Referred, with the person's agreement"), after=mark
    )


@dataclass(frozen=True)
class Reminder:
    task: int
    chat_id: int
    due_at: float  # as the database holds it
    sent_at: float  # when the fake Telegram got the sendMessage
    after_restart: bool

    @property
    def lateness(self) -> float:
        return self.sent_at - self.due_at


@dataclass(frozen=True)
class Run:
    reminders: list[Reminder]
    owners: dict[str, int]  # who should get which: "A", "B", "C" → chat id
    tasks: dict[str, int]  # the task of each: "A", "B", "C" → task id
    down_at: float
    up_at: float


def reminders_in(fake: FakeTelegram, db_path: Path, after: int, restart: int) -> list[Reminder]:
    found = []
    for index, call in enumerate(fake.calls[after:], start=after):
        match = REMINDER.search(call.text) if call.method == "sendMessage" else None
        if match is None or call.chat_id is None:
            continue
        task = int(match.group(1))
        ((due,),) = db_rows(db_path, "SELECT due_at FROM followups WHERE id = ?", task)
        found.append(Reminder(task, call.chat_id, due, call.at, index >= restart))
    return found


async def reminders_across_a_restart(fake: FakeTelegram, db_path: Path) -> Run:
    """Thandi (a peer educator) closes #A: its check is hers. Sipho (no skill) closes #B:
    its check goes to Lerato (a paralegal, fewer open tasks than Thandi). Thandi refers #A's
    person: that check (#C) is hers again. The bot stops before #C is due and starts again
    after."""
    settings = make_settings(fake, db_path, **FOLLOWUP_TIMES)
    thandi, lerato = fake.user(201, "Thandi"), fake.user(202, "Lerato")
    sipho, zanele = fake.user(203, "Sipho"), fake.user(300, "Zanele")
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        for user, offset in ((thandi, 0.004), (lerato, 0.02), (sipho, 0.03)):
            await squad.join(user, ALERT_AT[0] + offset, ALERT_AT[1])
        await squad.skills(thandi, "peer educator")
        await squad.skills(lerato, "paralegal")
        await squad.ask(squad.lead, f"/service add {CLINIC}", private=True)
        start = len(fake.calls)
        first = await raise_alert(squad, zanele, "hurt at the rank")
        await take_and_close(squad, thandi, first, render("outcome.health"))
        second = await raise_alert(squad, zanele, "followed home")
        await take_and_close(squad, sipho, second, render("outcome.resolved"))
        await refer_with_consent(squad, thandi, first, "Hillbrow Clinic")
        rows = db_rows(db_path, "SELECT id, alert_id, rule FROM followups ORDER BY id")
        by_code = {c: a for c, a in db_rows(db_path, "SELECT code, id FROM alerts")}
        tasks = {
            "A": next(i for i, a, r in rows if a == by_code[first] and r == "check"),
            "B": next(i for i, a, r in rows if a == by_code[second] and r == "check"),
            "C": next(i for i, a, r in rows if r == "referral"),
        }
        for label in ("A", "B"):
            await fake.wait_for(
                lambda c, t=tasks[label]: c.method == "sendMessage" and f"F{t} " in c.text,
                after=start,
                timeout=15,
            )
        await fake.idle()
    down_at = time.time()
    ((due_c,),) = db_rows(db_path, "SELECT due_at FROM followups WHERE id = ?", tasks["C"])
    await asyncio.sleep(max(0.0, due_c + 1.5 - time.time()))  # #C falls due while it is down
    restart = len(fake.calls)
    up_at = time.time()
    async with running_bot(settings):
        await fake.wait_for(
            lambda c: c.method == "sendMessage" and f"F{tasks['C']} " in c.text,
            after=restart,
            timeout=15,
        )
        await asyncio.sleep(1.0)
        await fake.idle()
    owners = {"A": thandi.id, "B": lerato.id, "C": thandi.id}
    return Run(reminders_in(fake, db_path, start, restart), owners, tasks, down_at, up_at)
