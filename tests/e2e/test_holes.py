"""Holes a hostile person in the group or a seized phone could use, closed end to end:
join approval, alert floods and blocks, what the group sees, and what phones keep."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    COORD_RE,
    Squad,
    bot_message,
    code_of,
    db_rows,
    is_edit,
    is_send,
    make_settings,
    running_bot,
)


def is_delete(chat_id: int) -> object:
    return lambda c: c.method == "deleteMessage" and c.chat_id == chat_id


async def test_a_stranger_who_joins_cannot_claim_or_see_a_pin_until_a_lead_approves(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        mallory = fake.user(666, "Mallory", username="mallory_x")
        mark = len(fake.calls)
        await squad.join(mallory, *ALERT_AT, approve=False)
        waiting = await fake.wait_for(is_send(mallory.id, "must approve"), after=mark)
        assert "Hillbrow Squad" in waiting.text
        request = await fake.wait_for(is_send(squad.lead.id, "Join request"), after=mark)
        assert '"Mallory"' in request.text and "@mallory_x" in request.text
        assert [b["text"] for b in request.buttons()] == [
            render("button.approve"),
            render("button.reject"),
        ]

        # An alert nearby: Mallory, though nearest, is not offered it and cannot claim it.
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} x")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        await fake.idle()
        assert not [c for c in fake.sent_to(mallory.id) if "#" in c.text], "no offer yet"
        mark = len(fake.calls)
        await fake.press(mallory, bot_message(fake, card), button=render("button.claim"))
        refused = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert refused.params["text"] == render("join.waiting")
        claim = await squad.ask(mallory, f"/claim {code_of(card)}", private=True)
        assert claim.text == render("join.waiting")
        await fake.idle()
        assert not [c for c in fake.calls if c.method == "sendLocation"]

        # The lead approves: now Mallory can take an alert and gets its pin.
        mark = len(fake.calls)
        await fake.press(squad.lead, bot_message(fake, request), button="Approve")
        await fake.wait_for(is_send(mallory.id, "approved you"), after=mark)
        mark = len(fake.calls)
        await fake.press(mallory, bot_message(fake, card), button=render("button.claim"))
        pin = await fake.wait_for(lambda c: c.method == "sendLocation", after=mark)
        assert pin.chat_id == mallory.id

        # A second press of Approve, by anyone, changes nothing.
        mark = len(fake.calls)
        await fake.press(squad.lead, bot_message(fake, request), button="Approve")
        again = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert again.params["text"] == render("join.answered")


async def test_rejection_leaves_no_trace_but_an_audit_row(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        audits = db_rows(db_path, "SELECT count(*) FROM audit")[0][0]
        mallory = fake.user(667, "Malloryname", username="mallory_handle")
        mark = len(fake.calls)
        await squad.join(mallory, approve=False)
        request = await fake.wait_for(is_send(squad.lead.id, "Join request"), after=mark)
        mark = len(fake.calls)
        await fake.press(squad.lead, bot_message(fake, request), button="Reject")
        await fake.wait_for(is_send(squad.lead.id, "rejected"), after=mark)
        await fake.idle()
    assert db_rows(db_path, "SELECT count(*) FROM members WHERE user_id = 667") == [(0,)]
    assert db_rows(db_path, "SELECT count(*) FROM users WHERE user_id = 667") == [(0,)]
    assert db_rows(db_path, "SELECT action FROM audit ORDER BY id DESC LIMIT 1") == [
        ("join:rejected",)
    ]
    assert db_rows(db_path, "SELECT count(*) FROM audit")[0][0] == audits + 1
    for table in ("outbox", "messages", "alerts", "members", "users"):
        for row in db_rows(db_path, f"SELECT * FROM {table}"):
            assert "Malloryname" not in str(row) and "mallory_handle" not in str(row), table
            assert 667 not in row, table


async def test_join_reset_makes_old_invite_links_stop_working(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"))
        old_token = squad.invite_link.split("start=", 1)[1] if squad.invite_link else ""
        refused = await squad.ask(fake.user(201, "Thandi"), "/join reset")
        assert refused.text == render("leads_only")
        fresh = await squad.ask(squad.lead, "/join reset")
        assert "Old links no longer work" in fresh.text
        new_token = fresh.buttons()[0]["url"].split("start=", 1)[1]
        assert new_token != old_token
        late = fake.user(202, "Sipho")
        assert (await squad.ask(late, f"/start {old_token}", private=True)).text == render(
            "start.bad_token"
        )
        assert "must approve" in (await squad.ask(late, f"/start {new_token}", private=True)).text
        assert (await squad.ask(squad.lead, "/join sideways")).text == render("join.usage")


async def test_a_flood_from_one_person_dispatches_at_most_the_cap_and_merges_duplicates(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        fake, db_path, merge_window=timedelta(minutes=5), max_open_alerts_nonmember=2
    )
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"), *ALERT_AT)
        await squad.join(fake.user(202, "Sipho"), ALERT_AT[0] + 0.01, ALERT_AT[1])
        troll = fake.user(300, "Troll")
        mark = len(fake.calls)
        for i in range(16):  # 16 alerts in about a second, 1 km apart: no two merge
            await fake.send(
                troll, squad.group, f"/alert {ALERT_AT[0] + 0.01 * i:.4f}, {ALERT_AT[1]} x{i}"
            )
        await fake.idle(quiet=0.5)
        cards = [c for c in fake.calls[mark:] if is_send(squad.group.id, "🚨 #")(c)]
        held = [c for c in fake.calls[mark:] if is_send(squad.group.id, "A lead will look")(c)]
        assert len(cards) == 2, "only the capped number reaches the members"
        assert len(held) == 14
        pages = [c for c in fake.calls[mark:] if is_send(squad.lead.id, "needs a lead")(c)]
        assert len(pages) == 14
        assert [b["text"] for b in pages[0].buttons()] == [
            render("button.dispatch"),
            render("button.dismiss"),
        ]
        assert db_rows(db_path, "SELECT count(*) FROM alerts WHERE held = 1") == [(14,)]

        # The lead dispatches one and dismisses another.
        mark = len(fake.calls)
        await fake.press(squad.lead, bot_message(fake, pages[0]), button="Dispatch")
        await fake.wait_for(is_send(squad.group.id, f"#{code_of(pages[0])}"), after=mark)
        mark = len(fake.calls)
        await fake.press(squad.lead, bot_message(fake, pages[1]), button="Dismiss")
        done = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert done.params["text"] == render("held.dismissed", {"code": code_of(pages[1])})
        assert db_rows(db_path, "SELECT state FROM alerts WHERE code = ?", code_of(pages[1])) == [
            ("cancelled",)
        ]

        # The same person, the same place, a minute later: added to the open alert.
        mark = len(fake.calls)
        await fake.send(troll, squad.group, f"/alert {ALERT_AT[0]:.4f}, {ALERT_AT[1]} still here")
        added = await fake.wait_for(is_send(squad.group.id, "Added to"), after=mark)
        assert code_of(added) == code_of(cards[0])
        text = db_rows(db_path, "SELECT text FROM alerts WHERE code = ?", code_of(cards[0]))
        assert text == [("x0\nstill here",)]


async def test_a_burst_from_many_people_dispatches_every_alert_at_once(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        fake, db_path, merge_window=timedelta(minutes=5), max_open_alerts_nonmember=2
    )
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        for i in range(4):
            await squad.join(fake.user(201 + i, f"M{i}"), ALERT_AT[0] + 0.002 * i, ALERT_AT[1])
        mark = len(fake.calls)
        for i in range(16):  # a raid: 16 different people, one alert each, all nearby
            await fake.send(
                fake.user(400 + i, f"R{i}"),
                squad.group,
                f"/alert {ALERT_AT[0] + 0.0001 * i:.5f}, {ALERT_AT[1]} raid {i}",
            )
        codes = set()
        for _ in range(250):  # up to 50 s on a busy machine
            # Each alert shows on the squad's board (one message may list several).
            shown = " ".join(c.text for c in fake.calls[mark:] if is_send(squad.group.id)(c))
            codes = {code for (code,) in db_rows(db_path, "SELECT code FROM alerts")}
            if len(codes) == 16 and all(f"#{code}" in shown for code in codes):
                break
            await asyncio.sleep(0.2)
        await fake.idle(quiet=0.5)
        group = [c.text[:50] for c in fake.calls[mark:] if c.chat_id == squad.group.id]
        assert len(codes) == 16 and all(f"#{code}" in shown for code in codes), group
        assert not [c for c in fake.calls[mark:] if "needs a lead" in c.text]
        assert db_rows(
            db_path,
            "SELECT count(*) FROM alerts a WHERE held = 0 AND EXISTS"
            " (SELECT 1 FROM offers o WHERE o.alert_id = a.id)",
        ) == [(16,)], "every alert was offered to a member"


async def test_block_and_unblock_and_the_blocked_cannot_tell(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        fake, db_path, merge_window=timedelta(minutes=5), max_open_alerts_nonmember=2
    )
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"), *ALERT_AT)
        abuser = fake.user(300, "Abuser")
        other = fake.user(301, "Other")
        said = await fake.send(abuser, squad.group, "hello")
        # Only leads block.
        mark = len(fake.calls)
        await fake.send(fake.user(201, "Thandi"), squad.group, "/block", reply_to=said)
        assert (await fake.wait_for(is_send(squad.group.id), after=mark)).text == render(
            "leads_only"
        )
        mark = len(fake.calls)
        await fake.send(squad.lead, squad.group, "/block", reply_to=said)
        done = await fake.wait_for(is_send(squad.group.id, "Blocked"), after=mark)
        assert "Abuser" not in done.text

        # The other person fills their cap, so their third alert waits for a lead ...
        for i in range(3):
            mark = await squad.say(other, f"/alert {ALERT_AT[0] + 0.01 * i:.4f}, {ALERT_AT[1]}")
            await fake.wait_for(is_send(squad.group.id), after=mark)
        await fake.idle()
        over_cap = [c for c in fake.calls if is_send(squad.group.id, "A lead will look")(c)][-1]
        # ... and the blocked person's first alert gets the very same answer.
        mark = await squad.say(abuser, f"/alert {ALERT_AT[0] + 0.05:.4f}, {ALERT_AT[1]} help")
        blocked_answer = await fake.wait_for(is_send(squad.group.id), after=mark)
        assert blocked_answer.text.replace(code_of(blocked_answer), "X") == over_cap.text.replace(
            code_of(over_cap), "X"
        )
        assert "block" not in blocked_answer.text.lower()
        page = await fake.wait_for(is_send(squad.lead.id, "someone a lead blocked"), after=mark)
        await fake.idle()
        held_code = code_of(blocked_answer)
        assert not [c for c in fake.calls if c.chat_id == 201 and held_code in c.text], (
            "no member is offered it"
        )

        mark = await squad.say(squad.lead, "/status", private=True)
        status = await fake.wait_for(is_send(squad.lead.id, "Status of"), after=mark)
        assert "Blocked people: 1" in status.text
        assert db_rows(db_path, "SELECT action FROM audit WHERE action = 'block'") == [("block",)]

        # Unblocked, the person's next alert is dispatched like anyone's.
        mark = len(fake.calls)
        await fake.send(squad.lead, squad.group, "/unblock", reply_to=said)
        await fake.wait_for(is_send(squad.group.id, "Unblocked"), after=mark)
        await fake.press(squad.lead, bot_message(fake, page), button="Dismiss")
        mark = await squad.say(abuser, f"/alert {ALERT_AT[0] + 0.1:.4f}, {ALERT_AT[1]} again")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        await fake.wait_for(is_send(201, f"#{code_of(card)}"), after=mark)


async def test_a_closed_alert_leaves_only_its_code_on_phones(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, max_offers=2)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        sipho = fake.user(202, "Sipho")
        await squad.join(thandi, *ALERT_AT)
        await squad.join(sipho, ALERT_AT[0] + 0.01, ALERT_AT[1])
        mark = await squad.say(
            fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} secret words"
        )
        offer = await fake.wait_for(is_send(thandi.id, "secret words"), after=mark)
        code = code_of(offer)
        assert offer.text.split("\n")[0] == f"#{code}: can you help?", "a neutral first line"
        await fake.press(thandi, bot_message(fake, offer), button=render("button.decline"))
        offer2 = await fake.wait_for(is_send(sipho.id, "secret words"), after=mark)
        await fake.press(sipho, bot_message(fake, offer2), button=render("button.accept"))
        brief = await fake.wait_for(is_send(sipho.id, "You have"), after=mark)
        pin = await fake.wait_for(lambda c: c.method == "sendLocation", after=mark)
        mark = len(fake.calls)
        await fake.press(sipho, bot_message(fake, brief), button=render("button.close"))
        picker = await fake.wait_for(is_send(sipho.id, "How did"), after=mark)
        await fake.press(sipho, bot_message(fake, picker), button=render("outcome.resolved"))
        await fake.wait_for(is_delete(sipho.id), after=mark)
        await fake.idle()
        closed = render("phone.redacted", {"code": code, "state": {"key": "state.closed"}})
        for who, call in ((sipho, brief), (sipho, offer2), (thandi, offer)):
            now = bot_message(fake, call)
            assert now["text"] == closed, (who.first_name, now["text"])
            assert not now.get("reply_markup"), "no buttons left"
        assert (sipho.id, pin.result["message_id"]) not in fake.messages, "the pin is deleted"
        for (chat_id, _), message in fake.messages.items():
            if chat_id > 0 and message["from"]["id"] == fake.bot["id"]:
                assert "secret words" not in message.get("text", ""), message
                assert "location" not in message, "no pin is left on any phone"


async def test_removing_a_responder_puts_the_alert_back_into_dispatch(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, ack_timeout=timedelta(seconds=30))):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        sipho = fake.user(202, "Sipho")
        await squad.join(thandi, *ALERT_AT)
        await squad.join(sipho, ALERT_AT[0] + 0.01, ALERT_AT[1])
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        offer = await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        code = code_of(offer)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        await fake.wait_for(is_edit(squad.group.id, "Thandi is responding"), after=mark)
        mark = len(fake.calls)
        removed = await squad.ask(squad.lead, "/remove Thandi")
        assert "no longer in this squad" in removed.text
        page = await fake.wait_for(is_send(squad.lead.id, "no longer on it"), after=mark)
        assert f"#{code}" in page.text
        await fake.wait_for(is_send(sipho.id, f"#{code}"), after=mark)
        card = await fake.wait_for(is_edit(squad.group.id, "Offered to"), after=mark)
        assert "Thandi" not in card.text
        await fake.idle()
        assert not COORD_RE.search(bot_message(fake, offer)["text"])
        assert db_rows(db_path, "SELECT state, owner_member_id FROM alerts") == [("offered", None)]


async def test_place_add_in_the_group_is_deleted_and_answered(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        mark = len(fake.calls)
        sent = await fake.send(squad.lead, squad.group, "/place add Taxi Rank -26.2005, 28.0455")
        answer = await fake.wait_for(is_send(squad.group.id, "Saved the place"), after=mark)
        assert "private chat" in answer.text
        deleted = await fake.wait_for(is_delete(squad.group.id), after=mark)
        assert deleted.params["message_id"] == sent["message_id"]


async def test_a_cancelled_private_alert_leaves_the_reporter_only_its_code(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        lindi = fake.user(202, "Lindi")
        await squad.join(thandi, *ALERT_AT)
        await squad.join(lindi, ALERT_AT[0] + 0.3, ALERT_AT[1])
        chat = fake.private_chat(lindi)
        mark = len(fake.calls)
        sent = await fake.send(lindi, chat, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} hidden words")
        question = await fake.wait_for(is_send(lindi.id, "May the member"), after=mark)
        offer = await fake.wait_for(is_send(thandi.id, "hidden words"), after=mark)
        code = code_of(offer)
        await fake.idle()
        mark = len(fake.calls)
        assert "cancelled" in (await squad.ask(lindi, f"/cancel {code}", private=True)).text
        await fake.wait_for(is_delete(lindi.id), after=mark)
        await fake.idle()
        assert (lindi.id, sent["message_id"]) not in fake.messages, "their own /alert is gone"
        cancelled = render("phone.redacted", {"code": code, "state": {"key": "state.cancelled"}})
        assert bot_message(fake, question)["text"] == cancelled
        assert "hidden words" not in bot_message(fake, offer)["text"]
