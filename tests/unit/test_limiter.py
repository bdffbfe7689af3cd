"""The sender's limiter (handlers/transport/limits.py): urgent messages never wait behind
routine ones, a group's board is paced while its other messages are not, and deletions
take no message's slot."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import cast

from telegram import Bot

from bot.config import Settings
from bot.core import Core
from bot.intents import Intent, Op, Priority, Text
from data.outbox import Due
from handlers.transport.limits import RateLimiter
from handlers.transport.sender import Sender
from tests.support.world import World

GROUP = -1001


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def limiter(clock: Clock) -> RateLimiter:
    return RateLimiter(clock, global_per_s=30, group_per_min=20, private_per_s=1)


async def test_a_direct_reply_waits_while_urgent_messages_wait_for_the_overall_limit() -> None:
    clock = Clock()
    limits = limiter(clock)
    for chat in range(30):
        limits.record(chat + 1)
    limits.urgent_waiting(limits.global_wait())  # urgent rows wait for the overall window
    clock.t += 1.04  # it has room again, and the urgent rows take it first
    assert limits.wait_for(500) == 0, "the limits alone would let the reply go now"
    reply = asyncio.create_task(limits.acquire(500))
    await asyncio.sleep(0)
    assert not reply.done(), "the reply waits for the urgent messages"
    clock.t += 0.05  # they have gone
    await asyncio.wait_for(reply, 2)


def test_a_groups_board_is_paced_and_its_other_messages_are_not() -> None:
    clock = Clock()
    limits = limiter(clock)
    limits.record(GROUP, paced=True)
    clock.t += 0.5
    assert limits.wait_for(GROUP, paced=True) > 2.5, "the next board waits ~3.3 s"
    assert limits.wait_for(GROUP) == 0, "an answer in the group does not"
    clock.t += 3.0
    assert limits.wait_for(GROUP, paced=True) == 0


def test_deletions_take_no_messages_slot_and_keep_a_window_of_their_own() -> None:
    clock = Clock()
    limits = limiter(clock)
    for n in range(30):
        limits.record(GROUP - n, deletion=True)
    assert limits.global_wait() == 0, "30 deletions leave the messages' budget whole"
    assert limits.wait_for(GROUP) == 0, "and the group's own window"
    assert limits.wait_for(GROUP, deletion=True) > 0.9, "the 31st deletion waits its window"
    for chat in range(30):
        limits.record(chat + 1)
    assert limits.global_wait() > 0.9, "30 messages spend the overall budget"
    clock.t += 1.04
    assert limits.wait_for(GROUP, deletion=True) == 0


async def test_a_direct_deletion_does_not_wait_for_urgent_messages() -> None:
    clock = Clock()
    limits = limiter(clock)
    for chat in range(30):
        limits.record(chat + 1)
    limits.urgent_waiting(limits.global_wait())
    deleted = asyncio.create_task(limits.acquire(GROUP, deletion=True))
    await asyncio.sleep(0)
    assert deleted.done(), "a deletion takes none of the urgent messages' slots"
    message = asyncio.create_task(limits.acquire(GROUP))
    await asyncio.sleep(0)
    assert not message.done(), "a message still waits behind them"
    message.cancel()


def test_a_429_hold_on_a_chat_holds_its_deletions_too() -> None:
    clock = Clock()
    limits = limiter(clock)
    limits.block(GROUP, 5.0)
    assert limits.wait_for(GROUP, deletion=True) > 4.9


def sender_over(limits: RateLimiter, clock: Clock) -> Sender:
    settings = Settings(_env_file=None, bot_token="1:x")  # type: ignore[call-arg]
    core = cast(Core, SimpleNamespace(now=clock, settings=settings))
    return Sender(cast(Bot, None), core, limiter=limits)


async def test_an_urgent_message_queued_while_the_budget_is_spent_keeps_its_slot() -> None:
    """The sender plans its pass for when the overall limit has room; a direct reply
    already waiting for that moment must not take the slot the urgent message needs."""
    for urgent in (True, False):
        clock = Clock()
        limits = limiter(clock)
        for chat in range(30):
            limits.record(chat + 1)
        sender_over(limits, clock).kick(urgent=urgent)
        clock.t += 1.04  # the limit has room again
        reply = asyncio.create_task(limits.acquire(500))
        await asyncio.sleep(0)
        assert reply.done() is not urgent, "only an urgent message keeps the slot"
        reply.cancel()


def test_the_sender_admits_a_deletion_without_a_messages_slot() -> None:
    """With the overall budget spent, a deletion still goes and takes none of it."""
    clock = Clock()
    limits = limiter(clock)
    for chat in range(30):
        limits.record(chat + 1)
    rows = [
        Due(1, GROUP, Op.DELETE, Priority.HIGH, board=False),
        Due(2, 77, Op.SEND, Priority.URGENT, board=False),
    ]
    assert sender_over(limits, clock)._admit(rows) == [1]
    assert limits.global_wait() > 0.9, "the deletion took none of the messages' budget"


async def test_notify_tells_the_sender_whether_an_urgent_message_was_queued(world: World) -> None:
    core = world.services.core
    said: list[bool] = []
    core.on_outbox = said.append
    for priority in (Priority.URGENT, Priority.ROUTINE):
        async with core.store.transaction() as db:
            text = Text("lines", {"lines": [priority.name]})
            await core.tell(db, Intent(op=Op.SEND, chat_id=5, priority=priority, text=text))
        core.notify()
    assert said == [True, False]
