"""Telegram adapters for setting up and running a squad."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.assist import ALERT_LINK
from bot.domain import Role, normalise_code
from bot.i18n import supported
from bot.intents import Text
from bot.locating import PIN_LINK_PREFIX
from handlers import parsing
from handlers.context import SquadContext, caller_of, command_text
from handlers.markup import text_of
from handlers.replies import respond, respond_to

log = logging.getLogger(__name__)

# Commands that work in a group that has not run /setup yet.
OPEN_COMMANDS = frozenset({"setup", "help", "start"})


async def guard_unknown_group(update: Update, context: SquadContext) -> None:
    """In a group that never ran /setup, every command gets one short explanation."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.type == "private" or not message.text:
        return
    command = message.text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
    if command in OPEN_COMMANDS:
        return
    if await context.services.squads.is_set_up(chat.id):
        return
    result = None
    if command == "alert":  # a member of some squad can raise it in private instead
        result = await context.services.assist.wrong_group(caller_of(update))
    await respond(update, context, result or context.refusal("not_set_up"))
    raise ApplicationHandlerStop


async def on_setup(update: Update, context: SquadContext) -> None:
    """/setup [code] <squad name>: group admins only (asked of Telegram)."""
    caller = caller_of(update)
    message = update.effective_message
    is_admin = False
    if not caller.private and message is not None:
        if message.sender_chat is not None:
            await respond(update, context, context.refusal("setup.anonymous"))
            return
        try:
            member = await context.bot.get_chat_member(caller.chat_id, caller.user_id)
            is_admin = member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
        except TelegramError as exc:
            log.warning("getChatMember failed: %s", type(exc).__name__)
    result = await context.services.squads.setup(caller, command_text(update), is_admin=is_admin)
    await respond(update, context, result)


async def on_join(update: Update, context: SquadContext) -> None:
    """/join: a button that opens the private chat with the squad's invite token.
    /join reset (leads): a new invite link; the old ones stop working."""
    args = [a.lower() for a in context.args or ()]
    if args and args != ["reset"]:
        await respond(update, context, context.refusal("join.usage"))
        return
    result = await context.services.joining.join(caller_of(update), reset=args == ["reset"])
    await respond(update, context, result)


async def on_start(update: Update, context: SquadContext) -> None:
    """/start [token]: the private chat is open; with an invite token the user asks to join.
    Two other links lead here: ``alert`` (raise an alert in private) and ``pin-CODE`` (send
    the location of a group alert privately)."""
    args = context.args or ()
    start = args[0] if args else None
    caller = caller_of(update)
    services = context.services
    if start == ALERT_LINK and caller.private:
        result = await services.alerts.raise_alert(caller, "")
    elif start is not None and start.startswith(PIN_LINK_PREFIX) and caller.private:
        code = normalise_code(start[len(PIN_LINK_PREFIX) :])
        result = (
            await services.locating.pin_link(caller, code)
            if code
            else context.refusal("pin_link.unknown")
        )
    else:
        result = await services.joining.start(caller, start)
    await respond(update, context, result)


def _replied_user(update: Update) -> int | None:
    message = update.effective_message
    if message is not None and message.reply_to_message is not None:
        replied = message.reply_to_message.from_user
        return replied.id if replied is not None and not replied.is_bot else None
    return None


async def on_block(update: Update, context: SquadContext) -> None:
    """/block (as a reply, or with an alias): hold that person's alerts for a lead."""
    result = await context.services.blocks.set_blocked(
        caller_of(update), command_text(update), _replied_user(update), blocked=True
    )
    await respond(update, context, result)


async def on_unblock(update: Update, context: SquadContext) -> None:
    """/unblock (as a reply, or with an alias)."""
    result = await context.services.blocks.set_blocked(
        caller_of(update), command_text(update), _replied_user(update), blocked=False
    )
    await respond(update, context, result)


async def _on_role(update: Update, context: SquadContext, role: Role | None) -> None:
    target = _replied_user(update)
    alias = parsing.alias(context.args or ())
    result = await context.services.squads.set_role(caller_of(update), alias, target, role)
    await respond(update, context, result)


async def on_lead(update: Update, context: SquadContext) -> None:
    """/lead (as a reply, or with an alias): make a member a lead."""
    await _on_role(update, context, Role.LEAD)


async def on_member(update: Update, context: SquadContext) -> None:
    """/member: make a lead or an observer a plain responding member."""
    await _on_role(update, context, Role.MEMBER)


async def on_observer(update: Update, context: SquadContext) -> None:
    """/observer: aggregate status only, never offered alerts, never sees identities."""
    await _on_role(update, context, Role.OBSERVER)


async def on_remove(update: Update, context: SquadContext) -> None:
    """/remove (as a reply, or with an alias): remove a member from the squad."""
    await _on_role(update, context, None)


async def on_place(update: Update, context: SquadContext) -> None:
    """/place add|list|remove: the squad's own gazetteer."""
    args, caller, squads = context.args or (), caller_of(update), context.services.squads
    text = command_text(update)
    await respond_to(update, context, lambda: squads.place(caller, parsing.place(args, text)))


async def on_help(update: Update, context: SquadContext) -> None:
    """/help: the commands that make sense for the caller."""
    await respond(update, context, await context.services.squads.help(caller_of(update)))


async def on_status(update: Update, context: SquadContext) -> None:
    """/status: leads only."""
    await respond(update, context, await context.services.squads.status(caller_of(update)))


async def on_my_chat_member(update: Update, context: SquadContext) -> None:
    """The bot was added to or removed from a chat, or blocked in private."""
    change = update.my_chat_member
    if change is None:
        return
    present = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)
    was_in = change.old_chat_member.status in present
    now_in = change.new_chat_member.status in present
    squads = context.services.squads
    if change.chat.type == "private":
        if was_in and not now_in:
            await squads.user_blocked_bot(change.chat.id)
        return
    if now_in and not was_in:
        if await squads.bot_added(change.chat.id):
            # No squad yet: the language of whoever added the bot, if the bot speaks it.
            lang = supported(change.from_user.language_code if change.from_user else None)
            added = text_of(Text("bot.added"), lang or "en")
            chat_id = change.chat.id
            await context.sender.direct(chat_id, lambda: context.bot.send_message(chat_id, added))
    elif was_in and not now_in:
        await squads.bot_removed(change.chat.id)
