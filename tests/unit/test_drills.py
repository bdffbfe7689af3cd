"""Drills (issue 15 §2): Nomsa, a lead, types /drill in the squad's group. A practice alert
runs through the real squad, every message it causes says DRILL, it happens at a made-up
place near the squad and away from every member, it counts in no figure, and once it ends
and the phones are cleaned it is gone from the database file, byte by byte."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.aftercare.rules import makes_followups
from bot.core import Caller
from bot.delivery import Delivery
from bot.domain import Alert, CrisisType, Place
from bot.drills.marking import MARKER
from bot.drills.placing import FAR_M, KEEP_AWAY_M, NEAR_M, anchor, made_up_point
from bot.fund.amounts import FundCommand, FundVerb
from bot.geo import Point, distance_m
from bot.intents import Action, MessageRole, Op, Reply
from bot.messages import render
from bot.reports.periods import Period
from data import alerts as alerts_q
from data.outbox import next_batch
from tests.support import World, place
from tests.support.aftercare import said, world_rows
from tests.support.db import stored_bytes, traces

HERE = (-26.2041, 28.0473)
CLINIC = (-26.2000, 28.0400)


@pytest.fixture
async def squad(world: World) -> World:
    """Thandi, Sipho and Lerato respond near Hillbrow; the squad has saved its clinic."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho", HERE[0] + 0.01, HERE[1])
    await world.member("Lerato", HERE[0] + 0.02, HERE[1])
    added = await world.services.squads.place(
        world.group("Nomsa"), place(f"add Clinic {CLINIC[0]}, {CLINIC[1]}")
    )
    assert added.ok, added
    return world


async def drill(world: World, kind: CrisisType | None = None) -> Alert:
    reply = await world.services.drills.start(world.group("Nomsa"), kind)
    assert reply.ok, reply
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT max(id) AS id FROM alerts WHERE drill = 1") as cur:
            row = await cur.fetchone()
        alert = await alerts_q.alert_by_id(db, row["id"])
    assert alert is not None and alert.drill
    return alert


async def offered_to(world: World, alert: Alert) -> str:
    """Who holds the drill's open offer."""
    rows = await world_rows(
        world, "SELECT member_id FROM offers WHERE alert_id = ? AND answer IS NULL", alert.id
    )
    assert len(rows) == 1, rows
    for name in world.users:
        if name in ("Nomsa",):
            continue
        if (await world.get_member(name)).id == rows[0][0]:
            return name
    raise AssertionError("the offer went to nobody known")


async def take_and_close(world: World, alert: Alert) -> tuple[str, Reply]:
    name = await offered_to(world, alert)
    taken = await world.alerts.press(world.private(name), Action.ACCEPT, alert.id, "")
    assert taken.ok, taken
    closed = await world.alerts.press(world.private(name), Action.OUTCOME, alert.id, "resolved")
    assert closed.ok, closed
    return name, closed


async def going_out(world: World) -> list[tuple[MessageRole, Op, int, str]]:
    """Every message still to go that has words, as the sender sends it (and Telegram takes
    it): (role, op, chat, its words)."""
    async with world.services.core.store.reading() as db:
        rows = await next_batch(db, float("inf"), limit=10_000)
    delivery = Delivery(world.services.core)
    ready = await delivery.started([row.id for row in rows])
    # Telegram takes them all: each message gets an id, so later edits can find it.
    taken = []
    for row in ready:
        world.message_ids += 1
        taken.append((row, row.intent.chat_id, row.intent.message_id or world.message_ids))
    await delivery.delivered(taken)
    return [
        (
            r.intent.role,
            r.intent.op,
            r.intent.chat_id,
            render(r.intent.text.key, r.intent.text.params),
        )
        for r in ready
        if r.intent.text is not None and r.intent.op is not Op.DELETE
    ]


def first_line(words: str) -> str:
    return words.split("\n", 1)[0]


async def test_every_message_a_drill_causes_says_drill_and_its_pin_is_a_titled_venue(
    squad: World,
) -> None:
    world = squad
    await world.deliver_all()  # what came before the drill (the members' welcomes)
    alert = await drill(world)
    out = await going_out(world)
    # Nobody answers: the offer moves on from member to member, then the leads are paged.
    settings = world.services.core.settings
    for _ in range(settings.max_offers):
        world.clock.advance(settings.ack_timeout.total_seconds() + 1)
        await world.fire_due()
        out += await going_out(world)
    assert (await world.reload(alert)).state == "escalated"
    taken = await world.alerts.press(world.private("Thandi"), Action.CLAIM, alert.id, "")
    assert taken.ok, taken
    out += await going_out(world)
    # Thandi is asked whether she is safe, then she closes it.
    world.clock.advance(settings.checkin_interval.total_seconds() + 1)
    await world.fire_due()
    out += await going_out(world)
    closing = await world.alerts.press(
        world.private("Thandi"), Action.OUTCOME, alert.id, "resolved"
    )
    assert closing.ok
    out += await going_out(world)
    marker = render(MARKER)
    private = [(role, op, words) for role, op, chat, words in out if chat > 0]
    cards = [words for role, _, _, words in out if role is MessageRole.CARD]
    roles = {role for role, _, _ in private}
    assert {
        MessageRole.OFFER,
        MessageRole.PAGE,
        MessageRole.OWNER,
        MessageRole.CHECKIN,
        MessageRole.REPORTER,
    } <= roles
    assert cards and all(f"#{alert.code}" in w and first_line(w) == marker for w in cards)
    for role, op, words in private:
        if op is Op.VENUE:
            assert first_line(words) == render("drill.pin_title"), words
        else:
            assert first_line(words) == marker, (role, op, words)
    assert any(op is Op.VENUE for _, op, _ in private), "the responder's pin went as a venue"
    assert any(op is Op.EDIT for _, op, _ in private), "the phones' clean-up is marked too"
    assert not any(op is Op.LOCATION for _, op, _ in private), "a bare pin says nothing"


async def test_the_answer_to_whoever_presses_a_drills_button_says_drill(squad: World) -> None:
    world = squad
    alert = await drill(world)
    _, closed = await take_and_close(world, alert)
    assert first_line(said(closed)) == render(MARKER)
    assert f"#{alert.code} is closed" in said(closed)
    assert "I delete it now" in said(closed)


async def test_a_drill_happens_at_a_made_up_place_near_the_squad_away_from_every_member(
    squad: World,
) -> None:
    world = squad
    stored = await world_rows(world, "SELECT lat, lon FROM user_locations")
    assert len(stored) == 3
    for _ in range(10):
        alert = await drill(world)
        assert alert.lat is not None and alert.lon is not None
        where = Point(alert.lat, alert.lon)
        near = distance_m(where, Point(*CLINIC))
        assert NEAR_M - 1 <= near <= FAR_M + 1, near
        for lat, lon in stored:
            assert distance_m(where, Point(lat, lon)) >= KEEP_AWAY_M


def test_the_made_up_point_keeps_away_and_none_when_the_squad_covers_the_area() -> None:
    rng = random.Random(15)
    centre = Point(*HERE)
    members = [Point(HERE[0] + 0.005, HERE[1]), Point(HERE[0], HERE[1] + 0.01)]
    for _ in range(200):
        point = made_up_point(centre, members, rng)
        assert point is not None
        assert NEAR_M - 1 <= distance_m(point, centre) <= FAR_M + 1
        assert all(distance_m(point, m) >= KEEP_AWAY_M for m in members)
    # Members every 300 m over the whole ring: there is nowhere to put it.
    crowd = [
        Point(HERE[0] + dy * 0.0027, HERE[1] + dx * 0.003)
        for dy in range(-9, 10)
        for dx in range(-9, 10)
    ]
    assert made_up_point(centre, crowd, rng) is None


def test_the_anchor_is_the_squads_places_else_the_leads_location_coarsened() -> None:
    from bot.domain import Location

    clinic = Place(1, 1, "Clinic", CLINIC[0], CLINIC[1])
    assert anchor([clinic], None) == Point(*CLINIC)
    lead = Location(-26.204137, 28.047311, 0.0)
    assert anchor([], lead) == Point(-26.2, 28.05)
    assert anchor([], None) is None


async def test_a_drill_is_in_no_status_report_or_meeting_and_makes_no_follow_up(
    squad: World,
) -> None:
    world = squad
    lead = world.private("Nomsa")
    status = said(await world.services.squads.status(world.group("Nomsa")))
    report = said(await world.services.reports.report(lead, Period()))
    meeting = said(await world.services.aftercare.meeting.digest(lead))
    alert = await drill(world)
    assert said(await world.services.squads.status(world.group("Nomsa"))) == status
    await take_and_close(world, alert)
    closed = await world.reload(alert)
    assert closed.state == "closed"
    assert not makes_followups(closed)
    assert await world_rows(world, "SELECT id FROM followups WHERE alert_id = ?", alert.id) == []
    assert said(await world.services.squads.status(world.group("Nomsa"))) == status
    assert said(await world.services.reports.report(lead, Period())) == report
    assert said(await world.services.aftercare.meeting.digest(lead)) == meeting


async def test_a_drill_has_no_referral_record_warning_or_fund_request(squad: World) -> None:
    world = squad
    alert = await drill(world)
    name, _ = await take_and_close(world, alert)
    me = world.private(name)
    asks = {
        "drill.no_record": lambda: world.services.records.command(me, alert.code),
        "drill.no_warning": lambda: world.services.warnings.warn(me, alert.code),
        "drill.no_referral": lambda: world.services.aftercare.referrals.refer(me, alert.code, None),
        "drill.no_fund": lambda: world.services.fund.command(
            me, FundCommand(FundVerb.REQUEST, amount=Decimal(5), code=alert.code)
        ),
    }
    for key, ask in asks.items():
        before = await world.snapshot()
        answer = await ask()
        assert not answer.ok
        assert said(answer) == render(key, {"code": alert.code}), key
        assert await world.snapshot() == before


async def test_a_drill_goes_once_its_phones_are_cleaned_and_its_bytes_with_it(
    squad: World, tmp_path: Path
) -> None:
    world = squad
    alert = await drill(world)
    assert alert.lat is not None and alert.lon is not None
    await take_and_close(world, alert)
    await world.fire_due()
    # The clean-up of its phones has not gone out yet: the drill waits for it.
    assert await world_rows(world, "SELECT id FROM alerts WHERE id = ?", alert.id) != []
    await world.deliver_all()
    world.clock.advance(world.services.core.settings.drill_recheck.total_seconds())
    await world.fire_due()
    assert await world_rows(world, "SELECT id FROM alerts WHERE id = ?", alert.id) == []
    found = traces(
        stored_bytes(world.services.core.settings.database),
        alert.code,
        alert.lat,
        alert.lon,
        render("drill.words"),
        render(MARKER),
    )
    assert found == []


async def test_a_drill_nobody_ends_ends_after_its_lifetime_and_then_goes(squad: World) -> None:
    world = squad
    alert = await drill(world)
    offered = await offered_to(world, alert)
    assert (await world.alerts.press(world.private(offered), Action.ACCEPT, alert.id, "")).ok
    lifetime = world.services.core.settings.drill_lifetime
    assert lifetime == timedelta(hours=1)
    world.clock.advance(lifetime.total_seconds() - 5)
    await world.fire_due()
    assert (await world.reload(alert)).is_open
    world.clock.advance(10)
    await world.fire_due()
    ended = await world.reload(alert)
    assert ended.state == "cancelled"
    told = [said(i) for i in await world.told() if i.chat_id == world.users["Nomsa"]]
    assert any(render("drill.expired", {"code": alert.code}) in words for words in told)
    withdrawn = render("offer.cancelled", {"code": alert.code})
    assert any(
        said(i) == withdrawn for i in await world.told() if i.chat_id == world.users[offered]
    )
    await world.deliver_all()
    world.clock.advance(world.services.core.settings.drill_recheck.total_seconds())
    await world.fire_due()
    assert await world_rows(world, "SELECT id FROM alerts WHERE id = ?", alert.id) == []
    assert traces(stored_bytes(world.services.core.settings.database), alert.code) == []


async def test_a_real_alert_is_counted_and_kept_beside_a_drill(squad: World) -> None:
    world = squad
    real = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} help at the corner")
    alert = await drill(world)
    # On the board, among the real alert, the drill's own line says DRILL; the real one's not.
    (board, *_) = reversed(await world.cards(alert))
    assert board.text is not None
    lines = render(board.text.key, board.text.params).split("\n")
    (drill_line,) = [line for line in lines if f"#{alert.code}" in line]
    (real_line,) = [line for line in lines if f"#{real.code}" in line]
    assert drill_line.startswith(render("drill.tagged", {"text": ""}))
    assert "DRILL" not in real_line
    await take_and_close(world, alert)
    await world.fire_due()
    await world.deliver_all()
    world.clock.advance(world.services.core.settings.drill_recheck.total_seconds())
    await world.fire_due()
    assert await world_rows(world, "SELECT id FROM alerts WHERE id = ?", alert.id) == []
    assert (await world.reload(real)).is_open
    assert real.code.encode() in stored_bytes(world.services.core.settings.database)


BAD: list[tuple[str, str]] = [
    ("Thandi", "group"),  # a member, not a lead
    ("Nomsa", "private"),  # a lead, but in private
]


@pytest.mark.parametrize(("who", "where"), BAD, ids=[f"{w}-{p}" for w, p in BAD])
async def test_drill_from_a_non_lead_or_in_private_is_refused_and_changes_nothing(
    squad: World, who: str, where: str
) -> None:
    world = squad
    caller: Caller = world.group(who) if where == "group" else world.private(who)
    before = await world.snapshot()
    answer = await world.services.drills.start(caller, None)
    assert not answer.ok
    assert said(answer)
    assert await world.snapshot() == before


@pytest.mark.parametrize("args", [["tomorrow"], ["arrest", "now"], ["x" * 200]])
def test_drill_with_junk_arguments_is_answered_with_how_to_use_it(args: list[str]) -> None:
    from bot.intents import Refused
    from handlers.parsing import drill_type

    with pytest.raises(Refused) as refused:
        drill_type(args)
    words = said(refused.value.reply)
    assert "/drill TYPE" in words
    assert len(words) < 600


def test_drill_arguments_name_a_crisis_type_or_nothing() -> None:
    from handlers.parsing import drill_type

    assert drill_type([]) is None
    assert drill_type(["Arrest"]) is CrisisType.ARREST


async def test_a_drill_whose_clean_up_is_not_taken_goes_anyway_and_the_clean_up_names_no_drill(
    squad: World,
) -> None:
    world = squad
    alert = await drill(world)
    await going_out(world)
    name = await offered_to(world, alert)
    assert (await world.alerts.press(world.private(name), Action.ACCEPT, alert.id, "")).ok
    await going_out(world)  # her brief and the pin are on her phone
    closing = await world.alerts.press(world.private(name), Action.OUTCOME, alert.id, "resolved")
    assert closing.ok
    await world.fire_due()
    assert await world_rows(world, "SELECT id FROM alerts WHERE id = ?", alert.id) != []
    settings = world.services.core.settings
    world.clock.advance(settings.send_give_up.total_seconds() + 1)
    await world.fire_due()
    assert await world_rows(world, "SELECT id FROM alerts WHERE id = ?", alert.id) == []
    private = [i for i in await world.outbox() if i.chat_id == world.users[name]]
    edits = [i for i in private if i.op is Op.EDIT]
    assert edits, "the edits that clean her phone are kept"
    assert all(said(i) == render("drill.over") for i in edits)
    assert all(i.alert_id is None for i in private)
    assert not any(alert.code in said(i) for i in private if i.text is not None)
    # The board still to go shows the other alerts too: it goes as it is, about no alert.
    boards = [i for i in await world.outbox() if i.role is MessageRole.CARD]
    assert all(i.alert_id is None for i in boards)
