"""Telegram adapters for what follows the call: /service, /services, /refer, /followups and
/meeting (their buttons are routed in handlers/buttons.py)."""

from __future__ import annotations

from telegram import Update

from handlers import parsing
from handlers.context import SquadContext, caller_of, command_text
from handlers.replies import respond_to


async def on_service(update: Update, context: SquadContext) -> None:
    """/service add (a guided dialogue, or one line) · /service remove [NAME]: leads."""
    args, caller = context.args or (), caller_of(update)
    directory = context.services.aftercare.directory
    text = command_text(update)
    await respond_to(
        update, context, lambda: directory.service(caller, parsing.service(args, text))
    )


async def on_services(update: Update, context: SquadContext) -> None:
    """/services [CATEGORY|CODE]: the directory, answered in private."""
    args, caller = context.args or (), caller_of(update)
    directory = context.services.aftercare.directory
    await respond_to(update, context, lambda: directory.services(caller, parsing.services(args)))


async def on_refer(update: Update, context: SquadContext) -> None:
    """/refer CODE [CATEGORY]: the services that fit, as buttons."""
    args, caller = context.args or (), caller_of(update)
    referrals = context.services.aftercare.referrals
    await respond_to(update, context, lambda: referrals.refer(caller, *parsing.refer(args)))


async def on_followups(update: Update, context: SquadContext) -> None:
    """/followups [rules | rule RULE TIME | assign F12 NAME]."""
    args, caller = context.args or (), caller_of(update)
    tasks = context.services.aftercare.tasks
    await respond_to(update, context, lambda: tasks.followups(caller, parsing.followups(args)))


async def on_meeting(update: Update, context: SquadContext) -> None:
    """/meeting: the digest for partners, as text and as a document (leads, in private)."""
    caller = caller_of(update)
    await respond_to(update, context, lambda: context.services.aftercare.meeting.digest(caller))
