"""What the sender promises in the README's Reliability section (issue 8, items 7 and 11)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.messages import render
from tests.fakegram.server import Call, FakeTelegram, User
from tests.support import (
    ALERT_AT,
    Squad,
    bot_message,
    code_of,
    is_send,
    make_settings,
    running_bot,
)


def _as_if_the_bot_died_after_sending_the_offer(db: Path) -> None:
    """The offer's call was made, but the bot died before recording it: the row stays
    ``sending`` with no result and no remembered message (its copy was recorded as the
    newest before the call, so that stays)."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute(
                "UPDATE outbox SET state = 'sending', sent_at = NULL, telegram_message_id = NULL"
                " WHERE json_extract(payload, '$.role') = 'offer'"
                " AND json_extract(payload, '$.op') = 'send'"
            )
            conn.execute("DELETE FROM messages WHERE role = 'offer'")
    finally:
        conn.close()


def _copy_tags(call: Call) -> set[str]:
    return {b["callback_data"].rsplit(":", 1)[1] for b in call.buttons()}


async def test_an_offer_sent_again_after_a_crash_says_so_and_only_it_acts(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=60))
    thandi = fake.user(201, "Thandi")
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        first = await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        code = code_of(first)
        await fake.idle()
    resent = render("offer.resent")
    assert resent not in first.text
    assert _copy_tags(first) == {"ca"}, "the first copy's buttons carry its tag"
    _as_if_the_bot_died_after_sending_the_offer(db_path)

    mark = len(fake.calls)
    async with running_bot(settings):
        second = await fake.wait_for(is_send(thandi.id, f"#{code}"), after=mark)
        assert second.text.endswith(resent), second.text
        assert second.text.startswith(first.text)
        assert _copy_tags(second) == {"cb"}, "one send, with the second copy's tag"
        await fake.idle()
        # The first copy, which a crash left on her phone, no longer acts: she is told to
        # answer on the newer one, and nothing changes.
        before = _rows(db_path, "SELECT id, answer, copy FROM offers")
        assert [r[1:] for r in before] == [(None, "cb")]
        mark_press = len(fake.calls)
        await fake.press(thandi, bot_message(fake, first), button=render("button.accept"))
        stale = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark_press)
        assert render("offer.old_copy", {"code": code}) == stale.params["text"]
        await fake.idle()
        assert _rows(db_path, "SELECT id, answer, copy FROM offers") == before
        # The second copy acts on the one offer row.
        await fake.press(thandi, bot_message(fake, second), button=render("button.accept"))
        await fake.wait_for(is_send(thandi.id, f"You have #{code}"), after=mark)
        await fake.idle()
        offers = [c for c in fake.calls[mark:] if is_send(thandi.id, "can you help?")(c)]
        assert offers == [second], "sent again once, never a third time"


async def _joined_with_a_slow_first_copy(fake: FakeTelegram, thandi: User) -> Squad:
    """Thandi joins the squad; the next message to her reaches Telegram but is answered
    after the bot's 5 s read timeout."""
    squad = await Squad.set_up(fake)
    await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
    await fake.idle()
    fake.fail("sendMessage", 200, chat_id=thandi.id, delay=6.0, times=1)  # slow, delivered
    return squad


async def test_an_offer_sent_again_after_a_timeout_says_so_too(
    fake: FakeTelegram, db_path: Path
) -> None:
    """Telegram took the first copy but answered after the bot's 5 s read timeout: its
    fate was unknown to the bot, so the copy it sends again says so."""
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=60))
    thandi = fake.user(201, "Thandi")
    async with running_bot(settings):
        squad = await _joined_with_a_slow_first_copy(fake, thandi)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        await fake.wait_for(is_send(thandi.id, "can you help?"), after=mark, timeout=15)
        await fake.idle(quiet=1.5, timeout=15)
        copies = [c for c in fake.calls[mark:] if is_send(thandi.id, "can you help?")(c)]
        resent = render("offer.resent")
        assert len(copies) == 2, [c.text for c in copies]
        (late,) = [c for c in copies if resent not in c.text]
        (again,) = [c for c in copies if c.text.endswith(resent)]
        assert again.text.startswith(late.text)
        assert (_copy_tags(late), _copy_tags(again)) == ({"ca"}, {"cb"})
        recorded = _rows(db_path, "SELECT copy FROM offers")
        assert recorded == [("cb",)], "only the copy sent again is honoured"


async def test_a_copy_telegram_did_not_take_leaves_the_one_before_it_acting(
    fake: FakeTelegram, db_path: Path
) -> None:
    """The first copy reached her after the bot's read timeout (its fate unknown to the bot);
    the copy sent again meets 503s. Telegram never took that one, so the first copy, the only
    one on her phone, is the one honoured: her Accept there acts."""
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=60))
    thandi = fake.user(201, "Thandi")
    async with running_bot(settings):
        squad = await _joined_with_a_slow_first_copy(fake, thandi)
        outage = fake.fail("sendMessage", 503, chat_id=thandi.id, times=1000)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        first = await fake.wait_for(is_send(thandi.id, "can you help?"), after=mark, timeout=15)
        code = code_of(first)
        assert _copy_tags(first) == {"ca"}

        def refused() -> int:
            return sum(1 for c in fake.calls[mark:] if c.chat_id == thandi.id and c.status == 503)

        await _until(lambda: refused() >= 2)  # the copy sent again, and again
        await _until(lambda: _rows(db_path, "SELECT copy FROM offers") == [("ca",)])
        press = len(fake.calls)
        await fake.press(thandi, bot_message(fake, first), button=render("button.accept"))
        answer = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=press)
        assert answer.params["text"] == render("claim.won", {"code": code})
        assert _rows(db_path, "SELECT answer FROM offers") == [("accepted",)]
        outage.times = 0  # Telegram is back: her brief and the pin go
        await fake.wait_for(is_send(thandi.id, f"You have #{code}"), after=mark, timeout=15)


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _delivery_failed_rows(db: Path) -> list[tuple[object, ...]]:
    return _rows(
        db,
        "SELECT chat_id, state, reported FROM outbox"
        " WHERE json_extract(payload, '$.text.key') = 'delivery.failed' ORDER BY id",
    )


async def _until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_a_stuck_card_edit_is_reported_to_the_leads_once(
    fake: FakeTelegram, db_path: Path
) -> None:
    """A routine message that keeps failing is not silent, and is not dropped: here the
    card's edit (the squad's board, edited to say who is responding) meets 503 past the
    give-up time. The leads are told once; the edit is still tried; once Telegram answers
    again, the group's board says who is responding."""
    settings = make_settings(
        fake, db_path, send_give_up=timedelta(seconds=1), ack_timeout=timedelta(seconds=60)
    )
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        await fake.idle()
        outage = fake.fail("editMessageText", 503, chat_id=squad.group.id, times=10_000)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        code = code_of(card)
        # Thandi accepts: the board is to be edited to say she is responding, and cannot be.
        offer = await fake.wait_for(is_send(thandi.id, f"#{code}"), after=mark)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        told = await fake.wait_for(is_send(squad.lead.id, "could not deliver"), after=mark)
        assert f"#{code}" in told.text
        await fake.wait_for(is_send(squad.group.id, "could not deliver"), after=mark)
        edits = (
            "json_extract(payload, '$.op') = 'edit' AND json_extract(payload, '$.role') = 'card'"
        )
        stuck = _rows(db_path, f"SELECT id FROM outbox WHERE {edits} AND reported = 1")
        assert len(stuck) == 1
        (row_id,) = stuck[0]
        # It keeps being tried after the report (Telegram sees the edit again), and it is
        # neither given up nor replaced: it waits for its next try, or is being tried.
        since_report = len(fake.calls)
        await _until(lambda: _card_edits(fake, squad.group.id, since_report) > 0, timeout=40)
        state = _rows(db_path, f"SELECT state FROM outbox WHERE id = {row_id}")
        assert state in ([("pending",)], [("sending",)]), state
        # Telegram answers again: the edit goes, and the board says who is responding.
        answering = len(fake.calls)
        outage.times = 0
        shown = await fake.wait_for(
            lambda c: c.method == "editMessageText" and c.chat_id == squad.group.id,
            after=answering,
            timeout=40,
        )
        assert f"#{code}" in shown.text, shown.text
        assert render("card.owner", {"alias": "Thandi"}) in shown.text, shown.text
        await _until(
            lambda: _rows(db_path, f"SELECT state FROM outbox WHERE id = {row_id}") == [("sent",)]
        )
        lead_notices = [
            c for c in fake.calls_to("sendMessage", squad.lead.id) if "could not" in c.text
        ]
        assert len(lead_notices) == 1, "told once"
        assert len(_delivery_failed_rows(db_path)) == 2  # one in the group, one to the lead


def _card_edits(fake: FakeTelegram, chat_id: int, after: int) -> int:
    """Edits of the group's board that reached Telegram since ``after``, answered or not."""
    return sum(
        1 for c in fake.calls[after:] if c.method == "editMessageText" and c.chat_id == chat_id
    )


async def test_a_group_that_keeps_failing_reports_once_and_never_loops(
    fake: FakeTelegram, db_path: Path
) -> None:
    """Everything to the group fails: the card is reported to the lead in private, and
    the group's own "could not deliver" notice, stuck too, reports nothing more."""
    settings = make_settings(
        fake, db_path, send_give_up=timedelta(seconds=1), ack_timeout=timedelta(seconds=60)
    )
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        await fake.idle()
        fake.fail(None, 502, chat_id=squad.group.id, times=100_000)
        mark = await squad.say(thandi, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}", private=True)
        told = await fake.wait_for(is_send(squad.lead.id, "could not deliver"), after=mark)
        assert "#" in told.text
        # The group's notice fails past the give-up time too, and is retried after that.
        group = squad.group.id
        await _until(
            lambda: any(c == group and r == 1 for c, _, r in _delivery_failed_rows(db_path))
        )
        notice = f"chat_id = {group} AND json_extract(payload, '$.text.key') = 'delivery.failed'"
        (attempts,) = _rows(db_path, f"SELECT attempts FROM outbox WHERE {notice}")[0]
        await _until(
            lambda: _rows(db_path, f"SELECT attempts FROM outbox WHERE {notice}")[0][0] > attempts  # type: ignore[operator]
        )
        await fake.idle()
        rows = _delivery_failed_rows(db_path)
        assert sorted(chat for chat, _, _ in rows) == [group, squad.lead.id], rows
        lead_notices = [
            c for c in fake.calls_to("sendMessage", squad.lead.id) if "could not" in c.text
        ]
        assert len(lead_notices) == 1


async def test_a_stuck_lead_page_is_not_paged_again_to_the_leads(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, send_give_up=timedelta(seconds=1), max_offers=1)
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"), ALERT_AT[0] + 0.0036, ALERT_AT[1])
        await fake.idle()
        fake.fail("sendMessage", 503, chat_id=squad.lead.id, times=100_000)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        await fake.wait_for(is_send(squad.group.id, "Nobody has taken"), after=mark)
        page = f"chat_id = {squad.lead.id} AND json_extract(payload, '$.role') = 'page'"
        await _until(
            lambda: bool(_rows(db_path, f"SELECT 1 FROM outbox WHERE {page} AND reported"))
        )
        await fake.idle()
        assert _delivery_failed_rows(db_path) == []
