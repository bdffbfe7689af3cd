"""Telegram markup for what the core says: text in the reader's language, inline
keyboards (the callback codec, and the t.me and tg:// links the core only names), and the
reply keyboards, as the Bot API's JSON (the sender's) and as PTB's objects (the replies').
Pure: it calls nothing."""

from __future__ import annotations

from typing import Any

from telegram import (
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


# A markup as the Bot API's JSON object: what the sender sends (handlers/transport/raw_api.py),
# and what PTB's objects for the direct replies are built from, so both send the same.
JSONObject = dict[str, Any]


def inline_keyboard(rows: tuple[tuple[Button, ...], ...], lang: str = "en") -> JSONObject | None:
    """The inline keyboard's ``reply_markup``; None without buttons."""
    from handlers.buttons import encode

    if not rows:
        return None
    keyboard = []
    for row in rows:
        line: list[dict[str, str]] = []
        for b in row:
            label = text_of(b.label, lang)
            if b.url is not None:
                line.append({"text": label, "url": b.url})
            elif b.deep_link is not None:
                line.append({"text": label, "url": DeepLinks.url(b.deep_link)})
            elif b.profile_of is not None:
                line.append({"text": label, "url": f"tg://user?id={b.profile_of}"})
            elif b.action is not None and b.alert_id is not None:
                line.append({"text": label, "callback_data": encode(b.action, b.alert_id, b.arg)})
        keyboard.append(line)
    return {"inline_keyboard": keyboard}


def inline_markup(
    rows: tuple[tuple[Button, ...], ...], lang: str = "en"
) -> InlineKeyboardMarkup | None:
    keyboard = inline_keyboard(rows, lang)
    if keyboard is None:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(**b) for b in line] for line in keyboard["inline_keyboard"]]
    )


def location_request(lang: str = "en") -> JSONObject:
    """The one-button keyboard that shares the person's location."""
    label = render("start.location_button", None, lang)
    return {
        "keyboard": [[{"text": label, "request_location": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }


def location_keyboard(lang: str = "en") -> ReplyKeyboardMarkup:
    keyboard = location_request(lang)
    return ReplyKeyboardMarkup(
        [[KeyboardButton(**b) for b in line] for line in keyboard["keyboard"]],
        resize_keyboard=keyboard["resize_keyboard"],
        one_time_keyboard=keyboard["one_time_keyboard"],
    )


# Opens the reply field on the one person's phone the message answers.
FORCE_REPLY: JSONObject = {"force_reply": True, "selective": True}
