"""The bot's HTTP client under python-telegram-bot (its ``BaseRequest``).

python-telegram-bot lets a bot bring its own HTTP client through ``BaseRequest`` (its
documented extension point): the client only moves bytes, and PTB turns the status and
the body into results and errors as before (``RetryAfter``, ``Forbidden``, ``BadRequest``,
``NetworkError``, …). Under a raid, HTTPX (PTB's own, which looks over every pooled
connection on each request, through anyio and httpcore) was the largest share of the bot's
time; then aiohttp's ``ClientSession`` was the largest part of the HTTP client's share
(README "Performance"). So:
- a call with JSON parameters, which is every call but an upload, goes as one JSON body
  (Telegram accepts ``application/json``) over a kept-alive connection
  (``handlers/transport/keepalive.py``);
- an upload goes as multipart/form-data, and any other request (a file downloaded) as it
  comes, through aiohttp.

What PTB's own client promises, this one keeps:
- a timeout of any kind (connecting, waiting for a pooled connection, reading) is
  ``TimedOut``; any other failure of the connection is ``NetworkError``, and
  ``LostInFlight`` when the request may have gone;
- ``connection_pool_size`` bounds the calls in flight at once (so the kept-alive
  connections, and aiohttp's, each number at most that); a call that waits longer than the
  pool timeout for its turn is ``TimedOut`` (it was never sent);
- a timeout left at PTB's ``DEFAULT_NONE`` is this object's own (for an upload, the write
  timeout is ``media_write_timeout``, 20 s, as in HTTPX's); ``None`` passed is no limit.
  For a JSON call the read timeout is one deadline for the whole answer, from the write,
  and the write timeout is not used: the kernel takes a small body at once.

An error's text never holds the URL, which holds the bot's token: only the name of the
exception is kept.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot import json_codec
from handlers.transport.keepalive import KeepAlivePool, LostInFlight

log = logging.getLogger(__name__)

JSON = "application/json"
POOL_TIMEOUT = (  # PTB's own words (HTTPXRequest)
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* "
    "sent to Telegram. Consider adjusting the connection pool size or the pool timeout."
)


class BotApiRequest(BaseRequest):
    """A ``BaseRequest`` on kept-alive connections for JSON calls, and one
    ``aiohttp.ClientSession`` for the rest (both made in ``initialize``)."""

    __slots__ = (
        "_connect",
        "_keepalive",
        "_media_write",
        "_pool",
        "_read",
        "_session",
        "_size",
        "_slots",
        "_timeouts",
        "_write",
    )

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._size = connection_pool_size
        self._media_write = media_write_timeout
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._keepalive: KeepAlivePool | None = None
        # One slot per connection: waiting for one is PTB's pool timeout, on its own.
        self._slots = asyncio.Semaphore(connection_pool_size)
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        """Telegram's answer, read by orjson (``bot/json_codec.py``); what is not UTF-8 is
        replaced, as PTB's own does. Unlike PTB's own, an answer that is not JSON is not
        logged whole (it could hold what someone wrote): only its size."""
        try:
            return json_codec.loads(payload)  # type: ignore[no-any-return]
        except ValueError:
            pass
        try:
            return json.loads(payload.decode("utf-8", "replace"))  # type: ignore[no-any-return]
        except ValueError as exc:
            log.error("Telegram's answer is not JSON (%d bytes)", len(payload))
            raise TelegramError("Invalid server response") from exc

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._size, limit_per_host=self._size),
                # No proxy or .netrc from the environment: the bot talks only to the Bot API.
                trust_env=False,
                headers={"User-Agent": self.USER_AGENT},
                # PTB reads the status and the body itself, whatever the status.
                raise_for_status=False,
            )
        if self._keepalive is None:
            self._keepalive = KeepAlivePool(self.USER_AGENT)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
        if self._keepalive is not None:
            await self._keepalive.close()
        self._keepalive = None

    def _timeouts_of(
        self,
        read: ODVInput[float],
        write: ODVInput[float],
        connect: ODVInput[float],
        pool: ODVInput[float],
        upload: bool,
    ) -> tuple[float | None, float | None, float | None, float | None]:
        """PTB's four timeouts for one call: each passed, or this object's own."""
        r = self._read if isinstance(read, DefaultValue) else read
        if isinstance(write, DefaultValue):
            w = self._media_write if upload else self._write
        else:
            w = write
        c = self._connect if isinstance(connect, DefaultValue) else connect
        p = self._pool if isinstance(pool, DefaultValue) else pool
        return r, w, c, p

    def _aiohttp_timeout(
        self, read: float | None, write: float | None, connect: float | None
    ) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for PTB's three: ``sock_connect`` opening a connection,
        ``sock_read`` each wait for the answer. aiohttp has no write timeout of its own, so
        the whole call is bounded by the three together."""
        key = (read, write, connect)
        timeout = self._timeouts.get(key)
        if timeout is None:
            whole = (
                None if read is None or write is None or connect is None else read + write + connect
            )
            timeout = aiohttp.ClientTimeout(total=whole, sock_connect=connect, sock_read=read)
            self._timeouts[key] = timeout
        return timeout

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed or self._keepalive is None:
            raise RuntimeError("This BotApiRequest is not initialized!")
        upload = request_data is not None and request_data.contains_files
        read, write, connect, pool = self._timeouts_of(
            read_timeout, write_timeout, connect_timeout, pool_timeout, upload=upload
        )
        if self._slots.locked():  # every connection busy: wait, for the pool timeout at most
            try:
                async with asyncio.timeout(pool):
                    await self._slots.acquire()
            except TimeoutError as exc:
                raise TimedOut(POOL_TIMEOUT) from exc
        else:
            await self._slots.acquire()  # free: taken at once, without a timer
        try:
            if method == "POST" and not upload:
                parameters = request_data.parameters if request_data is not None else {}
                return await self._keepalive.post_json(
                    url,
                    json_codec.dumps(parameters).encode(),
                    connect=connect,
                    # A JSON body is small: the kernel takes it at once. What is timed is the
                    # wait for the whole answer, from the write: a deadline (aiohttp's
                    # ``sock_read`` timed each wait between reads). A long poll's read timeout
                    # is the poll's own plus PTB's, so it still ends in time.
                    answer=read,
                )
            return await self._by_aiohttp(
                url, method, request_data, self._aiohttp_timeout(read, write, connect)
            )
        finally:
            self._slots.release()

    async def _by_aiohttp(
        self,
        url: str,
        method: str,
        request_data: RequestData | None,
        limits: aiohttp.ClientTimeout,
    ) -> tuple[int, bytes]:
        assert self._session is not None
        body: Any = None
        headers: dict[str, str] | None = None
        if request_data is not None and request_data.contains_files:
            body = _multipart(request_data)
        elif request_data is not None:
            body = json_codec.dumps(request_data.parameters).encode()
            headers = {"Content-Type": JSON}
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=limits
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut(f"aiohttp.{type(exc).__name__}") from exc
        except aiohttp.ClientConnectorError as exc:  # never connected: nothing went
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise LostInFlight(f"aiohttp.{type(exc).__name__}") from exc


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    """Files and the other parameters as multipart/form-data, as PTB's HTTPX client sends."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
