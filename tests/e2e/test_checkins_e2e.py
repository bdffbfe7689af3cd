"""Responder check-ins end to end: the real bot, the fake Bot API, shrunk durations."""

from __future__ import annotations

import asyncio
import re
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
    is_edit,
    is_send,
    make_settings,
    running_bot,
)

THANDI_AT = (ALERT_AT[0] + 0.0036, ALERT_AT[1])  # ~400 m from the alert
SIPHO_AT = (ALERT_AT[0] + 0.018, ALERT_AT[1])  # ~2 km


async def test_a_check_in_with_no_answer_pages_the_leads_and_raises_the_linked_alert(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        fake,
        db_path,
        checkin_interval=timedelta(seconds=1),
        checkin_grace=timedelta(seconds=1),
    )
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        sipho = fake.user(202, "Sipho")
        await squad.join(thandi, *THANDI_AT)
        await squad.join(sipho, *SIPHO_AT)
        zanele = fake.user(300, "Zanele")

        mark = await squad.say(zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} at the taxi rank")
        code = code_of(await fake.wait_for(is_send(squad.group.id, "#"), after=mark))
        offer = await fake.wait_for(is_send(thandi.id, f"#{code}"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        await fake.wait_for(is_send(thandi.id, "You have"), after=mark)

        # A second later: "Are you safe?", with the two answers.
        question = await fake.wait_for(is_send(thandi.id, "are you safe?"), after=mark)
        assert f"#{code}" in question.text
        labels = [b["text"] for b in question.buttons()]
        assert labels == [render("button.checkin_ok"), render("button.checkin_help")]

        # She does not answer: the leads are paged, and a linked alert goes out.
        page = await fake.wait_for(is_send(squad.lead.id, "did not answer"), after=mark)
        assert f"#{code}" in page.text and "Thandi" in page.text
        linked_card = await fake.wait_for(is_send(squad.group.id, "needs help"), after=mark)
        # The squad's board now lists both: the linked alert is on the "needs help" line.
        (line,) = [x for x in linked_card.text.splitlines() if "needs help" in x]
        linked = re.search(r"#([A-Z2-9]{4,6})", line).group(1)  # type: ignore[union-attr]
        assert linked != code and f"#{code}" in linked_card.text
        assert f"#{linked}" in page.text
        missed = await fake.wait_for(is_edit(thandi.id, "no answer came"), after=mark)
        assert missed.params["message_id"] == question.result["message_id"]

        # It is offered like any alert: to Sipho, with a distance and no location; never
        # to Thandi, whose alert it is.
        linked_offer = await fake.wait_for(is_send(sipho.id, f"#{linked}"), after=mark)
        assert "needs help" in linked_offer.text and "km" in linked_offer.text
        assert not COORD_RE.search(linked_offer.text)
        await fake.idle()
        assert not [c for c in fake.sent_to(thandi.id) if "needs help" in c.text]

        # The group and the leads never see coordinates, and get no pin.
        for chat in (squad.group.id, squad.lead.id):
            for call in fake.sent_to(chat):
                assert call.method != "sendLocation", call
                assert not COORD_RE.search(call.text), call.text

        # Sipho takes it: he alone gets the precise location, Thandi's last known.
        mark = len(fake.calls)
        await fake.press(sipho, bot_message(fake, linked_offer), button=render("button.accept"))
        pin = await fake.wait_for(lambda c: c.method == "sendLocation", after=mark)
        assert pin.chat_id == sipho.id
        assert (pin.params["latitude"], pin.params["longitude"]) == THANDI_AT


async def test_i_need_help_raises_the_linked_alert_at_once(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        fake,
        db_path,
        checkin_interval=timedelta(seconds=1),
        checkin_grace=timedelta(seconds=30),
    )
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, *THANDI_AT)
        await squad.join(fake.user(202, "Sipho"), *SIPHO_AT)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        code = code_of(await fake.wait_for(is_send(squad.group.id, "#"), after=mark))
        offer = await fake.wait_for(is_send(thandi.id, f"#{code}"), after=mark)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        question = await fake.wait_for(is_send(thandi.id, "are you safe?"), after=mark)

        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, question), button=render("button.checkin_help"))
        pop = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert "the leads are told" in pop.params["text"]
        page = await fake.wait_for(is_send(squad.lead.id, "I need help"), after=mark)
        card = await fake.wait_for(is_send(squad.group.id, "needs help"), after=mark)
        assert f"#{code_of(card)}" in page.text and not COORD_RE.search(card.text + page.text)
        edited = await fake.wait_for(is_edit(thandi.id, "the leads are told"), after=mark)
        assert edited.params["message_id"] == question.result["message_id"]
        assert not edited.buttons()


async def test_a_check_in_due_while_the_bot_was_down_comes_after_the_restart(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(
        fake,
        db_path,
        checkin_interval=timedelta(seconds=3),
        checkin_grace=timedelta(seconds=60),
    )
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, *THANDI_AT)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {ALERT_AT[0]}, {ALERT_AT[1]}")
        code = code_of(await fake.wait_for(is_send(squad.group.id, "#"), after=mark))
        offer = await fake.wait_for(is_send(thandi.id, f"#{code}"), after=mark)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        await fake.wait_for(is_send(thandi.id, "You have"), after=mark)
    assert not [c for c in fake.sent_to(thandi.id) if "are you safe?" in c.text]

    await asyncio.sleep(3.5)  # the question falls due while nothing runs
    mark = len(fake.calls)
    async with running_bot(settings):
        question = await fake.wait_for(is_send(thandi.id, "are you safe?"), after=mark)
        assert f"#{code}" in question.text
        await fake.idle()
        asked = [c for c in fake.sent_to(thandi.id) if c.method == "sendMessage"]
        assert len([c for c in asked if "are you safe?" in c.text]) == 1
