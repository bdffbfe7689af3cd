"""Bot API calls that skip python-telegram-bot's objects: the sender's and the poller's.

PTB's methods turn every call's arguments into parameters through its object machinery
(``Defaults``, each markup object's ``to_dict``) and every answer into objects: a
``Message`` for each send or edit, an ``Update`` for each update polled. The sender keeps
only a message's chat and id, and the inbox stores each update as Telegram sent it (the
poller turned PTB's ``Update`` back into JSON for it, and the inbox parsed it again).
Under a raid that was about a sixth of the bot's CPU (README "Performance").

The calls still go through PTB's request object (``BaseRequest.post``), so Telegram's
answer is read as before: the "result" comes back as JSON, and an error is PTB's own, from
the status (``RetryAfter``, ``Forbidden``, ``BadRequest``, ``TimedOut``, ``NetworkError``,
``Conflict``, ``InvalidToken``). A bot built with PTB's rate limiter (a bench variant) has
each call pass it, as PTB's methods do. The parameters are what PTB's methods send: the
values Telegram reads, markups and reply parameters as JSON objects, nothing for None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

JSONObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sent:
    """What is kept of a message Telegram took: where it is, to edit or delete it later."""

    chat_id: int
    message_id: int

    @classmethod
    def of(cls, result: Any) -> Sent | None:
        """From the "result" of a send or an edit (``True`` for an edit of a message that
        is not the bot's to return: nothing to keep)."""
        if not isinstance(result, dict):
            return None
        return cls(result["chat"]["id"], result["message_id"])


class RawBotApi:
    """The few Bot API methods the sender and the poller call, on one request object (the
    bot's own, or the one PTB keeps for getUpdates, which the composition root hands in)."""

    def __init__(self, bot: Bot, request: BaseRequest | None = None) -> None:
        self.bot = bot
        self.request = request if request is not None else bot.request

    async def call(
        self,
        method: str,
        params: JSONObject,
        *,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> Any:
        """Telegram's "result" for ``method``; a parameter that is None is not sent."""
        data = {name: value for name, value in params.items() if value is not None}
        limiter = getattr(self.bot, "rate_limiter", None)  # an ExtBot's, when it has one
        if limiter is None or method == "getUpdates":  # as PTB: polling is never limited
            return await self._post(method, data, read_timeout)
        return await limiter.process_request(
            callback=self._post,
            args=(method, data, read_timeout),
            kwargs={},
            endpoint=method,
            data=data,
            rate_limit_args=None,
        )

    async def _post(self, method: str, data: JSONObject, read_timeout: ODVInput[float]) -> Any:
        request_data = RequestData([RequestParameter(k, v, None) for k, v in data.items()])
        return await self.request.post(
            f"{self.bot.base_url}/{method}", request_data=request_data, read_timeout=read_timeout
        )

    async def get_updates(
        self,
        offset: int | None,
        long_poll_s: int,
        allowed_updates: Sequence[str],
        read_timeout: float,
    ) -> list[JSONObject]:
        """The updates as Telegram sent them (each a JSON object, fields in its order);
        Telegram holds the call up to ``long_poll_s`` until there is one."""
        result = await self.call(
            "getUpdates",
            {"timeout": long_poll_s, "offset": offset, "allowed_updates": list(allowed_updates)},
            read_timeout=read_timeout,
        )
        return list(result)

    async def send_message(
        self,
        chat_id: int,
        text: str,
        reply_markup: JSONObject | None = None,
        reply_parameters: JSONObject | None = None,
    ) -> Sent | None:
        return Sent.of(
            await self.call(
                "sendMessage",
                {
                    "chat_id": chat_id,
                    "text": text,
                    "reply_markup": reply_markup,
                    "reply_parameters": reply_parameters,
                },
            )
        )

    async def edit_message_text(
        self, chat_id: int, message_id: int, text: str, reply_markup: JSONObject | None = None
    ) -> Sent | None:
        return Sent.of(
            await self.call(
                "editMessageText",
                {
                    "chat_id": chat_id,
                    "message_id": message_id,
                    "text": text,
                    "reply_markup": reply_markup,
                },
            )
        )

    async def delete_message(self, chat_id: int, message_id: int) -> bool:
        return bool(
            await self.call("deleteMessage", {"chat_id": chat_id, "message_id": message_id})
        )

    async def send_location(self, chat_id: int, latitude: float, longitude: float) -> Sent | None:
        return Sent.of(
            await self.call(
                "sendLocation", {"chat_id": chat_id, "latitude": latitude, "longitude": longitude}
            )
        )

    async def send_venue(
        self, chat_id: int, latitude: float, longitude: float, title: str, address: str
    ) -> Sent | None:
        return Sent.of(
            await self.call(
                "sendVenue",
                {
                    "chat_id": chat_id,
                    "latitude": latitude,
                    "longitude": longitude,
                    "title": title,
                    "address": address,
                },
            )
        )

    async def leave_chat(self, chat_id: int) -> bool:
        return bool(await self.call("leaveChat", {"chat_id": chat_id}))
