"""The legal and medical clocks follow an alert, against a real SQLite file and a fake clock.

The fake clock starts on Friday 15 January 2027 at 10:00 in Johannesburg (08:00 UTC), so an
arrest then has its 48 hours end on Sunday, and its limit is Monday's court close.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clocks.model import ClockKind, Mark
from bot.clocks.times import TypedTime
from bot.domain import Alert, CrisisType, Outcome
from bot.intents import Action, Intent, MessageRole, Op, Reply
from bot.messages import render
from data import alerts as alerts_q
from data import clocks as clocks_q
from tests.support import World, db_rows

HERE = (-26.2041, 28.0473)
SAST = ZoneInfo("Africa/Johannesburg")
HOUR = 3600.0


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SAST).timestamp()


def rendered(intent: Intent) -> str:
    assert intent.text is not None
    return render(intent.text.key, intent.text.params)


def keys_of(intent: Intent) -> list[str]:
    """The catalogue keys of a message, its lines' included."""
    assert intent.text is not None
    if intent.text.key != "lines":
        return [intent.text.key]
    return [line["key"] for line in intent.text.params["lines"] if isinstance(line, dict)]


async def typed(world: World, reporter: str, kind: CrisisType) -> Alert:
    """An alert near Thandi, of ``kind`` (as the lead's type setting will store it)."""
    alert = await world.alert(reporter, f"{HERE[0]}, {HERE[1]} help")
    async with world.services.core.store.transaction() as db:
        await alerts_q.set_crisis_type(db, alert.id, kind)
    return await world.reload(alert)


async def taken(world: World, kind: CrisisType) -> Alert:
    """Thandi is nearest and accepts an alert of ``kind``."""
    if "Thandi" not in world.users:
        await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await typed(world, "Zanele", kind)
    accepted = await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")
    assert accepted.ok, accepted
    return await world.reload(alert)


async def clocks(world: World, alert: Alert) -> dict[ClockKind, Any]:
    async with world.services.core.store.reading() as db:
        return {c.kind: c for c in await clocks_q.clocks_of(db, alert.id)}


async def reminder_times(world: World, alert: Alert) -> list[float]:
    path = world.services.core.settings.database
    return [
        r[0]
        for r in db_rows(
            path,
            "SELECT due_at FROM deadlines WHERE alert_id = ? AND kind = 'clock'"
            " AND fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_at",
            alert.id,
        )
    ]


async def sent_reminders(world: World) -> list[Intent]:
    """The clock reminders queued since the last call (then delivered)."""
    found = [
        i
        for i in await world.outbox()
        if i.op is Op.SEND
        and i.role is MessageRole.NOTICE
        and any(k.startswith("clock.") for k in keys_of(i))
    ]
    await world.deliver_all()
    return found


async def at_time(world: World, when: float) -> list[Intent]:
    world.clock.t = when
    await world.fire_due()
    return await sent_reminders(world)


async def brief_of(world: World, alert: Alert) -> Intent:
    briefs = [
        i for i in await world.outbox() if i.role is MessageRole.OWNER and i.alert_id == alert.id
    ]
    assert briefs
    return briefs[-1]


async def test_the_48_hour_clock_reminds_the_team_and_the_leads_at_its_points(
    world: World,
) -> None:
    alert = await taken(world, CrisisType.ARREST)
    thandi, nomsa = await world.get_member("Thandi"), await world.get_member("Nomsa")
    legal = (await clocks(world, alert))[ClockKind.LEGAL]
    # Arrested on Friday at 10:00: the 48 hours end on Sunday, so the limit is Monday 16:00.
    assert legal.started_at == at("2027-01-15 10:00")
    assert legal.due_at == at("2027-01-18 16:00")
    # 24 h, 40 h and 46 h: 24, 8 and 2 hours before the limit.
    points = [at("2027-01-17 16:00"), at("2027-01-18 08:00"), at("2027-01-18 14:00")]
    assert await reminder_times(world, alert) == points
    brief = rendered(await brief_of(world, alert))
    assert "to remain silent" in brief and "to a lawyer" in brief and "be told the charge" in brief
    assert "Jan 18, 2027 16:00" in brief and "3 days left" in brief
    await world.deliver_all()

    assert await at_time(world, points[0] - 60) == []
    first = await at_time(world, points[0])
    assert sorted(i.member_id for i in first) == sorted([thandi.id, nomsa.id])
    assert all(keys_of(i) == ["clock.legal.reminder"] for i in first)
    assert "1 day left" in rendered(first[0]) and "Jan 18, 2027 16:00" in rendered(first[0])
    buttons = [b for row in first[0].buttons for b in row]
    assert {b.arg for b in buttons} == {m.value for m in (
        Mark.RELEASED, Mark.FINE_PAID, Mark.BAIL, Mark.APPEARED, Mark.COURT_DATE
    )}  # fmt: skip
    assert all(b.action is Action.CLOCK_MARK and b.alert_id == legal.id for b in buttons)
    second = await at_time(world, points[1])
    assert len(second) == 2 and "8 hours left" in rendered(second[0])
    third = await at_time(world, points[2])
    assert len(third) == 2 and "2 hours left" in rendered(third[0])
    assert await at_time(world, points[2] + 7 * 24 * HOUR) == []


async def clock_deadlines(world: World, alert: Alert) -> list[tuple[float, float | None]]:
    """The alert's clock reminders, fired or not: (due at, fired at)."""
    return [
        (r[0], r[1])
        for r in db_rows(
            world.services.core.settings.database,
            "SELECT due_at, fired_at FROM deadlines WHERE alert_id = ? AND kind = 'clock'"
            " AND cancelled_at IS NULL ORDER BY due_at",
            alert.id,
        )
    ]


async def test_reminders_missed_while_the_bot_was_stopped_come_as_one_with_the_time_left_then(
    world: World,
) -> None:
    alert = await taken(world, CrisisType.ARREST)
    thandi, nomsa = await world.get_member("Thandi"), await world.get_member("Nomsa")
    await world.deliver_all()
    # The bot was stopped from Sunday morning to Monday 15:00: the 24 h, 40 h and 46 h
    # reminders (Sunday 16:00, Monday 08:00 and 14:00) are all overdue when it starts.
    world.clock.t = at("2027-01-18 15:00")
    await world.fire_due()
    reminders = await sent_reminders(world)
    assert sorted(i.member_id for i in reminders) == sorted([thandi.id, nomsa.id])  # once each
    assert all(keys_of(i) == ["clock.legal.reminder"] for i in reminders)
    assert "1 hour left" in rendered(reminders[0])  # the time left now, not at a missed mark
    fired = await clock_deadlines(world, alert)
    assert len(fired) == 3 and all(at_ == world.clock.t for _, at_ in fired)
    assert await world.fire_due() == 0 and await sent_reminders(world) == []


async def test_a_missed_reminder_comes_alone_and_the_later_ones_keep_their_time(
    world: World,
) -> None:
    alert = await taken(world, CrisisType.ARREST)
    points = await reminder_times(world, alert)
    await world.deliver_all()
    late = await at_time(world, points[0] + 3 * HOUR)  # only the 24 h reminder is due
    assert len(late) == 2 and "21 hours left" in rendered(late[0])
    assert await reminder_times(world, alert) == points[1:]
    assert len(await at_time(world, points[1])) == 2
    assert await reminder_times(world, alert) == points[2:]
    assert len(await at_time(world, points[2])) == 2
    assert [due for due, fired in await clock_deadlines(world, alert) if fired] == points


async def test_an_arrest_within_court_hours_has_exactly_48_hours(world: World) -> None:
    world.clock.t = at("2027-01-18 09:30")  # a Monday morning
    alert = await taken(world, CrisisType.ARREST)
    legal = (await clocks(world, alert))[ClockKind.LEGAL]
    assert legal.due_at == legal.started_at + 48 * HOUR
    assert await reminder_times(world, alert) == [legal.started_at + h * HOUR for h in (24, 40, 46)]


async def test_a_mark_stops_the_reminders_and_only_the_team_or_a_lead_may_press(
    world: World,
) -> None:
    alert = await taken(world, CrisisType.ARREST)
    await world.member("Kagiso")  # in the squad, not on this alert's team
    legal = (await clocks(world, alert))[ClockKind.LEGAL]
    await world.deliver_all()
    before = await world.snapshot()
    for name, key in (("Kagiso", "clock.not_team"), ("Zanele", "not_member")):
        world.users.setdefault(name, 990)
        refused = await world.services.clocks.mark(world.private(name), legal.id, "bail")
        assert not refused.ok and refused.text is not None and refused.text.key == key
    for arg in ("done", "nonsense"):  # a medical mark, and no mark at all
        refused = await world.services.clocks.mark(world.private("Thandi"), legal.id, arg)
        assert not refused.ok and refused.text is not None and refused.text.key == "button.invalid"
    how = await world.services.clocks.mark(world.private("Thandi"), legal.id, "court_date")
    assert how.ok and how.text is not None and how.text.key == "clock.court_date_how"
    assert await world.snapshot() == before

    marked = await world.services.clocks.mark(world.private("Thandi"), legal.id, "bail")
    assert marked.ok, marked
    assert "Released on bail" in render(marked.text.key, marked.text.params)  # type: ignore[union-attr]
    assert (await clocks(world, alert))[ClockKind.LEGAL].mark is Mark.BAIL
    # The brief is edited: it shows the mark instead of the time left.
    assert "Released on bail" in rendered(await brief_of(world, alert))
    assert await reminder_times(world, alert) == []
    assert await at_time(world, at("2027-01-18 15:00")) == []
    again = await world.services.clocks.mark(world.private("Nomsa"), legal.id, "bail")
    assert not again.ok and again.text is not None and again.text.key == "clock.already"


async def test_a_court_date_stops_the_48_hours_and_reminds_the_day_before_even_after_close(
    world: World,
) -> None:
    alert = await taken(world, CrisisType.ARREST)
    thandi = await world.get_member("Thandi")
    set_ = await world.services.clocks.court_date(
        world.private("Thandi"), alert.code, date(2027, 2, 3)
    )
    assert set_.ok, set_
    assert "Wednesday, February 3, 2027" in render(set_.text.key, set_.text.params)  # type: ignore[union-attr]
    assert await reminder_times(world, alert) == [at("2027-02-02 08:00")]
    closed = await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "legal")
    assert closed.ok, closed
    await world.deliver_all()
    assert await at_time(world, at("2027-01-18 14:00")) == []  # no 46-hour reminder
    reminder = await at_time(world, at("2027-02-02 08:00"))
    assert len(reminder) == 2 and {i.member_id for i in reminder} >= {thandi.id}
    assert "the court date is tomorrow, Wednesday, February 3, 2027" in rendered(reminder[0])
    # Not linked to the closed alert, so the close's phone clean-up does not empty it.
    assert all(i.alert_id is None for i in reminder)


async def test_closing_keeps_the_48_hours_running_and_cancelling_stops_them(
    world: World,
) -> None:
    alert = await taken(world, CrisisType.ARREST)
    assert (await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "legal")).ok
    await world.deliver_all()
    assert len(await reminder_times(world, alert)) == 3
    assert len(await at_time(world, at("2027-01-17 16:00"))) == 2

    other = await typed(world, "Zanele", CrisisType.ARREST)
    assert (
        await world.services.clocks.held(world.private("Nomsa"), other.code, "Hillbrow SAPS")
    ).ok
    assert len(await reminder_times(world, other)) == 3  # counted from its own start
    assert (await world.alerts.cancel(world.group("Nomsa"), other.code)).ok
    assert await reminder_times(world, other) == []
    assert (await clocks(world, other))[ClockKind.LEGAL].mark is Mark.ENDED
    # A type set later on the cancelled alert starts nothing.
    async with world.services.core.store.transaction() as db:
        await alerts_q.set_crisis_type(db, other.id, CrisisType.SEXUAL)
        await world.services.clocks.retyped(db, await alerts_q.alert_by_id(db, other.id))  # type: ignore[arg-type]
    assert await reminder_times(world, other) == []


async def test_pep_reminders_stop_once_pep_is_marked_started(world: World) -> None:
    alert = await taken(world, CrisisType.SEXUAL)
    thandi, nomsa = await world.get_member("Thandi"), await world.get_member("Nomsa")
    windows = await clocks(world, alert)
    assert set(windows) == {ClockKind.PEP, ClockKind.EC, ClockKind.FORENSIC}
    start = windows[ClockKind.PEP].started_at
    assert windows[ClockKind.PEP].due_at == start + 72 * HOUR
    assert windows[ClockKind.EC].due_at == start + 120 * HOUR
    brief = rendered(await brief_of(world, alert))
    assert "PEP (HIV prevention): start as soon as possible, best by" in brief
    assert "Emergency contraception: by" in brief and "Forensic examination: by" in brief
    await world.deliver_all()

    # 12 hours before the 72 hours close: PEP and the examination, in one message each.
    first = await at_time(world, start + 60 * HOUR)
    assert sorted(i.member_id for i in first) == sorted([thandi.id, nomsa.id])
    assert keys_of(first[0]) == ["clock.pep.reminder", "clock.forensic.reminder"]
    assert "12 hours left to start PEP" in rendered(first[0])
    labels = [render(b.label.key) for row in first[0].buttons for b in row]
    assert "✅ PEP started" in labels and "✅ Exam done" in labels

    pep = windows[ClockKind.PEP]
    started = await world.services.clocks.mark(world.private("Thandi"), pep.id, "done")
    assert started.ok, started
    second = await at_time(world, start + 68 * HOUR)
    assert second and all(keys_of(i) == ["clock.forensic.reminder"] for i in second)
    third = await at_time(world, start + 71 * HOUR)
    assert third and all("clock.pep.reminder" not in keys_of(i) for i in third)
    ec = await at_time(world, start + 108 * HOUR)
    assert ec and all(keys_of(i) == ["clock.ec.reminder"] for i in ec)
    for hours in (116, 119, 200):
        assert all(
            "clock.pep.reminder" not in keys_of(i)
            for i in await at_time(world, start + hours * HOUR)
        )


async def test_when_moves_the_clocks_and_their_reminders(world: World) -> None:
    alert = await taken(world, CrisisType.ARREST)
    done = await world.services.clocks.when(world.private("Thandi"), alert.code, TypedTime(21, 30))
    assert done.ok, done
    # 21:30 is still to come on Friday morning: it was Thursday evening.
    thursday = at("2027-01-14 21:30")
    assert (await world.reload(alert)).occurred_at == thursday
    legal = (await clocks(world, alert))[ClockKind.LEGAL]
    assert legal.started_at == thursday
    assert legal.due_at == at("2027-01-18 16:00")  # Saturday 21:30 is no court time either
    assert await reminder_times(world, alert) == [
        at("2027-01-17 16:00"), at("2027-01-18 08:00"), at("2027-01-18 14:00")
    ]  # fmt: skip
    earlier = TypedTime(9, 0, date(2027, 1, 13))
    assert (await world.services.clocks.when(world.private("Nomsa"), alert.code, earlier)).ok
    legal = (await clocks(world, alert))[ClockKind.LEGAL]
    assert legal.due_at == at("2027-01-15 09:00")  # Friday, within court hours: 48 hours
    assert await reminder_times(world, alert) == []  # every point has passed


async def test_the_type_decides_the_clocks(world: World) -> None:
    alert = await taken(world, CrisisType.ASSAULT)
    assert await clocks(world, alert) == {}
    async with world.services.core.store.transaction() as db:
        await alerts_q.set_crisis_type(db, alert.id, CrisisType.SEXUAL)
        await world.services.clocks.retyped(db, await alerts_q.alert_by_id(db, alert.id))  # type: ignore[arg-type]
    assert set(await clocks(world, alert)) == {ClockKind.PEP, ClockKind.EC, ClockKind.FORENSIC}
    assert len(await reminder_times(world, alert)) == 9
    async with world.services.core.store.transaction() as db:
        await alerts_q.set_crisis_type(db, alert.id, CrisisType.ARREST)
        await world.services.clocks.retyped(db, await alerts_q.alert_by_id(db, alert.id))  # type: ignore[arg-type]
    assert set(await clocks(world, alert)) == {ClockKind.LEGAL}
    assert len(await reminder_times(world, alert)) == 3


async def refused_unchanged(world: World, result: Any, key: str) -> Reply:
    before = await world.snapshot()
    reply = await result()
    assert not reply.ok, reply
    assert reply.text is not None and reply.text.key == key, (reply.text, key)
    assert await world.snapshot() == before
    return reply


async def test_bad_input_gets_a_clear_reply_and_changes_nothing(world: World) -> None:
    from handlers import parsing

    alert = await taken(world, CrisisType.ARREST)
    other = await typed(world, "Zanele", CrisisType.HEALTH)
    await world.member("Kagiso")
    clocks_ = world.services.clocks
    p, code = world.private, alert.code
    future = TypedTime(11, 0, date(2027, 1, 15))
    old = TypedTime(10, 0, date(2026, 12, 31))
    cases: list[tuple[Any, str]] = [
        (lambda: clocks_.when(p("Thandi"), code, future), "when.future"),
        (lambda: clocks_.when(p("Thandi"), code, old), "when.too_old"),
        (lambda: clocks_.held(p("Thandi"), code, "-26.19, 28.03"), "held.coordinates"),
        (lambda: clocks_.held(p("Thandi"), code, "cell 3 5G6C+2W"), "held.coordinates"),
        (lambda: clocks_.held(p("Thandi"), code, "   "), "held.usage"),
        (lambda: clocks_.held(p("Thandi"), code, "x" * 101), "too_long"),
        (lambda: clocks_.held(p("Nomsa"), other.code, "Hillbrow SAPS"), "clock.not_arrest"),
        (lambda: clocks_.held(p("Kagiso"), code, "Hillbrow SAPS"), "clock.not_team"),
        (lambda: clocks_.held(world.group("Thandi"), code, "Hillbrow SAPS"), "private_only"),
        (lambda: clocks_.held(p("Thandi"), "ZZZZ", "Hillbrow SAPS"), "unknown_code"),
        (lambda: clocks_.court_date(p("Thandi"), code, date(2027, 1, 14)), "courtdate.past"),
        (lambda: clocks_.court_date(p("Thandi"), code, date(2028, 3, 1)), "courtdate.too_far"),
        (lambda: clocks_.court_date(p("Nomsa"), other.code, date(2027, 2, 1)), "clock.not_arrest"),
        (lambda: clocks_.held(p("Thandi"), other.code, "Hillbrow SAPS"), "clock.not_team"),
        (lambda: clocks_.when(p("Kagiso"), code, TypedTime(9, 0)), "clock.not_team"),
    ]
    for result, key in cases:
        await refused_unchanged(world, result, key)
    # What the adapter cannot parse never reaches the core.
    for args, parser, key in (
        (["K7QX"], parsing.code_and_time, "when.usage"),
        (["K7QX", "soon"], parsing.code_and_time, "when.usage"),
        (["K7QX", "25:00"], parsing.code_and_time, "when.usage"),
        (["K7QX"], parsing.code_and_day, "courtdate.usage"),
        (["K7QX", "3/2/2027"], parsing.code_and_day, "courtdate.usage"),
        ([], parsing.code_and_day, "missing_code"),
    ):
        with pytest.raises(parsing.Refused) as refusal:
            parser(args, "x")
        assert refusal.value.reply.text is not None and refusal.value.reply.text.key == key
    with pytest.raises(parsing.Refused) as refusal:
        parsing.code_and_words(["K7QX"], "K7QX  ", "held", "held.usage")
    assert refusal.value.reply.text is not None and refusal.value.reply.text.key == "held.usage"
    # The group's message is deleted, since it may name where someone is held.
    reply = await clocks_.held(world.group("Thandi"), code, "Hillbrow SAPS")
    assert reply.cleanup


async def test_held_is_kept_as_typed_and_emptied_at_retention(world: World) -> None:
    await world.services.squads.place(
        world.private("Nomsa"), _place("add Hillbrow SAPS -26.19, 28.05")
    )
    alert = await taken(world, CrisisType.ARREST)
    held = await world.services.clocks.held(world.private("Thandi"), alert.code, "hillbrow  saps")
    assert held.ok, held
    legal = (await clocks(world, alert))[ClockKind.LEGAL]
    assert legal.held_at == "hillbrow saps" and legal.held_place_id is not None
    assert "Held at: hillbrow saps" in rendered(await brief_of(world, alert))
    assert (await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "legal")).ok
    world.clock.advance(31 * 86400)
    await world.services.privacy.purge_expired()
    legal = (await clocks(world, alert))[ClockKind.LEGAL]
    assert legal.held_at is None and legal.held_place_id is None
    assert await reminder_times(world, alert) == []
    path = world.services.core.settings.database
    assert not db_rows(path, "SELECT 1 FROM clocks WHERE held_at IS NOT NULL")
    late = await world.services.clocks.mark(world.private("Thandi"), legal.id, "released")
    assert not late.ok and late.text is not None and late.text.key == "clock.purged"


def _place(text: str) -> Any:
    from tests.support import place

    return place(text)


async def test_forgetme_empties_where_the_reporter_was_held(world: World) -> None:
    world.users["Zanele"] = 950
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await typed(world, "Zanele", CrisisType.ARREST)
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")).ok
    assert (await world.services.clocks.held(world.private("Thandi"), alert.code, "Cell 4")).ok
    forgot = await world.services.privacy.forget(world.private("Zanele"), world.users["Zanele"])
    assert forgot.ok, forgot
    assert (await clocks(world, alert))[ClockKind.LEGAL].held_at is None


async def test_status_shows_open_legal_clocks_with_time_left(world: World) -> None:
    alert = await taken(world, CrisisType.ARREST)
    world.clock.t = at("2027-01-18 10:00")
    status = await world.services.squads.status(world.private("Nomsa"))
    text = render(status.text.key, status.text.params)  # type: ignore[union-attr]
    assert "Legal clocks:" in text
    assert f"#{alert.code} · 6 hours left, limit Jan 18, 2027 16:00" in text
    legal = (await clocks(world, alert))[ClockKind.LEGAL]
    assert (await world.services.clocks.mark(world.private("Thandi"), legal.id, "appeared")).ok
    status = await world.services.squads.status(world.private("Nomsa"))
    assert "Legal clocks:" not in render(status.text.key, status.text.params)  # type: ignore[union-attr]


async def test_no_reminder_or_log_line_holds_a_name_or_a_coordinate(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    alert = await taken(world, CrisisType.ARREST)
    assert (
        await world.services.clocks.held(world.private("Thandi"), alert.code, "Cell 4 Hillbrow")
    ).ok
    sexual = await typed(world, "Zanele", CrisisType.SEXUAL)
    async with world.services.core.store.transaction() as db:
        await world.services.clocks.retyped(db, sexual)
    reminders = []
    for hours in (24, 40, 46, 60, 68, 71, 108, 116, 119):
        reminders += await at_time(world, alert.created_at + hours * HOUR)
    assert len(reminders) >= 10
    secrets = ("Thandi", "Nomsa", "Zanele", "Hillbrow", "Cell 4", "-26.", "28.0", "help")
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("bot")]
    for text in [rendered(i) for i in reminders] + logged:
        assert not [s for s in secrets if s in text], text
    assert any("clock reminder" in line for line in logged)


async def test_an_outcome_false_alarm_stops_the_clocks(world: World) -> None:
    alert = await taken(world, CrisisType.SEXUAL)
    closed = await world.alerts.press(
        world.private("Thandi"), Action.OUTCOME, alert.id, Outcome.FALSE_ALARM.value
    )
    assert closed.ok
    assert await reminder_times(world, alert) == []
    assert {c.mark for c in (await clocks(world, alert)).values()} == {Mark.ENDED}


async def test_a_court_date_on_a_cancelled_arrest_is_refused_and_changes_nothing(
    world: World,
) -> None:
    await world.member("Sipho", HERE[0] + 0.01, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} she was arrested")
    assert (await world.alerts.cancel(world.group(world.lead), alert.code)).ok
    before = await world.snapshot()
    day = date.fromtimestamp(world.clock() + 5 * 86400)
    refused = await world.services.clocks.court_date(world.private(world.lead), alert.code, day)
    assert not refused.ok
    assert await world.snapshot() == before


async def test_a_court_date_past_the_retention_still_gets_its_reminder(world: World) -> None:
    alert = await taken(world, CrisisType.ARREST)
    set_ = await world.services.clocks.court_date(
        world.private("Thandi"), alert.code, date(2027, 3, 31)
    )
    assert set_.ok, set_
    assert (await world.alerts.press(world.private("Thandi"), Action.OUTCOME, alert.id, "legal")).ok
    await world.deliver_all()
    world.clock.t = at("2027-02-20 10:00")  # more than 30 days after the close
    assert await world.services.privacy.purge_expired() > 0
    reminder = await at_time(world, at("2027-03-30 08:00"))
    assert reminder and "the court date is tomorrow" in rendered(reminder[0])
