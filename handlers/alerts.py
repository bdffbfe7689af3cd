"""Telegram adapters for alerts: raise, claim, close, note, cancel, assign, group locations."""

from __future__ import annotations

from telegram import Update

from bot.geo import CoordinateError, Point, validate
from handlers.context import SquadContext, caller_of, command_text
from handlers.render import respond


async def on_alert(update: Update, context: SquadContext) -> None:
    """/alert [what happened]: stored first, then dispatched."""
    message = update.effective_message
    point = None
    location_message_id = None
    if message is not None and message.reply_to_message is not None:
        loc = message.reply_to_message.location
        if loc is not None:
            location_message_id = message.reply_to_message.message_id
            try:
                point = validate(loc.latitude, loc.longitude)
            except CoordinateError as exc:
                await respond(update, context, context.refusal(exc.reason))
                return
    result = await context.services.alerts.raise_alert(
        caller_of(update), command_text(update), point, location_message_id
    )
    await respond(update, context, result)


async def on_claim(update: Update, context: SquadContext) -> None:
    """/claim CODE."""
    result = await context.services.alerts.claim(caller_of(update), list(context.args or ()))
    await respond(update, context, result)


async def on_close(update: Update, context: SquadContext) -> None:
    """/close CODE: shows the outcome buttons."""
    result = await context.services.alerts.close(caller_of(update), list(context.args or ()))
    await respond(update, context, result)


async def on_note(update: Update, context: SquadContext) -> None:
    """/note CODE text."""
    result = await context.services.alerts.note(
        caller_of(update), list(context.args or ()), command_text(update)
    )
    await respond(update, context, result)


async def on_cancel(update: Update, context: SquadContext) -> None:
    """/cancel CODE."""
    result = await context.services.alerts.cancel(caller_of(update), list(context.args or ()))
    await respond(update, context, result)


async def on_assign(update: Update, context: SquadContext) -> None:
    """/assign CODE alias."""
    result = await context.services.alerts.assign(caller_of(update), list(context.args or ()))
    await respond(update, context, result)


async def on_group_location(update: Update, context: SquadContext) -> None:
    """A location in a group, sent as a reply to our "where is it?" prompt."""
    message = update.effective_message
    if message is None or message.location is None or message.reply_to_message is None:
        return
    try:
        point: Point = validate(message.location.latitude, message.location.longitude)
    except CoordinateError as exc:
        await respond(update, context, context.refusal(exc.reason))
        return
    result = await context.services.alerts.location_reply_in_group(
        caller_of(update), message.reply_to_message.message_id, point
    )
    await respond(update, context, result)
