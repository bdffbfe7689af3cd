"""The Bot API's JSON calls over kept-alive HTTP/1.1 connections, answers read by httptools.

Every Bot API call the bot makes but an upload is one POST of a JSON body to one host, and
Telegram answers each with a JSON body of a known length. A general client (aiohttp's
``ClientSession``) does much more per call than that needs: cookies, redirects, proxies,
headers as multidicts, a timer per phase. Under a raid it was the largest share of what a
call cost the bot (README "Performance"). Here a call is one write of the request and one
parse of the answer, by httptools (llhttp, the parser in C that Node.js uses), on the same
connection as the call before.

What the bot's HTTP client promised before, this keeps (``handlers/transport/http_client.py``
says it to PTB's errors):
- a connection that cannot be made is ``NetworkError``: nothing went. One not made within
  the connect timeout is ``TimedOut``, as with aiohttp before (the sender counts every
  ``TimedOut`` as a call Telegram may have got);
- an answer that does not come within the call's timeout is ``TimedOut``; a connection lost,
  or an answer that is not HTTP, once the request may have gone is ``LostInFlight``. Either
  way Telegram may have acted on the call, and the connection is not used again (a late
  answer on it would be taken for the next call's). An interim answer (1xx, such as a
  proxy's 103 Early Hints) is passed over for the answer that follows it, and bytes that
  come with no call waiting close the connection;
- https is TLS with the system's certificate authorities, checked for the host's name;
- a connection idle longer than ``IDLE_S`` is never reused (a NAT or a proxy on the way
  may have forgotten it without a word), and is closed when the pool comes to it; one the
  server closed is never reused;
- an error's text is only the name of the exception, never the URL (it holds the token).

The number of calls in flight, and so of connections, is bounded by the caller.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from typing import NamedTuple
from urllib.parse import urlsplit

import httptools
from telegram.error import NetworkError, TimedOut

IDLE_S = 15.0  # as aiohttp's keep-alive: a connection idle longer is closed, not reused
HTTPS_PORT = 443
HTTP_PORT = 80
SWITCHING_PROTOCOLS = 101  # a 1xx that is final (never asked for here)


@functools.cache
def system_tls() -> ssl.SSLContext:
    """TLS with the system's certificate authorities, names checked: made once per process
    (reading the authorities takes milliseconds, on the loop's thread)."""
    return ssl.create_default_context()


class LostInFlight(NetworkError):
    """The connection failed once the request may have gone (closed, reset, an answer cut
    off or not HTTP): as after a timeout, Telegram may have acted on it."""


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


class _Connection(asyncio.Protocol):
    """One connection, one call at a time: the request is written whole, and the answer's
    status and body come back through ``answer`` when httptools has read all of it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self._body: list[bytes] = []
        self._headers_read = False
        self._length_given = False  # Content-Length or chunked: else the body ends at EOF
        self.reusable = False
        self.closed = False
        self._closed_here = False  # closed by this side: an answer cut off is no answer
        self.idle_since = 0.0

    # asyncio's side
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._answer is None:  # nothing asked: the connection is out of step
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(LostInFlight(f"httptools.{type(exc).__name__}"))
            self.close()

    def eof_received(self) -> None:
        self.closed = True  # the server is done with it: never taken for another call

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._headers_read and not self._length_given and exc is None and not self._closed_here:
            self._answered()  # an answer whose body runs to the end of the connection
        else:
            name = "ConnectionClosed" if exc is None else type(exc).__name__
            self._fail(LostInFlight(f"connection lost ({name})"))

    # httptools' side
    def on_header(self, name: bytes, _value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self._length_given = True

    def on_message_begin(self) -> None:
        if self._answer is None:  # an answer nobody asked for: the connection is out of step
            self.close()

    def on_headers_complete(self) -> None:
        if self._answer is None:  # a stray answer's: the connection is closed already
            return
        self._headers_read = True
        self.reusable = self._parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200 and status != SWITCHING_PROTOCOLS:  # interim: the answer follows
            self._body = []
            self._headers_read = self._length_given = self.reusable = False
            return
        self._answered()

    # the pool's side
    def call(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        """Write ``request``; the answer's (status, body) comes in the future returned."""
        assert self._transport is not None and self._answer is None, "one call at a time"
        self._answer = answer = self._loop.create_future()
        self._body = []
        self._headers_read = self._length_given = self.reusable = False
        self._transport.write(request)
        return answer

    @property
    def closing(self) -> bool:
        return self._transport is None or self._transport.is_closing()

    def close(self) -> None:
        self.closed = self._closed_here = True
        self.reusable = False
        if self._transport is not None:
            self._transport.close()

    def _answered(self) -> None:
        answer, self._answer = self._answer, None
        if answer is not None and not answer.done():
            answer.set_result((self._parser.get_status_code(), b"".join(self._body)))

    def _fail(self, error: Exception) -> None:
        answer, self._answer = self._answer, None
        self.reusable = False
        if answer is not None and not answer.done():
            answer.set_exception(error)


class KeepAlivePool:
    """Connections kept open between calls, for POSTs of a JSON body."""

    def __init__(self, user_agent: str, tls: ssl.SSLContext | None = None) -> None:
        self._agent = user_agent.encode()
        self._tls = tls
        self._closed = False
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._heads: dict[str, tuple[Origin, bytes]] = {}

    async def post_json(
        self, url: str, body: bytes, *, connect: float | None, answer: float | None
    ) -> tuple[int, bytes]:
        """The status and body of Telegram's answer to ``body`` POSTed to ``url``;
        ``connect`` bounds opening a connection, ``answer`` the call once it has one (None:
        no bound)."""
        origin, head = self._head(url)
        connection = self._take(origin)
        if connection is None:
            connection = await self._connect(origin, connect)
        request = b"%sContent-Length: %d\r\n\r\n%s" % (head, len(body), body)
        try:
            if answer is None:
                status, data = await connection.call(request)
            else:
                async with asyncio.timeout(answer):
                    status, data = await connection.call(request)
        except TimeoutError as exc:
            connection.close()  # its answer may still come, and would be the next call's
            raise TimedOut("the answer did not come in time") from exc
        except BaseException:  # cancelled, or lost: the connection is out of step
            connection.close()
            raise
        if connection.reusable:
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle.setdefault(origin, []).append(connection)
        else:
            connection.close()
        return status, data

    async def close(self) -> None:
        self._closed = True  # a connection still being made is closed when it is
        for connection in list(self._open):
            connection.close()
        self._open.clear()
        self._idle.clear()

    def _take(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()  # the most recently used: the least likely to be stale
            fresh = now - connection.idle_since <= IDLE_S
            if fresh and not connection.closed and not connection.closing:
                return connection
            connection.close()
            self._open.discard(connection)
        return None

    async def _connect(self, origin: Origin, within: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        tls = None
        if origin.scheme == "https":
            tls = self._tls if self._tls is not None else system_tls()
        try:
            async with asyncio.timeout(within):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop),
                    origin.host,
                    origin.port,
                    ssl=tls,
                    server_hostname=origin.host if tls is not None else None,
                )
        except TimeoutError as exc:
            raise TimedOut("connecting timed out") from exc
        except OSError as exc:  # refused, unreachable, no such host, a certificate refused
            raise NetworkError(f"could not connect ({type(exc).__name__})") from exc
        if self._closed:  # shut down while it was being made
            connection.close()
            raise NetworkError("the bot's HTTP client was shut down")
        self._open = {c for c in self._open if not c.closed}
        self._open.add(connection)
        return connection

    def _head(self, url: str) -> tuple[Origin, bytes]:
        """Where ``url`` goes, and its request line and fixed headers (kept per URL: the
        bot calls a few dozen methods on one host)."""
        known = self._heads.get(url)
        if known is not None:
            return known
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NetworkError(f"not an http(s) URL ({parts.scheme or 'no scheme'})")
        port = parts.port or (HTTPS_PORT if parts.scheme == "https" else HTTP_PORT)
        origin = Origin(parts.scheme, parts.hostname, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = (
            b"POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
            b"Content-Type: application/json\r\nAccept: application/json\r\n"
        ) % (target.encode(), parts.netloc.rpartition("@")[2].encode(), self._agent)
        if len(self._heads) < 256:  # bounded, whatever URLs come
            self._heads[url] = (origin, head)
        return origin, head
