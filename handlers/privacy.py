"""Telegram adapters for privacy: precise pins on request, audit, hygiene, erasure."""

from __future__ import annotations

from telegram import Update

from handlers.context import SquadContext, caller_of
from handlers.render import respond


async def on_pin(update: Update, context: SquadContext) -> None:
    """/pin CODE: a lead asks for the precise location, in private; it is audited."""
    result = await context.services.privacy.pin(caller_of(update), list(context.args or ()))
    await respond(update, context, result)


async def on_audit(update: Update, context: SquadContext) -> None:
    """/audit: recent audit entries for leads (sent in private)."""
    await respond(update, context, await context.services.privacy.audit_log(caller_of(update)))


async def on_hygiene(update: Update, context: SquadContext) -> None:
    """/hygiene on|off."""
    result = await context.services.privacy.set_hygiene(caller_of(update), list(context.args or ()))
    await respond(update, context, result)


async def on_forgetme(update: Update, context: SquadContext) -> None:
    """/forgetme: erase what identifies the caller, after a confirmation button."""
    await respond(update, context, await context.services.privacy.forget_request(caller_of(update)))


async def on_wipe(update: Update, context: SquadContext) -> None:
    """/wipe: delete the whole squad, after two confirmations."""
    await respond(update, context, await context.services.privacy.wipe_request(caller_of(update)))
