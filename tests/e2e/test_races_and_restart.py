"""Races and restarts: exactly one winner, and deadlines that fire exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    Squad,
    bot_message,
    code_of,
    db_rows,
    is_edit,
    is_send,
    make_settings,
    running_bot,
)


async def test_two_members_press_claim_at_once_and_exactly_one_wins(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi, sipho = fake.user(201, "Thandi"), fake.user(202, "Sipho")
        await squad.join(thandi, ALERT_AT[0] + 0.01, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.02, ALERT_AT[1])
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        card = await fake.wait_for(is_send(squad.group.id, "#"), after=mark)
        await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        await fake.idle()

        mark = len(fake.calls)
        message = bot_message(fake, card)
        # Both presses are queued before the bot's next poll: they arrive in one batch
        # and are handled concurrently.
        await asyncio.gather(
            fake.press(thandi, message, button=render("button.claim")),
            fake.press(sipho, message, button=render("button.claim")),
        )
        await fake.idle()
        answers = [c for c in fake.calls[mark:] if c.method == "answerCallbackQuery"]
        assert len(answers) == 2
        texts = sorted(a.params["text"] for a in answers)
        assert sum("already taken" in t for t in texts) == 1
        assert sum("You have" in t for t in texts) == 1
        pins = [c for c in fake.calls[mark:] if c.method == "sendLocation"]
        assert len(pins) == 1
        owners = db_rows(db_path, "SELECT owner_member_id FROM alerts")
        assert len(owners) == 1 and owners[0][0] is not None


async def test_a_wave_of_three_all_accepting_at_once_has_exactly_one_winner(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        members = [fake.user(201 + i, name) for i, name in enumerate(("Thandi", "Sipho", "Ayo"))]
        for i, member in enumerate(members):
            await squad.join(member, ALERT_AT[0] + 0.01 * (i + 1), ALERT_AT[1])
        reporter = fake.user(300, "Zanele")
        mark = await squad.say(reporter, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} help")
        code = code_of(await fake.wait_for(is_send(squad.group.id, "#"), after=mark))
        await fake.idle()
        # A lead marks it an arrest: a wave of three (nobody is a paralegal, so anyone).
        mark = await squad.say(squad.lead, f"/type {code} arrest")
        offers = [
            await fake.wait_for(is_send(m.id, f"#{code}: can you help?"), after=mark)
            for m in members
        ]
        await fake.idle()
        mark = len(fake.calls)
        await asyncio.gather(
            *(
                fake.press(m, bot_message(fake, o), button=render("button.accept"))
                for m, o in zip(members, offers, strict=True)
            )
        )
        await fake.idle()
        answers = [c for c in fake.calls[mark:] if c.method == "answerCallbackQuery"]
        assert len(answers) == 3
        assert sum("You have" in a.params["text"] for a in answers) == 1
        (winner,) = [c.chat_id for c in fake.calls[mark:] if c.method == "sendLocation"]
        withdrawn = {
            c.chat_id
            for c in fake.calls[mark:]
            if c.method == "editMessageText" and "taken by someone else" in c.text
        }
        assert withdrawn == {m.id for m in members} - {winner}
        holders = db_rows(db_path, "SELECT count(*) FROM slots WHERE holder_member_id IS NOT NULL")
        assert holders == [(1,)]
        answered = sorted(r[0] for r in db_rows(db_path, "SELECT answer FROM offers"))
        assert answered == ["accepted", "withdrawn", "withdrawn"]


async def test_restart_with_a_pending_deadline_fires_it_exactly_once(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path)
    thandi, sipho = fake.user(201, "Thandi"), fake.user(202, "Sipho")
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(thandi, ALERT_AT[0] + 0.01, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.02, ALERT_AT[1])
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        offer = await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        code = code_of(offer)
        await fake.idle()
    # Stopped with Thandi's ack deadline pending. Let it become overdue while down.
    pending = db_rows(
        db_path, "SELECT id FROM deadlines WHERE fired_at IS NULL AND cancelled_at IS NULL"
    )
    assert len(pending) == 1
    await asyncio.sleep(settings.ack_timeout.total_seconds() + 0.2)
    mark = len(fake.calls)
    async with running_bot(settings):
        await fake.wait_for(is_send(sipho.id, f"#{code}"), after=mark, timeout=5)
        await fake.wait_for(is_edit(thandi.id, "withdrawn"), after=mark)
        await fake.idle()
    # And once more: a second restart must not fire it again.
    async with running_bot(settings):
        await fake.idle()
    offers_to_sipho = [
        c for c in fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == sipho.id
    ]
    withdrawals = [
        c for c in fake.calls[mark:] if c.method == "editMessageText" and c.chat_id == thandi.id
    ]
    assert len(offers_to_sipho) == 1
    assert len(withdrawals) == 1
    fired = db_rows(
        db_path,
        "SELECT count(*) FROM deadlines WHERE id = ? AND fired_at IS NOT NULL",
        pending[0][0],
    )
    assert fired == [(1,)]


async def test_restart_with_a_future_deadline_fires_it_on_time(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path)
    thandi, sipho = fake.user(201, "Thandi"), fake.user(202, "Sipho")
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(thandi, ALERT_AT[0] + 0.01, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.02, ALERT_AT[1])
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        await fake.wait_for(is_send(thandi.id, "#"), after=mark)
    mark = len(fake.calls)
    async with running_bot(settings):
        # Not yet due right after the restart ...
        await asyncio.sleep(0.2)
        assert not [c for c in fake.calls[mark:] if c.chat_id == sipho.id]
        # ... but due within the ack timeout.
        await fake.wait_for(is_send(sipho.id, "#"), after=mark, timeout=5)
