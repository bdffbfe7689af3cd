"""A fake Telegram Bot API server (aiohttp) for driving the real Application over HTTP.

It speaks Telegram's JSON shapes and errors, records every call, delivers any update type
by long polling or, once the bot sets a webhook, by POSTing it there, and injects faults
(429 with ``retry_after``, 5xx, 403, delays) on chosen methods and chats. With ``limits``
set it enforces Telegram's sending limits and answers 429 when the bot breaks one; ``None``
means no limits. Every request is timestamped (``requests``), and so is the moment each
update is first handed out by getUpdates (``handed_out``). It also plays the people:
helpers build users and groups and make them send messages, share or move locations, and
press buttons, the way Telegram would deliver those to the bot.

Its parts: ``fakegram_shapes`` (users, chats, calls, faults, uploads, errors),
``fakegram_chats`` (the people's side and the updates handed to the bot),
``fakegram_methods`` (the Bot API methods), ``fakegram_limits`` (Telegram's sending limits)
and ``fakegram_webhook`` (webhook mode). ``FakeTelegram`` here is the server: the HTTP
side, the call log, the faults, the limits, and what tests ask of it. Every name stays
importable from here (and from ``tests.fakegram.server``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from handlers.sandbox.fakegram_limits import SENDING_METHODS, TELEGRAM, LimitKeeper, Limits
from handlers.sandbox.fakegram_methods import BotApiMethods
from handlers.sandbox.fakegram_shapes import (
    MAX_TEXT,
    MAX_UPLOAD,
    PNG_SIGNATURE,
    STRING_PARAMS,
    ApiError,
    Call,
    Chat,
    Fault,
    Upload,
    User,
    png_size,
)

__all__ = [
    "MAX_TEXT",
    "MAX_UPLOAD",
    "PNG_SIGNATURE",
    "SENDING_METHODS",
    "STRING_PARAMS",
    "TELEGRAM",
    "ApiError",
    "Call",
    "Chat",
    "FakeTelegram",
    "Fault",
    "LimitKeeper",
    "Limits",
    "Upload",
    "User",
    "png_size",
]


class FakeTelegram(BotApiMethods):
    """The server, its recorded calls, and the people who use the bot through it."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "squadline_test_bot",
        *,
        limits: Limits | None = None,
    ):
        super().__init__(token, bot_username)
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        # Every HTTP request, getUpdates included: (when it arrived, method, status).
        self.requests: list[tuple[float, str, int]] = []
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
        self.port = int(self._runner.addresses[0][1])
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
