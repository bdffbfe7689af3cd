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
from data.outbox import Due, OutboxRow
from handlers.transport.limits import RateLimiter
from handlers.transport.sender import NoCall, Sender
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
    limits.urgent_written()  # urgent rows wait for the overall window
    clock.t += 1.04  # it has room again, and the urgent rows take it first
    assert limits.wait_for(500) == 0, "the limits alone would let the reply go now"
    reply = asyncio.create_task(limits.acquire(500))
    await asyncio.sleep(0)
    assert not reply.done(), "the reply waits for the urgent messages"
    clock.t += 0.5  # the sender's pass is slow to take the room: the reply still waits
    await asyncio.sleep(0.06)
    assert not reply.done(), "a time alone does not let the reply take the urgent slot"
    limits.urgent_held(False)  # the pass took them
    await asyncio.wait_for(reply, 2)


async def test_a_direct_reply_waits_only_while_the_sender_says_urgent_messages_wait() -> None:
    """The sender's word after each pass: urgent rows held by the overall limit keep direct
    replies waiting; urgent rows held only by their own chat (a member's second offer
    within a second), or none, do not. A word the sender never renews lapses."""
    clock = Clock()
    limits = limiter(clock)
    sender = sender_over(limits, clock)
    for chat in range(30):
        limits.record(chat + 1)
    limits.record(77)  # the urgent row's own chat had a message this second
    urgent = Due(2, 77, Op.SEND, Priority.URGENT, board=False)
    assert sender._admit([urgent]) == []
    reply = asyncio.create_task(limits.acquire(500))
    clock.t += 1.04  # the overall limit has room again; the pass has not run yet
    await asyncio.sleep(0.06)
    assert not reply.done(), "held by the overall limit: the reply waits for the pass"
    limits.record(77)  # the pass comes: the urgent row is held by its own chat alone now
    assert sender._admit([urgent]) == []
    await asyncio.wait_for(reply, 2)
    for chat in range(30):
        limits.record(chat + 100)
    assert sender._admit([urgent]) == []  # held by the overall limit again
    clock.t += 1.04
    late = asyncio.create_task(limits.acquire(501))
    await asyncio.sleep(0.06)
    assert not late.done()
    clock.t += 3.0  # the sender said nothing more: its word lapses
    await asyncio.wait_for(late, 2)


def test_a_groups_board_is_paced_and_its_other_messages_are_not() -> None:
    clock = Clock()
    limits = limiter(clock)
    limits.let_go(GROUP, paced=True)
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
    limits.urgent_written()
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


def outbox_row(row_id: int, chat_id: int) -> OutboxRow:
    text = Text("lines", {"lines": ["x"]})
    intent = Intent(op=Op.SEND, chat_id=chat_id, priority=Priority.URGENT, text=text)
    return OutboxRow(row_id, intent, attempts=0, uncertain=False, created_at=0.0)


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


def test_a_call_counts_until_its_answer_and_from_it() -> None:
    """Telegram counts a message when it arrives. Thirty let go at once count for as long as
    they are unanswered, however long that is, and then for a second from their answers."""
    clock = Clock()
    limits = limiter(clock)
    let_go = [limits.let_go(chat + 1) for chat in range(30)]
    clock.t += 1.5  # a slow disk, a slow network: no answer yet
    assert limits.global_wait() > 0, "calls in flight still count"
    assert limits.wait_for(1) > 0, "in their chats too"
    for chat, at in enumerate(let_go):
        limits.answered(chat + 1, at)
    clock.t += 0.6  # 2.1 s after they were let go, 0.6 s after the answers
    assert limits.global_wait() > 0.39, "the window counts from the answers"
    assert limits.wait_for(1) > 0.6, "and so does each private chat's"
    clock.t += 0.41
    assert limits.global_wait() == 0


def test_a_slot_counted_for_a_call_that_is_never_made_is_given_back() -> None:
    clock = Clock()
    limits = limiter(clock)
    let_go = [limits.let_go(chat + 1) for chat in range(30)]
    assert limits.global_wait() > 0
    limits.not_made(7, let_go[6])
    assert limits.global_wait() == 0, "one slot is free again"
    assert limits.wait_for(7) == 0, "and the chat's own"
    limits = limiter(clock)
    before = limits.let_go(GROUP, paced=True)
    limits.answered(GROUP, before)
    clock.t += 5.0
    board = limits.let_go(GROUP, paced=True)
    limits.not_made(GROUP, board, paced_before=before)
    assert limits.wait_for(GROUP, paced=True) == 0, "the board's pace is what it was"


async def test_the_sender_counts_a_call_from_its_answer_and_gives_back_one_never_made() -> None:
    clock = Clock()
    limits = limiter(clock)
    sender = sender_over(limits, clock)
    for chat in range(29):
        limits.record(chat + 1)
    seen: list[float] = []

    async def slow_call(intent: Intent) -> None:
        clock.t += 1.2  # the 29 have aged out; this call is still in flight
        seen.append(limits.wait_for(intent.chat_id))
        clock.t += 0.3

    sender._call = slow_call  # type: ignore[method-assign]
    row = outbox_row(1, 77)
    assert sender._admit([Due(1, 77, Op.SEND, Priority.URGENT, board=False)]) == [1]
    await sender._attempt(row)
    assert seen[0] > 0, "in flight, it holds its chat's slot"
    clock.t += 0.9
    assert limits.wait_for(77) > 0, "answered 0.9 s ago, it still counts"

    async def no_call(intent: Intent) -> NoCall:
        return NoCall()

    sender._call = no_call  # type: ignore[method-assign]
    assert sender._admit([Due(2, 78, Op.EDIT, Priority.URGENT, board=False)]) == [2]
    await sender._attempt(outbox_row(2, 78))
    assert limits.wait_for(78) == 0, "a withdrawal with nothing to withdraw takes no slot"


def test_the_sender_gives_back_the_slots_of_rows_dropped_as_they_start() -> None:
    """An offer closed, or an edit superseded, between admission and its start makes no
    call; the slots it was counted in go back to the limits."""
    clock = Clock()
    limits = limiter(clock)
    for chat in range(28):
        limits.record(chat + 1)
    sender = sender_over(limits, clock)
    rows = [Due(1, 77, Op.SEND, Priority.URGENT, board=False),
            Due(2, 78, Op.SEND, Priority.URGENT, board=False)]  # fmt: skip
    assert sender._admit(rows) == [1, 2]
    assert limits.global_wait() > 0, "the budget is spent"
    sender._uncount([1, 2], [])  # both dropped as they started
    assert limits.global_wait() == 0
    assert limits.wait_for(77) == 0 and limits.wait_for(78) == 0
    assert sender._counted == {}, "nothing is kept for them"


async def test_an_urgent_message_being_queued_keeps_the_room_until_the_senders_pass() -> None:
    """Between an urgent row's write and its commit a direct reply could take the room it
    needs: the reply waits for the sender's next pass, which reads the row once committed."""
    clock = Clock()
    limits = limiter(clock)
    sender = sender_over(limits, clock)
    for chat in range(30):
        limits.record(chat + 1)
    sender.urgent_queued()
    clock.t += 1.01  # the limit has room; the urgent row's transaction is still open
    reply = asyncio.create_task(limits.acquire(500))
    await asyncio.sleep(0.06)
    assert not reply.done(), "the reply waits for the sender's pass"
    assert sender._admit([]) == []  # the pass: nothing urgent held (sent, or rolled back)
    await asyncio.wait_for(reply, 2)


async def test_core_says_at_once_when_an_urgent_message_is_being_queued(world: World) -> None:
    core = world.services.core
    said: list[str] = []
    core.on_urgent = lambda: said.append("urgent")
    for priority in (Priority.ROUTINE, Priority.URGENT):
        async with core.store.transaction() as db:
            text = Text("lines", {"lines": [priority.name]})
            await core.tell(db, Intent(op=Op.SEND, chat_id=5, priority=priority, text=text))
            said.append(f"told {priority.name}")  # before the commit
    assert said == ["told ROUTINE", "urgent", "told URGENT"]


async def test_direct_replies_waiting_for_the_overall_limit_go_first_come_first_served() -> None:
    """The reply that has waited longest takes the room that frees, even if a later one
    looks at the limits first; a reply whose own chat is held (a 429) keeps no one waiting."""
    clock = Clock()
    limits = limiter(clock)
    limits.record(1)  # frees at 1001.0
    clock.t = 1000.3
    for chat in range(29):
        limits.record(chat + 2)  # free at 1001.3
    limits.block(600, 30.0)
    held = asyncio.create_task(limits.acquire(600))
    clock.t = 1000.7
    first = asyncio.create_task(limits.acquire(501))  # sleeps 0.3 s for the first slot
    await asyncio.sleep(0.01)
    clock.t = 1000.99
    later = asyncio.create_task(limits.acquire(502))  # would look again every 10 ms
    await asyncio.sleep(0.05)
    clock.t = 1001.01  # the first slot is free
    await asyncio.sleep(0.1)
    assert not later.done(), "the later reply does not take the slot the first waits for"
    await asyncio.wait_for(first, 1)
    await asyncio.sleep(0.05)
    assert not later.done(), "one slot, one reply"
    assert not held.done(), "the held chat still waits for its 429, out of the line"
    for task in (held, later):
        task.cancel()
