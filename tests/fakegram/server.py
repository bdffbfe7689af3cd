"""A fake Telegram Bot API server (aiohttp) for driving the real Application over HTTP.

It speaks Telegram's JSON shapes and errors, records every call, delivers any
update type by long polling or, once the bot sets a webhook, by POSTing it there
(``webhook.py``), and injects faults (429 with ``retry_after``, 5xx, 403, delays) on chosen
methods and chats. With ``limits`` set it enforces Telegram's sending limits
(``tests/fakegram/limits.py``) and answers 429 when the bot breaks one; ``None`` means no
limits. Every request is timestamped (``requests``), and so is the moment each update is
first handed out by getUpdates (``handed_out``).

It also plays the people: helpers build users and groups and make them send messages,
share or move locations, and press buttons, the way Telegram would deliver those to the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakegram.limits import SENDING_METHODS, LimitKeeper, Limits
from tests.fakegram.webhook import WebhookPusher

__all__ = ["SENDING_METHODS", "Call", "Chat", "FakeTelegram", "Fault", "Limits", "Upload", "User"]

# Parameters that Telegram takes as plain strings (everything else is JSON-encoded by PTB).
STRING_PARAMS = frozenset(
    {"text", "caption", "callback_query_id", "parse_mode", "description", "title", "address"}
)


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded (multipart/form-data), as Telegram received it."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    """One recorded Bot API call: ``at`` when it arrived, ``done`` when it was answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    result: Any = None
    done: float = 0.0

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        if self.method == "sendVenue":  # a venue's words are its title and its address
            return f"{self.params.get('title', '')}\n{self.params.get('address', '')}"
        return str(self.params.get("text", self.params.get("caption", "")))

    def upload(self) -> Upload | None:
        """The file this call uploaded (sendPhoto, sendDocument), if any."""
        return next((v for v in self.params.values() if isinstance(v, Upload)), None)

    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    """Answer a matching call with an error (or after a delay) ``times`` times."""

    method: str | None
    status: int
    chat_id: int | None = None
    times: int = 1
    retry_after: int | None = None
    delay: float = 0.0
    description: str | None = None


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None  # the language of their Telegram app, e.g. "zu"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    admins: set[int] = field(default_factory=set)
    owner: int | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        return data


class FakeTelegram:
    """The server, its recorded calls, and the people who use the bot through it."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "squadline_test_bot",
        *,
        limits: Limits | None = None,
    ):
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
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, Upload] = {}  # what the bot uploaded, by the file id it got
        self.started: set[int] = set()  # private chats the user opened with the bot
        self.blocked: set[int] = set()  # private chats where the user blocked the bot
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self.confirmed_offset = 0
        self.polls = 0
        self.paused = False  # while set, getUpdates hands out nothing (updates queue up)
        self.webhook = WebhookPusher()  # webhook mode: set by the bot's setWebhook
        # Every HTTP request, getUpdates included: (when it arrived, method, status).
        self.requests: list[tuple[float, str, int]] = []
        # When each update (by update_id) was first handed out by getUpdates.
        self.handed_out: dict[int, float] = {}
        # Which update carried a message the people sent: (chat id, message id) -> update_id.
        self.update_of: dict[tuple[int, int], int] = {}
        self._keeper: LimitKeeper | None = None
        self.limits = limits

    @property
    def limits(self) -> Limits | None:
        """Telegram's sending limits as enforced here; ``None``: no limits."""
        return self._keeper.limits if self._keeper is not None else None

    @limits.setter
    def limits(self, limits: Limits | None) -> None:
        self._keeper = LimitKeeper(limits) if limits is not None else None

    @property
    def refused_for_limits(self) -> int:
        """How many calls were answered 429 because they broke a limit (not injected)."""
        return self._keeper.refused if self._keeper is not None else 0

    # -- lifecycle --------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (``port``, or any free one)."""
        # A killed bot process drops its connections mid-request; that is expected here.
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        await self.webhook.stop()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- the people -------------------------------------------------------------------

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
        media: dict[str, Any] = {
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "voice": {"voice": {**file, "duration": 3}},
            "document": {"document": file},
        }[kind]
        content: dict[str, Any] = dict(media)
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

    # -- faults -----------------------------------------------------------------------

    def fail(
        self,
        method: str | None,
        status: int,
        *,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
        description: str | None = None,
    ) -> Fault:
        fault = Fault(method, status, chat_id, times, retry_after, delay, description)
        self.faults.append(fault)
        return fault

    def _fault_for(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.times <= 0:
                continue
            if fault.method is not None and fault.method != method:
                continue
            if fault.chat_id is not None and params.get("chat_id") != fault.chat_id:
                continue
            fault.times -= 1
            return fault
        return None

    # -- queries for tests --------------------------------------------------------------

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and c.status == 200 and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent_to(self, chat_id: int) -> list[Call]:
        """Successful sendMessage/sendLocation/sendVenue/editMessageText calls for a chat."""
        methods = ("sendMessage", "sendLocation", "sendVenue", "editMessageText")
        return [
            c
            for c in self.calls
            if c.method in methods and c.status == 200 and c.chat_id == chat_id
        ]

    def limit_violations(
        self,
        *,
        global_per_s: int = 30,
        group_per_min: int = 20,
        private_per_s: int = 1,
        group_window_s: float = 60.0,
        slack: float = 0.05,
        after: int = 0,
    ) -> list[str]:
        """Every place where the bot broke Telegram's sending limits, from the call log.

        ``slack`` forgives clock jitter between the bot's limiter and this server.
        """
        sends = [
            c for c in self.calls[after:] if c.method in SENDING_METHODS and c.chat_id is not None
        ]
        problems: list[str] = []

        def check(times: list[float], limit: int, span: float, what: str) -> None:
            for i in range(limit, len(times)):
                if times[i] - times[i - limit] < span * (1 - slack):
                    problems.append(
                        f"{what}: {limit + 1} sends within {times[i] - times[i - limit]:.3f}s"
                    )
                    return

        check([c.at for c in sends], global_per_s, 1.0, "global")
        by_chat: dict[int, list[float]] = {}
        for c in sends:
            by_chat.setdefault(c.chat_id or 0, []).append(c.at)
        for chat_id, times in by_chat.items():
            if chat_id < 0:
                check(times, group_per_min, group_window_s, f"group {chat_id}")
            else:
                check(times, private_per_s, 1.0, f"private {chat_id}")
        return problems

    def retry_after_violations(self) -> list[str]:
        """Calls to a chat made before a 429's retry_after for that chat had passed."""
        problems = []
        for i, call in enumerate(self.calls):
            if call.status != 429 or call.chat_id is None:
                continue
            until = call.at + float(call.result or 0)
            for later in self.calls[i + 1 :]:
                if (
                    later.chat_id == call.chat_id
                    and later.method in SENDING_METHODS
                    and later.at < until - 0.05
                ):
                    problems.append(
                        f"chat {call.chat_id}: call {later.at - call.at:.2f}s after a 429"
                    )
                    break
        return problems

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return self.messages[(chat_id, message_id)]

    async def wait_for(
        self, predicate: Callable[[Call], bool], *, timeout: float = 10.0, after: int = 0
    ) -> Call:
        """Wait until a call (at index >= ``after``) matches; fail loudly on timeout."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while True:
                for call in self.calls[after:]:
                    if call.status == 200 and predicate(call):
                        return call
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    recent = [(c.method, c.chat_id, c.text[:60]) for c in self.calls[-15:]]
                    raise AssertionError(
                        f"no matching call within {timeout}s; last calls: {recent}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched every update and made no call for ``quiet`` s."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            count = len(self.calls)
            pending = any(u["update_id"] >= self.confirmed_offset for u in self._updates)
            await asyncio.sleep(quiet)
            if not pending and len(self.calls) == count:
                return
        raise AssertionError("the bot did not go idle")

    # -- HTTP ---------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        return self._error(404, "Not Found")

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
            return params
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                params[key] = Upload(value.filename, value.content_type, data)
                continue
            if not isinstance(value, str):
                continue
            if key in STRING_PARAMS:
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except json.JSONDecodeError:
                params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        arrived = time.time()
        params = await self._params(request)
        call = Call(method, params, arrived)
        fault = self._fault_for(method, params) if method != "getUpdates" else None
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status != 200:
                call.status = fault.status
                if fault.status == 429:
                    call.result = fault.retry_after or 1
                await self._record(call)
                return self._fault_response(fault)
        if self._keeper is not None and method in SENDING_METHODS:
            retry_after = self._keeper.admit(call.chat_id, time.time())
            if retry_after:
                call.status, call.result = 429, retry_after
                await self._record(call)
                return self._too_many(int(retry_after))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.status = 404
            await self._record(call)
            return self._error(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except ApiError as exc:
            call.status = exc.code
            await self._record(call)
            return self._error(exc.code, exc.description)
        call.result = result
        if method != "getUpdates":
            await self._record(call)
        else:
            call.done = time.time()
            self.requests.append((arrived, method, 200))
        return web.json_response({"ok": True, "result": result})

    async def _record(self, call: Call) -> None:
        call.done = time.time()
        self.requests.append((call.at, call.method, call.status))
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _too_many(self, retry_after: int) -> web.Response:
        return self._error(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    def _fault_response(self, fault: Fault) -> web.Response:
        if fault.status == 429:
            return self._too_many(fault.retry_after or 1)
        if fault.status == 403:
            return self._error(403, fault.description or "Forbidden: bot was blocked by the user")
        if fault.status == 400:
            return self._error(400, fault.description or "Bad Request")
        return self._error(fault.status, fault.description or "Internal Server Error")

    @staticmethod
    def _error(
        code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    # -- Bot API methods ------------------------------------------------------------------

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
        if len(str(text)) > 4096:
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


# Telegram's limit for a file a bot uploads (photos are 10 MB, documents 50 MB).
MAX_UPLOAD = 50 * 1024 * 1024


def png_size(data: bytes) -> tuple[int, int]:
    """The width and height of a PNG (Telegram refuses a photo it cannot read as an image)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
