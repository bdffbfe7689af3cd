"""Telegram adapters for alerts: raise, claim, close, note, cancel, assign, group locations."""

from __future__ import annotations

from telegram import Update

from bot.geo import CoordinateError, Point, validate
from handlers import parsing
from handlers.context import SquadContext, caller_of, command_text
from handlers.replies import respond, respond_to


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
    """/claim CODE; without a code, the open alerts as Claim buttons."""
    args, caller, alerts = context.args or (), caller_of(update), context.services.alerts
    if not args:
        await respond(update, context, await context.services.assist.claim_list(caller))
        return
    await respond_to(
        update, context, lambda: alerts.claim(caller, parsing.alert_code(args, "claim"))
    )


async def on_close(update: Update, context: SquadContext) -> None:
    """/close CODE: shows the outcome buttons."""
    args, caller, alerts = context.args or (), caller_of(update), context.services.alerts
    await respond_to(
        update, context, lambda: alerts.close(caller, parsing.alert_code(args, "close"))
    )


async def on_note(update: Update, context: SquadContext) -> None:
    """/note CODE text."""
    args, caller, alerts = context.args or (), caller_of(update), context.services.alerts
    await respond_to(
        update,
        context,
        lambda: alerts.note(caller, *parsing.code_and_text(args, command_text(update), "note")),
    )


async def on_cancel(update: Update, context: SquadContext) -> None:
    """/cancel CODE."""
    args, caller, alerts = context.args or (), caller_of(update), context.services.alerts
    await respond_to(
        update, context, lambda: alerts.cancel(caller, parsing.alert_code(args, "cancel"))
    )


async def on_assign(update: Update, context: SquadContext) -> None:
    """/assign CODE alias."""
    args, caller, alerts = context.args or (), caller_of(update), context.services.alerts
    await respond_to(
        update,
        context,
        lambda: alerts.assign(caller, *parsing.code_and_alias(args, "assign", "assign.usage")),
    )


async def on_type(update: Update, context: SquadContext) -> None:
    """/type CODE TYPE."""
    args, caller, alerts = context.args or (), caller_of(update), context.services.alerts
    await respond_to(
        update,
        context,
        lambda: alerts.set_type(caller, *parsing.code_and_word(args, "type", "type.usage")),
    )


async def on_drill(update: Update, context: SquadContext) -> None:
    """/drill [TYPE] (leads, in the group): a practice alert, marked DRILL everywhere."""
    args, caller, drills = context.args or (), caller_of(update), context.services.drills
    await respond_to(update, context, lambda: drills.start(caller, parsing.drill_type(args)))


async def on_group_location(update: Update, context: SquadContext) -> None:
    """A location in a group: a reply to our question or to the card, or the reporter's pin."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    try:
        point: Point = validate(message.location.latitude, message.location.longitude)
    except CoordinateError as exc:
        await respond(update, context, context.refusal(exc.reason))
        return
    replied = message.reply_to_message.message_id if message.reply_to_message else None
    result = await context.services.locating.group_pin(caller_of(update), replied, point)
    if result is not None:
        await respond(update, context, result)


async def on_group_text_reply(update: Update, context: SquadContext) -> None:
    """Text in a group, as a reply to our "where is it?" question or to a card."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    result = await context.services.locating.typed_answer(
        caller_of(update), message.text, message.reply_to_message.message_id
    )
    if result is not None:
        await respond(update, context, result)


async def on_private_message(update: Update, context: SquadContext) -> None:
    """Anything in private that is not a command or a location: the core decides what it
    answers (a question the bot waits for, or else a short answer with a button)."""
    message = update.effective_message
    caller, private = caller_of(update), context.services.private
    if message is not None and message.text:
        result = await private.text(caller, message.text)
    elif message is not None and message.photo:
        result = await private.photo(caller, message.photo[-1].file_id)
    else:
        result = await private.other(caller)
    await respond(update, context, result)
