"""Telegram adapters. Each handler parses the update, makes one core call, renders the result."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommand,
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

from bot.i18n import LANGUAGES
from bot.messages import render as render_text
from data.store import is_store_error
from handlers import alerts, buttons, members, privacy, squads
from handlers.context import SquadContext
from handlers.intake import request_retry
from handlers.render import respond

log = logging.getLogger(__name__)

ALERT_CAPTION = r"^/alert(@\w+)?(\s|$)"

GROUP_COMMANDS = (
    "alert",
    "claim",
    "close",
    "cancel",
    "status",
    "join",
    "available",
    "busy",
    "off",
    "me",
    "help",
    "hygiene",
    "block",
    "unblock",
    "wipe",
    "setup",
    "language",
)
PRIVATE_COMMANDS = (
    "alert",
    "claim",
    "close",
    "note",
    "cancel",
    "status",
    "assign",
    "available",
    "busy",
    "off",
    "alias",
    "me",
    "place",
    "pin",
    "audit",
    "forgetme",
    "language",
    "help",
)


def register(app: Application[Any, SquadContext, Any, Any, Any, Any]) -> None:
    """Every handler, in one ordered place."""
    # Group -1: guards that stop further handling.
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.GROUPS, squads.guard_unknown_group),
        group=-1,
    )

    commands = {
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
        "pin": privacy.on_pin,
        "audit": privacy.on_audit,
        "hygiene": privacy.on_hygiene,
        "forgetme": privacy.on_forgetme,
        "wipe": privacy.on_wipe,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback))
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
    """Register the command lists with Telegram, separately for groups and private chats."""

    def listing(names: tuple[str, ...], lang: str) -> list[BotCommand]:
        return [BotCommand(n, render_text(f"cmd.{n}", None, lang)) for n in names]

    try:
        # English for everyone, then each language for the apps set to it.
        for lang in LANGUAGES:
            code = None if lang == "en" else lang
            await app.bot.set_my_commands(
                listing(GROUP_COMMANDS, lang),
                scope=BotCommandScopeAllGroupChats(),
                language_code=code,
            )
            await app.bot.set_my_commands(
                listing(PRIVATE_COMMANDS, lang),
                scope=BotCommandScopeAllPrivateChats(),
                language_code=code,
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
    log.error("handler error: %s", type(error).__name__, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await respond(update, context, context.refusal("error"))
        except Exception as exc:  # the error path must never raise again
            log.error("could not report the error to the user: %s", type(exc).__name__)
