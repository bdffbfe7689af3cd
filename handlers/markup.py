"""Telegram objects for what the core says: text in the reader's language, inline
keyboards (the callback codec, and the t.me and tg:// links the core only names), and the
reply keyboards. Pure: it calls nothing."""

from __future__ import annotations

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.intents import Button, Text
from bot.messages import render


class DeepLinks:
    """Telegram's ``t.me`` links are built here, on the adapter's side, never in the core:
    the core names a start parameter (``Button.deep_link``), this turns it into a link.
    The composition root sets the bot's username once it is known."""

    bot_username = ""

    @classmethod
    def url(cls, start: str) -> str:
        return f"https://t.me/{cls.bot_username}?start={start}"


TEXT_MAX = 4096  # Telegram's limit for one message


def text_of(text: Text | None, lang: str = "en") -> str:
    rendered = render(text.key, text.params, lang) if text is not None else ""
    return rendered if len(rendered) <= TEXT_MAX else rendered[: TEXT_MAX - 1] + "…"


def inline_markup(
    rows: tuple[tuple[Button, ...], ...], lang: str = "en"
) -> InlineKeyboardMarkup | None:
    from handlers.buttons import encode

    if not rows:
        return None
    keyboard = []
    for row in rows:
        line = []
        for b in row:
            label = text_of(b.label, lang)
            if b.url is not None:
                line.append(InlineKeyboardButton(label, url=b.url))
            elif b.deep_link is not None:
                line.append(InlineKeyboardButton(label, url=DeepLinks.url(b.deep_link)))
            elif b.profile_of is not None:
                line.append(InlineKeyboardButton(label, url=f"tg://user?id={b.profile_of}"))
            elif b.action is not None and b.alert_id is not None:
                line.append(
                    InlineKeyboardButton(label, callback_data=encode(b.action, b.alert_id, b.arg))
                )
        keyboard.append(line)
    return InlineKeyboardMarkup(keyboard)


def location_keyboard(lang: str = "en") -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(render("start.location_button", None, lang), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def force_reply() -> ForceReply:
    return ForceReply(selective=True)
