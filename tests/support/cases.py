"""Closed cases in one line, for the evidence, warnings and fund tests."""

from __future__ import annotations

from bot.domain import Alert, CrisisType
from bot.intents import Action
from data import alerts as alerts_q
from tests.support.world import World


async def closed_case(
    world: World,
    responder: str,
    *,
    reporter: str = "Zanele",
    at: tuple[float, float] = (-26.2041, 28.0473),
    words: str = "help",
    kind: CrisisType | None = CrisisType.ASSAULT,
    outcome: str = "resolved",
    minutes: tuple[float, float, float] = (2, 10, 60),
) -> Alert:
    """``reporter`` alerts at ``at``; ``responder`` claims it after ``minutes[0]``, arrives
    after ``minutes[1]`` and closes it after ``minutes[2]`` with ``outcome``."""
    alert = await world.alert(reporter, f"{at[0]}, {at[1]} {words}")
    if kind is not None:
        async with world.services.core.store.transaction() as db:
            await alerts_q.set_crisis_type(db, alert.id, kind)
    start = world.clock.t
    world.clock.t = start + minutes[0] * 60
    claimed = await world.alerts.press(world.private(responder), Action.CLAIM, alert.id, "")
    assert claimed.ok, claimed
    world.clock.t = start + minutes[1] * 60
    arrived = await world.alerts.press(world.private(responder), Action.ARRIVED, alert.id, "")
    assert arrived.ok, arrived
    world.clock.t = start + minutes[2] * 60
    closed = await world.alerts.press(world.private(responder), Action.OUTCOME, alert.id, outcome)
    assert closed.ok, closed
    return await world.reload(alert)


async def record(world: World, who: str, alert: Alert, *args: str) -> None:
    """``who`` presses the record's buttons (``v_physical``, ``p_client``, ``c_count``)."""
    for arg in args:
        pressed = await world.services.records.press(world.private(who), alert.id, arg)
        assert pressed.ok, (arg, pressed)
