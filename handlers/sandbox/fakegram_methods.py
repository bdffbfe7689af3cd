"""The Bot API methods the bot calls on the fake Telegram, answered with Telegram's shapes and
errors: messages sent, edited and deleted in the people's chats, files, callback answers,
chat members, and the webhook set or deleted (``fakegram_webhook`` POSTs the updates then).
``fakegram.FakeTelegram`` dispatches each call to the ``_m_<method>`` here.
"""

from __future__ import annotations

import time
from typing import Any

from handlers.sandbox.fakegram_chats import Chats
from handlers.sandbox.fakegram_shapes import (
    MAX_TEXT,
    MAX_UPLOAD,
    ApiError,
    Chat,
    Upload,
    png_size,
)


class BotApiMethods(Chats):
    """The methods the bot may call (``_m_<method>``); any other is answered 404."""

    def __init__(self, token: str, bot_username: str) -> None:
        super().__init__(token, bot_username)
        self.files: dict[str, Upload] = {}  # what the bot uploaded, by the file id it got

    def _chat(self, params: dict[str, Any]) -> Chat:
        chat_id = params.get("chat_id")
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self.chats.get(int(chat_id))
        if chat is None and int(chat_id) in self.users:
            # A real user who never opened a private chat: Telegram says 403, not 400.
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.type == "private":
            if chat.id in self.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat.id not in self.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self.bot

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        if not params.get("url"):
            raise ApiError(400, "Bad Request: bad webhook: an URL must be provided")
        async with self._changed:
            self.webhook.hook = dict(params)
            self._changed.notify_all()
        self.webhook.start(self._next_for_webhook, self._webhook_delivered)
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        async with self._changed:
            self.webhook.hook = None
            if params.get("drop_pending_updates"):
                self._updates = []
            self._changed.notify_all()
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands:
            raise ApiError(400, "Bad Request: commands must be a non-empty array")
        return True

    async def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        user_id = int(params["user_id"])
        user = self.users.get(user_id)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        status = "member"
        if chat.owner == user_id:
            status = "creator"
        elif user_id in chat.admins:
            status = "administrator"
        member: dict[str, Any] = {"status": status, "user": user.as_json()}
        if status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    def _bot_message(self, chat: Chat, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        if params.get("reply_markup") is not None:
            content["reply_markup"] = params["reply_markup"]
        reply = params.get("reply_parameters") or {}
        reply_id = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_id:
            original = self.messages.get((chat.id, int(reply_id)))
            if original is not None:
                content["reply_to_message"] = original
            elif not (
                reply.get("allow_sending_without_reply")
                or params.get("allow_sending_without_reply")
            ):
                raise ApiError(400, "Bad Request: message to be replied not found")
        message = self._message(chat, self.bot, **content)
        # ReplyKeyboard/ForceReply are not stored on the message in Telegram's answer.
        markup = message.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" not in markup:
            del message["reply_markup"]
        return message

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        text = params.get("text")
        if not text or not str(text).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(str(text)) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return self._bot_message(chat, params, text=str(text))

    @staticmethod
    def _point(params: dict[str, Any]) -> dict[str, float]:
        try:
            lat, lon = float(params["latitude"]), float(params["longitude"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request: wrong latitude or longitude") from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ApiError(400, "Bad Request: wrong latitude or longitude")
        return {"latitude": lat, "longitude": lon}

    async def _m_sendLocation(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        return self._bot_message(chat, params, location=self._point(params))

    async def _m_sendVenue(self, params: dict[str, Any]) -> Any:
        """A pin with a title and an address (Telegram's message carries both the venue
        and its location)."""
        chat = self._chat(params)
        point = self._point(params)
        title, address = str(params.get("title") or ""), str(params.get("address") or "")
        if not title.strip():
            raise ApiError(400, "Bad Request: venue title is empty")
        if not address.strip():
            raise ApiError(400, "Bad Request: venue address is empty")
        venue = {"location": point, "title": title, "address": address}
        return self._bot_message(chat, params, location=point, venue=venue)

    def _uploaded(self, params: dict[str, Any], name: str) -> tuple[str, Upload]:
        """A file parameter: a new upload (kept under a new file id) or a known file id."""
        value = params.get(name)
        if isinstance(value, Upload):
            if not value.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            if len(value.data) > MAX_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            file_id = f"FILE-{next(self._callback_ids)}"
            self.files[file_id] = value
            return file_id, value
        if isinstance(value, str) and value in self.files:
            return value, self.files[value]
        raise ApiError(400, f"Bad Request: there is no {name} in the request")

    def _caption(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = params.get("caption")
        if caption is None:
            return {}
        if len(str(caption)) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        return {"caption": str(caption)}

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        file_id, upload = self._uploaded(params, "photo")
        width, height = png_size(upload.data)
        size = {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(upload.data)}
        photo = [{**size, "width": width, "height": height}]
        return self._bot_message(chat, params, photo=photo, **self._caption(params))

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        file_id, upload = self._uploaded(params, "document")
        document = {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_name": upload.filename,
            "mime_type": upload.content_type,
            "file_size": len(upload.data),
        }
        return self._bot_message(chat, params, document=document, **self._caption(params))

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        key = (chat.id, int(params.get("message_id") or 0))
        message = self.messages.get(key)
        if message is None or message["from"].get("id") != self.bot["id"]:
            raise ApiError(400, "Bad Request: message to edit not found")
        text = str(params.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = params.get("reply_markup")
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        edited = {**message, "text": text, "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup:
            edited["reply_markup"] = markup
        self.messages[key] = edited
        return edited

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        key = (chat.id, int(params.get("message_id") or 0))
        message = self.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        edited = {**message}
        edited.pop("reply_markup", None)
        if params.get("reply_markup"):
            edited["reply_markup"] = params["reply_markup"]
        self.messages[key] = edited
        return edited

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        return True

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        key = (chat.id, int(params.get("message_id") or 0))
        if self.messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _m_leaveChat(self, params: dict[str, Any]) -> Any:
        self._chat(params)
        return True

    async def _m_close(self, params: dict[str, Any]) -> Any:
        return True
