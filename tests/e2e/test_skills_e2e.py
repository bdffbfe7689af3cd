"""Skills and needs end to end: buttons in the private chat, a lead's /skills alias and
/needs, and the counts in a lead's /status, through the fake Bot API."""

from __future__ import annotations

from pathlib import Path

from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    Squad,
    bot_message,
    db_rows,
    db_snapshot,
    is_edit,
    is_send,
    make_settings,
    running_bot,
)


def skills_of(db_path: Path, first_name: str) -> set[str]:
    """The skills stored for the member whose alias is ``first_name``."""
    rows = db_rows(
        db_path,
        "SELECT s.skill FROM member_skills s JOIN members m ON m.id = s.member_id"
        " WHERE m.alias = ?",
        first_name,
    )
    return {skill for (skill,) in rows}


async def test_a_member_switches_a_skill_with_the_buttons_and_a_lead_sets_anothers(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi, sipho, olu = (
            fake.user(201, "Thandi"),
            fake.user(202, "Sipho"),
            fake.user(203, "Olu"),
        )
        for person in (thandi, sipho, olu):
            await squad.join(person, *ALERT_AT)
        await squad.ask(squad.lead, "/observer Olu")

        # Thandi, in private: seven buttons, none on; a tap switches peer educator on.
        picker = await squad.ask(thandi, "/skills", private=True)
        assert picker.text.startswith('Your skills in "Hillbrow Squad"')
        assert [b["text"] for b in picker.buttons()] == [
            "paralegal", "health worker", "peer educator", "counsellor", "has transport",
            "community leader", "police liaison",
        ]  # fmt: skip
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, picker), button="peer educator")
        edited = await fake.wait_for(is_edit(thandi.id, "Your skills"), after=mark)
        assert "✅ peer educator" in [b["text"] for b in edited.buttons()]
        popup = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert popup.params["text"] == "Switched on: peer educator."
        assert skills_of(db_path, "Thandi") == {"peer"}

        # Nomsa asks in the group: the group hears only that the answer is private.
        mark = await squad.say(squad.lead, "/skills Thandi")
        await fake.wait_for(is_send(squad.group.id, render("me.sent_private")), after=mark)
        lead_view = await fake.wait_for(is_send(squad.lead.id, 'Skills of "Thandi"'), after=mark)
        assert "✅ peer educator" in [b["text"] for b in lead_view.buttons()]
        mark = len(fake.calls)
        await fake.press(squad.lead, bot_message(fake, lead_view), button="paralegal")
        await fake.wait_for(is_edit(squad.lead.id, 'Skills of "Thandi"'), after=mark)
        assert skills_of(db_path, "Thandi") == {"peer", "paralegal"}

        # Sipho is not a lead: asking is refused, and so is a forged press on Thandi's
        # button (her member id in his own message's button).
        before = db_snapshot(db_path)
        refused = await squad.ask(sipho, "/skills Thandi")
        assert refused.text == render("skills.leads_only")
        own = await squad.ask(sipho, "/skills", private=True)
        forged = lead_view.buttons()[0]["callback_data"]
        mark = len(fake.calls)
        await fake.press(sipho, bot_message(fake, own), data=forged)
        popup = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert popup.params["text"] == render("skills.not_yours")
        # Olu is an observer: no skills for him.
        observer = await squad.ask(olu, "/skills", private=True)
        assert observer.text == render("skills.observer")
        assert not observer.buttons()
        assert db_snapshot(db_path) == before


async def test_needs_bad_input_gets_a_clear_reply_and_changes_nothing(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, *ALERT_AT)
        await fake.idle()
        before = db_snapshot(db_path)
        for who, text, expected in (
            (squad.lead, "/needs fire peer", '"fire" is not a crisis type. The types are: arrest,'),
            (squad.lead, "/needs arrest", "Leads change one with /needs <type> <skills>"),
            (squad.lead, "/needs arrest wizard", 'I could not read "wizard" as skills.'),
            (squad.lead, "/needs arrest peer,peer", "from: paralegal, health, peer,"),
            (thandi, "/needs arrest peer", render("leads_only")),
        ):
            answer = await squad.ask(who, text)
            assert expected in answer.text, (text, answer.text)
        assert db_snapshot(db_path) == before

        shown = await squad.ask(thandi, "/needs")
        assert "• arrest or detention (arrest): paralegal\n" in shown.text
        done = await squad.ask(squad.lead, "/needs arrest paralegal, transport")
        assert (
            done.text
            == 'In this squad, "arrest or detention" now needs: paralegal and has transport.'
        )
        assert db_rows(db_path, "SELECT crisis_type, skills FROM squad_needs") == [
            ("arrest", "paralegal,transport")
        ]
        shown = await squad.ask(thandi, "/needs", private=True)
        assert "(arrest): paralegal and has transport (changed by a lead)" in shown.text


async def test_status_shows_a_lead_how_many_available_members_have_each_skill(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, *ALERT_AT)
        picker = await squad.ask(thandi, "/skills", private=True)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, picker), button="paralegal")
        await fake.wait_for(is_edit(thandi.id, "Your skills"), after=mark)

        status = await squad.ask(squad.lead, "/status", private=True)
        assert "\nAvailable, by skill: paralegal: 1, health worker: 0, peer educator: 0," in (
            status.text
        )
