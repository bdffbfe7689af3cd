"""The reporter in a panic: every reasonable way of saying where you are works, nothing is
met with silence, the reporter hears the truth in order, and the responder's messages show
where the case stands."""

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

WAIT = timedelta(seconds=30)  # long enough that nothing is broadcast during a test step


def is_delete(chat_id: int) -> object:
    return lambda c: c.method == "deleteMessage" and c.chat_id == chat_id


async def squad_with_thandi(fake: FakeTelegram) -> Squad:
    squad = await Squad.set_up(fake)
    await squad.join(fake.user(201, "Thandi"), ALERT_AT[0] + 0.0036, ALERT_AT[1])
    return squad


async def test_a_typed_answer_is_added_and_resolved_against_saved_places(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        await squad.ask(squad.lead, "/place add Taxi Rank -26.2005, 28.0455", private=True)
        zanele = fake.user(300, "Zanele")
        mark = await squad.say(zanele, "/alert they took her phone")
        prompt = await fake.wait_for(is_send(squad.group.id, "Where is it?"), after=mark)
        code = code_of(prompt)
        # No place in the words: added to the alert, and asked for a pin as well.
        mark = len(fake.calls)
        await fake.send(
            zanele, squad.group, "outside the bakery", reply_to=bot_message(fake, prompt)
        )
        got = await fake.wait_for(is_send(squad.group.id, "Got it"), after=mark)
        assert got.text == render("location.got_words", {"code": code})
        await fake.wait_for(is_edit(squad.group.id, "outside the bakery"), after=mark)
        # A saved place: resolved, and dispatch starts.
        mark = len(fake.calls)
        await fake.send(
            zanele, squad.group, "near the taxi rank on Main St", reply_to=bot_message(fake, prompt)
        )
        got = await fake.wait_for(is_send(squad.group.id, "Got it"), after=mark)
        assert got.text == render("location.got_place", {"place": "Taxi Rank"})
        offer = await fake.wait_for(is_send(201, f"#{code}"), after=mark)
        assert "near the taxi rank on Main St" in offer.text and "outside the bakery" in offer.text
        assert db_rows(db_path, "SELECT area_label FROM alerts") == [("Taxi Rank",)]


async def test_a_pin_that_is_not_a_reply_attaches_and_is_deleted(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        zanele = fake.user(300, "Zanele")
        mark = await squad.say(zanele, "/alert help")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        mark = len(fake.calls)
        pin = await fake.share_location(zanele, squad.group, *ALERT_AT)  # not a reply
        await fake.wait_for(is_send(201, f"#{code_of(card)}"), after=mark)
        await fake.wait_for(
            lambda c: is_delete(squad.group.id)(c) and c.params["message_id"] == pin["message_id"],
            after=mark,
        )  # the public pin is removed
        # Someone else's pin, with no alert waiting, is left alone.
        mark = len(fake.calls)
        await fake.share_location(fake.user(301, "Bystander"), squad.group, *ALERT_AT)
        await fake.idle()
        assert not [c for c in fake.calls[mark:] if c.method in ("deleteMessage", "sendMessage")]


async def test_a_pin_replying_to_the_card_attaches(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        zanele = fake.user(300, "Zanele")
        mark = await squad.say(zanele, "/alert help")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        # Someone else in the group, who may be hostile, cannot move the alert.
        mark = len(fake.calls)
        stranger = fake.user(666, "Stranger")
        elsewhere = (ALERT_AT[0] - 0.2, ALERT_AT[1])
        await fake.share_location(
            stranger, squad.group, *elsewhere, reply_to=bot_message(fake, card)
        )
        await fake.send(
            stranger, squad.group, "-26.9 28.9 go here", reply_to=bot_message(fake, card)
        )
        await fake.idle()
        assert not [c for c in fake.calls[mark:] if c.chat_id == 201], "nobody is sent there"
        assert db_rows(db_path, "SELECT lat FROM alerts") == [(None,)]
        # The reporter can.
        mark = len(fake.calls)
        await fake.share_location(zanele, squad.group, *ALERT_AT, reply_to=bot_message(fake, card))
        offer = await fake.wait_for(is_send(201, f"#{code_of(card)}"), after=mark)
        assert "400 m" in offer.text


async def test_a_private_reporters_live_location_moves_the_alert_and_their_pin_goes_at_close(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        thandi = fake.users[201]
        lindi = fake.user(205, "Lindi")
        await squad.join(lindi, ALERT_AT[0] + 0.3, ALERT_AT[1])
        chat = fake.private_chat(lindi)
        mark = len(fake.calls)
        await fake.send(lindi, chat, "/alert being followed")
        await fake.wait_for(is_send(lindi.id, "where are you?"), after=mark)
        live = await fake.share_location(lindi, chat, *ALERT_AT, live_period=3600)
        offer = await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        brief = await fake.wait_for(is_send(thandi.id, "You have"), after=mark)
        await fake.wait_for(lambda c: c.method == "sendLocation", after=mark)
        # She moves 50 m: nothing yet. Then 1 km: the responder gets the new pin.
        mark = len(fake.calls)
        await fake.move_live_location(live, ALERT_AT[0] + 0.0005, ALERT_AT[1])
        await fake.idle()
        assert not [c for c in fake.calls[mark:] if c.method == "sendLocation"]
        await fake.move_live_location(live, ALERT_AT[0] + 0.01, ALERT_AT[1])
        moved = await fake.wait_for(lambda c: c.method == "sendLocation", after=mark)
        assert moved.chat_id == thandi.id
        assert moved.params["latitude"] == ALERT_AT[0] + 0.01
        # At close, her own live pin goes from her phone too.
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, brief), button=render("button.close"))
        picker = await fake.wait_for(is_send(thandi.id, "How did"), after=mark)
        await fake.press(thandi, bot_message(fake, picker), button=render("outcome.resolved"))
        await fake.wait_for(
            lambda c: c.method == "deleteMessage" and c.params["message_id"] == live["message_id"],
            after=mark,
        )
        assert (lindi.id, live["message_id"]) not in fake.messages


async def test_a_reporter_who_is_not_a_member_sends_the_pin_privately(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        zanele = fake.user(300, "Zanele")
        mark = await squad.say(zanele, "/alert help")
        prompt = await fake.wait_for(is_send(squad.group.id, "Where is it?"), after=mark)
        code = code_of(prompt)
        start = prompt.buttons()[0]["url"].split("start=", 1)[1]
        chat = fake.private_chat(zanele)
        # Someone else cannot use her link.
        other = await squad.ask(fake.user(301, "Other"), f"/start {start}", private=True)
        assert other.text == render("pin_link.unknown")
        asked = await squad.ask(zanele, f"/start {start}", private=True)
        assert f"#{code}" in asked.text and "live location" in asked.text
        assert asked.params["reply_markup"]["keyboard"][0][0]["request_location"] is True
        mark = len(fake.calls)
        await fake.share_location(zanele, chat, *ALERT_AT)
        await fake.wait_for(is_send(zanele.id, "Got the location"), after=mark)
        offer = await fake.wait_for(is_send(201, f"#{code}"), after=mark)
        assert "400 m" in offer.text
        assert not [
            c for c in fake.calls if c.chat_id == squad.group.id and COORD_RE.search(c.text)
        ]


async def test_private_words_voice_and_photos_get_an_answer_with_an_alert_button(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        thandi = fake.users[201]
        chat = fake.private_chat(thandi)
        answer = await squad.ask(thandi, "help", private=True)
        assert [b["text"] for b in answer.buttons()] == [render("button.alert_now")]
        for kind in ("voice", "photo"):
            mark = len(fake.calls)
            await fake.send_media(thandi, chat, kind)
            again = await fake.wait_for(is_send(thandi.id), after=mark)
            assert again.text == answer.text
        stranger = await squad.ask(fake.user(303, "Stranger"), "please", private=True)
        assert stranger.text == render("assist.stranger") and not stranger.buttons()
        # The big button raises an alert, and asks where she is.
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, answer), button=render("button.alert_now"))
        asked = await fake.wait_for(is_send(thandi.id, "where are you?"), after=mark)
        assert asked.params["reply_markup"]["keyboard"][0][0]["request_location"] is True
        assert db_rows(db_path, "SELECT count(*) FROM alerts") == [(1,)]


async def test_a_photo_with_an_alert_caption_is_an_alert(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        mark = len(fake.calls)
        await fake.send_media(
            fake.user(300, "Zanele"),
            squad.group,
            "photo",
            caption=f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} this car",
        )
        card = await fake.wait_for(is_send(squad.group.id, "this car"), after=mark)
        await fake.wait_for(is_send(201, f"#{code_of(card)}"), after=mark)
        await fake.idle()
    kept = db_rows(db_path, "SELECT * FROM alerts") + db_rows(db_path, "SELECT * FROM outbox")
    assert kept and "this car" in str(kept), "the caption is the alert's text"
    assert "PHOTO-FILE" not in str(kept), "the image itself is not kept"


async def test_alert_in_the_wrong_group_offers_a_private_alert_to_a_member(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        thandi = fake.users[201]
        elsewhere = fake.group(-5005, "Friends", admins=(thandi,))
        mark = len(fake.calls)
        await fake.send(thandi, elsewhere, "/alert help")
        answer = await fake.wait_for(is_send(elsewhere.id), after=mark)
        assert answer.text == render("assist.wrong_group")
        start = answer.buttons()[0]["url"].split("start=", 1)[1]
        mark = len(fake.calls)
        await fake.send(fake.user(304, "Nobody"), elsewhere, "/alert help")
        plain = await fake.wait_for(is_send(elsewhere.id), after=mark)
        assert plain.text == render("not_set_up") and not plain.buttons()
        asked = await squad.ask(thandi, f"/start {start}", private=True)
        assert "where are you?" in asked.text
        assert db_rows(db_path, "SELECT squad_id, origin FROM alerts") == [(1, "private")]


async def test_claim_with_no_code_lists_the_open_alerts(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        thandi = fake.users[201]
        assert (await squad.ask(thandi, "/claim")).text == render("claim.none_open")
        mark = await squad.say(fake.user(300, "Zanele"), "/alert help")
        card = await fake.wait_for(is_send(squad.group.id, "🚨 #"), after=mark)
        code = code_of(card)
        listing = await squad.ask(thandi, "/claim")
        assert [b["text"] for b in listing.buttons()] == [
            render("button.claim_code", {"code": code})
        ]
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, listing), button=code)
        await fake.wait_for(is_send(thandi.id, f"You have #{code}"), after=mark)
        assert "ABCD" in render("claim.usage") and "K7QX" not in render("claim.usage")


async def test_the_reporter_hears_the_truth_in_order(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path, location_wait=WAIT)):
        squad = await squad_with_thandi(fake)
        lindi = fake.user(205, "Lindi")
        await squad.join(lindi, ALERT_AT[0] + 0.3, ALERT_AT[1])
        chat = fake.private_chat(lindi)
        mark = len(fake.calls)
        await fake.send(lindi, chat, "/alert being followed")
        first = await fake.wait_for(is_send(lindi.id), after=mark)
        assert first.text.startswith("🚨 #") and "where are you?" in first.text
        assert "finding" not in first.text and "Hillbrow" not in first.text
        await fake.idle()
        assert [c for c in fake.sent_to(lindi.id) if c.at >= first.at] == [first], (
            "one first message: the contact question waits for the location"
        )
        mark = len(fake.calls)
        await fake.share_location(lindi, chat, *ALERT_AT)
        question = await fake.wait_for(is_send(lindi.id, "May the member"), after=mark)
        code = code_of(question)

        # She never answers it. Thandi accepts: the brief says she has not said.
        offer = await fake.wait_for(is_send(201, f"#{code}"), after=mark)
        thandi = fake.users[201]
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        brief = await fake.wait_for(is_send(thandi.id, "You have"), after=mark)
        assert "has not said whether you may contact" in brief.text
        assert "chose to stay anonymous" not in brief.text

        # Progress reaches the reporter, and the brief shows where the case stands.
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, brief), button=render("button.en_route"))
        pop = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert pop.params["text"] == render("progress.marked_on_the_way")
        await fake.wait_for(is_send(lindi.id, "someone is on the way"), after=mark)
        now = await fake.wait_for(is_edit(thandi.id, "on the way"), after=mark)
        assert [b["text"] for b in now.buttons()] == [
            render("button.arrived"),
            render("button.close"),
        ]
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, brief), button=render("button.arrived"))
        await fake.wait_for(is_send(lindi.id, "they have arrived"), after=mark)
        now = await fake.wait_for(is_edit(thandi.id, "you have arrived"), after=mark)
        assert [b["text"] for b in now.buttons()] == [render("button.close")]

        # Closing: the brief loses its buttons; the picker becomes the closing message.
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, brief), button=render("button.close"))
        picker = await fake.wait_for(is_send(thandi.id, "How did"), after=mark)
        await fake.press(thandi, bot_message(fake, picker), button=render("outcome.resolved"))
        closing = await fake.wait_for(is_edit(thandi.id, "is closed"), after=mark)
        await fake.idle()
        assert not bot_message(fake, brief).get("reply_markup")
        assert [b["text"] for b in closing.buttons()] == [
            render("button.add_note"),
            render("button.record"),  # the optional case record
        ]


async def test_still_looking_reaches_the_reporter_after_an_offer_times_out(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, ack_timeout=timedelta(seconds=0.8), max_offers=2)
    async with running_bot(settings):
        squad = await squad_with_thandi(fake)
        lindi = fake.user(205, "Lindi")
        await squad.join(lindi, ALERT_AT[0] + 0.3, ALERT_AT[1])
        mark = await squad.say(lindi, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}", private=True)
        still = await fake.wait_for(is_send(lindi.id, "still looking"), after=mark, timeout=6)
        assert still.text.startswith("#")


async def test_the_add_note_button_takes_the_next_text(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await squad_with_thandi(fake)
        thandi = fake.users[201]
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        offer = await fake.wait_for(is_send(thandi.id, "#"), after=mark)
        code = code_of(offer)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        brief = await fake.wait_for(is_send(thandi.id, "You have"), after=mark)
        await fake.press(thandi, bot_message(fake, brief), button=render("button.close"))
        picker = await fake.wait_for(is_send(thandi.id, "How did"), after=mark)
        await fake.press(thandi, bot_message(fake, picker), button=render("outcome.health"))
        closing = await fake.wait_for(is_edit(thandi.id, "is closed"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, closing), button=render("button.add_note"))
        await fake.wait_for(is_send(thandi.id, "next message"), after=mark)
        saved = await squad.ask(thandi, "walked her to the clinic", private=True)
        assert saved.text == render("note.done", {"code": code})
        assert db_rows(db_path, "SELECT note FROM alerts") == [("walked her to the clinic",)]
        # The next text is an ordinary message again.
        after = await squad.ask(thandi, "thanks", private=True)
        assert [b["text"] for b in after.buttons()] == [render("button.alert_now")]
