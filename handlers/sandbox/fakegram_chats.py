"""The people's side of the fake Telegram: its users, groups and private chats, the messages
in them, and the updates people cause, handed to the bot by long polling (getUpdates) or,
once the bot sets a webhook, POSTed to it (``fakegram_webhook``).

The people write, share or move locations, press buttons and add the bot to a group, the
way Telegram would deliver those to the bot. ``fakegram_methods`` answers the bot's calls on
the same chats; ``fakegram.FakeTelegram`` is the server that puts them together.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from typing import Any

from handlers.sandbox.fakegram_shapes import ApiError, Chat, User
from handlers.sandbox.fakegram_webhook import WebhookPusher


class Chats:
    """Telegram as the people see it: who is there, what they wrote, what the bot gets."""

    def __init__(self, token: str, bot_username: str) -> None:
        self.token = token
        self.bot = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Squadline",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.started: set[int] = set()  # private chats the user opened with the bot
        self.blocked: set[int] = set()  # private chats where the user blocked the bot
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)  # callback queries and file ids
        self._changed = asyncio.Condition()  # a new update, or a new call recorded
        self.confirmed_offset = 0
        self.polls = 0
        self.paused = False  # while set, getUpdates hands out nothing (updates queue up)
        self.webhook = WebhookPusher()  # webhook mode: set by the bot's setWebhook
        # When each update (by update_id) was first handed out by getUpdates.
        self.handed_out: dict[int, float] = {}
        # Which update carried a message the people sent: (chat id, message id) -> update_id.
        self.update_of: dict[tuple[int, int], int] = {}

    # -- who is there, and what they do -------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        language_code: str | None = None,
    ) -> User:
        user = User(user_id, first_name, username, language_code)
        self.users[user_id] = user
        return user

    def group(self, chat_id: int, title: str, *, admins: tuple[User, ...] = ()) -> Chat:
        chat = Chat(chat_id, "supergroup", title=title, admins={u.id for u in admins})
        if admins:
            chat.owner = admins[0].id
        self.chats[chat_id] = chat
        return chat

    def private_chat(self, user: User) -> Chat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = Chat(user.id, "private", first_name=user.first_name)
            self.chats[user.id] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _message(self, chat: Chat, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {
            "message_id": self._next_message_id(chat.id),
            "date": int(time.time()),
            "chat": chat.as_json(),
            "from": sender,
            **content,
        }
        self.messages[(chat.id, message["message_id"])] = message
        return message

    async def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any update for the bot's next getUpdates."""
        update = {"update_id": next(self._update_ids), **update}
        message = update.get("message")
        if isinstance(message, dict):
            key = (message["chat"]["id"], message["message_id"])
            self.update_of[key] = update["update_id"]
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    async def pause_updates(self) -> None:
        self.paused = True

    async def resume_updates(self) -> None:
        async with self._changed:
            self.paused = False
            self._changed.notify_all()

    async def deliver_again(self, update: dict[str, Any]) -> None:
        """Deliver an update a second time, same update_id (as after a lost confirmation)."""
        async with self._changed:
            self._updates.append(update)
            self._updates.sort(key=lambda u: u["update_id"])
            self.confirmed_offset = min(self.confirmed_offset, update["update_id"])
            self._changed.notify_all()

    async def send(
        self,
        user: User,
        chat: Chat,
        text: str,
        *,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The user writes ``text`` in ``chat`` (a /command gets its entity)."""
        if chat.type == "private":
            self.started.add(chat.id)
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        message = self._message(chat, user.as_json(), **content)
        await self.deliver({"message": message})
        return message

    async def send_media(
        self, user: User, chat: Chat, kind: str = "photo", caption: str | None = None
    ) -> dict[str, Any]:
        """The user sends a photo, a voice note or a document, optionally with a caption."""
        if chat.type == "private":
            self.started.add(chat.id)
        file = {"file_id": f"PHOTO-FILE-{next(self._callback_ids)}", "file_unique_id": "u1"}
        media: dict[str, dict[str, Any]] = {
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "voice": {"voice": {**file, "duration": 3}},
            "document": {"document": file},
        }
        content: dict[str, Any] = dict(media[kind])
        if caption is not None:
            content["caption"] = caption
            if caption.startswith("/"):
                length = len(caption.split()[0])
                content["caption_entities"] = [
                    {"type": "bot_command", "offset": 0, "length": length}
                ]
        message = self._message(chat, user.as_json(), **content)
        await self.deliver({"message": message})
        return message

    async def share_location(
        self,
        user: User,
        chat: Chat,
        lat: float,
        lon: float,
        *,
        live_period: int | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if chat.type == "private":
            self.started.add(chat.id)
        location: dict[str, Any] = {"latitude": lat, "longitude": lon}
        if live_period:
            location["live_period"] = live_period
        content: dict[str, Any] = {"location": location}
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        message = self._message(chat, user.as_json(), **content)
        await self.deliver({"message": message})
        return message

    async def move_live_location(
        self, message: dict[str, Any], lat: float, lon: float
    ) -> dict[str, Any]:
        """A live location moved: Telegram sends the message again as ``edited_message``."""
        edited = dict(message)
        edited["location"] = {**message["location"], "latitude": lat, "longitude": lon}
        edited["edit_date"] = int(time.time())
        self.messages[(message["chat"]["id"], message["message_id"])] = edited
        await self.deliver({"edited_message": edited})
        return edited

    async def press(
        self,
        user: User,
        message: dict[str, Any],
        *,
        button: str | None = None,
        data: str | None = None,
    ) -> dict[str, Any]:
        """The user presses an inline button of ``message`` (by label or by raw data).

        Like a person, it waits a moment for buttons that arrive with an edit."""
        key = (message["chat"]["id"], message["message_id"])
        current = self.messages.get(key, message)
        if data is None:
            matches: list[dict[str, Any]] = []
            for _ in range(40):
                current = self.messages.get(key, message)
                rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
                matches = [
                    b for row in rows for b in row if button is not None and button in b["text"]
                ]
                if matches:
                    break
                await asyncio.sleep(0.05)
            if not matches:
                raise AssertionError(f"no button {button!r} on message {current.get('text')!r}")
            data = matches[0]["callback_data"]
        query = {
            "id": str(next(self._callback_ids)),
            "from": user.as_json(),
            "message": current,
            "chat_instance": str(current["chat"]["id"]),
            "data": data,
        }
        return await self.deliver({"callback_query": query})

    async def add_bot_to_group(self, chat: Chat, by: User) -> dict[str, Any]:
        change = {
            "chat": chat.as_json(),
            "from": by.as_json(),
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": self.bot},
            "new_chat_member": {"status": "member", "user": self.bot},
        }
        return await self.deliver({"my_chat_member": change})

    # -- handing the updates to the bot ----------------------------------------------------

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook.hook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        self.polls += 1
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            # Telegram forgets every update below the offset: they are confirmed.
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        async with self._changed:
            while True:
                ready = [u for u in self._updates if u["update_id"] >= offset][:limit]
                if self.paused:
                    ready = []
                remaining = end - loop.time()
                if ready or remaining <= 0:
                    now = time.time()
                    for update in ready:
                        self.handed_out.setdefault(update["update_id"], now)
                    self._changed.notify_all()
                    return ready
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    # -- webhook mode -------------------------------------------------------------------

    async def post_webhook(self, update: dict[str, Any], *, secret: str | None) -> int:
        """POST one update to the bot's webhook now, with ``secret`` in the header (None: no
        header), as anyone on the internet could; the HTTP status (0: unreachable). An
        update without an ``update_id`` gets the next one."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        return await self.webhook.post(update, secret)

    async def _next_for_webhook(self) -> dict[str, Any]:
        async with self._changed:
            while self.webhook.hook is None or self.paused or not self._updates:
                await self._changed.wait()
            return self._updates[0]

    async def _webhook_delivered(self, update: dict[str, Any]) -> None:
        async with self._changed:
            if update in self._updates:
                self._updates.remove(update)
            self.confirmed_offset = max(self.confirmed_offset, update["update_id"] + 1)
            self._changed.notify_all()
