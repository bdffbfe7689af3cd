"""The alert lifecycle against a real SQLite file: legal moves work, illegal ones are refused
and change nothing."""

from __future__ import annotations

from bot.domain import AlertState, Availability, Outcome
from bot.intents import Action, MessageRole, Op, Priority
from bot.messages import render
from tests.support import World

HERE = (-26.2041, 28.0473)


async def squad_of_three(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho", HERE[0] + 0.02, HERE[1])
    await world.member("Lerato", HERE[0] + 0.05, HERE[1])


async def test_alert_is_offered_to_the_nearest(world: World) -> None:
    await squad_of_three(world)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} assault")
    assert alert.state is AlertState.OFFERED
    thandi = await world.get_member("Thandi")
    offers = [i for i in await world.outbox() if i.role is MessageRole.OFFER and i.op is Op.SEND]
    assert [o.member_id for o in offers] == [thandi.id]
    assert offers[0].text is not None
    # The core queues metres; the sender formats them in the member's language.
    assert round(offers[0].text.params["distance"]["metres"]) == 443
    assert "Distance: 450 m." in render(offers[0].text.key, offers[0].text.params, "en")


async def test_first_claim_wins_and_the_rest_are_refused(world: World) -> None:
    await squad_of_three(world)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    won = await world.alerts.press(world.private("Sipho"), Action.CLAIM, alert.id, "")
    assert won.ok
    before = await world.snapshot()
    lost = await world.alerts.press(world.private("Lerato"), Action.CLAIM, alert.id, "")
    assert not lost.ok and lost.answer is not None and lost.answer.key == "claim.taken"
    accept = await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")
    assert not accept.ok and accept.answer is not None and accept.answer.key == "claim.taken"
    assert await world.snapshot() == before
    fresh = await world.reload(alert)
    assert fresh.state is AlertState.ACKNOWLEDGED
    assert fresh.owner_member_id == (await world.get_member("Sipho")).id
    assert (await world.get_member("Sipho")).availability is Availability.BUSY


async def test_illegal_moves_are_refused_and_change_nothing(world: World) -> None:
    await squad_of_three(world)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    stranger = world.users.setdefault("Stranger", 999)
    assert stranger

    async def refused(result_coro: object, key: str) -> None:
        before = await world.snapshot()
        result = await result_coro  # type: ignore[misc]
        assert not result.ok, result
        shown = result.answer or result.text
        assert shown is not None and shown.key == key, (shown, key)
        assert await world.snapshot() == before

    p = world.private
    # Unowned alert: no progress, no close.
    await refused(
        world.alerts.press(p("Thandi"), Action.EN_ROUTE, alert.id, ""), "progress.not_owner"
    )
    await refused(
        world.alerts.press(p("Nomsa"), Action.OUTCOME, alert.id, "resolved"), "close.not_open"
    )
    await refused(world.alerts.close(world.group("Nomsa"), alert.code), "close.not_open")
    # Only the offered member may accept or decline; strangers may not press at all.
    await refused(world.alerts.press(p("Sipho"), Action.ACCEPT, alert.id, ""), "accept.not_yours")
    await refused(world.alerts.press(p("Sipho"), Action.DECLINE, alert.id, ""), "accept.not_yours")
    await refused(world.alerts.press(p("Stranger"), Action.CLAIM, alert.id, ""), "not_member")
    # Notes wait for closure; cancel is for the reporter or a lead.
    await refused(world.alerts.note(p("Nomsa"), alert.code, "x"), "note.not_closed")
    await refused(world.alerts.cancel(world.group("Thandi"), alert.code), "cancel.not_allowed")
    # Assign is for leads.
    await refused(world.alerts.assign(world.group("Thandi"), alert.code, "Sipho"), "leads_only")

    # Sipho takes it; now a second claim, an assign and a decline are refused.
    assert (await world.alerts.press(p("Sipho"), Action.CLAIM, alert.id, "")).ok
    await refused(world.alerts.press(p("Lerato"), Action.CLAIM, alert.id, ""), "claim.taken")
    await refused(
        world.alerts.assign(world.group("Nomsa"), alert.code, "Lerato"), "assign.not_open"
    )
    await refused(world.alerts.press(p("Thandi"), Action.DECLINE, alert.id, ""), "decline.stale")
    await refused(world.alerts.press(p("Lerato"), Action.CLOSE, alert.id, ""), "close.not_allowed")
    # Arrived, then "on my way" is a step back.
    assert (await world.alerts.press(p("Sipho"), Action.ARRIVED, alert.id, "")).ok
    await refused(
        world.alerts.press(p("Sipho"), Action.EN_ROUTE, alert.id, ""), "progress.bad_state"
    )
    # A forged outcome is refused.
    await refused(world.alerts.press(p("Sipho"), Action.OUTCOME, alert.id, "nonsense"), "error")
    # Close; then everything on it is refused.
    assert (await world.alerts.press(p("Sipho"), Action.OUTCOME, alert.id, "resolved")).ok
    assert (await world.get_member("Sipho")).availability is Availability.AVAILABLE
    await refused(
        world.alerts.press(p("Sipho"), Action.OUTCOME, alert.id, "health"), "close.not_open"
    )
    await refused(world.alerts.press(p("Lerato"), Action.CLAIM, alert.id, ""), "claim.closed")
    await refused(
        world.alerts.press(p("Sipho"), Action.ARRIVED, alert.id, ""), "progress.bad_state"
    )
    await refused(world.alerts.cancel(world.group("Nomsa"), alert.code), "cancel.not_open.closed")
    await refused(world.alerts.press(p("Nomsa"), Action.CLAIM, 987654, ""), "error")
    note = await world.alerts.note(p("Sipho"), alert.code, "referred")
    assert note.ok
    assert (await world.reload(alert)).note == "referred"


async def test_cancel_stands_everyone_down(world: World) -> None:
    await squad_of_three(world)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    reply = await world.alerts.cancel(world.group("Zanele"), alert.code)
    assert reply.ok
    fresh = await world.reload(alert)
    assert fresh.state is AlertState.CANCELLED
    thandi = await world.get_member("Thandi")
    edits = [i for i in await world.outbox() if i.op is Op.EDIT and i.member_id == thandi.id]
    assert edits and edits[-1].text is not None and edits[-1].text.key == "offer.cancelled"


async def test_decline_moves_on_and_max_offers_escalates(world: World) -> None:
    await squad_of_three(world)
    world.services.core.settings.max_offers = 2
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    assert (await world.alerts.press(world.private("Thandi"), Action.DECLINE, alert.id, "")).ok
    sipho = await world.get_member("Sipho")
    fresh = await world.reload(alert)
    assert fresh.state is AlertState.OFFERED and fresh.offers_made == 2
    offers = [i for i in await world.outbox() if i.role is MessageRole.OFFER and i.op is Op.SEND]
    assert offers[-1].member_id == sipho.id
    assert (await world.alerts.press(world.private("Sipho"), Action.DECLINE, alert.id, "")).ok
    fresh = await world.reload(alert)
    assert fresh.state is AlertState.ESCALATED and fresh.escalations == 1
    roles = [i.role for i in await world.outbox()]
    assert MessageRole.PAGE in roles
    post = (await world.cards(alert))[-1]
    assert post.op is Op.SEND and post.priority is Priority.URGENT, "the group is told anew"
    assert "Nobody has taken it yet" in render(post.text.key, post.text.params)


async def test_assign_by_lead(world: World) -> None:
    await squad_of_three(world)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    reply = await world.alerts.assign(world.group("Nomsa"), alert.code, "lerato")
    assert reply.ok
    fresh = await world.reload(alert)
    assert fresh.owner_member_id == (await world.get_member("Lerato")).id
    locs = [i for i in await world.outbox() if i.op is Op.LOCATION]
    assert [(i.lat, i.lon) for i in locs] == [HERE]


async def test_close_outcomes_are_all_accepted(world: World) -> None:
    await squad_of_three(world)
    for outcome in Outcome:
        alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
        assert (await world.alerts.press(world.private("Lerato"), Action.CLAIM, alert.id, "")).ok
        done = await world.alerts.press(
            world.private("Nomsa"), Action.OUTCOME, alert.id, outcome.value
        )
        assert done.ok
        assert (await world.reload(alert)).outcome is outcome


async def test_the_same_alert_message_delivered_twice_creates_one_alert(world: World) -> None:
    await squad_of_three(world)
    world.users["Zanele"] = 901
    caller = world.group("Zanele")
    first = await world.alerts.raise_alert(caller, f"{HERE[0]}, {HERE[1]}")
    before = await world.snapshot()
    again = await world.alerts.raise_alert(caller, f"{HERE[0]}, {HERE[1]}")
    assert first.ok and again.ok
    assert await world.snapshot() == before


async def test_a_burst_spreads_offers_across_the_squad(world: World) -> None:
    """Thandi is nearest to both alerts; she is deciding about the first, so the second
    goes to Sipho at once instead of waiting behind her."""
    await squad_of_three(world)
    first = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} one")
    second = await world.alert("Zola", f"{HERE[0]}, {HERE[1]} two")
    offers = {
        i.alert_id: i.member_id
        for i in await world.outbox()
        if i.role is MessageRole.OFFER and i.op is Op.SEND
    }
    assert offers[first.id] == (await world.get_member("Thandi")).id
    assert offers[second.id] == (await world.get_member("Sipho")).id
