"""Responder check-ins: "Are you safe?" while on an alert; no answer, or "I need help",
pages the leads and raises a linked "responder needs help" alert."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.checkins import last_known
from bot.domain import (
    Alert,
    AlertState,
    Availability,
    Checkin,
    CheckinState,
    CrisisType,
    Location,
    Member,
)
from bot.geo import Point, grid_label
from bot.intents import Action, Intent, MessageRole, Op
from bot.messages import render
from bot.services import Services
from data import alerts as alerts_q
from data import checkins as checkins_q
from data import squads as squads_q
from tests.support import COORD_RE, Clock, World, unit_settings

HERE = (-26.2041, 28.0473)
AT = f"{HERE[0]}, {HERE[1]}"
THANDI_AT = (HERE[0] + 0.004, HERE[1])  # ~450 m from the alert
SIPHO_AT = (HERE[0] + 0.02, HERE[1])  # ~2 km
INTERVAL = 30 * 60  # the defaults: SQUADLINE_CHECKIN_INTERVAL, SQUADLINE_CHECKIN_GRACE
GRACE = 10 * 60


async def thandi_on_an_alert(world: World) -> tuple[Alert, Member]:
    """Thandi (nearest) accepts Zanele's alert; Sipho, further out, is available."""
    await world.member("Thandi", *THANDI_AT)
    await world.member("Sipho", *SIPHO_AT)
    alert = await world.alert("Zanele", f"{AT} at the taxi rank")
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")).ok
    return await world.reload(alert), await world.get_member("Thandi")


async def checkin(world: World, alert: Alert, member: Member) -> Checkin | None:
    async with world.services.core.store.reading() as db:
        return await checkins_q.checkin_of(db, alert.id, member.id)


async def drain(world: World) -> list[Intent]:
    """Everything queued and not yet delivered; then it counts as delivered."""
    queued = await world.outbox()
    await world.deliver_all()
    return queued


def of(queued: list[Intent], role: MessageRole, op: Op = Op.SEND) -> list[Intent]:
    return [i for i in queued if i.role is role and i.op is op]


async def sent(world: World, role: MessageRole, op: Op = Op.SEND) -> list[Intent]:
    """What is queued of ``role`` (everything queued then counts as delivered)."""
    return of(await drain(world), role, op)


async def linked_to(world: World, alert: Alert) -> list[Alert]:
    async with world.services.core.store.reading() as db:
        async with db.execute(
            "SELECT id FROM alerts WHERE linked_alert_id = ? ORDER BY id", (alert.id,)
        ) as cur:
            ids = [r["id"] for r in await cur.fetchall()]
        found = [await alerts_q.alert_by_id(db, i) for i in ids]
    return [a for a in found if a is not None]


async def goes_unanswered(world: World) -> None:
    """The next question comes, and its grace runs out."""
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    world.clock.advance(GRACE + 1)
    await world.fire_due()


def text_of(intent: Intent) -> str:
    assert intent.text is not None
    return render(intent.text.key, intent.text.params)


async def test_a_responder_is_asked_are_you_safe_an_interval_after_accepting(
    world: World,
) -> None:
    alert, thandi = await thandi_on_an_alert(world)
    await world.deliver_all()
    world.clock.advance(INTERVAL - 1)
    await world.fire_due()
    assert await sent(world, MessageRole.CHECKIN) == []
    world.clock.advance(2)
    assert await world.fire_due() == 1
    (question,) = await sent(world, MessageRole.CHECKIN)
    assert question.chat_id == thandi.private_chat_id and question.member_id == thandi.id
    assert question.text is not None and question.text.key == "checkin.ask"
    assert f"#{alert.code}" in text_of(question) and "10 minutes" in text_of(question)
    state = await checkin(world, alert, thandi)
    assert state is not None and state.state is CheckinState.ASKED
    (buttons,) = question.buttons
    assert [(b.action, b.alert_id) for b in buttons] == [
        (Action.SAFE, state.id),
        (Action.NEED_HELP, state.id),
    ]


async def test_im_ok_thanks_them_and_the_next_question_comes_an_interval_later(
    world: World,
) -> None:
    alert, thandi = await thandi_on_an_alert(world)
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    await world.deliver_all()
    state = await checkin(world, alert, thandi)
    assert state is not None
    world.clock.advance(60)
    reply = await world.services.checkins.answer(world.private("Thandi"), state.id, ok=True)
    assert reply.ok and reply.answer is not None and reply.answer.key == "checkin.ok"
    (edit,) = await sent(world, MessageRole.CHECKIN, Op.EDIT)
    assert "ask again in 30 minutes" in text_of(edit) and edit.buttons == ()
    # The grace passes: nothing happens, she answered.
    world.clock.advance(GRACE + 1)
    await world.fire_due()
    queued = await drain(world)
    assert of(queued, MessageRole.PAGE) == [] and of(queued, MessageRole.CHECKIN) == []
    assert await linked_to(world, alert) == []
    # An interval after her answer, the next question.
    world.clock.advance(INTERVAL - GRACE - 2)
    await world.fire_due()
    assert await sent(world, MessageRole.CHECKIN) == []
    world.clock.advance(2)
    await world.fire_due()
    assert len(await sent(world, MessageRole.CHECKIN)) == 1


async def test_no_answer_within_the_grace_pages_the_leads_and_raises_a_linked_alert(
    world: World,
) -> None:
    alert, thandi = await thandi_on_an_alert(world)
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    await world.deliver_all()
    world.clock.advance(GRACE - 2)
    await world.fire_due()
    assert await sent(world, MessageRole.PAGE) == [] and await linked_to(world, alert) == []
    world.clock.advance(2)
    assert await world.fire_due() == 1
    queued = await world.outbox()

    (linked,) = await linked_to(world, alert)
    assert linked.reporter_user_id == thandi.user_id
    assert linked.origin_chat_id == thandi.private_chat_id
    assert (linked.lat, linked.lon) == THANDI_AT, "at her last known location"
    assert linked.text == alert.code, "its words name no one: only the alert she was on"
    assert linked.reporter_alias is not None and linked.reporter_alias.startswith("R-")

    nomsa = await world.get_member("Nomsa")
    (page,) = [i for i in queued if i.role is MessageRole.PAGE]
    assert page.chat_id == nomsa.private_chat_id and page.alert_id == linked.id
    assert page.text is not None and page.text.key == "checkin.lead_missed"
    assert f"#{alert.code}" in text_of(page) and f"#{linked.code}" in text_of(page)
    assert [b.action for row in page.buttons for b in row] == [Action.CLAIM]

    # The linked alert is dispatched like any other: Sipho is offered it; she is told.
    sipho = await world.get_member("Sipho")
    offers = [i for i in queued if i.role is MessageRole.OFFER and i.alert_id == linked.id]
    assert [o.member_id for o in offers] == [sipho.id]
    assert "needs help" in text_of(offers[0]) and f"#{alert.code}" in text_of(offers[0])
    (edit,) = [i for i in queued if i.role is MessageRole.CHECKIN and i.op is Op.EDIT]
    assert edit.text is not None and edit.text.key == "checkin.missed"
    assert f"#{linked.code}" in text_of(edit)
    state = await checkin(world, alert, thandi)
    assert state is not None and state.state is CheckinState.MISSED
    # Someone who may be in danger gets no contact or "what is happening?" question.
    asked = {i.text.key for i in queued if i.alert_id == linked.id and i.text is not None}
    assert not asked & {"contact.ask", "type.ask"}
    to_her = [i for i in queued if i.chat_id == thandi.private_chat_id]
    assert not [i for i in to_her if i.alert_id == linked.id]


async def test_an_assigned_responder_is_asked_too(world: World) -> None:
    await world.member("Thandi", *THANDI_AT)
    await world.member("Sipho", *SIPHO_AT)
    alert = await world.alert("Zanele", f"{AT} at the taxi rank")
    assert (await world.alerts.assign(world.group("Nomsa"), alert.code, "Sipho")).ok
    sipho = await world.get_member("Sipho")
    await world.deliver_all()
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    (question,) = await sent(world, MessageRole.CHECKIN)
    assert question.member_id == sipho.id


async def test_a_responder_the_bot_cannot_reach_counts_as_not_answering(world: World) -> None:
    alert, thandi = await thandi_on_an_alert(world)
    assert thandi.private_chat_id is not None
    async with world.services.core.store.transaction() as db:  # she blocked the bot
        await squads_q.mark_blocked(db, thandi.private_chat_id, world.clock())
    await world.deliver_all()
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    assert await sent(world, MessageRole.CHECKIN) == [], "nowhere to ask"
    world.clock.advance(GRACE + 1)
    await world.fire_due()
    pages = await sent(world, MessageRole.PAGE)
    assert [p.text.key for p in pages if p.text] == ["checkin.lead_missed"]
    (linked,) = await linked_to(world, alert)
    assert (linked.lat, linked.lon) == THANDI_AT


async def test_the_group_card_and_the_lead_pages_never_show_the_coordinates(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    alert, _ = await thandi_on_an_alert(world)
    await world.deliver_all()
    await goes_unanswered(world)
    (linked,) = await linked_to(world, alert)
    about = [i for i in await world.outbox() if i.alert_id == linked.id]
    cards = await world.cards(linked)
    pages = [i for i in about if i.role is MessageRole.PAGE]
    assert cards and pages
    for intent in cards + pages:
        assert not COORD_RE.search(text_of(intent)), text_of(intent)
    # The board lists both alerts; the linked alert's own line names nobody.
    (line,) = [x for x in text_of(cards[-1]).splitlines() if f"#{linked.code}" in x]
    assert "Thandi" not in line, "the group card names nobody"
    assert "needs help" in line and f"{linked.area_label}" in line
    # The card shows the area of the alert she was on, not the cell of where she is now.
    assert linked.area_label == alert.area_label
    assert grid_label(Point(*THANDI_AT)) != alert.area_label
    assert not [i for i in about if i.op is Op.LOCATION], "no pin before someone takes it"
    # The precise location goes only to whoever takes it.
    await world.deliver_all()
    assert (await world.alerts.press(world.private("Sipho"), Action.ACCEPT, linked.id, "")).ok
    pins = [i for i in await world.outbox() if i.op is Op.LOCATION]
    sipho = await world.get_member("Sipho")
    assert [(p.chat_id, p.lat, p.lon) for p in pins] == [(sipho.private_chat_id, *THANDI_AT)]
    # Logs name alert codes, never people or places.
    logged = caplog.text
    assert alert.code in logged and linked.code in logged
    assert "Thandi" not in logged and not COORD_RE.search(logged)


async def test_i_need_help_pages_the_leads_and_raises_the_linked_alert_at_once(
    world: World,
) -> None:
    alert, thandi = await thandi_on_an_alert(world)
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    await world.deliver_all()
    state = await checkin(world, alert, thandi)
    assert state is not None
    reply = await world.services.checkins.answer(world.private("Thandi"), state.id, ok=False)
    assert reply.ok and not reply.request_location, "her location is known: no question"
    (linked,) = await linked_to(world, alert)
    assert (linked.lat, linked.lon) == THANDI_AT and linked.state is AlertState.OFFERED
    queued = await world.outbox()
    (page,) = [i for i in queued if i.role is MessageRole.PAGE]
    assert page.text is not None and page.text.key == "checkin.lead_help"
    (edit,) = [i for i in queued if i.role is MessageRole.CHECKIN and i.op is Op.EDIT]
    assert edit.text is not None and edit.text.key == "checkin.help_sent" and not edit.buttons
    # The grace of the question she answered is over: nobody is paged again, and the next
    # question comes an interval after her answer.
    await world.deliver_all()
    world.clock.advance(GRACE + 1)
    await world.fire_due()
    queued = await drain(world)
    assert of(queued, MessageRole.PAGE) == [] and of(queued, MessageRole.CHECKIN) == []
    assert len(await linked_to(world, alert)) == 1
    world.clock.advance(INTERVAL - GRACE)
    await world.fire_due()
    assert len(await sent(world, MessageRole.CHECKIN)) == 1


async def test_a_second_miss_pages_the_leads_again_but_raises_no_second_alert(
    world: World,
) -> None:
    alert, _ = await thandi_on_an_alert(world)
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    world.clock.advance(GRACE + 1)
    await world.fire_due()
    await world.deliver_all()
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    assert len(await sent(world, MessageRole.CHECKIN)) == 1, "asked again"
    world.clock.advance(GRACE + 1)
    await world.fire_due()
    pages = await sent(world, MessageRole.PAGE)
    keys = [p.text.key for p in pages if p.text and p.text.key.startswith("checkin.")]
    assert keys == ["checkin.lead_missed_again"]
    assert len(await linked_to(world, alert)) == 1


async def test_a_late_im_ok_is_heard_and_the_leads_are_told(world: World) -> None:
    alert, thandi = await thandi_on_an_alert(world)
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    world.clock.advance(GRACE + 1)
    await world.fire_due()
    await world.deliver_all()
    (linked,) = await linked_to(world, alert)
    state = await checkin(world, alert, thandi)
    assert state is not None
    reply = await world.services.checkins.answer(world.private("Thandi"), state.id, ok=True)
    assert reply.ok
    pages = await sent(world, MessageRole.PAGE)
    assert [p.text.key for p in pages if p.text] == ["checkin.lead_ok_late"]
    assert f"/cancel {linked.code}" in text_of(pages[0])
    assert (await world.reload(linked)).is_open, "the leads decide about the linked alert"
    # A second press: nothing is asked any more.
    before = await world.snapshot()
    again = await world.services.checkins.answer(world.private("Thandi"), state.id, ok=True)
    assert not again.ok and again.text is not None and again.text.key == "checkin.not_asked"
    assert await world.snapshot() == before


async def test_arrived_restarts_the_interval(world: World) -> None:
    alert, _ = await thandi_on_an_alert(world)
    world.clock.advance(20 * 60)
    arrived = await world.alerts.press(world.private("Thandi"), Action.ARRIVED, alert.id, "")
    assert arrived.ok
    await world.deliver_all()
    world.clock.advance(INTERVAL - 20 * 60 + 60)  # 31 min after accepting
    await world.fire_due()
    assert await sent(world, MessageRole.CHECKIN) == [], "counted from Arrived, not accepting"
    world.clock.advance(20 * 60 - 60 - 2)  # 1 s before 30 min after Arrived
    await world.fire_due()
    assert await sent(world, MessageRole.CHECKIN) == []
    world.clock.advance(2)
    await world.fire_due()
    assert len(await sent(world, MessageRole.CHECKIN)) == 1


async def test_after_arrived_with_no_shared_location_the_scene_is_her_last_known_place(
    world: World,
) -> None:
    await world.member("Thandi")  # shares no location
    await world.member("Sipho", *SIPHO_AT)
    alert = await world.alert("Zanele", f"{AT} at the taxi rank")
    assert (await world.alerts.press(world.private("Thandi"), Action.CLAIM, alert.id, "")).ok
    assert (await world.alerts.press(world.private("Thandi"), Action.ARRIVED, alert.id, "")).ok
    await goes_unanswered(world)
    (linked,) = await linked_to(world, alert)
    assert (linked.lat, linked.lon) == HERE


async def test_with_no_known_location_she_is_asked_for_one_and_her_pin_places_the_alert(
    world: World,
) -> None:
    await world.member("Thandi")  # shares no location, never presses Arrived
    await world.member("Sipho", *SIPHO_AT)
    alert = await world.alert("Zanele", f"{AT} at the taxi rank")
    assert (await world.alerts.press(world.private("Thandi"), Action.CLAIM, alert.id, "")).ok
    thandi = await world.get_member("Thandi")
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    state = await checkin(world, alert, thandi)
    assert state is not None
    reply = await world.services.checkins.answer(world.private("Thandi"), state.id, ok=False)
    assert reply.ok and reply.request_location
    assert reply.text is not None and reply.text.key == "checkin.where"
    (linked,) = await linked_to(world, alert)
    assert not linked.has_location and linked.state is AlertState.NEW
    pinned = await world.services.members.private_location(world.private("Thandi"), *THANDI_AT)
    assert pinned is not None and pinned.ok
    fresh = await world.reload(linked)
    assert (fresh.lat, fresh.lon) == THANDI_AT and fresh.state is AlertState.OFFERED


async def test_with_no_known_location_the_linked_alert_goes_to_the_whole_squad_after_the_wait(
    world: World,
) -> None:
    await world.member("Thandi")
    await world.member("Sipho", *SIPHO_AT)
    await world.member("Lerato")
    alert = await world.alert("Zanele", f"{AT} at the taxi rank")
    assert (await world.alerts.press(world.private("Thandi"), Action.CLAIM, alert.id, "")).ok
    await goes_unanswered(world)
    (linked,) = await linked_to(world, alert)
    assert not linked.has_location
    world.clock.advance(world.services.core.settings.location_wait.total_seconds() + 1)
    await world.fire_due()
    fresh = await world.reload(linked)
    assert fresh.state is AlertState.OFFERED and fresh.broadcast
    offered = {
        i.member_id for i in await world.outbox() if i.role is MessageRole.OFFER
        if i.alert_id == linked.id
    }  # fmt: skip
    names = ("Sipho", "Lerato", "Nomsa")
    assert offered == {(await world.get_member(n)).id for n in names}


@pytest.fixture
async def wide_world(tmp_path: Path) -> AsyncIterator[World]:
    """A squad where one wave asks every member who may be asked."""
    clock = Clock()
    settings = unit_settings(tmp_path / "wide.sqlite3", waves={CrisisType.OTHER: 10})
    services = Services.build(settings, clock=clock)
    await services.open()
    world = World(services, clock)
    await world.setup()
    yield world
    await services.close()


async def test_the_linked_alert_is_not_offered_to_the_responder(wide_world: World) -> None:
    # One wave asks everyone who may be asked, and she is available again: only being the
    # linked alert's reporter keeps the offer from her.
    world = wide_world
    alert, thandi = await thandi_on_an_alert(world)
    await world.services.members.set_availability(world.private("Thandi"), Availability.AVAILABLE)
    assert (await world.get_member("Thandi")).availability is Availability.AVAILABLE
    await goes_unanswered(world)
    (linked,) = await linked_to(world, alert)
    offered = {
        i.member_id for i in await world.outbox() if i.role is MessageRole.OFFER
        if i.alert_id == linked.id
    }  # fmt: skip
    names = ("Sipho", "Nomsa")
    assert offered == {(await world.get_member(n)).id for n in names}
    assert thandi.id not in offered


@pytest.mark.parametrize("how", ["close", "cancel"])
async def test_closing_the_alert_stops_the_check_ins(world: World, how: str) -> None:
    alert, thandi = await thandi_on_an_alert(world)
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    await world.deliver_all()
    state = await checkin(world, alert, thandi)
    assert state is not None
    if how == "close":
        ended = await world.alerts.press(
            world.private("Thandi"), Action.OUTCOME, alert.id, "resolved"
        )
    else:  # a lead cancels it
        ended = await world.alerts.cancel(world.group("Nomsa"), alert.code)
    assert ended.ok
    assert await checkin(world, alert, thandi) is None, "nothing about it is kept"
    world.clock.advance(10 * INTERVAL)
    assert await world.fire_due() == 0
    queued = await drain(world)
    assert of(queued, MessageRole.CHECKIN) == [] and of(queued, MessageRole.PAGE) == []
    assert await linked_to(world, alert) == []
    # A press on the old question is refused and changes nothing.
    before = await world.snapshot()
    late = await world.services.checkins.answer(world.private("Thandi"), state.id, ok=False)
    assert not late.ok and await world.snapshot() == before


async def test_a_responder_taken_off_the_team_gets_no_more_questions(world: World) -> None:
    alert, thandi = await thandi_on_an_alert(world)
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    await world.deliver_all()
    removed = await world.services.squads.set_role(world.group("Nomsa"), "Thandi", None, None)
    assert removed.ok
    world.clock.advance(10 * INTERVAL)
    await world.fire_due()
    asked = [
        i for i in await world.outbox()
        if i.role is MessageRole.CHECKIN and i.op is Op.SEND and i.member_id == thandi.id
    ]  # fmt: skip
    assert asked == [] and await linked_to(world, alert) == []
    assert await checkin(world, alert, thandi) is None, "nothing about it is kept"


async def test_only_the_responder_may_answer_their_check_in(world: World) -> None:
    alert, thandi = await thandi_on_an_alert(world)
    world.clock.advance(INTERVAL + 1)
    await world.fire_due()
    state = await checkin(world, alert, thandi)
    assert state is not None
    for name in ("Sipho", "Nomsa"):
        for ok in (True, False):
            before = await world.snapshot()
            reply = await world.services.checkins.answer(world.private(name), state.id, ok=ok)
            assert not reply.ok and reply.text is not None
            assert reply.text.key == "checkin.not_yours"
            assert await world.snapshot() == before
    unknown = await world.services.checkins.answer(world.private("Thandi"), 9999, ok=False)
    assert not unknown.ok


async def test_check_ins_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite3"
    clock = Clock()
    first = Services.build(unit_settings(path), clock=clock)
    await first.open()
    w = World(first, clock)
    await w.setup()
    alert, _ = await thandi_on_an_alert(w)
    await first.close()

    clock.advance(INTERVAL + 1)  # the question fell due while the bot was down
    second = Services.build(unit_settings(path), clock=clock)
    await second.open()
    w2 = World(second, clock, token=w.token, users=w.users, message_ids=w.message_ids)
    await w2.deliver_all()
    assert await w2.fire_due() == 1
    assert len(await sent(w2, MessageRole.CHECKIN)) == 1
    await second.close()

    clock.advance(GRACE + 1)  # and its grace ran out during a second outage
    third = Services.build(unit_settings(path), clock=clock)
    await third.open()
    w3 = World(third, clock, token=w.token, users=w.users, message_ids=w.message_ids)
    assert await w3.fire_due() == 1
    assert len(await linked_to(w3, alert)) == 1
    await third.close()


def test_the_last_known_location_is_the_newer_of_her_pin_and_the_scene() -> None:
    scene = Point(-26.2, 28.0)
    pin = Location(-26.3, 28.1, at=1000.0)
    assert last_known(None, None, scene, 2000.0) is None, "not arrived: the scene is not hers"
    assert last_known(pin, None, scene, 2000.0) == Point(-26.3, 28.1)
    assert last_known(None, 1500.0, scene, 2000.0) == scene
    assert last_known(pin, 1500.0, scene, 2000.0) == scene, "she arrived after her pin"
    assert last_known(pin, 500.0, scene, 2000.0) == Point(-26.3, 28.1)
    live = Location(-26.3, 28.1, at=1000.0, live_until=3000.0)
    assert last_known(live, 1500.0, scene, 2000.0) == Point(-26.3, 28.1), "live is newest"
    assert last_known(None, 1500.0, None, 2000.0) is None


async def test_only_a_lead_cancels_the_linked_alert(world: World) -> None:
    alert, _ = await thandi_on_an_alert(world)
    await world.deliver_all()
    await goes_unanswered(world)
    (linked,) = await linked_to(world, alert)
    before = await world.snapshot()
    own = await world.alerts.cancel(world.private("Thandi"), linked.code)
    assert not own.ok and own.text is not None and own.text.key == "cancel.linked_leads_only"
    assert await world.snapshot() == before
    assert (await world.alerts.cancel(world.private(world.lead), linked.code)).ok
