"""The intake handles different people side by side: a slow answer holds up only its own
person in its own chat, never another person's alert."""

from __future__ import annotations

import asyncio
from pathlib import Path

from handlers.transport.intake import MAX_PARALLEL
from tests.fakegram.server import Call, FakeTelegram, User
from tests.support import ALERT_AT, Squad, is_send, make_settings, running_bot

SLOW_S = 4.0


async def squad_with_thandi(fake: FakeTelegram) -> tuple[Squad, User]:
    """A squad whose one available member, Thandi, is 400 m from ALERT_AT."""
    squad = await Squad.set_up(fake)
    thandi = fake.user(201, "Thandi")
    await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
    await fake.idle()
    return squad, thandi


async def test_an_alert_is_not_held_up_by_a_leads_slow_report(
    fake: FakeTelegram, db_path: Path
) -> None:
    """The lead's /report is being answered, and Telegram takes SLOW_S seconds to take its
    chart: an alert raised meanwhile by someone else is on the board and offered at once,
    not once the report's files are through."""
    async with running_bot(make_settings(fake, db_path)):
        squad, thandi = await squad_with_thandi(fake)
        fake.fail("sendPhoto", 200, chat_id=squad.lead.id, delay=SLOW_S)
        mark = len(fake.calls)
        summary = await squad.ask(squad.lead, "/report", private=True)
        assert "📊 Report:" in summary.text
        # The report's chart is still on its way; someone else raises an alert.
        raised = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        offer = await fake.wait_for(is_send(thandi.id, "🚨"), after=raised, timeout=30)
        chart = await fake.wait_for(
            lambda c: c.method == "sendPhoto" and c.chat_id == squad.lead.id,
            after=mark,
            timeout=30,
        )
        # The offer reached Thandi before Telegram even answered the chart's call.
        assert offer.at < chart.at + SLOW_S - 1.0, (offer.at, chart.at)
        assert offer.at - summary.at < SLOW_S - 1.0


async def test_an_alert_is_not_held_up_by_a_reply_waiting_out_a_429(
    fake: FakeTelegram, db_path: Path
) -> None:
    """Telegram answers the lead's /status reply with 429 and a retry_after of SLOW_S: the
    handler waits it out, and an alert raised meanwhile by someone else is offered at once."""
    async with running_bot(make_settings(fake, db_path)):
        squad, thandi = await squad_with_thandi(fake)
        fake.fail("sendMessage", 429, chat_id=squad.lead.id, retry_after=int(SLOW_S))
        asked = await squad.say(squad.lead, "/status", private=True)
        for _ in range(200):  # until Telegram has answered the reply with its 429
            if any(c.chat_id == squad.lead.id and c.status == 429 for c in fake.calls[asked:]):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the lead's reply met no 429")
        raised = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        offer = await fake.wait_for(is_send(thandi.id, "🚨"), after=raised, timeout=30)
        status = await fake.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == squad.lead.id,
            after=asked,
            timeout=30,
        )
        # The offer went before the lead's reply could be sent again.
        assert offer.at < status.at - 1.0, (offer.at, status.at)


GLOBAL_PER_S = 4  # Telegram's overall limit, made small so a few replies fill it


async def test_an_alert_is_not_held_up_by_replies_waiting_for_telegrams_limits(
    fake: FakeTelegram, db_path: Path
) -> None:
    """Many people ask for /help at once, more than the overall limit lets go: their replies
    wait for it, one in each of the intake's slots and more. An alert raised meanwhile is
    handled at once, and its offer (urgent) goes in the first second that has room, before
    the replies still waiting; it is not handled only once replies have gone to free a slot."""
    settings = make_settings(fake, db_path, limit_global_per_s=GLOBAL_PER_S)
    async with running_bot(settings):
        squad, thandi = await squad_with_thandi(fake)
        await asyncio.sleep(1.5)  # the overall window is empty again
        askers = [fake.user(400 + i, f"Asker{i}") for i in range(GLOBAL_PER_S + MAX_PARALLEL + 1)]
        ids = {asker.id for asker in askers}

        def is_reply(c: Call) -> bool:
            return c.method == "sendMessage" and c.chat_id in ids

        mark = len(fake.calls)
        for asker in askers:
            await squad.say(asker, "/help", private=True)
        # The first second's worth went; every other reply waits for the overall limit.
        for _ in range(GLOBAL_PER_S):
            mark = _index(fake, await fake.wait_for(is_reply, after=mark, timeout=10)) + 1
        raised = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        offer = await fake.wait_for(is_send(thandi.id, "🚨"), after=raised, timeout=30)
        overtaking = [c for c in fake.calls[raised : _index(fake, offer)] if is_reply(c)]
        assert len(overtaking) < GLOBAL_PER_S, (
            "the alert waited for a second's worth of replies to free an intake slot"
        )


def _index(fake: FakeTelegram, call: Call) -> int:
    return next(i for i, c in enumerate(fake.calls) if c is call)
