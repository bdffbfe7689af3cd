"""Follow-up tasks from rules: made at the close (and with a court date, and with each
referral), owned by a paralegal or a peer educator, reminded in private when due, paged to
the leads once when overdue, handed over, and listed; against a real SQLite file and a fake
clock that moves as far as a test likes.

The fake clock starts on Friday 15 January 2027 at 10:00 in Johannesburg.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.aftercare.model import Rule
from bot.aftercare.rules import RULES, Counts, at_close, makes_followups
from bot.config import Settings
from bot.domain import Alert, CrisisType, Member
from bot.i18n import LANGUAGES
from bot.intents import Action, Intent, MessageRole, Priority, Refused, Reply
from bot.messages import EN, render
from bot.services import Services
from data import alerts as alerts_q
from data import squads as squads_q
from tests.support import World
from tests.support.aftercare import add_service, followups_request, labels, refer, said, world_rows

README = Path(__file__).resolve().parents[2] / "README.md"
HERE = (-26.2041, 28.0473)
HOUR = 3600.0
DAY = 86400.0


async def skilled(world: World, name: str, *skills: str, near: float = 0.004) -> Member:
    member = await world.member(name, HERE[0] + near, HERE[1])
    for skill in skills:
        assert (await world.services.skills.toggle(world.private(name), member.id, skill)).ok
    return await world.get_member(name)


async def closed(
    world: World, responder: str, outcome: str = "resolved", kind: CrisisType | None = None
) -> Alert:
    """An alert ``responder`` claims and closes with ``outcome``."""
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} help")
    if kind is not None:
        async with world.services.core.store.transaction() as db:
            await alerts_q.set_crisis_type(db, alert.id, kind)
    claimed = await world.alerts.press(world.private(responder), Action.CLAIM, alert.id, "")
    assert claimed.ok, claimed
    done = await world.alerts.press(world.private(responder), Action.OUTCOME, alert.id, outcome)
    assert done.ok, done
    return await world.reload(alert)


async def tasks(world: World) -> list[tuple[object, ...]]:
    return await world_rows(
        world,
        "SELECT f.rule, m.alias, f.due_at, f.state FROM followups f"
        " LEFT JOIN members m ON m.id = f.owner_member_id ORDER BY f.due_at, f.id",
    )


def first_key(intent: Intent) -> str:
    """The catalogue key a message opens with (its first line's, for a message of lines)."""
    assert intent.text is not None
    lines = intent.text.params.get("lines") if intent.text.key == "lines" else None
    return str(lines[0]["key"]) if lines and isinstance(lines[0], dict) else intent.text.key


async def sent(world: World, *keys: str) -> list[Intent]:
    """The queued messages that open with one of ``keys``; everything queued is then
    marked delivered (so the next call sees only what came after)."""
    found = [i for i in await world.outbox() if i.text is not None and first_key(i) in keys]
    await world.deliver_all()
    return found


async def press(world: World, who: str, intent: Intent | Reply, label: str) -> Reply:
    button = next(b for row in intent.buttons for b in row if label in _label(b))
    assert button.action is not None and button.alert_id is not None
    return await world.services.aftercare.press(
        world.private(who), button.action, button.alert_id, button.arg
    )


def _label(button: object) -> str:
    from bot.messages import render

    return render(button.label.key, button.label.params)  # type: ignore[attr-defined]


# -- the rules ------------------------------------------------------------------------------


def readme_rules() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    start = text.index("| rule (the word `/followups rule` takes) |")
    rows = []
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


COUNTED_FROM = {
    "the close": Counts.CLOSE,
    "when it happened": Counts.HAPPENED,
    "the court's opening on the court date": Counts.COURT,
    "the referral": Counts.REFERRAL,
}


def test_the_readme_rule_table_is_the_codes_defaults() -> None:
    defaults = Settings(_env_file=None, bot_token="1:x")  # type: ignore[call-arg]
    found = []
    for word, _cases, task, default, counted, setting in readme_rules():
        rule = Rule(re.fullmatch(r"`(\w+)`", word).group(1))  # type: ignore[union-attr]
        typed = re.match(r"`([^`]+)`", default).group(1)  # type: ignore[union-attr]
        (offset,) = Settings.durations(typed)
        found.append((rule, task, offset, COUNTED_FROM[counted], setting))
    assert found == [
        (
            spec.rule,
            EN[f"rule.{spec.rule.value}"],
            getattr(defaults, spec.setting),
            spec.counts,
            f"`SQUADLINE_{spec.setting.upper()}`",
        )
        for spec in RULES
    ]
    assert defaults.followup_hiv_1 == timedelta(weeks=6) and defaults.followup_pep.days == 28


# -- who owns a task -------------------------------------------------------------------------


async def test_a_closed_alert_gets_a_check_owned_by_its_responder_if_peer_or_paralegal(
    world: World,
) -> None:
    await skilled(world, "Thandi", "peer")
    await skilled(world, "Lerato", "paralegal", near=0.02)
    alert = await closed(world, "Thandi")
    assert await tasks(world) == [("check", "Thandi", alert.closed_at + DAY, "open")]


async def test_otherwise_the_paralegal_or_peer_with_the_fewest_open_tasks_owns_it(
    world: World,
) -> None:
    await skilled(world, "Sipho")  # nearest, no skill: he responds
    await skilled(world, "Lerato", "paralegal", near=0.02)
    await skilled(world, "Ayanda", "peer", near=0.03)
    await closed(world, "Sipho")
    world.clock.advance(60)
    await closed(world, "Sipho")
    world.clock.advance(60)
    await closed(world, "Sipho")
    owners = [alias for _, alias, _, _ in await tasks(world)]
    assert owners == ["Lerato", "Ayanda", "Lerato"]


async def test_a_paralegal_the_bot_can_reach_in_private_comes_before_one_it_cannot(
    world: World,
) -> None:
    """Lerato blocked the bot, so her reminders could not reach her: Ayanda, with more open
    tasks, gets the check (the README: "one the bot can reach in private first")."""
    await skilled(world, "Sipho")  # nearest, no skill: he responds
    lerato = await skilled(world, "Lerato", "paralegal", near=0.02)
    await skilled(world, "Ayanda", "peer", near=0.03)
    await closed(world, "Sipho")  # Lerato's (fewest open, by id)
    assert [alias for _, alias, _, _ in await tasks(world)] == ["Lerato"]
    async with world.services.core.store.transaction() as db:
        assert lerato.private_chat_id is not None
        await squads_q.mark_blocked(db, lerato.private_chat_id, world.clock())
    world.clock.advance(60)
    await closed(world, "Sipho")
    world.clock.advance(60)
    await closed(world, "Sipho")
    assert [alias for _, alias, _, _ in await tasks(world)] == ["Lerato", "Ayanda", "Ayanda"]


async def test_a_squad_with_no_paralegal_or_peer_gives_it_to_the_responder_who_met_them(
    world: World,
) -> None:
    await skilled(world, "Sipho")
    await closed(world, "Sipho")
    assert [alias for _, alias, _, _ in await tasks(world)] == ["Sipho"]


async def test_a_false_alarm_a_cancel_and_a_responder_needs_help_alert_get_no_tasks(
    world: World,
) -> None:
    await skilled(world, "Thandi", "peer")
    await closed(world, "Thandi", outcome="false_alarm")
    gone = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} never mind")
    assert (await world.alerts.cancel(world.group("Zanele"), gone.code)).ok
    assert await tasks(world) == []
    # A "responder needs help" alert, closed: its person is a member the leads know.
    helped = replace(await closed(world, "Thandi"), linked_alert_id=gone.id)
    assert at_close(helped) == () and not makes_followups(helped)
    # Could not reach the person: tomorrow's check is the one that tries again.
    unreachable = await closed(world, "Thandi", outcome="unreachable")
    assert (await tasks(world))[-1] == ("check", "Thandi", unreachable.closed_at + DAY, "open")


async def test_a_sexual_assault_gets_the_pep_course_and_three_hiv_tests(world: World) -> None:
    await skilled(world, "Thandi", "peer", "health")
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} she was raped")
    happened = world.clock() - 5 * HOUR
    async with world.services.core.store.transaction() as db:
        await alerts_q.set_occurred_at(db, alert.id, happened)
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")).ok
    world.clock.advance(2 * HOUR)
    assert (
        await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "health")
    ).ok
    closed_at = world.clock()
    assert await tasks(world) == [
        ("check", "Thandi", closed_at + DAY, "open"),
        ("pep", "Thandi", happened + 28 * DAY, "open"),
        ("hiv1", "Thandi", happened + 42 * DAY, "open"),
        ("hiv2", "Thandi", happened + 91 * DAY, "open"),
        ("hiv3", "Thandi", happened + 182 * DAY, "open"),
    ]


async def test_pep_declined_means_no_pep_course_task(world: World) -> None:
    await skilled(world, "Thandi", "peer", "health")
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} she was raped")
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")).ok
    (pep,) = (await world_rows(world, "SELECT id FROM clocks WHERE kind = 'pep'"))[0]
    assert (await world.services.clocks.mark(world.private("Thandi"), pep, "declined")).ok
    assert (
        await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "health")
    ).ok
    assert [rule for rule, *_ in await tasks(world)] == ["check", "hiv1", "hiv2", "hiv3"]


async def test_a_court_date_makes_its_task_and_a_new_date_moves_it(world: World) -> None:
    await skilled(world, "Lerato", "paralegal")
    alert = await closed(world, "Lerato", outcome="legal", kind=CrisisType.ARREST)
    clocks = world.services.clocks
    assert (await clocks.court_date(world.private("Lerato"), alert.code, date(2027, 2, 3))).ok
    court = [row for row in await tasks(world) if row[0] == "court"]
    opening = 1_800_000_000 + (19 * DAY) - 2 * HOUR  # Wednesday 3 February 2027, 08:00
    assert court == [("court", "Lerato", opening, "open")]
    assert (await clocks.court_date(world.private("Lerato"), alert.code, date(2027, 2, 10))).ok
    court = [row for row in await tasks(world) if row[0] == "court"]
    assert court == [("court", "Lerato", opening + 7 * DAY, "open")]


# -- reminders, pages and buttons ---------------------------------------------------------------


async def test_the_reminder_comes_in_private_when_due_with_its_four_buttons(world: World) -> None:
    await skilled(world, "Thandi", "peer")
    await closed(world, "Thandi")
    await world.deliver_all()
    world.clock.advance(DAY - 60)
    await world.fire_due()
    assert await sent(world, "task.reminder") == []
    world.clock.advance(60)
    assert await world.fire_due() == 1
    (reminder,) = await sent(world, "task.reminder")
    thandi = await world.get_member("Thandi")
    assert reminder.chat_id == thandi.private_chat_id and reminder.alert_id is None
    assert labels(reminder) == ["✅ Done", "📵 Could not reach", "⏰ Snooze 1 day", "🤝 Hand over"]
    text = said(reminder)
    assert "📋 Follow-up F1 for #" in text and "a check on the person" in text
    # The reporter did not choose "may contact me": go through the responder who met them.
    assert "did not agree to be contacted through me" in text and "You met them" in text
    assert "help" not in text and "Zanele" not in text  # no words of the alert, no name


async def test_a_reporter_who_chose_contact_gets_a_contact_button_on_the_task(
    world: World,
) -> None:
    await skilled(world, "Thandi", "peer")
    zodwa = await world.member("Zodwa", HERE[0] + 0.2, HERE[1])  # a member reports in private
    raised = await world.alerts.raise_alert(world.private("Zodwa"), f"{HERE[0]}, {HERE[1]} hurt")
    assert raised.ok
    (alert_id,) = (await world_rows(world, "SELECT max(id) FROM alerts"))[0]
    assert (await world.services.privacy.set_contact(world.private("Zodwa"), alert_id, True)).ok
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert_id, "")).ok
    assert (
        await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert_id, "resolved")
    ).ok
    await world.deliver_all()
    world.clock.advance(DAY)
    await world.fire_due()
    (reminder,) = await sent(world, "task.reminder")
    contact = [b for row in reminder.buttons for b in row if b.profile_of is not None]
    assert [b.profile_of for b in contact] == [zodwa.user_id]
    assert "They agreed to be contacted" in said(reminder)
    # After the alert's retention, the contact is gone: the task says so.
    world.clock.advance(30 * DAY)
    await world.services.privacy.purge_expired()
    task_id = (await world_rows(world, "SELECT id FROM followups"))[0][0]
    snoozed = await world.services.aftercare.press(
        world.private("Thandi"), Action.TASK, task_id, "snooze"
    )
    assert snoozed.ok
    world.clock.advance(DAY)
    await world.fire_due()
    (later,) = await sent(world, "task.reminder")
    assert not [b for row in later.buttons for b in row if b.profile_of is not None]
    assert "deleted at retention: go through the responder who met them" in said(later)


async def test_an_overdue_task_pages_the_leads_once(world: World) -> None:
    await skilled(world, "Thandi", "peer")
    await closed(world, "Thandi")
    await world.deliver_all()
    world.clock.advance(2 * DAY)  # due a day ago; the grace is a day
    await world.fire_due()
    pages = await sent(world, "task.overdue_lead")
    nomsa = await world.get_member("Nomsa")
    assert [p.chat_id for p in pages] == [nomsa.private_chat_id]
    assert "Owner: Thandi" in said(pages[0]) and "/followups assign F1 NAME" in said(pages[0])
    assert pages[0].role is MessageRole.PAGE and pages[0].priority is Priority.HIGH
    # Not tied to the finished alert: the clean-up of its chats would take it away again.
    assert pages[0].alert_id is None and pages[0].buttons == ()
    # Snoozed and overdue again: the leads are not paged a second time.
    task_id = (await world_rows(world, "SELECT id FROM followups"))[0][0]
    assert (
        await world.services.aftercare.press(
            world.private("Thandi"), Action.TASK, task_id, "snooze"
        )
    ).ok
    world.clock.advance(5 * DAY)
    await world.fire_due()
    assert await sent(world, "task.overdue_lead") == []
    assert len(await sent(world, "task.reminder")) == 0  # delivered above by sent()


async def test_snooze_done_and_could_not_reach(world: World) -> None:
    await skilled(world, "Thandi", "peer")
    await closed(world, "Thandi")
    await closed(world, "Thandi")
    await world.deliver_all()
    world.clock.advance(DAY)
    await world.fire_due()
    first, second = await sent(world, "task.reminder")
    snoozed = await press(world, "Thandi", first, "Snooze")
    assert said(snoozed) == "Follow-up F1 for #" + said(snoozed).split("#", 1)[1]
    assert "I remind you again on Jan 17, 2027 10:00" in said(snoozed) and snoozed.edit_pressed
    unreached = await press(world, "Thandi", second, "Could not reach")
    assert "could not reach the person" in said(unreached)
    world.clock.advance(DAY)
    await world.fire_due()
    (again,) = await sent(world, "task.reminder")
    done = await press(world, "Thandi", again, "Done")
    assert "is done. Thank you." in said(done)
    assert [state for *_, state in await tasks(world)] == ["unreached", "done"]
    stale = await press(world, "Thandi", again, "Done")
    assert not stale.ok and "already finished" in said(stale)


async def test_an_owner_hands_a_task_over_and_a_lead_reassigns_one(world: World) -> None:
    await skilled(world, "Thandi", "peer")
    await skilled(world, "Lerato", "paralegal", near=0.02)
    await skilled(world, "Sipho", near=0.03)
    await closed(world, "Thandi")
    await world.deliver_all()
    world.clock.advance(DAY)
    await world.fire_due()
    (reminder,) = await sent(world, "task.reminder")
    choose = await press(world, "Thandi", reminder, "Hand over")
    assert labels(choose) == ["Lerato"]  # the squad's other paralegals and peer educators
    handed = await press(world, "Thandi", choose, "Lerato")
    assert said(handed).endswith("is now Lerato's.")
    (for_lerato,) = await sent(world, "task.reminder")
    lerato = await world.get_member("Lerato")
    assert for_lerato.chat_id == lerato.private_chat_id
    assert "Thandi handed this follow-up over to you." in said(for_lerato)
    # Thandi's old buttons no longer work; Sipho (not its owner) cannot press Lerato's.
    before = await world.snapshot()
    assert not (await press(world, "Thandi", reminder, "Done")).ok
    assert not (await press(world, "Sipho", for_lerato, "Done")).ok
    assert await world.snapshot() == before
    # A forged "to whom" button: Sipho is not one of those offered (the squad has a
    # paralegal and a peer educator), so it changes nothing.
    task_id = (await world_rows(world, "SELECT id FROM followups"))[0][0]
    sipho = await world.get_member("Sipho")
    forged = await world.services.aftercare.press(
        world.private("Lerato"), Action.TASK_TO, task_id, str(sipho.id)
    )
    assert not forged.ok and await world.snapshot() == before
    # A lead gives it to anyone who responds.
    moved = await world.services.aftercare.tasks.followups(
        world.private("Nomsa"), followups_request("assign F1 Sipho")
    )
    assert said(moved).endswith("is now Sipho's.")
    assert [alias for _, alias, _, _ in await tasks(world)] == ["Sipho"]
    audit = await world_rows(world, "SELECT action FROM audit WHERE action = 'followup:handed'")
    assert len(audit) == 2


async def test_a_task_reassigned_as_it_falls_due_reminds_its_new_owner_once(
    world: World,
) -> None:
    """The lead gives Lerato a task that has just fallen due, before its reminder fired:
    she is reminded at once, and the reminder's deadline does not remind her again."""
    await skilled(world, "Thandi", "peer")
    await skilled(world, "Lerato", "paralegal", near=0.02)
    await closed(world, "Thandi")
    await world.deliver_all()
    world.clock.advance(DAY)
    moved = await world.services.aftercare.tasks.followups(
        world.private("Nomsa"), followups_request("assign F1 Lerato")
    )
    assert moved.ok
    await world.fire_due()
    lerato = await world.get_member("Lerato")
    assert [i.chat_id for i in await sent(world, "task.reminder")] == [lerato.private_chat_id]


async def test_followups_lists_ones_own_oldest_first_and_leads_see_the_squads(
    world: World,
) -> None:
    await skilled(world, "Thandi", "peer")
    await skilled(world, "Lerato", "paralegal", near=0.02)
    first = await closed(world, "Thandi")
    world.clock.advance(HOUR)
    await closed(world, "Lerato")
    service = await add_service(world, "clinic Hillbrow Clinic | -26.19, 28.04 | 24/7")
    await refer(world, "Nomsa", first, service)  # Thandi met the person: she checks it
    world.clock.advance(DAY - 30 * 60)  # Thandi's check is overdue, Lerato's not yet
    followups = world.services.aftercare.tasks.followups
    mine = said(await followups(world.private("Thandi"), followups_request()))
    assert mine.splitlines()[0] == "Your open follow-ups, the earliest due first:"
    assert [line.split(" · ")[0] for line in mine.splitlines()[1:]] == ["• F1", "• F3"]
    assert "was due Jan 16, 2027 10:00 (overdue)" in mine
    assert "whether the referral was attended · due Jan 18, 2027 11:00" in mine
    lead = said(await followups(world.private("Nomsa"), followups_request()))
    assert 'Open follow-ups of "Hillbrow": 3, of which 1 overdue.' in lead
    assert "• Thandi: 2 open, 1 overdue" in lead and "• Lerato: 1 open, 0 overdue" in lead
    assert [line.split(" · ")[0] for line in lead.splitlines() if " · #" in line] == [
        "• F1",
        "• F2",
        "• F3",
    ]
    assert lead.splitlines()[-1].endswith(" · Thandi")
    lerato = said(await followups(world.private("Lerato"), followups_request()))
    assert "F2" in lerato and "F1" not in lerato
    assert said(await followups(world.private("Nomsa"), followups_request())) == lead


async def test_a_long_list_of_follow_ups_fits_one_message_in_every_language(
    world: World,
) -> None:
    """Telegram takes at most 4,096 characters a message: a squad's list stops in time, the
    earliest due first, and says how many more there are."""
    await skilled(world, "Thandi", "peer")
    for _ in range(12):  # five tasks each: 60 open
        await closed(world, "Thandi", kind=CrisisType.SEXUAL)
        world.clock.advance(60)
    followups = world.services.aftercare.tasks.followups
    for who in ("Nomsa", "Thandi"):  # the squad's list, and her own
        listed = await followups(world.private(who), followups_request())
        assert listed.text is not None
        for lang in LANGUAGES:
            assert len(render(listed.text.key, listed.text.params, lang)) <= 4096, (who, lang)
        text = said(listed)
        shown = [line for line in text.splitlines() if " · #" in line]
        assert 10 < len(shown) < 60 and shown[0].startswith("• F1 ·")
        assert text.splitlines()[-1] == f"Not listed here, due later: {60 - len(shown)}."


async def test_a_lead_changes_a_rule_for_the_squad(world: World) -> None:
    await skilled(world, "Thandi", "peer")
    followups = world.services.aftercare.tasks.followups
    changed = await followups(world.private("Nomsa"), followups_request("rule check 12h"))
    assert said(changed).endswith(
        "• check: a check on the person, 12 hours after the alert is closed"
    )
    off = await followups(world.private("Nomsa"), followups_request("rule hiv3 off"))
    assert "switched off in this squad" in said(off)
    rules = said(await followups(world.private("Thandi"), followups_request("rules")))
    assert "• hiv1: the first HIV test, 6 weeks after it happened" in rules
    assert "• court: the court date, when the court opens on the court date" in rules
    assert "Changed in this squad: check and hiv3." in rules
    alert = await closed(world, "Thandi")
    assert await tasks(world) == [("check", "Thandi", alert.closed_at + 12 * HOUR, "open")]
    back = await followups(world.private("Nomsa"), followups_request("rule check default"))
    assert said(back).endswith("1 day after the alert is closed")


@pytest.mark.parametrize(
    ("who", "typed", "says"),
    [
        ("Nomsa", "rule bath 12h", 'I do not know the rule "bath"'),
        ("Nomsa", "rule check 25:00", "Send /followups rule RULE TIME"),
        ("Nomsa", "rule check 400d", "Send /followups rule RULE TIME"),
        ("Nomsa", "rule check", "Send /followups rule RULE TIME"),
        ("Nomsa", "assign F99 Thandi", '"F99" is not one of the squad\'s follow-ups'),
        ("Nomsa", "assign Fx Thandi", '"Fx" is not one of the squad\'s follow-ups'),
        ("Nomsa", "assign F1 Nobody", 'There is no member called "Nobody"'),
        ("Nomsa", "assign F1", "Send /followups assign F12 NAME"),
        ("Nomsa", "dance", "Send /followups for your open follow-ups"),
        ("Thandi", "rule check 12h", "Only a lead of this squad can do that"),
        ("Thandi", "assign F1 Thandi", "Only a lead of this squad can do that"),
    ],
)
async def test_bad_followups_input_gets_a_clear_reply_and_changes_nothing(
    world: World, who: str, typed: str, says: str
) -> None:
    await skilled(world, "Thandi", "peer")
    await closed(world, "Thandi")
    before = await world.snapshot()
    try:
        reply = await world.services.aftercare.tasks.followups(
            world.private(who), followups_request(typed)
        )
    except Refused as refusal:
        reply = refusal.reply
    assert not reply.ok and says in said(reply), said(reply)
    assert await world.snapshot() == before


async def test_reminders_survive_a_restart_and_fire_once(world: World) -> None:
    await skilled(world, "Thandi", "peer")
    await closed(world, "Thandi")
    await world.deliver_all()
    # The bot dies before the check is due (the old process does nothing more); a new one
    # starts on the same file three days later.
    first = world.services
    world.clock.advance(3 * DAY)
    again = Services.build(first.core.settings, clock=world.clock)
    await again.open()
    world.services = again
    try:
        assert await world.fire_due() == 2  # the reminder, then the leads' page
        got = await sent(world, "task.reminder", "task.overdue_lead")
        assert sorted(first_key(i) for i in got) == ["task.overdue_lead", "task.reminder"]
        assert await world.fire_due() == 0
    finally:
        await again.close()
        world.services = first


async def test_an_owner_who_left_is_replaced_when_the_reminder_fires(world: World) -> None:
    await skilled(world, "Thandi", "peer")
    await skilled(world, "Lerato", "paralegal", near=0.02)
    await closed(world, "Thandi")
    removed = await world.services.squads.set_role(world.group("Nomsa"), "Thandi", None, None)
    assert removed.ok
    await world.deliver_all()
    world.clock.advance(DAY)
    await world.fire_due()
    (reminder,) = await sent(world, "task.reminder")
    assert reminder.chat_id == (await world.get_member("Lerato")).private_chat_id
    assert "The responder who met them is no longer in the squad" in said(reminder)
    assert [alias for _, alias, _, _ in await tasks(world)] == ["Lerato"]


async def test_an_owner_who_erased_themselves_is_replaced_when_the_reminder_fires(
    world: World,
) -> None:
    await skilled(world, "Thandi", "peer")
    await skilled(world, "Lerato", "paralegal", near=0.02)
    await closed(world, "Thandi")
    thandi = await world.get_member("Thandi")
    assert (await world.services.privacy.forget(world.private("Thandi"), thandi.user_id)).ok
    assert [alias for _, alias, _, _ in await tasks(world)] == [None]  # nobody owns it now
    await world.deliver_all()
    world.clock.advance(DAY)
    await world.fire_due()
    (reminder,) = await sent(world, "task.reminder")
    assert reminder.chat_id == (await world.get_member("Lerato")).private_chat_id
    assert "Thandi" not in said(reminder)
    assert [alias for _, alias, _, _ in await tasks(world)] == ["Lerato"]
