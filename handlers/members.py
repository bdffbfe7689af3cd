"""Telegram adapters for a member's own settings and locations."""

from __future__ import annotations

from telegram import Location, Update

from bot.domain import Availability
from handlers.context import SquadContext, caller_of, command_text
from handlers.replies import respond


async def on_alias(update: Update, context: SquadContext) -> None:
    """/alias <name>: the name the squad sees."""
    result = await context.services.members.set_alias(caller_of(update), command_text(update))
    await respond(update, context, result)


async def on_available(update: Update, context: SquadContext) -> None:
    """/available."""
    result = await context.services.members.set_availability(
        caller_of(update), Availability.AVAILABLE
    )
    await respond(update, context, result)


async def on_busy(update: Update, context: SquadContext) -> None:
    """/busy."""
    result = await context.services.members.set_availability(caller_of(update), Availability.BUSY)
    await respond(update, context, result)


async def on_off(update: Update, context: SquadContext) -> None:
    """/off."""
    result = await context.services.members.set_availability(caller_of(update), Availability.OFF)
    await respond(update, context, result)


async def on_me(update: Update, context: SquadContext) -> None:
    """/me: what the bot holds about the caller."""
    await respond(update, context, await context.services.members.me(caller_of(update)))


async def on_private_location(update: Update, context: SquadContext) -> None:
    """A location (static or live, new or edited) in the private chat."""
    message = update.effective_message
    assert message is not None and message.location is not None
    loc = message.location
    result = await context.services.members.private_location(
        caller_of(update),
        loc.latitude,
        loc.longitude,
        accuracy=loc.horizontal_accuracy,
        live_period=_live_period_s(loc),
        edited=update.edited_message is not None,
    )
    await respond(update, context, result)


def _live_period_s(loc: Location) -> int | None:
    """Seconds a live location stays live (read from the wire form, whatever PTB's type)."""
    value = loc.to_dict().get("live_period")
    return int(value) if isinstance(value, int | float) else None


async def on_language(update: Update, context: SquadContext) -> None:
    """/language [code]: the buttons for the languages, or choose one at once."""
    result = await context.services.languages.command(caller_of(update), command_text(update))
    await respond(update, context, result)
