"""The right responders, seen from outside: the messages people get from the real
Application over HTTP, and the rows in the database file."""

from __future__ import annotations

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

AT = f"{ALERT_AT[0]}, {ALERT_AT[1]}"


async def test_a_burst_spreads_across_members(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi, sipho = fake.user(201, "Thandi"), fake.user(202, "Sipho")
        await squad.join(thandi, ALERT_AT[0] + 0.001, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.03, ALERT_AT[1])
        # Two people report at the same place, one after the other; nobody has answered.
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {AT} first")
        first = code_of(await fake.wait_for(is_send(thandi.id, "can you help?"), after=mark))
        mark = await squad.say(fake.user(301, "Ayo"), f"/alert {AT} second")
        # Thandi is nearest to both, but she is deciding about the first: Sipho gets it.
        second = await fake.wait_for(is_send(sipho.id, "can you help?"), after=mark)
        assert code_of(second) != first
        await fake.idle()
        to_thandi = [c for c in fake.calls[mark:] if is_send(thandi.id, "can you help?")(c)]
        assert to_thandi == []


async def test_an_arrest_with_no_paralegal_asks_a_wave_of_three_at_once(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        people = [fake.user(201 + i, n) for i, n in enumerate(("Thandi", "Sipho", "Ayo", "Bo"))]
        for i, person in enumerate(people):
            await squad.join(person, ALERT_AT[0] + 0.01 * (i + 1), ALERT_AT[1])
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {AT} help")
        card = await fake.wait_for(is_send(squad.group.id, "#"), after=mark)
        code = code_of(card)
        await fake.wait_for(is_send(people[0].id, f"#{code}"), after=mark)
        await fake.idle()
        # The reporter presses the card's type button: it is an arrest.
        mark = len(fake.calls)
        reporter = fake.user(300, "Zanele")
        await fake.press(reporter, bot_message(fake, card), button=render("crisis.arrest"))
        await fake.wait_for(is_edit(squad.group.id, "Type: arrest or detention"), after=mark)
        # Re-planned: the offer made as "other" is withdrawn, and as nobody is a paralegal
        # (nobody skilled is never nobody) the three nearest members are asked at once.
        await fake.wait_for(is_edit(people[0].id, "withdrawn"), after=mark)
        for person in people[:3]:
            await fake.wait_for(is_send(person.id, f"#{code}: can you help?"), after=mark)
        await fake.idle()
        live = db_rows(db_path, "SELECT count(*) FROM offers WHERE answer IS NULL")
        assert live == [(3,)]
        assert not [c for c in fake.calls[mark:] if is_send(people[3].id, f"#{code}")(c)]
        # One accepts: the other offers of that wave are withdrawn at once.
        mark = len(fake.calls)
        offer = next(c for c in fake.calls if is_send(people[2].id, f"#{code}: can you help?")(c))
        await fake.press(people[2], bot_message(fake, offer), button=render("button.accept"))
        for person in (people[0], people[1]):
            await fake.wait_for(is_edit(person.id, "taken by someone else, thank you"), after=mark)
        await fake.wait_for(lambda c: c.method == "sendLocation" and c.chat_id == people[2].id)
        await fake.idle()
        pins = {c.chat_id for c in fake.calls if c.method == "sendLocation"}
        assert pins == {people[2].id}


async def test_an_arrest_goes_to_the_nearest_paralegal_not_the_nearest_member(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi, sipho = fake.user(201, "Thandi"), fake.user(202, "Sipho")
        await squad.join(thandi, ALERT_AT[0] + 0.001, ALERT_AT[1])
        await squad.join(sipho, ALERT_AT[0] + 0.03, ALERT_AT[1])
        await squad.skills(sipho, "paralegal")
        # The words choose the type: no button needed.
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {AT} she was arrested")
        offer = await fake.wait_for(is_send(sipho.id, "can you help?"), after=mark)
        assert "Needed: paralegal." in offer.text
        card = await fake.wait_for(
            lambda c: (is_send(squad.group.id, "Type: arrest or detention")(c)
                       or is_edit(squad.group.id, "Type: arrest or detention")(c))
        )  # fmt: skip
        assert "paralegal: asking members nearby" in card.text
        await fake.idle()
        assert not [c for c in fake.calls[mark:] if is_send(thandi.id, "can you help?")(c)]


async def test_a_sexual_assault_gets_a_two_slot_team(fake: FakeTelegram, db_path: Path) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        ayanda, bongi = fake.user(202, "Ayanda"), fake.user(203, "Bongi")
        await squad.join(thandi, ALERT_AT[0] + 0.001, ALERT_AT[1])
        await squad.join(ayanda, ALERT_AT[0] + 0.02, ALERT_AT[1])
        await squad.join(bongi, ALERT_AT[0] + 0.03, ALERT_AT[1])
        await squad.skills(ayanda, "health worker")
        await squad.skills(bongi, "peer educator")
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {AT} she was raped")
        to_ayanda = await fake.wait_for(is_send(ayanda.id, "Needed: health worker."), after=mark)
        to_bongi = await fake.wait_for(is_send(bongi.id, "Needed: peer educator."), after=mark)
        await fake.idle()
        mark = len(fake.calls)
        await fake.press(ayanda, bot_message(fake, to_ayanda), button=render("button.accept"))
        await fake.press(bongi, bot_message(fake, to_bongi), button=render("button.accept"))
        for person in (ayanda, bongi):
            await fake.wait_for(
                lambda c, p=person: c.method == "sendLocation" and c.chat_id == p.id
            )
        await fake.wait_for(
            lambda c: (
                c.method == "editMessageText"
                and c.chat_id == squad.group.id
                and "health worker: Ayanda" in c.text
                and "peer educator: Bongi" in c.text
            ),
            after=mark,
        )
        await fake.idle()
        assert {c.chat_id for c in fake.calls if c.method == "sendLocation"} == {
            ayanda.id, bongi.id,
        }  # fmt: skip
        team = db_rows(db_path, "SELECT count(*) FROM slots WHERE holder_member_id IS NOT NULL")
        assert team == [(2,)]


async def test_a_police_liaison_is_not_offered_an_alert_without_consent(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        pule, thandi = fake.user(201, "Pule"), fake.user(202, "Thandi")
        await squad.join(pule, ALERT_AT[0] + 0.001, ALERT_AT[1])
        await squad.join(thandi, ALERT_AT[0] + 0.02, ALERT_AT[1])
        await squad.skills(pule, "police liaison", by_lead=True)
        mark = await squad.say(fake.user(300, "Zanele"), f"/alert {AT} help")
        card = await fake.wait_for(is_send(squad.group.id, "#"), after=mark)
        code = code_of(card)
        offer = await fake.wait_for(is_send(thandi.id, f"#{code}: can you help?"), after=mark)
        await fake.idle()
        # Pule is nearest, but no consent is recorded: no offer, and Claim is refused.
        assert not [c for c in fake.calls[mark:] if is_send(pule.id, f"#{code}")(c)]
        mark = len(fake.calls)
        await fake.press(pule, bot_message(fake, card), button=render("button.claim"))
        refused = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert "only once the person agrees to involve the police" in refused.text
        # Thandi takes it; her brief offers the consent button (the squad has a liaison).
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, offer), button=render("button.accept"))
        brief = await fake.wait_for(is_send(thandi.id, "You have"), after=mark)
        await fake.idle()
        assert db_rows(db_path, "SELECT police_consent FROM alerts") == [(0,)]
        await fake.press(thandi, bot_message(fake, brief), button=render("button.police_consent"))
        await fake.wait_for(lambda c: c.method == "answerCallbackQuery" and "Recorded" in c.text)
        await fake.idle()
        assert db_rows(db_path, "SELECT police_consent FROM alerts") == [(1,)]
        pins = {c.chat_id for c in fake.calls if c.method == "sendLocation"}
        assert pins == {thandi.id}
