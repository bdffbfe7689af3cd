"""Which copy of an offer acts (bot/delivery.py): the newest one sent, recorded before its
call; a copy Telegram surely did not take (429, 5xx, 400, 403) gives that back to the copy
before it, which a crash or a timeout may have left on the member's phone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from bot.delivery import Delivery, OutboxRow, honoured
from bot.intents import Op
from data.outbox import NOT_STARTED
from tests.support.world import World

HERE = (-26.2041, 28.0473)

Failure = Callable[[Delivery, OutboxRow], Awaitable[object]]


async def _given_up(delivery: Delivery, row: OutboxRow, *, uncertain: bool) -> None:
    assert await delivery.failing(row, uncertain=uncertain), "dropped past the give-up time"


NOT_TAKEN: dict[str, Failure] = {
    "429": lambda d, row: d.held(row, 1.0),
    "5xx": lambda d, row: d.later(row, 1.0, "network", uncertain=False),
    "400": lambda d, row: d.rejected(row),
    "403": lambda d, row: d.refused(row),
    "5xx past the give-up time": lambda d, row: _given_up(d, row, uncertain=False),
}
MAYBE_TAKEN: dict[str, Failure] = {
    "a timeout": lambda d, row: d.later(row, 1.0, "network", uncertain=True),
    "a timeout past the give-up time": lambda d, row: _given_up(d, row, uncertain=True),
}


async def _first_copy(world: World) -> tuple[Delivery, OutboxRow]:
    """Thandi's offer, its first copy going out."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} she was arrested")
    delivery = Delivery(world.services.core)
    (offer_row,) = [
        d.id
        for d in await delivery.due()
        if d.chat_id == world.users["Thandi"] and d.op is Op.SEND and d.urgent
    ]
    (first,) = await delivery.started([offer_row])
    return delivery, first


async def _second_copy(world: World) -> tuple[Delivery, OutboxRow]:
    """Thandi's offer: a first copy whose fate a timeout hid, then a second copy going out."""
    delivery, first = await _first_copy(world)
    offer_row = first.id
    assert await _copy(world) == "ca"
    await delivery.later(first, 0.0, "network", uncertain=True)
    assert await _copy(world) == "ca", "its fate unknown: the first copy still acts"
    (second,) = await delivery.started([offer_row])
    assert await _copy(world) == "cb", "recorded before the second copy's call"
    world.clock.advance(world.services.core.settings.send_give_up.total_seconds() + 1)
    return delivery, second


async def _copy(world: World) -> str | None:
    async with world.services.core.store.reading() as db:
        async with db.execute(
            "SELECT o.copy FROM offers o JOIN members m ON m.id = o.member_id WHERE m.user_id = ?",
            (world.users["Thandi"],),
        ) as cur:
            (row,) = await cur.fetchall()
    return row[0]


@pytest.mark.parametrize("failure", NOT_TAKEN, ids=list(NOT_TAKEN))
async def test_a_copy_telegram_did_not_take_gives_the_honour_back(
    world: World, failure: str
) -> None:
    delivery, second = await _second_copy(world)
    await NOT_TAKEN[failure](delivery, second)
    copy = await _copy(world)
    assert copy == "ca"
    assert honoured(copy, "ca") and not honoured(copy, "cb")


@pytest.mark.parametrize("failure", MAYBE_TAKEN, ids=list(MAYBE_TAKEN))
async def test_a_copy_telegram_may_have_keeps_it(world: World, failure: str) -> None:
    delivery, second = await _second_copy(world)
    await MAYBE_TAKEN[failure](delivery, second)
    copy = await _copy(world)
    assert copy == "cb"
    assert honoured(copy, "cb") and not honoured(copy, "ca")


async def test_a_newer_copy_recorded_since_is_not_undone(world: World) -> None:
    """A failure reported late (after the next copy was recorded) gives nothing back."""
    delivery, second = await _second_copy(world)
    await delivery.later(second, 0.0, "network", uncertain=True)
    (_third,) = await delivery.started([second.id])
    assert await _copy(world) == "cc"
    await delivery.rejected(second)
    assert await _copy(world) == "cc"


async def test_two_copies_telegram_did_not_take_leave_the_first_acting(world: World) -> None:
    delivery, second = await _second_copy(world)
    await delivery.later(second, 0.0, "network", uncertain=False)
    (third,) = await delivery.started([second.id])
    assert await _copy(world) == "cc"
    await delivery.held(third, 1.0)
    assert await _copy(world) == "ca"


async def test_a_first_copy_telegram_did_not_take_leaves_none_recorded(world: World) -> None:
    """Nothing is on her phone: no copy is recorded, and the next one sent will be."""
    delivery, first = await _first_copy(world)
    await delivery.later(first, 0.0, "network", uncertain=False)
    assert await _copy(world) is None
    await delivery.started([first.id])
    assert await _copy(world) == "cb"


async def test_an_offer_from_before_copies_were_recorded_gives_back_only_the_last(
    world: World,
) -> None:
    """Sent by a bot that recorded copies only on delivery, two copies' fate hidden (none
    recorded, both perhaps on her phone): if the next copy surely fails, the previous attempt's
    copy is the one honoured, not every copy."""
    delivery, first = await _first_copy(world)
    await delivery.later(first, 0.0, "network", uncertain=True)
    (second,) = await delivery.started([first.id])
    await delivery.later(second, 0.0, "network", uncertain=True)
    async with world.services.core.store.transaction() as db:
        await db.execute("UPDATE offers SET copy = NULL")  # as the older bot left it
    (third,) = await delivery.started([first.id])
    assert await _copy(world) == "cc"
    await delivery.rejected(third)
    copy = await _copy(world)
    assert copy == "cb" and not honoured(copy, "ca")


async def test_a_row_that_was_not_started_gives_nothing_back(world: World) -> None:
    delivery, second = await _second_copy(world)
    await delivery.rejected(replace(second, copy_before=NOT_STARTED))
    assert await _copy(world) == "cb"
