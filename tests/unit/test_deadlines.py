"""Deadlines are rows: they fire once, re-read the alert, and survive a restart."""

from __future__ import annotations

from pathlib import Path

from bot.domain import AlertState, Availability
from bot.intents import Action, MessageRole, Op, Priority
from bot.services import Services
from data import deadlines as deadlines_q
from tests.support import World, unit_settings

HERE = (-26.2041, 28.0473)


async def test_ack_timeout_offers_the_next_member(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho", HERE[0] + 0.02, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    assert await world.fire_due() == 0
    world.clock.advance(179)
    assert await world.fire_due() == 0
    world.clock.advance(2)
    assert await world.fire_due() == 1
    fresh = await world.reload(alert)
    assert fresh.state is AlertState.OFFERED and fresh.offers_made == 2


async def test_a_deadline_fires_at_most_once(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    async with world.services.core.store.reading() as db:
        (deadline,) = await deadlines_q.pending_deadlines(db, alert.id)
    world.clock.advance(181)
    assert await world.alerts.on_deadline(deadline) is True
    assert await world.alerts.on_deadline(deadline) is False


async def test_deadline_of_an_alert_that_moved_on_does_nothing(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    async with world.services.core.store.reading() as db:
        (deadline,) = await deadlines_q.pending_deadlines(db, alert.id)
    assert (await world.alerts.press(world.private("Thandi"), Action.ACCEPT, alert.id, "")).ok
    world.clock.advance(181)
    before = await world.snapshot()
    assert await world.fire_due() == 0  # accepting cancelled the deadline
    assert await world.alerts.on_deadline(deadline) is False
    assert await world.snapshot() == before


async def test_escalation_repeats_at_most_max_escalations(world: World) -> None:
    # The only member is the lead, and she is busy: nobody can be offered it.
    await world.services.members.set_availability(world.private("Nomsa"), Availability.BUSY)
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    fresh = await world.reload(alert)
    assert fresh.state is AlertState.ESCALATED and fresh.escalations == 1
    for _ in range(5):
        await world.deliver_all()
        world.clock.advance(181)
        await world.fire_due()
    fresh = await world.reload(alert)
    assert fresh.escalations == 2  # max_escalations in the unit settings
    # Each escalation pages the lead once, and posts the squad's board anew (which notifies
    # the group), showing the alert as waiting for someone.
    pages = [
        i for i in await world.told() if i.text is not None and i.text.key == "escalation.lead"
    ]
    assert len(pages) == 2
    posts = [c for c in await world.cards(alert) if c.op is Op.SEND]
    assert len(posts) == 2 and all(c.priority is Priority.URGENT for c in posts)


async def test_no_location_broadcasts_to_the_whole_squad(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho")
    alert = await world.alert("Zanele", "someone is hurt")
    assert (await world.reload(alert)).state is AlertState.NEW
    world.clock.advance(61)
    assert await world.fire_due() == 1
    fresh = await world.reload(alert)
    assert fresh.state is AlertState.OFFERED and fresh.broadcast
    offered = {i.member_id for i in await world.outbox() if i.role is MessageRole.OFFER}
    nomsa = await world.get_member("Nomsa")
    assert offered == {(await world.get_member(n)).id for n in ("Thandi", "Sipho")} | {nomsa.id}


async def test_overdue_deadlines_fire_after_a_restart_and_future_ones_wait(tmp_path: Path) -> None:
    from tests.support import Clock

    path = tmp_path / "restart.sqlite3"
    clock = Clock()
    first = Services.build(unit_settings(path), clock=clock)
    await first.open()
    w = World(first, clock)
    await w.setup()
    await w.member("Thandi", HERE[0] + 0.004, HERE[1])
    await w.member("Sipho", HERE[0] + 0.02, HERE[1])
    overdue = await w.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    clock.advance(100)
    future = await w.alert("Zanele", f"{HERE[0]}, {HERE[1]} second")
    await first.close()

    clock.advance(90)  # the first alert's deadline is 10 s overdue, the second's is 90 s away
    second = Services.build(unit_settings(path), clock=clock)
    await second.open()
    w2 = World(second, clock, token=w.token, users=w.users, message_ids=w.message_ids)
    assert await w2.fire_due() == 1
    assert (await w2.reload(overdue)).offers_made == 2
    assert (await w2.reload(future)).offers_made == 1
    assert await w2.fire_due() == 0
    clock.advance(91)
    assert await w2.fire_due() == 1
    assert (await w2.reload(future)).offers_made == 2
    await second.close()


async def test_the_auditor_rearms_an_alert_that_nothing_drives(world: World) -> None:
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho", HERE[0] + 0.02, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]}")
    # A bug (simulated): the ack deadline vanished, so the offer would hang forever.
    async with world.services.core.store.transaction() as db:
        await db.execute("DELETE FROM deadlines WHERE alert_id = ?", (alert.id,))
    world.clock.advance(500)
    assert await world.fire_due() == 0
    assert await world.services.auditor.check() == [alert.code]
    assert await world.fire_due() == 1
    fresh = await world.reload(alert)
    assert fresh.offers_made == 2, "the stranded offer timed out and the next member was offered"
    assert await world.services.auditor.check() == []


async def test_many_overdue_deadlines_fire_in_batches_each_exactly_once(world: World) -> None:
    """After a long stop, overdue deadlines fire a batch per transaction: every one fires,
    once, with its effect (the next member is offered each alert)."""
    for i in range(6):
        await world.member(f"Member{i}", HERE[0] + 0.001 * (i + 1), HERE[1])
    alerts = [await world.alert(f"Reporter{i}", f"{HERE[0]}, {HERE[1]} help") for i in range(30)]
    async with world.services.core.store.reading() as db:
        pending = [d for a in alerts for d in await deadlines_q.pending_deadlines(db, a.id)]
    assert len(pending) >= len(alerts)
    world.clock.advance(181)
    fired = await world.fire_due()
    assert fired >= len(pending)
    assert await world.alerts.on_deadlines(pending) == 0, "none fires twice"
    async with world.services.core.store.reading() as db:
        async with db.execute(
            f"SELECT count(*) FROM deadlines WHERE fired_at IS NOT NULL AND id IN"
            f" ({','.join(str(d.id) for d in pending)})"
        ) as cur:
            assert (await cur.fetchone())[0] == len(pending)
    for alert in alerts:
        assert (await world.reload(alert)).offers_made >= 2, "each timed out and moved on"
