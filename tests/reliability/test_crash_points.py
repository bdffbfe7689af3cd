"""kill -9 the real bot process at named points, restart it, and check nothing was lost.

The bot runs as ``python -m bot run`` against the fake Bot API server. A crash point
is armed with ``SQUADLINE_CRASH_AT`` (off unless set), and the process SIGKILLs itself
there. Then it is started again on the same database, unarmed.

The tests marked ``BOTH_MODES`` run twice: long polling, and webhook mode, where the fake
Telegram POSTs each update to the bot and sends it again until the bot answers 200 (a
bot killed after the inbox commit never answers, so the update comes twice and must
count once).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.messages import render
from tests.fakegram.server import Call, FakeTelegram, User
from tests.reliability import invariants
from tests.support import (
    ALERT_AT,
    BotProcess,
    Squad,
    bot_message,
    code_of,
    db_rows,
    is_edit,
    is_send,
    webhook_mode,
)

pytestmark = pytest.mark.timeout(120)

MAX_ESCALATIONS = 2
KILLED = -9
BOTH_MODES = pytest.mark.parametrize("rig", ["polling", "webhook"], indirect=True)


@dataclass
class Rig:
    fake: FakeTelegram
    bot: BotProcess
    squad: Squad
    thandi: User
    sipho: User
    lerato: User
    zanele: User
    mode: str = "polling"

    async def crash_during(
        self, point: str, action: Callable[[], Awaitable[object]] | None = None
    ) -> None:
        """Restart armed at ``point``, do ``action``, see the process die, restart unarmed.

        Without an action the crash comes from a timer, maybe while the bot starts."""
        await self.bot.stop()
        await self.bot.start(crash_at=point, wait_ready=action is not None)
        if action is not None:
            await action()
        assert await self.bot.wait_dead() == KILLED, self.bot.log()[-2000:]
        await self.bot.start()

    async def alert(self) -> int:
        return await self.squad.say(self.zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} help")

    async def check(self) -> invariants.Report:
        await self.fake.idle(quiet=0.5)
        await self.bot.stop()
        report = invariants.check(self.bot.db, self.fake, max_escalations=MAX_ESCALATIONS)
        assert report, report.problems
        if self.mode == "webhook":
            assert self.fake.polls == 0, "webhook mode never polls"
            answered = {update_id for update_id, status in self.fake.webhook.posts if status == 200}
            assert answered >= {update_id for update_id, _ in self.fake.webhook.posts}
        return report


@pytest.fixture
async def rig(
    fake: FakeTelegram, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Rig]:
    mode = getattr(request, "param", "polling")
    hook = webhook_mode() if mode == "webhook" else {}
    bot = BotProcess(
        fake, tmp_path / "squadline.sqlite3", tmp_path, max_escalations=MAX_ESCALATIONS, **hook
    )
    await bot.start()
    try:
        squad = await Squad.set_up(fake)
        users = [fake.user(201, "Thandi"), fake.user(202, "Sipho"), fake.user(203, "Lerato")]
        for i, user in enumerate(users):
            await squad.join(user, ALERT_AT[0] + 0.005 * (i + 1), ALERT_AT[1])
        # The lead is busy so that offers go to the three members only.
        await squad.ask(squad.lead, "/busy")
        yield Rig(fake, bot, squad, *users, zanele=fake.user(300, "Zanele"), mode=mode)
    finally:
        await bot.close()


def first(fake: FakeTelegram, pred: Callable[[Call], bool]) -> Call:
    return next(c for c in fake.calls if c.status == 200 and pred(c))


@BOTH_MODES
async def test_crash_after_the_inbox_write(rig: Rig) -> None:
    mark = len(rig.fake.calls)
    await rig.crash_during("inbox_written", rig.alert)
    offer = await rig.fake.wait_for(is_send(rig.thandi.id, "#"), after=mark, timeout=15)
    await rig.check()
    if rig.mode == "webhook":
        # Killed after the commit, before its 200: Telegram sent the /alert again.
        *_, (alert_id, status) = [p for p in rig.fake.webhook.posts if p[1] != 200]
        assert status == 0
        assert (alert_id, 200) in rig.fake.webhook.posts
    cards = [
        c for c in rig.fake.calls[mark:] if c.method == "sendMessage" and c.text.startswith("🚨 #")
    ]
    assert [code_of(c) for c in cards] == [code_of(offer)]


@BOTH_MODES
async def test_crash_after_the_alert_is_stored_before_the_reply(rig: Rig) -> None:
    mark = len(rig.fake.calls)
    await rig.crash_during("alert_stored", rig.alert)
    card = await rig.fake.wait_for(is_send(rig.squad.group.id, "🚨 #"), after=mark, timeout=15)
    await rig.fake.wait_for(is_send(rig.thandi.id, f"#{code_of(card)}"), after=mark)
    await rig.check()


async def test_crash_after_the_offer_is_committed_before_it_is_sent(rig: Rig) -> None:
    mark = len(rig.fake.calls)
    await rig.crash_during("before_offer_send", rig.alert)
    await rig.fake.wait_for(is_send(rig.thandi.id, "#"), after=mark, timeout=15)
    report = await rig.check()
    offers = [
        c for c in rig.fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == rig.thandi.id
    ]
    assert len(offers) == 1, "the call never happened, so it is made exactly once"
    assert report.uncertain_resends == 0


async def test_crash_after_the_send_before_it_is_marked_sent(rig: Rig) -> None:
    mark = len(rig.fake.calls)
    await rig.crash_during("after_offer_send", rig.alert)
    await rig.fake.wait_for(is_send(rig.thandi.id, "#"), after=mark, timeout=15)
    report = await rig.check()
    offers = [
        c for c in rig.fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == rig.thandi.id
    ]
    # Telegram got it, but the bot died before recording that: the only case where a
    # row is sent again, and only while the offer is still open (its 1.5 s may have run
    # out while the bot was down). The second copy says so, and only its buttons act.
    tags = [{b["callback_data"].rsplit(":", 1)[1] for b in c.buttons()} for c in offers]
    assert tags[0] == {"ca"}
    thandis = "FROM offers o JOIN members m ON m.id = o.member_id WHERE m.user_id = 201"
    (copy,) = db_rows(rig.bot.db, f"SELECT o.copy {thandis}")[0]
    if len(offers) == 2:
        # (The sender's pass sends to several chats at once: a message in the same pass,
        # such as the squad's board, may have been sent again too, its fate as hidden.)
        assert report.uncertain_resends >= 1
        resent = render("offer.resent")
        assert resent not in offers[0].text
        assert offers[1].text.endswith(resent), offers[1].text
        assert tags[1] == {"cb"} and copy == "cb", "only the copy sent again is honoured"
    else:
        assert len(offers) == 1 and copy == "ca", "recorded as the newest before its call"
        (answer,) = db_rows(rig.bot.db, f"SELECT o.answer {thandis}")[0]
        assert answer is not None, "an open offer is always sent again"


async def test_two_copies_whose_fate_crashes_hid_never_both_act(rig: Rig) -> None:
    """The bot died after sending each of two copies of one offer, before recording either,
    and the offer timed out before a third could go. Both copies are on her phone; only the
    newer acts. (Recorded at delivery, neither copy was, so both acted: the kill -9 suite
    found it as "chat 201 sees 2 live offers".)"""
    rig.bot.settings["ack_timeout"] = "60"  # the offer stays open across both crashes
    await rig.bot.stop()
    await rig.bot.start(crash_at="after_offer_send")
    mark = await rig.alert()
    assert await rig.bot.wait_dead() == KILLED, rig.bot.log()[-2000:]
    await rig.bot.start(crash_at="after_offer_send", wait_ready=False)
    assert await rig.bot.wait_dead() == KILLED, rig.bot.log()[-2000:]
    copies = [
        c for c in rig.fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == rig.thandi.id
    ]
    tags = [{b["callback_data"].rsplit(":", 1)[1] for b in c.buttons()} for c in copies]
    assert tags == [{"ca"}, {"cb"}], tags
    # The second crash came just as the offer's timeout was committed: no third copy goes.
    with contextlib.closing(sqlite3.connect(rig.bot.db)) as conn, conn:
        conn.execute("UPDATE offers SET answer = 'timeout', answered_at = 1")
    mark = len(rig.fake.calls)
    await rig.bot.start()
    code = code_of(copies[0])
    older = bot_message(rig.fake, copies[0])
    await rig.fake.press(rig.thandi, older, button=render("button.accept"))
    stale = await rig.fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
    assert stale.params["text"] == render("offer.old_copy", {"code": code})
    thandis = "FROM offers o JOIN members m ON m.id = o.member_id WHERE m.user_id = 201"
    assert db_rows(rig.bot.db, f"SELECT o.copy {thandis}") == [("cb",)]
    assert db_rows(rig.bot.db, "SELECT owner_member_id FROM alerts") == [(None,)]
    # The newer copy acts (an Accept on one's own offer counts even after it timed out).
    press = len(rig.fake.calls)
    newer = bot_message(rig.fake, copies[1])
    await rig.fake.press(rig.thandi, newer, button=render("button.accept"))
    won = await rig.fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=press)
    assert won.params["text"] == render("claim.won", {"code": code})
    await rig.check()  # no chat sees two live offers of one alert
    assert not [c for c in rig.fake.calls[mark:] if is_send(rig.thandi.id, "can you help?")(c)]


async def test_crash_in_the_middle_of_an_escalation(rig: Rig) -> None:
    mark = await rig.alert()
    offer = await rig.fake.wait_for(is_send(rig.thandi.id, "#"), after=mark)
    code = code_of(offer)
    await rig.fake.press(rig.thandi, bot_message(rig.fake, offer), button=render("button.decline"))
    await rig.fake.wait_for(is_send(rig.sipho.id, f"#{code}"), after=mark)
    # Sipho does not answer; max offers (2) is reached; the ack deadline escalates.
    mark = len(rig.fake.calls)
    await rig.crash_during("escalation")
    await rig.fake.wait_for(is_send(rig.squad.group.id, "Nobody has taken"), after=mark, timeout=15)
    await rig.check()
    posts = [
        c for c in rig.fake.calls[mark:] if c.method == "sendMessage" and "Nobody has" in c.text
    ]
    # The crashed escalation left no trace; each escalation that did happen (the first,
    # and perhaps its repeat one ack timeout later) was posted exactly once.
    (escalations,) = db_rows(rig.bot.db, "SELECT escalations FROM alerts")[0]
    assert escalations >= 1
    assert len(posts) == escalations


@BOTH_MODES
async def test_crash_during_a_claim(rig: Rig) -> None:
    mark = await rig.alert()
    card = await rig.fake.wait_for(is_send(rig.squad.group.id, "🚨 #"), after=mark)
    await rig.fake.idle()
    mark = len(rig.fake.calls)

    async def claim() -> None:
        await rig.fake.press(rig.lerato, bot_message(rig.fake, card), button=render("button.claim"))

    await rig.crash_during("claim", claim)
    pin = await rig.fake.wait_for(lambda c: c.method == "sendLocation", after=mark, timeout=15)
    assert pin.chat_id == rig.lerato.id
    await rig.check()
    assert len([c for c in rig.fake.calls[mark:] if c.method == "sendLocation"]) == 1


@BOTH_MODES
async def test_crash_during_a_close(rig: Rig) -> None:
    mark = await rig.alert()
    offer = await rig.fake.wait_for(is_send(rig.thandi.id, "#"), after=mark)
    await rig.fake.press(rig.thandi, bot_message(rig.fake, offer), button=render("button.accept"))
    brief = await rig.fake.wait_for(is_send(rig.thandi.id, "You have"), after=mark)
    await rig.fake.press(rig.thandi, bot_message(rig.fake, brief), button=render("button.close"))
    picker = await rig.fake.wait_for(is_send(rig.thandi.id, "How did"), after=mark)
    await rig.fake.idle()
    mark = len(rig.fake.calls)

    async def close() -> None:
        await rig.fake.press(
            rig.thandi, bot_message(rig.fake, picker), button=render("outcome.health")
        )

    await rig.crash_during("close", close)
    await rig.fake.wait_for(is_edit(rig.thandi.id, "is closed"), after=mark, timeout=15)
    await rig.check()


async def test_crash_during_a_restart_with_overdue_deadlines(rig: Rig) -> None:
    mark = await rig.alert()
    offer = await rig.fake.wait_for(is_send(rig.thandi.id, "#"), after=mark)
    await rig.fake.idle()
    await rig.bot.stop()
    await asyncio.sleep(2.0)  # Thandi's ack deadline is now overdue
    mark = len(rig.fake.calls)
    await rig.bot.start(crash_at="deadline_fired", wait_ready=False)
    assert await rig.bot.wait_dead() == KILLED
    await rig.bot.start()
    await rig.fake.wait_for(is_send(rig.sipho.id, f"#{code_of(offer)}"), after=mark, timeout=15)
    await rig.check()
    to_sipho = [
        c for c in rig.fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == rig.sipho.id
    ]
    assert len(to_sipho) == 1


async def test_crash_right_after_a_follow_up_reminder_fires(rig: Rig) -> None:
    """A follow-up's reminder and its page to the leads are deadline rows. Killed right after
    one fired (committed, not yet sent), the bot started again sends each exactly once."""
    await rig.bot.stop()
    rig.bot.settings.update(followup_check="10", followup_grace="1")
    await rig.bot.start()
    mark = await rig.alert()
    offer = await rig.fake.wait_for(is_send(rig.thandi.id, "#"), after=mark)
    await rig.fake.press(rig.thandi, bot_message(rig.fake, offer), button=render("button.accept"))
    brief = await rig.fake.wait_for(is_send(rig.thandi.id, "You have"), after=mark)
    await rig.fake.press(rig.thandi, bot_message(rig.fake, brief), button=render("button.close"))
    picker = await rig.fake.wait_for(is_send(rig.thandi.id, "How did"), after=mark)
    await rig.fake.wait_for(  # the pin reached Thandi before the close
        lambda c: c.method == "sendLocation" and c.chat_id == rig.thandi.id, after=mark
    )
    await rig.fake.press(
        rig.thandi, bot_message(rig.fake, picker), button=render("outcome.resolved")
    )
    await rig.fake.wait_for(is_edit(rig.thandi.id, "is closed"), after=mark)
    await rig.fake.idle()
    await rig.bot.stop()
    ((due,),) = db_rows(rig.bot.db, "SELECT due_at FROM followups")
    assert not db_rows(
        rig.bot.db, "SELECT 1 FROM deadlines WHERE fired_at IS NOT NULL AND kind LIKE 'followup%'"
    ), "stopped before the check was due"
    # The check on the person (Thandi's) falls due while the bot is down, and so does its
    # page to the leads.
    await asyncio.sleep(max(0.0, due + 1.5 - time.time()))
    mark = len(rig.fake.calls)
    await rig.bot.start(crash_at="deadline_fired", wait_ready=False)
    assert await rig.bot.wait_dead() == KILLED
    await rig.bot.start()
    lead = rig.squad.lead.id
    await rig.fake.wait_for(is_send(rig.thandi.id, "📋 Follow-up"), after=mark, timeout=15)
    await rig.fake.wait_for(is_send(lead, "Message to leads: follow-up"), after=mark, timeout=15)
    await rig.check()
    sent = rig.fake.calls[mark:]
    assert len([c for c in sent if is_send(rig.thandi.id, "📋 Follow-up")(c)]) == 1
    assert len([c for c in sent if is_send(lead, "Message to leads: follow-up")(c)]) == 1
