"""Telegram adapter for the emergency fund: /fund and its verbs."""

from __future__ import annotations

from telegram import Update

from handlers import parsing
from handlers.context import SquadContext, caller_of, command_text
from handlers.replies import respond_to


async def on_fund(update: Update, context: SquadContext) -> None:
    """/fund [currency XXX | add AMOUNT [note] | request CODE AMOUNT | export | threshold]."""
    args, caller, fund = context.args or (), caller_of(update), context.services.fund
    await respond_to(
        update, context, lambda: fund.command(caller, parsing.fund(args, command_text(update)))
    )
