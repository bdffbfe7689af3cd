"""Telegram adapters. Each handler parses the update, makes one core call, renders the result."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.commands import COMMANDS, Command, Where, menu
from bot.i18n import LANGUAGES
from bot.logsafe import where
from bot.messages import render as render_text
from bot.updates import is_store_error
from handlers import (
    aftercare,
    alerts,
    buttons,
    clocks,
    evidence,
    fund,
    members,
    privacy,
    skills,
    squads,
)
from handlers.context import SquadContext
from handlers.replies import respond
from handlers.transport.intake import request_retry

log = logging.getLogger(__name__)

ALERT_CAPTION = r"^/alert(@\w+)?(\s|$)"

# The handler of every command in the one command table (bot/commands.py).
CALLBACKS: dict[str, Callable[[Update, SquadContext], Coroutine[Any, Any, None]]] = {
    "setup": squads.on_setup,
    "join": squads.on_join,
    "start": squads.on_start,
    "lead": squads.on_lead,
    "member": squads.on_member,
    "observer": squads.on_observer,
    "remove": squads.on_remove,
    "block": squads.on_block,
    "unblock": squads.on_unblock,
    "place": squads.on_place,
    "help": squads.on_help,
    "status": squads.on_status,
    "skills": skills.on_skills,
    "needs": skills.on_needs,
    "alias": members.on_alias,
    "available": members.on_available,
    "busy": members.on_busy,
    "off": members.on_off,
    "me": members.on_me,
    "language": members.on_language,
    "alert": alerts.on_alert,
    "claim": alerts.on_claim,
    "close": alerts.on_close,
    "note": alerts.on_note,
    "cancel": alerts.on_cancel,
    "assign": alerts.on_assign,
    "type": alerts.on_type,
    "drill": alerts.on_drill,
    "held": clocks.on_held,
    "when": clocks.on_when,
    "courtdate": clocks.on_courtdate,
    "service": aftercare.on_service,
    "services": aftercare.on_services,
    "refer": aftercare.on_refer,
    "followups": aftercare.on_followups,
    "meeting": aftercare.on_meeting,
    "record": evidence.on_record,
    "report": evidence.on_report,
    "warn": evidence.on_warn,
    "warnings": evidence.on_warnings,
    "fund": fund.on_fund,
    "pin": privacy.on_pin,
    "audit": privacy.on_audit,
    "hygiene": privacy.on_hygiene,
    "forgetme": privacy.on_forgetme,
    "wipe": privacy.on_wipe,
}


def register(app: Application[Any, SquadContext, Any, Any, Any, Any]) -> None:
    """Every handler, in one ordered place."""
    # Group -1: guards that stop further handling.
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.GROUPS, squads.guard_unknown_group),
        group=-1,
    )

    for command in COMMANDS:
        app.add_handler(CommandHandler(command.name, CALLBACKS[command.name]))
    app.add_handler(CallbackQueryHandler(buttons.on_button))
    # A photo or document captioned "/alert ..." is an alert (the image is not stored).
    app.add_handler(MessageHandler(filters.CaptionRegex(ALERT_CAPTION), alerts.on_alert))
    private_location = filters.ChatType.PRIVATE & filters.LOCATION
    app.add_handler(
        MessageHandler(private_location & filters.UpdateType.MESSAGES, members.on_private_location)
    )
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.LOCATION & filters.UpdateType.MESSAGE,
            alerts.on_group_location,
        )
    )
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND & filters.REPLY,
            alerts.on_group_text_reply,
        )
    )
    # Nothing in private is met with silence.
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & ~filters.COMMAND
            & ~filters.LOCATION
            & ~filters.StatusUpdate.ALL,
            alerts.on_private_message,
        )
    )
    app.add_handler(ChatMemberHandler(squads.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(on_error)


async def set_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Telegram's command menus, from the one command table: one for private chats, one for
    groups, and one for the groups' administrators (who see the lead commands too)."""

    def listing(commands: list[Command], lang: str) -> list[BotCommand]:
        return [BotCommand(c.name, render_text(c.help_key, None, lang)[:256]) for c in commands]

    scopes: list[tuple[list[Command], BotCommandScope]] = [
        (menu(Where.PRIVATE), BotCommandScopeAllPrivateChats()),
        (menu(Where.GROUP), BotCommandScopeAllGroupChats()),
        (menu(Where.GROUP, leads=True), BotCommandScopeAllChatAdministrators()),
    ]
    try:
        # English for everyone, then each language for the apps set to it.
        for lang in LANGUAGES:
            code = None if lang == "en" else lang
            for commands, scope in scopes:
                await app.bot.set_my_commands(
                    listing(commands, lang), scope=scope, language_code=code
                )
    except TelegramError as exc:
        log.warning("setMyCommands failed: %s", type(exc).__name__)


async def on_error(update: object, context: SquadContext) -> None:
    """Log the error (never the update's content), then tell the user briefly."""
    error = context.error
    if is_store_error(error) and request_retry():
        # The update stays in the inbox and is handled again; the user hears back then.
        log.warning("store error while handling an update (%s); will retry", type(error).__name__)
        return
    log.error("handler error: %s", where(error) if error else "unknown")
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await respond(update, context, context.refusal("error"))
        except Exception as exc:  # the error path must never raise again
            log.error("could not report the error to the user: %s", type(exc).__name__)
