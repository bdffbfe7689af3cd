"""Alert floods: the pure decision, and the held alert's way through the core."""

from __future__ import annotations

from bot.domain import Alert, AlertState, Origin
from bot.floods import FloodRules, Hold, HoldReason, Merge, decide
from bot.geo import Point
from bot.intents import Action, MessageRole, Op
from tests.support import World

HERE = Point(-26.2041, 28.0473)
RULES = FloodRules(window_s=300, radius_m=300, nonmember_cap=2)
NOW = 1_800_000_000.0


def open_alert(created_at: float, lat: float | None = HERE.lat, alert_id: int = 1) -> Alert:
    return Alert(
        id=alert_id, squad_id=1, code="ABCD", reporter_user_id=9, origin=Origin.GROUP,
        origin_chat_id=-1, origin_message_id=alert_id, text="", lat=lat,
        lon=HERE.lon if lat is not None else None, area_label=None, state=AlertState.OFFERED,
        owner_member_id=None, broadcast=False, offers_made=1, escalations=0, outcome=None,
        note=None, created_at=created_at, acknowledged_at=None, closed_at=None,
    )  # fmt: skip


def test_a_second_alert_nearby_within_the_window_merges() -> None:
    first = open_alert(NOW - 60)
    near = Point(HERE.lat + 0.001, HERE.lon)  # about 110 m
    assert decide([first], near, is_member=False, blocked=False, now=NOW, rules=RULES) == Merge(
        first
    )
    # Without a location on either side, it is taken as the same emergency.
    assert decide([first], None, is_member=True, blocked=False, now=NOW, rules=RULES) == Merge(
        first
    )


def test_far_away_or_late_alerts_do_not_merge() -> None:
    far = Point(HERE.lat + 0.01, HERE.lon)  # about 1.1 km
    first = open_alert(NOW - 60)
    assert decide([first], far, is_member=True, blocked=False, now=NOW, rules=RULES) is None
    old = open_alert(NOW - 301)
    assert decide([old], HERE, is_member=True, blocked=False, now=NOW, rules=RULES) is None


def test_a_nonmember_over_the_cap_is_held_and_a_member_is_not() -> None:
    far = Point(HERE.lat + 0.05, HERE.lon)
    two = [open_alert(NOW - 600, alert_id=1), open_alert(NOW - 500, alert_id=2)]
    held = decide(two, far, is_member=False, blocked=False, now=NOW, rules=RULES)
    assert held == Hold(HoldReason.OVER_CAP)
    assert decide(two[:1], far, is_member=False, blocked=False, now=NOW, rules=RULES) is None
    assert decide(two, far, is_member=True, blocked=False, now=NOW, rules=RULES) is None


def test_a_blocked_person_is_held_even_on_a_first_alert() -> None:
    assert decide([], HERE, is_member=True, blocked=True, now=NOW, rules=RULES) == Hold(
        HoldReason.BLOCKED
    )


async def test_a_held_alert_waits_for_a_lead_then_dispatches(world: World) -> None:
    thandi = await world.member("Thandi", HERE.lat + 0.004, HERE.lon)
    world.users["Blocked"] = 777
    assert (await world.services.blocks.set_blocked(world.group("Nomsa"), "", 777, blocked=True)).ok
    alert = await world.alert("Blocked", f"{HERE.lat}, {HERE.lon} help")
    assert alert.held and alert.state is AlertState.NEW
    intents = await world.outbox()
    assert not [i for i in intents if i.role is MessageRole.OFFER]
    assert not [i for i in intents if i.role is MessageRole.CARD], "no card for a held alert"
    assert [i.role for i in intents if i.alert_id == alert.id] == [MessageRole.HELD]
    # The auditor leaves it alone: it waits for a lead on purpose.
    assert await world.services.auditor.check() == []
    await world.deliver_all()
    done = await world.alerts.press(world.private("Nomsa"), Action.DISPATCH, alert.id, "")
    assert done.ok, done
    fresh = await world.reload(alert)
    assert not fresh.held and fresh.state is AlertState.OFFERED
    offers = [i for i in await world.outbox() if i.role is MessageRole.OFFER and i.op is Op.SEND]
    assert [o.member_id for o in offers] == [thandi.id]
    again = await world.alerts.press(world.private("Nomsa"), Action.DISMISS, alert.id, "")
    assert not again.ok and again.answer is not None and again.answer.key == "held.decided"


async def test_the_auditor_puts_back_an_alert_whose_responder_vanished(world: World) -> None:
    await world.member("Thandi", HERE.lat + 0.004, HERE.lon)
    sipho = await world.member("Sipho", HERE.lat + 0.01, HERE.lon)
    alert = await world.alert("Zanele", f"{HERE.lat}, {HERE.lon}")
    assert (await world.alerts.press(world.private("Sipho"), Action.CLAIM, alert.id, "")).ok
    # A bug, or a hand edit, deletes the member under the alert.
    async with world.services.core.store.transaction() as db:
        await db.execute("DELETE FROM members WHERE id = ?", (sipho.id,))
    assert (await world.reload(alert)).state is AlertState.ACKNOWLEDGED
    assert await world.services.alerts.release_orphans() == [alert.code]
    fresh = await world.reload(alert)
    assert fresh.owner_member_id is None and fresh.state in (
        AlertState.OFFERED,
        AlertState.ESCALATED,
    )
    pages = [i for i in await world.outbox() if i.role is MessageRole.PAGE]
    assert pages and pages[-1].text is not None and pages[-1].text.key == "release.lead"


async def test_a_responder_who_forgets_themselves_releases_the_alert(world: World) -> None:
    await world.member("Thandi", HERE.lat + 0.004, HERE.lon)
    await world.member("Sipho", HERE.lat + 0.01, HERE.lon)
    alert = await world.alert("Zanele", f"{HERE.lat}, {HERE.lon}")
    assert (await world.alerts.press(world.private("Sipho"), Action.CLAIM, alert.id, "")).ok
    asked = await world.services.privacy.forget_request(world.private("Sipho"))
    assert asked.ok, "holding an alert no longer blocks /forgetme"
    sipho_id = world.users["Sipho"]
    assert (await world.services.privacy.forget(world.private("Sipho"), sipho_id)).ok
    fresh = await world.reload(alert)
    assert fresh.owner_member_id is None and fresh.state in (
        AlertState.OFFERED,
        AlertState.ESCALATED,
    )
    pages = [i for i in await world.outbox() if i.role is MessageRole.PAGE]
    assert pages and pages[-1].text is not None and pages[-1].text.key == "release.lead"
