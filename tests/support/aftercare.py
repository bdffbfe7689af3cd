"""Helpers for what follows the call: a directory entry in one line, a referral made with
consent, and what a reply or a message says (rendered in English)."""

from __future__ import annotations

from typing import Any

from bot.aftercare.directory import ServiceRequest, ServicesQuery
from bot.aftercare.tasks import FollowupsRequest
from bot.domain import Alert
from bot.intents import Action, Intent, Reply
from bot.messages import render
from handlers import parsing
from tests.support.world import World


def said(message: Reply | Intent) -> str:
    """The text of a reply or an outbox message, in English."""
    assert message.text is not None, message
    return render(message.text.key, message.text.params)


def labels(message: Reply | Intent) -> list[str]:
    """Its buttons' labels, in English, row by row flattened."""
    return [render(b.label.key, b.label.params) for row in message.buttons for b in row]


def service_request(text: str) -> ServiceRequest:
    """What ``/service <text>`` parses to (``service_request("add clinic X | … | 24/7")``)."""
    return parsing.service(text.split(), text)


def services_query(text: str = "") -> ServicesQuery:
    return parsing.services(text.split())


def followups_request(text: str = "") -> FollowupsRequest:
    return parsing.followups(text.split())


async def add_service(world: World, line: str, lead: str = "Nomsa") -> int:
    """The lead adds an entry in one line; returns its id."""
    reply = await world.services.aftercare.directory.service(
        world.private(lead), service_request(f"add {line}")
    )
    assert reply.ok, said(reply)
    rows = await world_rows(world, "SELECT max(id) FROM services")
    return int(rows[0][0])


async def refer(world: World, who: str, alert: Alert, service_id: int) -> Reply:
    """``who`` refers the person of ``alert`` to a service, and the person agreed."""
    aftercare = world.services.aftercare
    picked = await aftercare.press(world.private(who), Action.REFER_TO, alert.id, str(service_id))
    assert picked.ok, said(picked)
    return await aftercare.press(world.private(who), Action.REFER_AGREED, alert.id, str(service_id))


async def world_rows(world: World, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    async with world.services.core.store.reading() as db:
        async with db.execute(sql, args) as cur:
            return [tuple(r) for r in await cur.fetchall()]
