"""After the call, end to end: the real bot, the fake Bot API, rules shrunk to seconds.

A referral made at closing is attended, then completed; the follow-up reminders reach the
right owner at the right times, also across a restart; an overdue task pages the leads
once; an owner hands a task over; ``/meeting`` holds no name, no alert's words and no
coordinate; the guided ``/service add`` works with its buttons, and bad input is refused.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.messages import render
from tests.fakegram.server import FakeTelegram
from tests.support import (
    ALERT_AT,
    COORD_RE,
    Squad,
    bot_message,
    db_rows,
    db_snapshot,
    is_edit,
    is_send,
    make_settings,
    running_bot,
)
from tests.support.aftercare_run import (
    CLINIC,
    FOLLOWUP_TIMES,
    raise_alert,
    refer_with_consent,
    reminders_across_a_restart,
    take_and_close,
)


async def test_a_referral_made_at_closing_is_attended_then_completed(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path, **FOLLOWUP_TIMES)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, ALERT_AT[0] + 0.004, ALERT_AT[1])
        await squad.ask(squad.lead, f"/service add {CLINIC}", private=True)
        code = await raise_alert(squad, fake.user(300, "Zanele"), "cut on her arm")
        closing = await take_and_close(squad, thandi, code, render("outcome.health"))
        assert "To refer the person to a service" in closing.text
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, closing), button="Refer to a service")
        choices = await fake.wait_for(is_send(thandi.id, f"Refer #{code} to which"), after=mark)
        # (The closed alert's place is rounded to about a kilometre.)
        assert [b["text"] for b in choices.buttons()] == ["Hillbrow Clinic · 1.2 km · 24/7"]
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, choices), button="Hillbrow Clinic")
        question = await fake.wait_for(is_edit(thandi.id, "did the person agree"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, question), button="They agreed")
        made = await fake.wait_for(is_edit(thandi.id, "Referred, with"), after=mark)
        assert f"#{code} → Hillbrow Clinic (clinic)" in made.text
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, made), button="They got there")
        attended = await fake.wait_for(is_edit(thandi.id, "Got there:"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, attended), button="Completed, successful")
        done = await fake.wait_for(is_edit(thandi.id, "Completed, successful:"), after=mark)
        assert done.buttons() == []
        await fake.idle()
    ((state, referred, attended_at, finished, consent),) = db_rows(
        db_path, "SELECT state, referred_at, attended_at, finished_at, consent_at FROM referrals"
    )
    assert state == "successful" and consent == referred <= attended_at <= finished
    # Its check was answered by the buttons: no reminder is waiting.
    assert db_rows(db_path, "SELECT state FROM followups WHERE rule = 'referral'") == [("done",)]


async def test_follow_up_reminders_reach_the_right_owner_at_the_right_times_across_a_restart(
    fake: FakeTelegram, db_path: Path
) -> None:
    run = await reminders_across_a_restart(fake, db_path)
    got = {r.task: r for r in run.reminders}
    assert sorted(r.task for r in run.reminders) == sorted(run.tasks.values()), "once each"
    for label, task in run.tasks.items():
        assert got[task].chat_id == run.owners[label], label
        assert got[task].sent_at >= got[task].due_at, label  # never early
    assert [got[run.tasks[x]].after_restart for x in "ABC"] == [False, False, True]
    # The one due while the bot was down came after it started again, not before.
    assert got[run.tasks["C"]].sent_at >= run.up_at > got[run.tasks["C"]].due_at > run.down_at
    assert not db_rows(
        db_path,
        "SELECT 1 FROM deadlines WHERE kind = 'followup' AND fired_at IS NULL"
        " AND cancelled_at IS NULL",
    )


async def test_an_overdue_task_pages_the_leads_once(fake: FakeTelegram, db_path: Path) -> None:
    times = {
        **FOLLOWUP_TIMES,
        "followup_check": timedelta(seconds=1),
        "followup_grace": timedelta(seconds=1),
        "followup_snooze": timedelta(seconds=2),
    }
    async with running_bot(make_settings(fake, db_path, **times)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, ALERT_AT[0] + 0.004, ALERT_AT[1])
        await squad.skills(thandi, "peer educator")
        code = await raise_alert(squad, fake.user(300, "Zanele"), "hurt")
        mark = len(fake.calls)
        await take_and_close(squad, thandi, code, render("outcome.resolved"))
        reminder = await fake.wait_for(is_send(thandi.id, "📋 Follow-up"), after=mark)
        page = await fake.wait_for(
            is_send(squad.lead.id, "Message to leads: follow-up"), after=mark
        )
        assert f"#{code}" in page.text and "Owner: Thandi" in page.text
        # Snoozed, and overdue again: no second page.
        snoozed = len(fake.calls)
        await fake.press(thandi, bot_message(fake, reminder), button="Snooze")
        await fake.wait_for(is_send(thandi.id, "📋 Follow-up"), after=snoozed, timeout=10)
        await asyncio.sleep(3.5)
        await fake.idle()
    pages = [c for c in fake.calls[mark:] if is_send(squad.lead.id, "follow-up F")(c)]
    assert len(pages) == 1


async def test_an_owner_hands_a_task_over(fake: FakeTelegram, db_path: Path) -> None:
    times = {**FOLLOWUP_TIMES, "followup_check": timedelta(seconds=1)}
    async with running_bot(make_settings(fake, db_path, **times)):
        squad = await Squad.set_up(fake)
        thandi, lerato = fake.user(201, "Thandi"), fake.user(202, "Lerato")
        await squad.join(thandi, ALERT_AT[0] + 0.004, ALERT_AT[1])
        await squad.join(lerato, ALERT_AT[0] + 0.02, ALERT_AT[1])
        await squad.skills(thandi, "peer educator")
        await squad.skills(lerato, "paralegal")
        code = await raise_alert(squad, fake.user(300, "Zanele"), "hurt")
        mark = len(fake.calls)
        await take_and_close(squad, thandi, code, render("outcome.resolved"))
        reminder = await fake.wait_for(is_send(thandi.id, "📋 Follow-up"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, reminder), button="Hand over")
        choose = await fake.wait_for(is_edit(thandi.id, "over to whom?"), after=mark)
        assert [b["text"] for b in choose.buttons()] == ["Lerato"]
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, choose), button="Lerato")
        await fake.wait_for(is_edit(thandi.id, "is now Lerato's"), after=mark)
        handed = await fake.wait_for(is_send(lerato.id, "📋 Follow-up"), after=mark)
        assert "Thandi handed this follow-up over to you." in handed.text
        mine = await squad.ask(lerato, "/followups", private=True)
        assert f"#{code} · a check on the person" in mine.text
        # Thandi's old button (its data, as a stale or forged press) no longer acts on it.
        done = next(b["callback_data"] for b in reminder.buttons() if "Done" in b["text"])
        before = db_snapshot(db_path)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, reminder), data=done)
        answer = await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
        assert (
            answer.params["text"]
            == "Follow-up F1 is not yours: only its owner or a lead can answer it."
        )
        await fake.idle()
        assert db_snapshot(db_path) == before


async def test_meeting_holds_no_name_no_alert_text_and_no_coordinate(
    fake: FakeTelegram, db_path: Path
) -> None:
    words = "Bongiwe was beaten behind the Shoprite"
    times = {**FOLLOWUP_TIMES, "followup_check": timedelta(seconds=1)}
    async with running_bot(make_settings(fake, db_path, **times)):
        squad = await Squad.set_up(fake)
        thandi = fake.user(201, "Thandi")
        await squad.join(thandi, ALERT_AT[0] + 0.004, ALERT_AT[1])
        await squad.skills(thandi, "peer educator")
        await squad.ask(squad.lead, f"/service add {CLINIC}", private=True)
        code = await raise_alert(squad, fake.user(300, "Zanele"), words)
        await take_and_close(squad, thandi, code, render("outcome.health"))
        await refer_with_consent(squad, thandi, code, "Hillbrow Clinic")
        await fake.wait_for(is_send(thandi.id, "📋 Follow-up"), timeout=10)
        await asyncio.sleep(1.5)
        in_group = await squad.ask(squad.lead, "/meeting")
        assert in_group.text == render("private_only")
        mark = await squad.say(squad.lead, "/meeting", private=True)
        digest = await fake.wait_for(is_send(squad.lead.id, "Meeting digest"), after=mark)
        document = await fake.wait_for(
            lambda c: c.method == "sendDocument" and c.chat_id == squad.lead.id, after=mark
        )
        await fake.idle()
    upload = document.upload()
    assert upload is not None and upload.filename.startswith("meeting-")
    assert upload.data.decode("utf-8") == digest.text + "\n"
    assert f"#{code}" in digest.text and "• clinic: 1 (referred: 1)" in digest.text
    for secret in ("Thandi", "Nomsa", "Zanele", "Bongiwe", "beaten", "Shoprite", "grid"):
        assert secret not in digest.text, secret
    assert not COORD_RE.search(digest.text)


async def test_the_guided_service_dialogue_and_bad_input_through_telegram(
    fake: FakeTelegram, db_path: Path
) -> None:
    async with running_bot(make_settings(fake, db_path)):
        squad = await Squad.set_up(fake)
        lead = squad.lead
        await squad.ask(lead, "/place add Taxi Rank -26.2005, 28.0455", private=True)
        mark = await squad.say(lead, "/service add")  # in the group: the dialogue is private
        kinds = await fake.wait_for(is_send(lead.id, "What kind of service"), after=mark)
        mark = len(fake.calls)
        await fake.press(lead, bot_message(fake, kinds), button="shelter")
        await fake.wait_for(is_edit(lead.id, "What is it called?"), after=mark)
        where = await squad.ask(lead, "Safe House", private=True)
        mark = len(fake.calls)
        await fake.press(lead, bot_message(fake, where), button="Taxi Rank")
        when = await fake.wait_for(is_edit(lead.id, "When is it open?"), after=mark)
        await fake.idle()
        before = db_snapshot(db_path)
        bad = await squad.ask(lead, "25:00", private=True)
        assert bad.text.startswith('I could not read "25:00" as opening hours.')
        assert db_snapshot(db_path) == before
        mark = len(fake.calls)
        await fake.press(lead, bot_message(fake, when), button="Open 24/7")
        await fake.wait_for(is_edit(lead.id, "phone number"), after=mark)
        bad = await squad.ask(lead, "call me", private=True)
        assert '"call me" is not a phone number' in bad.text
        note = await squad.ask(lead, "+27 11 555 0123", private=True)
        added = await squad.ask(lead, "ring the bell twice", private=True)
        assert note.text.startswith("A short note")
        assert added.text.startswith("Added to the directory:")
        assert "• Safe House (shelter): open around the clock" in added.text
        # Bad input to the other commands, through Telegram: a clear reply, nothing changed.
        before = db_snapshot(db_path)
        for typed, says in (
            ("/service add spa X | -26.19, 28.04 | 24/7", 'I do not know the category "spa"'),
            ("/services ZZZZ", 'no alert called "ZZZZ"'),
            ("/refer ZZZZ", "I don't know an alert with the code ZZZZ"),
            ("/followups rule check soon", "Send /followups rule RULE TIME"),
        ):
            reply = await squad.ask(lead, typed, private=True)
            assert says in reply.text, (typed, reply.text)
        await fake.idle()
        assert db_snapshot(db_path) == before
    assert db_rows(db_path, "SELECT category, name, hours, phone, note FROM services") == [
        ("shelter", "Safe House", "24/7", "+27 11 555 0123", "ring the bell twice")
    ]


async def test_phone_numbers_officers_and_notes_stay_in_private_and_out_of_the_log(
    fake: FakeTelegram, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A one-line entry typed in the group is refused and deleted; /services asked in the
    group by a lead is answered in private, nearest to the alert; a referral the person did
    not agree to is not made and the reply says why; a lead's /followups shows each owner; and at
    DEBUG the log holds no phone number, officer, note or alias."""
    caplog.set_level(logging.DEBUG)
    phone, officer, note = "+27 11 555 0177", "Sgt Mbalenhle", "Vuyelwa waits at the gate"
    async with running_bot(make_settings(fake, db_path, **FOLLOWUP_TIMES)):
        squad = await Squad.set_up(fake)
        lead, group = squad.lead, squad.group.id
        thandi = fake.user(201, "Thandeka")
        await squad.join(thandi, ALERT_AT[0] + 0.004, ALERT_AT[1])
        await squad.ask(thandi, "/alias Lindelwa", private=True)
        line = f"police Yeoville Station | -26.1839, 28.0615 | 24/7 | {phone} | {officer}"
        mark = len(fake.calls)
        typed = await fake.send(lead, squad.group, f"/service add {line}")
        refused = await fake.wait_for(is_send(group), after=mark)
        assert refused.text == render("private_only")
        deleted = await fake.wait_for(lambda c: c.method == "deleteMessage", after=mark)
        assert deleted.chat_id == group and deleted.params["message_id"] == typed["message_id"]
        assert db_rows(db_path, "SELECT count(*) FROM services") == [(0,)]
        await squad.ask(lead, f"/service add {line}", private=True)
        await squad.ask(lead, f"/service add {CLINIC}", private=True)
        code = await raise_alert(squad, fake.user(300, "Zanele"), "robbed at the rank")
        # The nearest to an alert: for its team and the leads (a distance would place it).
        mark = await squad.say(lead, f"/services {code}")
        listing = await fake.wait_for(is_send(lead.id, "📒"), after=mark)
        assert "nearest to #" in listing.text and phone in listing.text
        assert listing.text.index("Hillbrow Clinic") < listing.text.index("Yeoville Station")
        await fake.wait_for(is_send(group, render("me.sent_private")), after=mark)
        # Nothing of the directory in the group, ever.
        assert not [c for c in fake.calls if c.chat_id == group and phone in c.text]
        # No consent, no referral; the reply says why.
        await take_and_close(squad, thandi, code, render("outcome.police"))
        choices = await squad.ask(thandi, f"/refer {code}", private=True)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, choices), button="Yeoville Station")
        question = await fake.wait_for(is_edit(thandi.id, "did the person agree"), after=mark)
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, question), button="They did not agree")
        declined = await fake.wait_for(is_edit(thandi.id, "Not referred"), after=mark)
        assert "only when the person agrees" in declined.text
        assert db_rows(db_path, "SELECT count(*) FROM referrals") == [(0,)]
        made = await refer_with_consent(squad, thandi, code, "Yeoville Station")
        mark = len(fake.calls)
        await fake.press(thandi, bot_message(fake, made), button="Note")
        await fake.wait_for(is_send(thandi.id, "Send the note"), after=mark)
        await squad.ask(thandi, note, private=True)
        squads_list = await squad.ask(lead, "/followups", private=True)
        assert "By owner:" in squads_list.text and "• Lindelwa: 2 open" in squads_list.text
        await fake.idle()
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert len(caplog.records) > 5, "the capture works"
    for secret in (phone, "555 0177", "Mbalenhle", "Vuyelwa", "Thandeka", "Lindelwa", "Nomsa"):
        assert secret not in text, secret
