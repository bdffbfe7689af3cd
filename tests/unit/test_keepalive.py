"""The Bot API's JSON calls over kept-alive connections (handlers/transport/keepalive.py),
against a plain HTTP server on 127.0.0.1 that answers as it is told: a connection is used
again only while it is safe to, an answer is read whole however its length is given, and
what may have reached Telegram says so."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from handlers.transport import keepalive
from handlers.transport.http_client import BotApiRequest
from handlers.transport.keepalive import KeepAlivePool, LostInFlight

TOKEN = "123456:SECRET-token"
PATH = f"/bot{TOKEN}/sendMessage"

# A request's body -> the raw answer: bytes, or chunks written 20 ms apart (None: close).
Answer = Callable[[bytes], bytes | list[bytes] | None]


def answer(body: bytes, *, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


@dataclass
class Server:
    """Reads each request whole, keeps it, and writes what ``answer`` makes of its body,
    after ``delay`` seconds; closes the connection after each answer if ``close_after``."""

    answer: Answer = lambda body: answer(b'{"ok":true,"result":' + body + b"}")
    delay: float = 0.0
    close_after: bool = False
    connections: int = 0
    closed_by_client: int = 0  # connections the client closed (the server read its end)
    requests: list[bytes] = field(default_factory=list)
    port: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as end:
                    if not end.partial:
                        self.closed_by_client += 1
                    raise
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                await asyncio.sleep(self.delay)
                raw = self.answer(body)
                if raw is None:
                    break
                for n, chunk in enumerate([raw] if isinstance(raw, bytes) else raw):
                    if n:
                        await asyncio.sleep(0.02)
                    writer.write(chunk)
                    await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    told = Server()
    listening = await asyncio.start_server(told.serve, "127.0.0.1", 0)
    told.port = listening.sockets[0].getsockname()[1]
    yield told
    listening.close()


@pytest.fixture
async def pool() -> AsyncIterator[KeepAlivePool]:
    made = KeepAlivePool("Squadline-test")
    yield made
    await made.close()


def url(server: Server, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{server.port}{PATH}"


async def post(pool: KeepAlivePool, where: str, body: bytes, within: float | None = 2.0) -> bytes:
    status, data = await pool.post_json(where, body, connect=2.0, answer=within)
    assert status == 200
    return data


async def test_calls_one_after_another_share_one_connection_and_each_is_a_whole_json_post(
    server: Server, pool: KeepAlivePool
) -> None:
    for n in range(5):
        assert await post(pool, url(server), b"%d" % n) == b'{"ok":true,"result":%d}' % n
    assert server.connections == 1
    head, _, body = server.requests[3].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == f"POST {PATH} HTTP/1.1".encode()
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Content-Type: application/json" in lines
    assert b"Content-Length: 1" in lines
    assert b"User-Agent: Squadline-test" in lines
    assert body == b"3"


async def test_calls_at_once_each_get_their_own_answer(server: Server, pool: KeepAlivePool) -> None:
    server.delay = 0.05
    answers = await asyncio.gather(*(post(pool, url(server), b"%d" % n) for n in range(6)))
    assert answers == [b'{"ok":true,"result":%d}' % n for n in range(6)]
    assert server.connections == 6, "one call at a time on a connection"
    await asyncio.gather(*(post(pool, url(server), b"7") for _ in range(6)))
    assert server.connections == 6, "the six were kept and used again"


async def test_a_server_that_says_close_or_closes_gets_a_new_connection_for_the_next_call(
    server: Server, pool: KeepAlivePool
) -> None:
    server.answer = lambda body: answer(body, extra=b"Connection: close\r\n")
    await post(pool, url(server), b"1")
    await post(pool, url(server), b"2")
    assert server.connections == 2
    server.answer = lambda body: answer(body)
    server.close_after = True  # answers, then closes the idle connection without a word
    await post(pool, url(server), b"3")
    await asyncio.sleep(0.05)
    assert await post(pool, url(server), b"4") == b"4"
    assert server.connections == 4


async def test_an_answer_is_read_whole_in_chunks_or_up_to_the_end_of_the_connection(
    server: Server, pool: KeepAlivePool
) -> None:
    server.answer = lambda body: (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5\r\n{"ok"\r\n6\r\n:true}\r\n0\r\n\r\n'
    )
    assert await post(pool, url(server), b"1") == b'{"ok":true}'
    assert await post(pool, url(server), b"2") == b'{"ok":true}'
    assert server.connections == 1, "a chunked answer leaves the connection usable"
    server.answer = lambda body: b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body * 3
    server.close_after = True
    assert await post(pool, url(server), b"xyz") == b"xyzxyzxyz"


async def test_a_late_answer_is_timed_out_and_never_taken_for_the_next_calls(
    server: Server, pool: KeepAlivePool
) -> None:
    server.delay = 0.5
    with pytest.raises(TimedOut):
        await post(pool, url(server), b'"late"', within=0.1)
    server.delay = 0.0
    assert await post(pool, url(server), b'"next"') == b'{"ok":true,"result":"next"}'
    assert server.connections == 2, "the timed-out connection was not used again"
    await asyncio.sleep(0.6)  # the server wakes, answers late, and reads on
    assert server.closed_by_client == 1, "the timed-out connection was closed"


async def test_a_call_cancelled_in_flight_leaves_no_answer_for_the_next_call(
    server: Server, pool: KeepAlivePool
) -> None:
    server.delay = 0.3
    first = asyncio.create_task(post(pool, url(server), b'"first"'))
    await asyncio.sleep(0.1)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    server.delay = 0.0
    assert await post(pool, url(server), b'"second"') == b'{"ok":true,"result":"second"}'
    assert server.connections == 2
    await asyncio.sleep(0.4)
    assert server.closed_by_client == 1, "the cancelled call's connection was closed"


async def test_closing_the_pool_closes_its_connections(server: Server) -> None:
    pool = KeepAlivePool("Squadline-test")
    await asyncio.gather(*(post(pool, url(server), b"1") for _ in range(3)))
    await pool.close()
    await asyncio.sleep(0.1)
    assert server.closed_by_client == server.connections == 3


async def test_a_connection_idle_too_long_is_not_used_again(
    server: Server, pool: KeepAlivePool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keepalive, "IDLE_S", 0.05)
    await post(pool, url(server), b"1")
    await post(pool, url(server), b"2")
    assert server.connections == 1
    await asyncio.sleep(0.1)
    await post(pool, url(server), b"3")
    assert server.connections == 2


async def test_what_may_have_reached_telegram_is_lost_in_flight_and_its_text_holds_no_token(
    server: Server, pool: KeepAlivePool
) -> None:
    server.answer = lambda body: None  # reads the request, closes without an answer
    with pytest.raises(LostInFlight) as lost:
        await post(pool, url(server), b"1")
    assert server.requests, "the request went"
    server.answer = lambda body: b"SSH-2.0-not-http\r\n\r\n"
    with pytest.raises(LostInFlight) as garbled:
        await post(pool, url(server), b"2")
    for error in (lost.value, garbled.value):
        assert not isinstance(error, TimedOut)
        assert "SECRET" not in str(error) and "SECRET" not in repr(error)


async def test_a_connection_not_made_in_time_is_timed_out_and_nothing_went(
    pool: KeepAlivePool, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()

    async def never(*_: object, **__: object) -> None:
        await asyncio.sleep(10)

    monkeypatch.setattr(loop, "create_connection", never)
    with pytest.raises(TimedOut) as late:
        await pool.post_json(f"http://127.0.0.1:9{PATH}", b"{}", connect=0.1, answer=5.0)
    assert not isinstance(late.value, LostInFlight)


async def test_the_bots_request_sends_json_kept_alive_and_shutdown_closes_it(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept_alive: list[str] = []
    post_json = KeepAlivePool.post_json

    async def spied(self: KeepAlivePool, where: str, *args: Any, **kwargs: Any) -> Any:
        kept_alive.append(where)
        return await post_json(self, where, *args, **kwargs)

    monkeypatch.setattr(KeepAlivePool, "post_json", spied)
    request = BotApiRequest()
    await request.initialize()
    data = RequestData([RequestParameter("chat_id", 7, None), RequestParameter("text", "hi", None)])
    for _ in range(3):
        status, body = await request.do_request(url(server), "POST", data)
        assert status == 200
    assert body == b'{"ok":true,"result":{"chat_id":7,"text":"hi"}}'
    assert kept_alive == [url(server)] * 3, "each JSON call went by the kept-alive pool"
    assert server.connections == 1, "the three calls shared one connection"
    await request.shutdown()
    await asyncio.sleep(0.1)
    assert server.closed_by_client == 1


async def test_an_answer_cut_off_by_closing_the_pool_is_no_answer(
    server: Server, pool: KeepAlivePool
) -> None:
    server.answer = lambda body: [b'HTTP/1.1 200 OK\r\n\r\n{"ok":', b""]
    server.delay = 0.0
    call = asyncio.create_task(post(pool, url(server), b"1"))
    await asyncio.sleep(0.01)  # the head and part of the body, which runs to the end
    await pool.close()
    with pytest.raises(LostInFlight):
        await call


async def test_a_url_that_is_not_http_is_refused_before_anything_goes(pool: KeepAlivePool) -> None:
    with pytest.raises(NetworkError) as refused:
        await pool.post_json(f"ftp://127.0.0.1{PATH}", b"{}", connect=1.0, answer=1.0)
    assert not isinstance(refused.value, LostInFlight)
    assert "SECRET" not in str(refused.value)


async def test_an_answer_in_pieces_or_after_an_interim_one_is_the_calls_own(
    server: Server, pool: KeepAlivePool
) -> None:
    """An answer split over many packets is read whole; an interim answer (a proxy's 103
    Early Hints, a 100 Continue), alone or in the answer's packet, is passed over."""
    whole = answer(b'{"ok":true,"result":"pieces"}')
    server.answer = lambda body: [whole[i : i + 7] for i in range(0, len(whole), 7)]
    assert await post(pool, url(server), b"1") == b'{"ok":true,"result":"pieces"}'
    hints = b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n"
    server.answer = lambda body: [hints, answer(body)]
    assert await post(pool, url(server), b'"apart"') == b'"apart"'
    server.answer = lambda body: hints + b"HTTP/1.1 100 Continue\r\n\r\n" + answer(body)
    assert await post(pool, url(server), b'"together"') == b'"together"'
    server.answer = lambda body: answer(body)
    assert await post(pool, url(server), b'"next"') == b'"next"'
    assert server.connections == 1


async def test_bytes_nobody_asked_for_close_the_connection_and_never_answer_a_call(
    server: Server, pool: KeepAlivePool
) -> None:
    stray = b'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{"ok":1}'
    server.answer = lambda body: answer(body) + stray  # in the answer's own packet
    assert await post(pool, url(server), b'"mine"') == b'"mine"'
    server.answer = lambda body: [answer(body), stray]  # 20 ms after it
    assert await post(pool, url(server), b'"also mine"') == b'"also mine"'
    await asyncio.sleep(0.1)
    server.answer = lambda body: answer(body)
    assert await post(pool, url(server), b'"third"') == b'"third"'
    assert server.connections == 3, "each connection that carried stray bytes was dropped"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by openssl."""
    return self_signed(tmp_path_factory.mktemp("tls"), "IP:127.0.0.1")


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for another name than 127.0.0.1."""
    return self_signed(tmp_path_factory.mktemp("tls"), "DNS:bot.example.org")


def self_signed(where: Path, name: str) -> tuple[Path, Path]:
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=squadline-test", "-addext", f"subjectAltName={name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


async def tls_server(cert: Path, key: Path) -> tuple[Server, asyncio.Server]:
    told = Server()
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    listening = await asyncio.start_server(told.serve, "127.0.0.1", 0, ssl=serving)
    told.port = listening.sockets[0].getsockname()[1]
    return told, listening


async def test_https_is_tls_checked_against_the_trusted_authorities(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    told, listening = await tls_server(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    trusted, default = KeepAlivePool("t", tls=trusting), KeepAlivePool("t")
    try:
        assert await post(trusted, url(told, "https"), b"1") == b'{"ok":true,"result":1}'
        assert await post(trusted, url(told, "https"), b"2") == b'{"ok":true,"result":2}'
        assert told.connections == 1
        with pytest.raises(NetworkError) as refused:  # the system's authorities: not this one
            await post(default, url(told, "https"), b"3")
        assert not isinstance(refused.value, LostInFlight), "nothing went"
        assert "SECRET" not in str(refused.value)
        assert len(told.requests) == 2
    finally:
        await trusted.close()
        await default.close()
        listening.close()


async def test_https_refuses_a_trusted_certificate_for_another_name(
    elsewhere: tuple[Path, Path],
) -> None:
    cert, key = elsewhere
    told, listening = await tls_server(cert, key)
    trusting = KeepAlivePool("t", tls=ssl.create_default_context(cafile=str(cert)))
    try:
        with pytest.raises(NetworkError) as refused:
            await post(trusting, url(told, "https"), b"1")
        assert not isinstance(refused.value, LostInFlight), "nothing went"
        assert told.requests == []
    finally:
        await trusting.close()
        listening.close()


def test_on_uvloop_as_in_the_running_bot_each_call_gets_its_own_answer() -> None:
    """The running bot's loop is uvloop (bot/hosting/loop.py), these tests' asyncio's own:
    the cases where a connection could fall out of step, again on uvloop."""
    uvloop = pytest.importorskip("uvloop")

    async def scenario() -> Server:
        told = Server()
        listening = await asyncio.start_server(told.serve, "127.0.0.1", 0)
        told.port = listening.sockets[0].getsockname()[1]
        pool = KeepAlivePool("Squadline-test")
        try:
            hints = b"HTTP/1.1 103 Early Hints\r\n\r\n"
            told.answer = lambda body: [hints, answer(body) + b"HTTP/1.1 200 OK\r\n"]
            assert await post(pool, url(told), b'"first"') == b'"first"'
            told.answer, told.delay = (lambda body: answer(body)), 0.3
            with pytest.raises(TimedOut):
                await post(pool, url(told), b'"late"', within=0.1)
            told.delay = 0.0
            assert await post(pool, url(told), b'"third"') == b'"third"'
            assert await post(pool, url(told), b'"fourth"') == b'"fourth"'
            await asyncio.sleep(0.4)
        finally:
            await pool.close()
            listening.close()
        return told

    told = uvloop.run(scenario())
    assert told.connections == 3, "a new connection after the stray bytes, and the timeout"
    assert told.closed_by_client >= 2
