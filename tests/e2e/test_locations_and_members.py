"""Where an alert's location comes from, live locations, and running the squad."""

from __future__ import annotations

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


async def two_members(fake: FakeTelegram, squad: Squad) -> None:
    await squad.join(fake.user(201, "Thandi"), ALERT_AT[0] + 0.0036, ALERT_AT[1])
    await squad.join(fake.user(202, "Sipho"), ALERT_AT[0] + 0.018, ALERT_AT[1])


async def test_group_alert_without_location_asks_and_a_reply_with_a_pin_dispatches(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=timedelta(seconds=30))):
        squad = await Squad.set_up(fake)
        await two_members(fake, squad)
        zanele = fake.user(300, "Zanele")
        mark = await squad.say(zanele, "/alert arrested outside the club")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        assert render("card.waiting_location") in card.text
        prompt = await fake.wait_for(is_send(squad.group.id, "Reply to this message"), after=mark)
        private_way = prompt.buttons()[0]
        assert private_way["text"] == render("button.private_pin")
        assert private_way["url"].endswith(f"?start=pin-{code_of(card)}")
        mark = len(fake.calls)
        await fake.share_location(
            zanele, squad.group, *ALERT_AT, reply_to=bot_message(fake, prompt)
        )
        offer = await fake.wait_for(is_send(201, f"#{code_of(card)}"), after=mark)
        assert "400 m" in offer.text
        await fake.wait_for(is_send(squad.group.id, "Got the location"), after=mark)


async def test_no_location_at_all_still_reaches_the_whole_squad(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=timedelta(seconds=0.5))):
        squad = await Squad.set_up(fake)
        await two_members(fake, squad)
        mark = await squad.say(fake.user(300, "Zanele"), "/alert help")
        card = await fake.wait_for(is_send(squad.group.id, "#"), after=mark)
        code = code_of(card)
        for uid in (100, 201, 202):  # lead and both members, without a distance
            offer = await fake.wait_for(is_send(uid, f"#{code}"), after=mark, timeout=5)
            assert "No location" in offer.text
        await fake.wait_for(is_edit(squad.group.id, "offered to everyone available."), after=mark)


async def test_private_alert_asks_for_a_location_with_a_button(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=timedelta(seconds=30))):
        squad = await Squad.set_up(fake)
        await two_members(fake, squad)
        thandi = fake.users[201]
        reply = await squad.ask(thandi, "/alert being followed", private=True)
        code = code_of(reply)
        assert "Hillbrow" not in reply.text, "a lock screen shows this: it names no squad"
        keyboard = reply.params["reply_markup"]["keyboard"]
        assert keyboard[0][0]["request_location"] is True
        mark = len(fake.calls)
        await fake.share_location(thandi, fake.private_chat(thandi), *ALERT_AT)
        # Thandi is the reporter: the offer goes to Sipho, never to her.
        offer = await fake.wait_for(is_send(202, f"#{code}"), after=mark)
        assert "2.0 km" in offer.text
        await fake.wait_for(is_send(thandi.id, "Got the location"), after=mark)
        # Thandi's own stored location did not move to the alert's spot.
        rows = db_rows(db_path, "SELECT lat FROM user_locations WHERE user_id = 201")
        assert rows == [(ALERT_AT[0] + 0.0036,)]
        # Sipho accepts: Thandi (reporter, private) is told someone is responding.
        mark = len(fake.calls)
        await fake.press(fake.users[202], bot_message(fake, offer), button=render("button.accept"))
        await fake.wait_for(is_send(thandi.id, "Someone from the squad is responding"), after=mark)


async def test_alert_as_reply_to_a_location_and_a_saved_place(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        await two_members(fake, squad)
        zanele = fake.user(300, "Zanele")
        pin = await fake.share_location(zanele, squad.group, *ALERT_AT)
        mark = len(fake.calls)
        await fake.send(zanele, squad.group, "/alert here", reply_to=pin)
        await fake.wait_for(is_send(201, "400 m"), after=mark)
        await fake.idle()

        reply = await squad.ask(
            squad.lead, f"/place add Taxi Rank {ALERT_AT[0] + 0.018}, {ALERT_AT[1]}"
        )
        assert "Saved the place" in reply.text
        listing = await squad.ask(squad.lead, "/place list")
        assert "Taxi Rank" in listing.text and not COORD_RE.search(listing.text)
        mark = await squad.say(zanele, "/alert robbery at the taxi rank")
        card = await fake.wait_for(is_send(squad.group.id, "Taxi Rank"), after=mark)
        assert not COORD_RE.search(card.text)
        offer = await fake.wait_for(
            is_send(202, f"#{code_of(card)}"), after=mark
        )  # Sipho is at the rank
        assert "< 50 m" in offer.text
        removed = await squad.ask(squad.lead, "/place remove taxi rank")
        assert "Removed" in removed.text


async def test_live_location_updates_refresh_quietly(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi)
        live = await squad.share(thandi, ALERT_AT[0], ALERT_AT[1], live=900)
        assert "live location" in fake.calls[-1].text
        assert not COORD_RE.search(fake.calls[-1].text), "the bot never echoes coordinates"
        mark = len(fake.calls)
        await fake.move_live_location(live, ALERT_AT[0] + 0.01, ALERT_AT[1])
        await fake.idle()
        assert not [c for c in fake.calls[mark:] if c.chat_id == thandi.id], "updates are quiet"
        rows = db_rows(
            db_path, "SELECT lat, live_until IS NOT NULL FROM user_locations WHERE user_id = 201"
        )
        assert rows == [(ALERT_AT[0] + 0.01, 1)]
        me = await squad.ask(thandi, "/me", private=True)
        assert "live" in me.text and not COORD_RE.search(me.text)


async def test_roles_alias_availability_and_me(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi, sipho = fake.user(201, "Thandi"), fake.user(202, "Sipho")
        await squad.join(thandi, *ALERT_AT)
        await squad.join(sipho, *ALERT_AT)
        assert "Lindi" in (await squad.ask(thandi, "/alias Lindi\u202e", private=True)).text
        # /lead as a reply to Lindi's message in the group
        said = await fake.send(thandi, squad.group, "hello")
        mark = len(fake.calls)
        await fake.send(squad.lead, squad.group, "/lead", reply_to=said)
        done = await fake.wait_for(is_send(squad.group.id, "is now a lead"), after=mark)
        assert '"Lindi"' in done.text
        # Lindi may now read status. Asked in the group, it is answered in private: the
        # roster never reaches the group. So is /busy.
        for who, command, answer in ((thandi, "/status", "Status"), (sipho, "/busy", "now busy")):
            mark = await squad.say(who, command)
            note = await fake.wait_for(is_send(squad.group.id, "private chat"), after=mark)
            assert note.text == render("me.sent_private")
            await fake.wait_for(is_send(who.id, answer), after=mark)
        assert "off duty" in (await squad.ask(sipho, "/off", private=True)).text
        assert "available" in (await squad.ask(sipho, "/available", private=True)).text
        mark = await squad.say(sipho, "/me")
        note = await fake.wait_for(is_send(squad.group.id, "private chat"), after=mark)
        assert "Sipho" not in note.text
        private = await fake.wait_for(is_send(sipho.id, "What I hold"), after=mark)
        assert '"Sipho", a member, available' in private.text
        assert "no longer in this squad" in (await squad.ask(thandi, "/remove Sipho")).text
        assert "not a member" in (await squad.ask(sipho, "/busy")).text
        # /help in private: the full list for the person's role; in the group: five
        # commands and a pointer to the private chat.
        help_lead = await squad.ask(squad.lead, "/help", private=True)
        assert "/status" in help_lead.text and "/assign" in help_lead.text
        help_group = await squad.ask(squad.lead, "/help")
        assert help_group.text.count("\n/") + 1 <= 6 and "/assign" not in help_group.text
        assert render("help.more_private") in help_group.text
        help_stranger = await squad.ask(fake.user(300, "Zanele"), "/help")
        assert "/join" in help_stranger.text and "/status" not in help_stranger.text


async def test_assign_and_cancel_by_reporter(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path, ack_timeout=timedelta(seconds=60))):
        squad = await Squad.set_up(fake)
        await two_members(fake, squad)
        zanele = fake.user(300, "Zanele")
        mark = await squad.say(zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        code = code_of(await fake.wait_for(is_send(squad.group.id, "#"), after=mark))
        offer = await fake.wait_for(is_send(201, f"#{code}"), after=mark)
        reply = await squad.ask(squad.lead, f"/assign {code} sipho")
        assert "assigned to" in reply.text
        await fake.wait_for(lambda c: c.method == "sendLocation" and c.chat_id == 202)
        await fake.wait_for(is_edit(201, "taken by someone else"))
        assert offer  # Thandi's offer was withdrawn by the assignment

        mark = await squad.say(zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} second")
        code2 = code_of(await fake.wait_for(is_send(squad.group.id, "#"), after=mark))
        await fake.wait_for(is_send(201, f"#{code2}"), after=mark)
        mark = len(fake.calls)
        assert "cancelled" in (await squad.ask(zanele, f"/cancel {code2.lower()}")).text
        await fake.wait_for(is_edit(201, "was cancelled"), after=mark)
        await fake.wait_for(is_edit(squad.group.id, f"#{code2} · cancelled"), after=mark)


async def test_setup_code_guards_enrolment(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path, setup_code="open-sesame")):
        lead = fake.user(100, "Nomsa")
        group = fake.group(-1001, "Squad", admins=(lead,))
        for text, expected in (
            ("/setup Hillbrow", "setup code is not right"),
            ("/setup", "/setup <setup code> <squad name>"),
            ("/setup open-sesame", "/setup <setup code> <squad name>"),
            ("/setup open-sesame Hillbrow", "is set up"),
        ):
            mark = len(fake.calls)
            await fake.send(lead, group, text)
            reply = await fake.wait_for(lambda c: c.method == "sendMessage", after=mark)
            assert expected in reply.text


async def test_blocked_member_is_skipped_and_shown_unreachable(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        await two_members(fake, squad)
        fake.blocked.add(201)  # Thandi blocked the bot
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        card = await fake.wait_for(is_send(squad.group.id, "#"), after=mark)
        await fake.wait_for(is_send(202, f"#{code_of(card)}"), after=mark)  # Sipho, at once
        status = await squad.ask(squad.lead, "/status", private=True)
        assert "No private chat (can't get offers): Thandi" in status.text


async def test_bot_added_to_a_group_explains_setup(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        lead = fake.user(100, "Nomsa")
        group = fake.group(-3003, "New", admins=(lead,))
        mark = len(fake.calls)
        await fake.add_bot_to_group(group, lead)
        hello = await fake.wait_for(is_send(group.id), after=mark)
        assert "/setup" in hello.text
