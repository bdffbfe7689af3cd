"""Injected faults (429, 5xx, 403, slow answers), Telegram's limits, priorities, duplicates."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.delivery import retired_board
from bot.intents import Intent, MessageRole, Op, Priority, Text
from bot.messages import render
from tests.fakegram.limits import TELEGRAM
from tests.fakegram.server import Call, FakeTelegram
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

AT_TEXT = f"{ALERT_AT[0]}, {ALERT_AT[1]}"

# Telegram's real per-chat limits; the group window is shrunk from 60 s so the test is quick.
REAL_LIMITS = {
    "limit_global_per_s": 30,
    "limit_private_per_s": 1,
    "limit_group_per_min": 20,
    "limit_group_window": timedelta(seconds=3),
}


async def squad_with_members(fake: FakeTelegram) -> Squad:
    squad = await Squad.set_up(fake)
    for i, (uid, name) in enumerate(((201, "Thandi"), (202, "Sipho"), (203, "Lerato"))):
        await squad.join(fake.user(uid, name), ALERT_AT[0] + 0.005 * (i + 1), ALERT_AT[1])
    await squad.ask(squad.lead, "/busy")
    await fake.idle()
    return squad


async def test_429_is_waited_out_and_nothing_is_dropped(fake: FakeTelegram, db_path: Path) -> None:
    # The offer stays open while it waits (an offer that ended before its turn is not sent).
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=60), **REAL_LIMITS)
    async with running_bot(settings):
        squad = await squad_with_members(fake)
        fake.fail("sendMessage", 429, chat_id=201, retry_after=2, times=1)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        offer = await fake.wait_for(is_send(201, "#"), after=mark, timeout=10)
        refused = next(c for c in fake.calls[mark:] if c.status == 429)
        assert offer.at - refused.at >= 2.0 - 0.05
        assert fake.retry_after_violations() == []
        assert fake.limit_violations(group_window_s=3) == []


async def test_a_direct_reply_refused_with_429_is_sent_again_after_retry_after(
    fake: FakeTelegram, db_path: Path
) -> None:
    """Telegram can refuse an answer even when the bot kept count (another process on the
    same token, Telegram stricter than its guidance): the answer still comes, late."""
    async with running_bot(make_settings(fake, db_path)):  # the bot's own limits are loose
        squad = await squad_with_members(fake)
        thandi = fake.user(201, "Thandi")
        fake.limits = TELEGRAM  # Telegram: one message a second to a private chat
        mark = await squad.say(thandi, "/busy", private=True)
        await squad.say(thandi, "/available", private=True)
        busy = render("availability.done.busy")
        available = render("availability.done.available")
        await fake.wait_for(is_send(thandi.id, available), after=mark, timeout=10)
        answers = [c for c in fake.calls[mark:] if c.chat_id == thandi.id and c.status == 200]
        assert [c.text for c in answers] == [busy, available], "each answer, once, in order"
        refused = [c for c in fake.calls[mark:] if c.status == 429]
        assert refused, "Telegram refused the second answer at first"
        assert fake.retry_after_violations() == []
        assert not [c for c in fake.calls[mark:] if c.text == render("error")]


async def test_a_direct_reply_that_meets_a_5xx_is_sent_again(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await squad_with_members(fake)
        thandi = fake.user(201, "Thandi")
        fake.fail("sendMessage", 502, chat_id=thandi.id, times=2)
        mark = await squad.say(thandi, "/busy", private=True)
        busy = render("availability.done.busy")
        await fake.wait_for(is_send(thandi.id, busy), after=mark, timeout=10)
        answers = [c for c in fake.calls[mark:] if c.chat_id == thandi.id and c.status == 200]
        assert [c.text for c in answers] == [busy], "the answer, once"
        assert len([c for c in fake.calls[mark:] if c.status == 502]) == 2


async def test_a_clean_up_refused_with_429_is_done_after_retry_after_and_says_no_error(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=60))
    async with running_bot(settings):
        squad = await squad_with_members(fake)
        fake.fail("deleteMessage", 429, chat_id=squad.group.id, retry_after=1, times=1)
        mark = len(fake.calls)
        alert = await fake.send(fake.user(300, "Zanele"), squad.group, f"/alert {AT_TEXT}")

        def deleting(c: Call) -> bool:
            return c.method == "deleteMessage" and c.params["message_id"] == alert["message_id"]

        deleted = await fake.wait_for(lambda c: deleting(c) and c.status == 200, after=mark)
        refused = next(c for c in fake.calls[mark:] if deleting(c))
        assert refused.status == 429 and deleted.at - refused.at >= 1.0 - 0.05
        await fake.idle()
        assert not [c for c in fake.calls[mark:] if c.text == render("error")], (
            "the alert was raised: nobody is told something went wrong"
        )


async def test_5xx_and_slow_answers_are_retried_until_delivered(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=60), **REAL_LIMITS)
    async with running_bot(settings):
        squad = await squad_with_members(fake)
        fake.fail("sendMessage", 502, chat_id=squad.group.id, times=2)
        fake.fail("sendMessage", 500, chat_id=201, times=3)
        fake.fail("editMessageText", 200, delay=0.5, times=2)  # slow, then fine
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark, timeout=15)
        await fake.wait_for(is_send(201, f"#{code_of(card)}"), after=mark, timeout=15)
        failures = [c for c in fake.calls[mark:] if c.status >= 500]
        assert len(failures) == 5
        await fake.idle()
        assert db_rows(db_path, "SELECT count(*) FROM outbox WHERE state = 'failed'") == [(0,)]


async def test_a_send_that_keeps_failing_is_reported_to_the_leads(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        fake, db_path, send_give_up=timedelta(seconds=1), ack_timeout=timedelta(seconds=10)
    )
    async with running_bot(settings):
        squad = await squad_with_members(fake)
        fake.fail("sendMessage", 503, chat_id=201, times=1000)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        code = code_of(card)
        # Thandi is unreachable for too long: Sipho is offered, and the leads are told.
        await fake.wait_for(is_send(202, f"#{code}"), after=mark, timeout=10)
        await fake.wait_for(is_send(squad.lead.id, "could not deliver"), after=mark)
        await fake.wait_for(is_send(squad.group.id, "could not deliver"), after=mark)
        offered_to_thandi = db_rows(
            db_path,
            "SELECT answer FROM offers o JOIN members m ON m.id = o.member_id"
            " WHERE m.user_id = 201",
        )
        assert offered_to_thandi == [("withdrawn",)], "never counted as a live offer"


async def test_403_marks_unreachable_and_offers_the_next_member_at_once(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, **REAL_LIMITS)):
        squad = await squad_with_members(fake)
        fake.fail("sendMessage", 403, chat_id=201, times=1)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        offer = await fake.wait_for(is_send(202, "#"), after=mark, timeout=5)
        refused = next(c for c in fake.calls[mark:] if c.status == 403)
        assert offer.at - refused.at < 1.5, (
            "the next member is offered at once, not after a timeout"
        )
        status = await squad.ask(squad.lead, "/status", private=True)
        assert "can't get offers): Thandi" in status.text


async def test_urgent_messages_leave_before_routine_ones(fake: FakeTelegram, db_path: Path) -> None:
    """A backlog of mixed priorities to different chats, with room for one message a second."""
    async with running_bot(make_settings(fake, db_path)) as app:
        squad = await Squad.set_up(fake)
        users = [fake.user(210 + i, f"U{i}") for i in range(6)]
        for u in users:
            await squad.join(u)
        await fake.idle()
        services = app.bot_data.services
        sender = app.bot_data.sender
        assert services is not None and sender is not None
        await sender.stop()  # queue first, then let it go at one message a second
        sender.limiter.global_per_s = 1
        order = [
            Priority.ROUTINE,
            Priority.HIGH,
            Priority.ROUTINE,
            Priority.URGENT,
            Priority.HIGH,
            Priority.URGENT,
        ]
        async with services.core.store.transaction() as db:
            for u, prio in zip(users, order, strict=True):
                await services.core.tell(
                    db,
                    Intent(
                        op=Op.SEND,
                        chat_id=u.id,
                        priority=prio,
                        text=Text("lines", {"lines": [prio.name]}),
                    ),
                )
        mark = len(fake.calls)
        sender.start()
        await fake.idle(quiet=1.5, timeout=20)
        sent = [c.text for c in fake.calls[mark:] if c.method == "sendMessage"]
        assert sent == ["URGENT", "URGENT", "HIGH", "HIGH", "ROUTINE", "ROUTINE"]
        assert fake.limit_violations(global_per_s=1, after=mark) == []


async def test_a_board_message_too_old_to_delete_is_edited_and_counted_as_a_message(
    fake: FakeTelegram, db_path: Path
) -> None:
    """Deletions take no message's slot, but where Telegram no longer lets the bot delete
    an old board message, it is edited instead: that edit is a message, and the limits
    (and their log, kept across a restart) count it as one."""
    async with running_bot(make_settings(fake, db_path)) as app:
        squad = await Squad.set_up(fake)
        await fake.idle()
        services = app.bot_data.services
        assert services is not None
        old = await app.bot.send_message(squad.group.id, "an old board")
        logged = len(db_rows(db_path, "SELECT at FROM send_log WHERE chat_id = ?", squad.group.id))
        fake.fail(
            "deleteMessage",
            400,
            chat_id=squad.group.id,
            description="Bad Request: message can't be deleted for everyone",
        )
        mark = len(fake.calls)
        async with services.core.store.transaction() as db:
            await services.core.tell(db, retired_board(squad.group.id, old.message_id))
        services.core.notify()
        await fake.idle(quiet=1.0, timeout=20)
        edits = [
            c
            for c in fake.calls[mark:]
            if c.method == "editMessageText" and c.chat_id == squad.group.id
        ]
        assert [c.text for c in edits] == [render("board.moved")]
        rows = db_rows(db_path, "SELECT at FROM send_log WHERE chat_id = ?", squad.group.id)
        assert len(rows) == logged + 1, "the edit is logged as a message; the deletion is not"


async def test_limits_hold_under_a_burst(fake: FakeTelegram, db_path: Path) -> None:
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=60), **REAL_LIMITS)
    async with running_bot(settings):
        squad = await squad_with_members(fake)
        zanele = fake.user(300, "Zanele")
        mark = len(fake.calls)
        for i in range(8):
            await fake.send(
                zanele, squad.group, f"/alert {ALERT_AT[0] + i * 0.001}, {ALERT_AT[1]} #{i}"
            )
        await fake.idle(quiet=1.5, timeout=60)
        # The group sees all eight on the squad's board, in messages within its limit.
        codes = {code for (code,) in db_rows(db_path, "SELECT code FROM alerts")}
        assert len(codes) == 8
        shown = " ".join(
            c.text
            for c in fake.calls[mark:]
            if c.status == 200 and (is_send(squad.group.id)(c) or is_edit(squad.group.id)(c))
        )
        assert all(f"#{code}" in shown for code in codes)
        assert fake.limit_violations(group_window_s=3) == []


async def test_duplicate_updates_and_double_taps_have_one_effect(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await squad_with_members(fake)
        zanele = fake.user(300, "Zanele")
        # Hold Telegram's delivery so both copies arrive in one batch.
        await fake.pause_updates()
        update = await fake.send(zanele, squad.group, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        await fake.deliver_again(fake._updates[-1])
        mark = len(fake.calls)
        await fake.resume_updates()
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        await fake.idle()
        assert update is not None
        assert db_rows(db_path, "SELECT count(*) FROM alerts") == [(1,)]
        cards = [
            c for c in fake.calls[mark:] if c.method == "sendMessage" and c.text.startswith("🚨 #")
        ]
        assert len(cards) == 1

        # Lerato double-taps Claim: one claim, one location.
        mark = len(fake.calls)
        message = bot_message(fake, card)
        lerato = fake.users[203]
        await asyncio.gather(
            fake.press(lerato, message, button=render("button.claim")),
            fake.press(lerato, message, button=render("button.claim")),
        )
        await fake.idle()
        assert len([c for c in fake.calls[mark:] if c.method == "sendLocation"]) == 1
        assert len([c for c in fake.calls[mark:] if c.method == "answerCallbackQuery"]) == 2
        assert db_rows(
            db_path,
            "SELECT count(*) FROM outbox WHERE json_extract(payload, '$.role') = ?",
            MessageRole.LOCATION.value,
        ) == [(1,)]
