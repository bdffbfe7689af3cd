"""Telegram adapters for privacy: precise pins on request, audit, hygiene, erasure."""

from __future__ import annotations

from telegram import Update

from handlers import parsing
from handlers.context import SquadContext, caller_of
from handlers.replies import respond, respond_to


async def on_pin(update: Update, context: SquadContext) -> None:
    """/pin CODE: a lead asks for the precise location, in private; it is audited."""
    args, caller, privacy = context.args or (), caller_of(update), context.services.privacy
    await respond_to(update, context, lambda: privacy.pin(caller, parsing.alert_code(args, "pin")))


async def on_audit(update: Update, context: SquadContext) -> None:
    """/audit: recent audit entries for leads (sent in private)."""
    await respond(update, context, await context.services.privacy.audit_log(caller_of(update)))


async def on_hygiene(update: Update, context: SquadContext) -> None:
    """/hygiene on|off."""
    args, caller, privacy = context.args or (), caller_of(update), context.services.privacy
    await respond_to(
        update, context, lambda: privacy.set_hygiene(caller, parsing.on_off(args, "hygiene.usage"))
    )


async def on_forgetme(update: Update, context: SquadContext) -> None:
    """/forgetme: erase what identifies the caller, after a confirmation button."""
    await respond(update, context, await context.services.privacy.forget_request(caller_of(update)))


async def on_wipe(update: Update, context: SquadContext) -> None:
    """/wipe: delete the whole squad, after two confirmations."""
    await respond(update, context, await context.services.privacy.wipe_request(caller_of(update)))
