"""The sender's limiter (handlers/transport/limits.py): urgent messages never wait behind
routine ones, and a group's board is paced while its other messages are not."""

from __future__ import annotations

import asyncio

from handlers.transport.limits import RateLimiter

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
