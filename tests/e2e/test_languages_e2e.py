"""Squads in their own languages, end to end: each person's private messages in their
language, the group's cards in the squad's."""

from __future__ import annotations

import re
from pathlib import Path

from bot.i18n import LANGUAGES
from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import Squad, bot_message, db_snapshot, make_settings, running_bot

ALERT_AT = (-26.2041, 28.0473)


def is_send(chat_id: int, containing: str = "") -> object:
    return lambda c: c.method == "sendMessage" and c.chat_id == chat_id and containing in c.text


def is_edit(chat_id: int, containing: str = "") -> object:
    return lambda c: c.method == "editMessageText" and c.chat_id == chat_id and containing in c.text


async def test_a_zulu_member_gets_her_offer_in_isizulu_while_the_card_keeps_the_squads(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path, join_approval=False)
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi", language_code="zu")  # her Telegram is in isiZulu
        sipho = fake.user(202, "Sipho")  # his says nothing: he reads the squad's language
        await squad.join(thandi, ALERT_AT[0] + 0.0036, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.05, ALERT_AT[1])
        joined = [c for c in fake.sent_to(thandi.id) if c.method == "sendMessage"]
        assert joined[0].text.startswith(render("start.joined", {"name": "x"}, "zu")[:12])

        # A lead sets the group's language; the answer is in the new language.
        answer = await squad.ask(squad.lead, "/language af")
        assert answer.text == render("language.set_group", {"name": "Afrikaans"}, "af")

        zanele = fake.user(300, "Zanele")
        mark = await squad.say(zanele, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} robbed at the rank")
        card = await fake.wait_for(is_send(squad.group.id, "#"), after=mark)
        code = re.search(r"#([A-Z2-9]{4,6})", card.text).group(1)  # type: ignore[union-attr]
        # The card goes once the offer is made: it says so already, in Afrikaans.
        assert card.text.startswith(f"🚨 #{code} · {render('state.offered', None, 'af')}\n")
        offer = await fake.wait_for(is_send(thandi.id, f"#{code}"), after=mark)
        first = render("offer.text", {"code": code, "text": "", "distance": "", "stale": ""}, "zu")
        assert offer.text.split("\n")[0] == first.split("\n")[0] == f"#{code}: ungasiza?"
        assert "Ibanga: 400 m." in offer.text  # the distance, formatted for her
        labels = [b["text"] for b in offer.buttons()]  # one send, with its buttons
        assert labels == [render("button.accept", None, "zu"), render("button.decline", None, "zu")]
        assert render("card.offered", None, "af") in card.text
        assert render("card.offered") not in card.text  # not English in the group

        # She accepts with her own button; her brief is in isiZulu too.
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, offer), button=labels[0])
        brief = await fake.wait_for(is_send(thandi.id, f"#{code}"), after=mark)
        assert brief.text.startswith(f"✅ U-#{code} ungowakho.")
        owner = await fake.wait_for(is_edit(squad.group.id, "Thandi"), after=mark)
        assert owner.text.endswith(render("card.owner", {"alias": "Thandi"}, "af"))


async def test_language_buttons_in_private_and_a_non_lead_in_the_group(
    fake: FakeTelegram, db_path: Path
) -> None:
    settings = make_settings(fake, db_path)
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, *ALERT_AT)

        picker = await squad.ask(thandi, "/language", private=True)
        assert picker.text == render("language.pick")
        assert [b["text"] for b in picker.buttons()] == list(LANGUAGES.values())
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, picker), button="Kiswahili")
        done = await fake.wait_for(is_edit(thandi.id), after=mark)
        assert done.text == render("language.set", {"name": "Kiswahili"}, "sw")
        status = await squad.ask(thandi, "/me", private=True)
        assert status.text.startswith(render("me.header", None, "sw"))

        # In the group only a lead may choose; anyone else is told so and nothing changes.
        before = db_snapshot(db_path)
        refused = await squad.ask(thandi, "/language pt")
        assert refused.text == render("leads_only")
        group_picker = await squad.ask(squad.lead, "/language")
        assert group_picker.text == render("language.pick_group")
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, group_picker), button="Português")
        popup = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert popup.params["text"] == render("leads_only", None, "sw")  # in her language
        assert db_snapshot(db_path) == before
        assert (await squad.ask(squad.lead, "/help")).text.startswith(render("help.header"))


async def test_an_alert_in_a_group_looks_up_no_ones_language_to_answer(
    fake: FakeTelegram, db_path: Path
) -> None:
    """Its answer is the board, which the sender words in the squad's language with the
    rest of its pass: the handler has nothing to word, so it reads no language."""
    async with running_bot(make_settings(fake, db_path)) as app:
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, -26.2041, 28.0473)
        services = app.bot_data.services
        assert services is not None
        connection = services.core.store.db._connection
        statements: list[str] = []
        connection.set_trace_callback(statements.append)
        try:
            mark = await squad.say(fake.user(300, "Zanele"), "/alert -26.2041, 28.0473 help")
            await fake.wait_for(lambda c: c.method == "deleteMessage", after=mark)
            await fake.wait_for(
                lambda c: c.method == "sendMessage" and c.chat_id == 201, after=mark
            )
        finally:
            connection.set_trace_callback(None)
    one_by_one = ("SELECT language FROM squads WHERE chat_id =", "WITH asked(u) AS (VALUES (300))")
    assert any(s.startswith("INSERT INTO alerts") for s in statements)
    assert not [s for s in statements if s.startswith(one_by_one)]
