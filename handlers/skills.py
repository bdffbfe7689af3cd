"""Telegram adapters for skills (``/skills`` and its buttons) and ``/needs``."""

from __future__ import annotations

from telegram import Update

from handlers import parsing
from handlers.context import SquadContext, caller_of
from handlers.replies import respond, respond_to


async def on_skills(update: Update, context: SquadContext) -> None:
    """/skills: my skills as buttons; /skills alias (leads): a member's. Answered in private."""
    alias = parsing.alias(context.args or ())
    await respond(update, context, await context.services.skills.show(caller_of(update), alias))


async def on_needs(update: Update, context: SquadContext) -> None:
    """/needs: what each crisis type needs here; /needs TYPE SKILLS (leads): change one."""
    args, caller, skills = context.args or (), caller_of(update), context.services.skills
    await respond_to(update, context, lambda: skills.needs(caller, parsing.needs(args)))
