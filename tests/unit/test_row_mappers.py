"""Rows read back as the domain's frozen dataclasses (``bot.domain.from_fields``): each
mapper sets every field, and what it makes is what the dataclass's own ``__init__`` makes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.domain import Alert, Member, from_fields
from bot.geo import Point
from bot.intents import MessageRole
from data import alerts as alerts_q
from data import offers as offers_q
from data import slots as slots_q
from data import squads as squads_q
from tests.support import World


def _same_as_init(made: Any) -> None:
    kind = type(made)
    names = {f.name for f in dataclasses.fields(kind)}
    assert set(vars(made)) == names  # every field, and nothing else
    again = kind(**vars(made))
    assert made == again and vars(made) == vars(again) and hash(made) == hash(again)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.id = 0  # still frozen


async def test_every_mapper_sets_every_field_as_the_dataclass_would(world: World) -> None:
    await world.member("Thandi", -26.19, 28.04)
    world.users["Bystander"] = 990
    reply = await world.alerts.raise_alert(
        world.group("Bystander"), "robbery at the taxi rank", Point(-26.2, 28.05)
    )
    assert reply.ok, reply
    async with world.services.core.store.reading() as db:
        read = await alerts_q.alert_by_id(db, 1)
        assert read is not None and read.lat == -26.2
        members = [m for m, _ in await squads_q.available_members_located(db, read.squad_id)]
        offers = await offers_q.offers_of(db, read.id)
        slots = await slots_q.slots_of(db, read.id)
    assert read is not None and members and offers and slots
    for made in (read, *members, *offers, *slots):
        _same_as_init(made)


def test_a_field_left_out_is_not_made_up() -> None:
    fields = {f.name: None for f in dataclasses.fields(Member)}
    del fields["alias"]
    partial = from_fields(Member, fields)
    with pytest.raises(AttributeError):
        _ = partial.alias
    # A field with a default falls back to it, as the dataclass's own would.
    del fields["approved"]
    assert from_fields(Member, fields).approved is True
    assert from_fields(Alert, {"id": 1}).drill is False


async def test_a_new_alert_is_read_back_twice_while_it_is_raised(world: World) -> None:
    """After its INSERT, and once for its first wave: its board reads what it shows itself
    (it read the alert a third time)."""
    await world.member("Thandi", -26.19, 28.04)
    world.users["Bystander"] = 990

    async def raise_one() -> None:
        reply = await world.alerts.raise_alert(
            world.group("Bystander"), "robbery at the taxi rank", Point(-26.2, 28.05)
        )
        assert reply.ok, reply

    statements = await world.statements(raise_one)
    assert statements.count("SELECT * FROM alerts WHERE id = 1") == 2
    roles = [intent.role for intent in await world.told()]
    assert roles.count(MessageRole.OFFER) == 1 and roles.count(MessageRole.CARD) == 1


async def test_an_offer_made_is_the_row_as_read_back(world: World) -> None:
    """``insert_offer`` answers with the offer it wrote, without reading it back: it is the
    row as read (every column), for an offer of a place and a broadcast one."""
    await world.member("Thandi", -26.19, 28.04)
    await world.member("Sipho", -26.18, 28.04)
    alert = await world.alert("Zanele", "-26.2, 28.05 robbery")
    thandi, sipho = await world.get_member("Thandi"), await world.get_member("Sipho")
    async with world.services.core.store.transaction() as db:
        (slot, *_) = await slots_q.slots_of(db, alert.id)
        await db.execute("DELETE FROM offers")
        made = [
            await offers_q.insert_offer(db, alert.id, thandi.id, 123.25, 1.5, slot_id=slot.id),
            await offers_q.insert_offer(db, alert.id, sipho.id, None, 2.5),
        ]
        again = await offers_q.insert_offer(db, alert.id, sipho.id, None, 3.5)
        read = [await offers_q.offer_by_id(db, o.id) for o in made if o is not None]
    assert again is None, "a member is offered an alert once"
    assert made == read and None not in made
    for offer in made:
        assert offer is not None
        _same_as_init(offer)
