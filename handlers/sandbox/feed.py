"""What the sandbox's page shows, built from what passes through the fake Telegram.

The bot's side comes from the fake server's call log (every message the bot sent, edited or
deleted, every pop-up, its command menus); the people's side is added as they act. Nothing
here knows the bot's wording or its commands: it shows whatever the bot sent. Each change
is an event with a sequence number, so a page that missed some catches up, and the event
stream (``web.py``) sends them as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from bot.i18n import LANGUAGES, SOURCE, render, template
from bot.messages import EN
from handlers.buttons import decode
from handlers.sandbox.cast import AREA, BY_KEY, CAST, GROUP_ID, GROUP_TITLE, PLACES, Area
from handlers.sandbox.fakegram import MAX_TEXT, Call

Json = dict[str, Any]

# Messages the bot sends, and edits of them; each call's result is the message as it is now.
SENT = frozenset({"sendMessage", "sendLocation", "sendPhoto", "sendDocument"})
EDITED = frozenset({"editMessageText", "editMessageReplyMarkup"})
# How many events a page may fall behind before it is sent the whole state again.
KEPT_EVENTS = 5000
# The page's own words (bot/english_sandbox.py): the page fills their {placeholders}.
PAGE_WORDS = "sandbox.page."


def page_words(lang: str) -> dict[str, str]:
    """Every word of the page in ``lang``, by its name without the prefix."""
    return {k[len(PAGE_WORDS) :]: template(k, lang) for k in EN if k.startswith(PAGE_WORDS)}


class Feed:
    """The chats as the page shows them, and the events that changed them."""

    def __init__(self, bot_id: int, area: Area = AREA, language: str = SOURCE) -> None:
        self.bot_id = bot_id
        self.area = area
        self.language = language  # the page's, the people's and the squad's language
        self.seq = 0
        self.messages: dict[tuple[str, int], Json] = {}
        self.keyboards: dict[str, list[list[Json]]] = {}  # a private chat's reply keyboard
        # The bot's command menus, by the language they are for ("": any other) and scope.
        self.menus: dict[str, dict[str, list[Json]]] = {}
        self.queries: dict[str, str] = {}  # callback query id -> the persona who pressed
        self.status: Json = {"state": "starting", "text": self.say("sandbox.status.starting")}
        self.narration: Json | None = None
        self.tour_running = False
        self._events: deque[Json] = deque(maxlen=KEPT_EVENTS)
        self._tick = asyncio.Event()  # set (and replaced) at every event
        self.closed = False
        self._by_user = {p.user_id: p.key for p in CAST}

    # -- what happened ----------------------------------------------------------------------

    def follow(self, call: Call) -> None:
        """One call from the fake server's log (the bot's side of the chats)."""
        if call.status != 200:
            return
        if call.method in SENT or call.method in EDITED:
            if isinstance(call.result, dict):
                self.message(call.result, edited=call.method in EDITED)
            if call.method == "sendMessage":
                self._keyboard(call.chat_id, call.params.get("reply_markup"))
        elif call.method == "deleteMessage" and call.chat_id is not None:
            self.delete(call.chat_id, int(call.params.get("message_id") or 0))
        elif call.method == "answerCallbackQuery":
            text = str(call.params.get("text") or "")
            persona = self.queries.pop(str(call.params.get("callback_query_id")), None)
            if text and persona is not None:
                alert = bool(call.params.get("show_alert"))
                self._emit({"type": "toast", "persona": persona, "text": text, "alert": alert})
        elif call.method == "setMyCommands":
            self._menu(call.params)
        elif call.method == "leaveChat" and call.chat_id == GROUP_ID:
            self._emit({"type": "toast", "persona": None, "text": self.say("sandbox.left_group")})

    def message(self, message: Mapping[str, Any], *, edited: bool = False) -> Json | None:
        """A message as Telegram has it now (sent by the bot or by one of the people)."""
        chat = self.chat_key(int(message["chat"]["id"]))
        if chat is None:
            return None
        key = (chat, int(message["message_id"]))
        before = self.messages.get(key)
        shown = self._shown(chat, message)
        shown["edits"] = (before["edits"] + 1) if before is not None and edited else 0
        if before is not None and not edited:
            shown["edits"] = before["edits"]
        self.messages[key] = shown
        self._emit({"type": "message", "message": shown})
        return shown

    def delete(self, chat_id: int, message_id: int) -> None:
        chat = self.chat_key(chat_id)
        if chat is not None and self.messages.pop((chat, message_id), None) is not None:
            self._emit({"type": "delete", "chat": chat, "id": message_id})

    def pressed(self, query_id: str, persona: str) -> None:
        """Remember who pressed, so the bot's pop-up shows to them."""
        self.queries[query_id] = persona

    def say(self, key: str, **params: Any) -> str:
        """A sentence of the sandbox's (``sandbox.*``) in the page's language."""
        return render(key, params, self.language)

    def set_status(self, state: str, key: str, **params: Any) -> None:
        """Where the sandbox is (``state``), and the sentence that says it."""
        self.status = {"state": state, "text": self.say(key, **params)}
        self._emit({"type": "status", **self.status})

    def narrate(
        self,
        key: str,
        *,
        step: int = 0,
        of: int = 0,
        done: bool = False,
        stopped: bool = False,
        **params: Any,
    ) -> None:
        """A line of the tour: what is happening now, for the people watching."""
        text = self.say(key, **params)
        self.narration = {"text": text, "step": step, "of": of, "done": done, "stopped": stopped}
        self._emit({"type": "narrate", **self.narration})

    def focus(self, persona: str) -> None:
        """The tour asks the page to show this persona's private chat."""
        self._emit({"type": "focus", "persona": persona})

    def set_tour(self, running: bool) -> None:
        self.tour_running = running
        self._emit({"type": "tour", "running": running})

    def reset(self, language: str | None = None) -> None:
        """Everything is gone: the page starts over (in ``language``, when one is given)."""
        self.messages.clear()
        self.keyboards.clear()
        self.queries.clear()
        self.narration = None
        self.tour_running = False
        if language is None or language == self.language:
            self._emit({"type": "reset"})
            return
        # The page is sent everything again, its own words too, in the new language.
        self.language = language
        self.status = {"state": "starting", "text": self.say("sandbox.status.starting")}
        self._emit({"type": "snapshot", "state": self.snapshot()})

    def close(self) -> None:
        """The sandbox is stopping: event streams end."""
        self.closed = True
        self._tick.set()

    # -- what the page reads ------------------------------------------------------------------

    def chat_key(self, chat_id: int) -> str | None:
        if chat_id == GROUP_ID:
            return "group"
        return self._by_user.get(chat_id)

    def persona_of(self, user_id: int) -> str:
        if user_id == self.bot_id:
            return "bot"
        return self._by_user.get(user_id, "someone")

    def snapshot(self) -> Json:
        """The whole state, for a page that (re)connects."""
        chats = sorted(self.messages.values(), key=lambda m: (m["chat"], m["id"]))
        lang = self.language
        return {
            "seq": self.seq,
            "status": self.status,
            "language": lang,
            "languages": LANGUAGES,
            "words": page_words(lang),
            "max_text": MAX_TEXT,  # what a message may hold, as Telegram's app allows
            "group": {"key": "group", "title": GROUP_TITLE},
            "personas": [
                {
                    "key": p.key,
                    "name": p.name,
                    "role": p.role.value,
                    "description": p.description(lang),
                }
                for p in CAST
            ],
            "places": [
                {"key": p.key, "name": p.name(lang), "x": p.spot.x, "y": p.spot.y} for p in PLACES
            ],
            "messages": chats,
            "keyboards": self.keyboards,
            "commands": self.commands(),
            "narration": self.narration,
            "tour": {"running": self.tour_running},
        }

    def events_after(self, seq: int) -> list[Json] | None:
        """The events after ``seq``; ``None`` when some were already dropped."""
        if seq > self.seq:
            return None  # a number from an earlier run of the sandbox
        if seq == self.seq:
            return []
        if not self._events or self._events[0]["seq"] > seq + 1:
            return None
        return [e for e in self._events if e["seq"] > seq]

    async def wait(self, seq: int, within: float) -> None:
        """Until there is an event after ``seq``, or ``within`` seconds passed."""
        if self.seq > seq or self.closed:
            return
        tick = self._tick
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tick.wait(), within)

    # -- inside ---------------------------------------------------------------------------

    def _emit(self, event: Json) -> None:
        self.seq += 1
        self._events.append({"seq": self.seq, **event})
        self._tick.set()
        self._tick = asyncio.Event()

    def _shown(self, chat: str, message: Mapping[str, Any]) -> Json:
        sender = self.persona_of(int(message.get("from", {}).get("id", 0)))
        reply = message.get("reply_to_message")
        shown: Json = {
            "chat": chat,
            "id": int(message["message_id"]),
            "from": sender,
            "name": "Squadline" if sender == "bot" else _name(sender),
            "at": int(message.get("date") or time.time()),
            "text": str(message.get("text") or message.get("caption") or ""),
            "buttons": _buttons(message.get("reply_markup")),
            "reply_to": int(reply["message_id"]) if isinstance(reply, dict) else None,
        }
        location = message.get("location")
        if isinstance(location, dict):
            # A pin card, as Telegram shows a map: a place on the drawn map, no coordinates.
            spot = self.area.spot(float(location["latitude"]), float(location["longitude"]))
            live = bool(location.get("live_period"))
            shown["pin"] = {"x": spot.x, "y": spot.y, "live": live}
        photo = message.get("photo")
        if isinstance(photo, list) and photo:
            shown["photo"] = str(photo[-1].get("file_id", ""))
        document = message.get("document")
        if isinstance(document, dict):
            shown["document"] = str(document.get("file_name") or "document")
        return shown

    def _keyboard(self, chat_id: int | None, markup: Any) -> None:
        chat = self.chat_key(chat_id) if chat_id is not None else None
        if chat is None or not isinstance(markup, dict):
            return
        if "keyboard" in markup:
            rows = [
                [
                    {"text": str(b.get("text", "")), "location": bool(b.get("request_location"))}
                    if isinstance(b, dict)
                    else {"text": str(b), "location": False}
                    for b in row
                ]
                for row in markup["keyboard"]
            ]
            self.keyboards[chat] = rows
            self._emit({"type": "keyboard", "chat": chat, "rows": rows})
        elif markup.get("remove_keyboard"):
            self.keyboards.pop(chat, None)
            self._emit({"type": "keyboard", "chat": chat, "rows": None})

    def commands(self) -> dict[str, list[Json]]:
        """The bot's menus as Telegram shows them to someone whose app is in the page's
        language: the ones set for that language, else the ones set for any language."""
        return {**self.menus.get("", {}), **self.menus.get(self.language, {})}

    def _menu(self, params: Mapping[str, Any]) -> None:
        lang = str(params.get("language_code") or "")
        scope = params.get("scope") or {}
        kind = str(scope.get("type", "default")) if isinstance(scope, dict) else "default"
        listed = params.get("commands") or []
        self.menus.setdefault(lang, {})[kind] = [
            {"command": str(c.get("command", "")), "description": str(c.get("description", ""))}
            for c in listed
            if isinstance(c, dict)
        ]
        self._emit({"type": "commands", "commands": self.commands()})


def _name(persona: str) -> str:
    found = BY_KEY.get(persona)
    return found.name if found is not None else persona


def _buttons(markup: Any) -> list[list[Json]]:
    """An inline keyboard as the page draws it: a press sends the callback data back; a link
    is shown, and a Telegram start link opens the private chat as Telegram would."""
    if not isinstance(markup, dict):
        return []
    rows: list[list[Json]] = []
    for row in markup.get("inline_keyboard", []):
        line: list[Json] = []
        for button in row:
            if not isinstance(button, dict):
                continue
            shown: Json = {"text": str(button.get("text", ""))}
            if "callback_data" in button:
                shown["data"] = str(button["callback_data"])
                shown["action"] = _action(shown["data"])
            elif "url" in button:
                shown["url"] = str(button["url"])
            line.append(shown)
        rows.append(line)
    return rows


def _action(data: str) -> str:
    """The action code of callback data (what the button does), for the page and its tests."""
    press = decode(data)
    return press.action.value if press is not None else ""
