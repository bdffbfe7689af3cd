"""The core loop end to end: real Application, long polling, fake Bot API over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize("database_key", [None, "a long passphrase"], ids=["plain", "sqlcipher"])
async def test_setup_alert_decline_timeout_escalate_claim_close_status(
    fake: FakeTelegram, db_path: Path, database_key: str | None
) -> None:
    settings = make_settings(fake, db_path, max_offers=2, database_key=database_key)
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")  # ~400 m from the alert
        sipho = fake.user(202, "Sipho")  # ~2 km
        lerato = fake.user(203, "Lerato")  # ~5 km
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.018, ALERT_AT[1])
        await squad.join(lerato, ALERT_AT[0] + 0.045, ALERT_AT[1])
        zanele = fake.user(300, "Zanele")  # reports from the group; not a member

        lerato_before = len(fake.sent_to(lerato.id))
        mark = await squad.say(
            zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} assault at the taxi rank"
        )
        card = await fake.wait_for(is_send(squad.group.id, "#"), after=mark)
        code = code_of(card)
        assert "assault at the taxi rank" in card.text
        assert not COORD_RE.search(card.text), "the group card must never show coordinates"
        assert card.params["reply_parameters"]["message_id"] > 0, "the card answers the /alert"

        # Thandi is nearest: she gets the private offer, with a distance but no pin.
        offer = await fake.wait_for(is_send(thandi.id, f"#{code}"), after=mark)
        assert "400 m" in offer.text
        assert not COORD_RE.search(offer.text)
        # One send: the offer comes with its buttons, which carry this copy's tag.
        labels = [b["text"] for b in offer.buttons()]
        assert labels == [render("button.accept"), render("button.decline")]
        assert {b["callback_data"].rsplit(":", 1)[1] for b in offer.buttons()} == {"ca"}
        # The card goes once the offer is made, so it says so already.
        assert render("card.offered") in card.text
        assert "Thandi" not in card.text and " m" not in card.text.split("Area")[0], (
            "the card names nobody and gives no distance until someone accepts"
        )

        # Thandi declines: her offer is withdrawn and Sipho is next.
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.decline"))
        await fake.wait_for(is_edit(thandi.id, "withdrawn"), after=mark)
        offer2 = await fake.wait_for(is_send(sipho.id, f"#{code}"), after=mark)
        assert "2.0 km" in offer2.text
        assert len(fake.sent_to(lerato.id)) == lerato_before, "Lerato gets nothing yet"

        # Sipho does not answer: after the ack timeout, max offers reached -> escalation.
        mark = len(fake.calls)
        escalation = await fake.wait_for(
            is_send(squad.group.id, "Nobody has taken"), after=mark, timeout=6
        )
        await fake.wait_for(is_edit(sipho.id, "withdrawn"), after=mark)
        assert f"#{code}" in escalation.text
        page = await fake.wait_for(is_send(squad.lead.id, "Message to leads"), after=mark)
        assert f"#{code}" in page.text
        assert [b["text"] for b in escalation.buttons()] == [render("button.claim")]

        # Lerato claims from the group; she alone receives the precise location.
        mark = len(fake.calls)
        await fake.press(lerato, bot_message(fake, escalation), button=render("button.claim"))
        pin = await fake.wait_for(lambda c: c.method == "sendLocation", after=mark)
        assert pin.chat_id == lerato.id
        assert (pin.params["latitude"], pin.params["longitude"]) == ALERT_AT
        answer = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert f"#{code}" in answer.params["text"]
        await fake.wait_for(is_edit(squad.group.id, "Lerato is responding"), after=mark)
        brief = await fake.wait_for(is_send(lerato.id, "You have"), after=mark)

        # Thandi presses Claim too late (the card she still sees): "already taken", nothing
        # changes.
        mark = len(fake.calls)
        stale = escalation.buttons()[0]["callback_data"]
        await fake.press(thandi, bot_message(fake, escalation), data=stale)
        late = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert "already taken" in late.params["text"]
        assert not [c for c in fake.calls[mark:] if c.method == "sendLocation"]

        # On my way, then close with an outcome.
        mark = len(fake.calls)
        await fake.press(lerato, bot_message(fake, brief), button=render("button.en_route"))
        await fake.wait_for(is_edit(squad.group.id, "on the way"), after=mark)
        mark = len(fake.calls)
        await fake.press(lerato, bot_message(fake, brief), button=render("button.close"))
        picker = await fake.wait_for(is_send(lerato.id, "How did"), after=mark)
        assert len(picker.buttons()) == 6
        mark = len(fake.calls)
        await fake.press(lerato, bot_message(fake, picker), button=render("outcome.resolved"))
        await fake.wait_for(is_edit(squad.group.id, "Closed: resolved on the spot"), after=mark)
        closing = await fake.wait_for(is_edit(lerato.id, "is closed"), after=mark)
        # The outcome picker became the closing message: outcome buttons gone, Add note.
        assert closing.params["message_id"] == picker.result["message_id"]
        assert [b["text"] for b in closing.buttons()] == [
            render("button.add_note"),
            render("button.record"),  # the optional case record
        ]

        # The lead's status: nothing open, Lerato available again, one alert raised and closed.
        status = await squad.ask(squad.lead, "/status", private=True)
        assert "No open alerts" in status.text
        assert "Lerato" in status.text.split("Available:")[1].split("\n")[0]
        assert "1 raised, 1 closed" in status.text
        assert "Nomsa" in status.text  # the lead shared no location: listed as stale
