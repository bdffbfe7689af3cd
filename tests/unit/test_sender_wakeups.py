"""When the sender looks at the outbox again (handlers/transport/sender.py ``pass_once``):
rows held until later (a retry, a 429's hold) say when; rows due now that the limits hold
back do not, since the limiter says when it has room."""

from __future__ import annotations

import pytest

from bot.delivery import Delivery
from tests.support.world import World

HERE = (-26.2041, 28.0473)


async def test_a_backlog_the_limits_hold_does_not_wake_the_sender_until_they_have_room(
    world: World,
) -> None:
    """Counted as due, rows waiting for the overall limit woke the sender every 20 ms to look
    the backlog over again: in a burst, a busy loop on the bot's one thread, which slowed
    every alert's handling and every send."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} she was arrested")
    delivery = Delivery(world.services.core)
    due = await delivery.due()
    assert due, "the alert's messages are due now"
    assert await delivery.next_due_at() is None, "and none is held until later"

    row = (await delivery.started([due[0].id]))[0]
    await delivery.later(row, 5.0, "network", uncertain=False)  # a 5xx: again in 5 s
    assert await delivery.next_due_at() == pytest.approx(world.clock() + 5.0)
