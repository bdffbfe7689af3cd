"""Telegram adapters for evidence and warnings: /record, /report, /warn, /warnings."""

from __future__ import annotations

from telegram import Update

from handlers import parsing
from handlers.context import SquadContext, caller_of
from handlers.replies import respond, respond_to


async def on_record(update: Update, context: SquadContext) -> None:
    """/record CODE: the case record's buttons, in private."""
    args, caller, records = context.args or (), caller_of(update), context.services.records
    await respond_to(
        update, context, lambda: records.command(caller, parsing.alert_code(args, "record"))
    )


async def on_report(update: Update, context: SquadContext) -> None:
    """/report [month|quarter|YYYY-MM]: a summary, charts and the anonymised CSV."""
    args, caller, reports = context.args or (), caller_of(update), context.services.reports
    await respond_to(update, context, lambda: reports.report(caller, parsing.report_period(args)))


async def on_warn(update: Update, context: SquadContext) -> None:
    """/warn CODE: a warning's draft."""
    args, caller, warnings = context.args or (), caller_of(update), context.services.warnings
    await respond_to(
        update, context, lambda: warnings.warn(caller, parsing.alert_code(args, "warn"))
    )


async def on_warnings(update: Update, context: SquadContext) -> None:
    """/warnings: the warnings in force."""
    await respond(update, context, await context.services.warnings.list_in_force(caller_of(update)))
