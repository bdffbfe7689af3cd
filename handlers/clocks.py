"""Telegram adapters for the legal and medical clocks: /held, /when, /courtdate."""

from __future__ import annotations

from telegram import Update

from handlers import parsing
from handlers.context import SquadContext, caller_of, command_text
from handlers.replies import respond_to


async def on_held(update: Update, context: SquadContext) -> None:
    """/held CODE place: where the arrested person is held, as typed."""
    args, caller, clocks = context.args or (), caller_of(update), context.services.clocks
    await respond_to(
        update,
        context,
        lambda: clocks.held(
            caller, *parsing.code_and_words(args, command_text(update), "held", "held.usage")
        ),
    )


async def on_when(update: Update, context: SquadContext) -> None:
    """/when CODE HH:MM: when the arrest or the assault happened."""
    args, caller, clocks = context.args or (), caller_of(update), context.services.clocks
    await respond_to(
        update, context, lambda: clocks.when(caller, *parsing.code_and_time(args, "when"))
    )


async def on_courtdate(update: Update, context: SquadContext) -> None:
    """/courtdate CODE YYYY-MM-DD."""
    args, caller, clocks = context.args or (), caller_of(update), context.services.clocks
    await respond_to(
        update,
        context,
        lambda: clocks.court_date(caller, *parsing.code_and_day(args, "courtdate")),
    )
