"""Answering the person who asked: the reply, the pop-up, the edit of the pressed message,
and group tidying, in the asker's (or the chat's) language. This is where replies are sent."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import (
    InlineKeyboardMarkup,
    InputFile,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden

from bot.intents import Attachment, FileKind, Refused, Reply
from bot.messages import render
from handlers.markup import inline_markup, location_keyboard, text_of

if TYPE_CHECKING:
    from handlers.context import SquadContext

log = logging.getLogger(__name__)

ANSWER_MAX = 200  # Telegram cuts callback answers at 200 characters


async def respond_to(
    update: Update, context: SquadContext, use_case: Callable[[], Awaitable[Reply | None]]
) -> None:
    """Parse, make the one core call, answer: a parse error (``Refused``, raised by a parser
    in handlers/parsing.py) is answered like any refusal, and the core is not asked."""
    try:
        result = await use_case()
    except Refused as refusal:
        result = refusal.reply
    await respond(update, context, result)


async def respond(update: Update, context: SquadContext, result: Reply | None) -> None:
    """Answer the person who asked. What the core queued for others is the sender's: it was
    woken at the commit, and delivers on its own (a handler never waits for it)."""
    query = update.callback_query
    # Nothing to word (an /alert in a group, whose answer is the board): no language to find.
    if result is not None and (query is not None or result.text is not None):
        langs = await _languages(update, context)
        if query is not None:
            answer = text_of(result.answer, langs.personal)[:ANSWER_MAX] if result.answer else None
            await query.answer(answer, show_alert=not result.ok and answer is not None)
        if result.text is not None and (query is None or result.ok):
            edited = result.edit_pressed and await _edit_pressed(context, result, update, langs)
            chat = update.effective_chat
            if edited:
                where = (chat.id, langs.here) if chat is not None else None
            else:
                where = await _send_reply(update, context, result, langs)
            if where is not None and result.attachments:
                await _send_files(context, *where, result.attachments)
            if where is not None and result.later is not None:
                _in_background(_send_later(context, *where, result.later))
    context.sender.kick()
    if result is not None and result.cleanup and update.effective_chat is not None:
        await _clean_up(context, update.effective_chat.id, result.cleanup)


@dataclass(frozen=True)
class Languages:
    """The language of the person who asked (their private chat, pop-ups) and of the chat
    they asked in (the same, or their group's)."""

    personal: str
    here: str


async def _languages(update: Update, context: SquadContext) -> Languages:
    chat = update.effective_chat
    user = update.effective_user
    readers = context.services.languages
    if user is None:
        here = await readers.reader(chat.id) if chat is not None else "en"
        return Languages(here, here)
    chat_id = chat.id if chat is not None and chat.type != "private" else None
    personal, here = await readers.readers(user.id, user.language_code, chat_id)
    return Languages(personal, here)


async def _edit_pressed(
    context: SquadContext, result: Reply, update: Update, langs: Languages
) -> bool:
    """Show the answer in place of the message whose button was pressed; ``False`` if that
    message cannot be edited (then the answer goes as a new message)."""
    query = update.callback_query
    message = query.message if query is not None else None
    if message is None or update.effective_chat is None:
        return False
    chat_id = update.effective_chat.id
    try:
        await context.sender.direct(
            chat_id,
            lambda: context.bot.edit_message_text(
                text_of(result.text, langs.here),
                chat_id=chat_id,
                message_id=message.message_id,
                reply_markup=inline_markup(result.buttons, langs.here),
            ),
        )
    except BadRequest as exc:
        log.info("could not edit the pressed message: %s", type(exc).__name__)
        return False
    return True


async def _clean_up(context: SquadContext, chat_id: int, message_ids: tuple[int, ...]) -> None:
    """Group hygiene: delete captured messages. Without admin rights this quietly fails."""
    for message_id in message_ids:
        try:
            await context.sender.delete(chat_id, message_id)
        except (BadRequest, Forbidden) as exc:
            log.info("could not delete a captured message: %s", type(exc).__name__)


# Files still being made and sent after their answer (a report's charts): held here so
# they are not garbage-collected mid-way. They hold no slot of the intake's, so a run of
# reports waiting for their charts never holds up anyone's alert.
_LATER: set[asyncio.Task[None]] = set()


def _in_background(job: Coroutine[Any, Any, None]) -> None:
    task = asyncio.create_task(job)
    _LATER.add(task)
    task.add_done_callback(_LATER.discard)


async def stop_later() -> None:
    """At shutdown: files still being made or sent are given up (the answer they follow
    went; the person can ask again)."""
    for task in list(_LATER):
        task.cancel()
    await asyncio.gather(*_LATER, return_exceptions=True)


async def _send_later(
    context: SquadContext,
    chat_id: int,
    lang: str,
    later: Callable[[], Awaitable[tuple[Attachment, ...]]],
) -> None:
    try:
        await _send_files(context, chat_id, lang, await later())
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the answer went; its files could not follow
        log.warning("a reply's files could not be sent (%s)", type(exc).__name__)


async def _send_files(
    context: SquadContext, chat_id: int, lang: str, files: tuple[Attachment, ...]
) -> None:
    """The reply's files, in order, after its text, in the chat the text went to."""
    for file in files:
        upload = InputFile(file.data, filename=file.filename)
        caption = text_of(file.caption, lang) if file.caption else None
        if file.kind is FileKind.PHOTO:
            send = functools.partial(context.bot.send_photo, chat_id, upload, caption=caption)
        else:
            send = functools.partial(context.bot.send_document, chat_id, upload, caption=caption)
        await context.sender.direct(chat_id, send)


async def _send_reply(
    update: Update, context: SquadContext, result: Reply, langs: Languages
) -> tuple[int, str] | None:
    """Send the reply's text; the chat it went to and its language, or ``None`` if it could
    not go there."""
    chat = update.effective_chat
    user = update.effective_user
    message = update.effective_message
    assert chat is not None and user is not None
    lang = langs.personal if result.private else langs.here
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
    markup = inline_markup(result.buttons, lang)
    if result.request_location:
        markup = location_keyboard(lang)
    elif result.remove_keyboard:
        markup = ReplyKeyboardRemove()
    text = text_of(result.text, lang)
    if result.private:
        try:
            await context.sender.direct(
                user.id, lambda: context.bot.send_message(user.id, text, reply_markup=markup)
            )
        except Forbidden:
            log.info("private reply refused: the user has not opened a private chat")
            if chat.type != "private":
                # Say where the answer would be, and nothing of what it holds.
                await _reply_here(
                    update, context, render("private.open_first", None, langs.here), None
                )
            return None
        if chat.type != "private" and message is not None:
            sent_private = render("me.sent_private", None, langs.here)
            await context.sender.direct(chat.id, lambda: message.reply_text(sent_private))
        return user.id, lang
    await _reply_here(update, context, text, markup)
    return chat.id, lang


async def _reply_here(
    update: Update,
    context: SquadContext,
    text: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None,
) -> None:
    """Answer in the chat where the update came from (as a reply, if it was a message)."""
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None
    if message is not None and update.callback_query is None:
        try:
            await context.sender.direct(
                chat.id,
                lambda: message.reply_text(
                    text, reply_markup=markup, allow_sending_without_reply=True
                ),
            )
            return
        except BadRequest:
            log.info("reply failed; sending without reply")
    await context.sender.direct(
        chat.id, lambda: context.bot.send_message(chat.id, text, reply_markup=markup)
    )
