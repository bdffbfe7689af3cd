"""The bot's HTTP client (aiohttp under python-telegram-bot) keeps PTB's promises: Telegram's
answers come back as PTB's results and errors, timeouts are ``TimedOut``, a dead server is a
``NetworkError`` whose text never holds the token, files go as uploads, and every 429 is
counted for /metrics."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from handlers.transport.counted_http import CountedRequest
from handlers.transport.http_client import BotApiRequest
from handlers.transport.keepalive import KeepAlivePool, LostInFlight
from tests.fakegram.server import FakeTelegram

PRIVATE = 601


def a_bot(fake: FakeTelegram, request: BotApiRequest, url: str | None = None) -> Bot:
    return Bot(
        fake.token,
        base_url=f"{url or fake.url}/bot",
        request=request,
        get_updates_request=BotApiRequest(connection_pool_size=1),
    )


@pytest.fixture
def thandi(fake: FakeTelegram) -> int:
    chat = fake.private_chat(fake.user(PRIVATE, "Thandi"))
    fake.started.add(chat.id)
    return chat.id


async def test_a_message_with_buttons_arrives_whole_and_comes_back_as_a_message(
    fake: FakeTelegram, thandi: int
) -> None:
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("✅ Accept", callback_data="s1:acc:7:ca")]]
    )
    async with a_bot(fake, BotApiRequest()) as bot:
        sent = await bot.send_message(thandi, "#K7QX: can you help? 🚨", reply_markup=markup)
    call = fake.calls_to("sendMessage", thandi)[0]
    assert call.text == "#K7QX: can you help? 🚨"
    assert call.buttons() == [{"text": "✅ Accept", "callback_data": "s1:acc:7:ca"}]
    assert sent.message_id == fake.sent_to(thandi)[0].result["message_id"]
    assert sent.text == "#K7QX: can you help? 🚨"


async def test_telegrams_refusals_are_ptbs_errors_and_each_429_is_counted(
    fake: FakeTelegram, thandi: int
) -> None:
    counted: list[int] = []
    request = CountedRequest(lambda: counted.append(1), connection_pool_size=4)
    async with a_bot(fake, request) as bot:
        fake.fail("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter) as slow_down:
            await bot.send_message(thandi, "one")
        assert slow_down.value.retry_after in (3, timedelta(seconds=3))
        fake.fail("sendMessage", 403)
        with pytest.raises(Forbidden):
            await bot.send_message(thandi, "two")
        fake.fail("sendMessage", 400, description="Bad Request: message is not modified")
        with pytest.raises(BadRequest, match="not modified"):
            await bot.send_message(thandi, "three")
        fake.fail("sendMessage", 502)
        with pytest.raises(NetworkError):
            await bot.send_message(thandi, "four")
        fake.fail("sendMessage", 429, retry_after=1)
        with pytest.raises(RetryAfter):
            await bot.send_message(thandi, "five")
    assert len(counted) == 2, "each 429 is counted once, and nothing else is"


async def test_an_answer_slower_than_the_read_timeout_is_timed_out(
    fake: FakeTelegram, thandi: int
) -> None:
    async with a_bot(fake, BotApiRequest(read_timeout=0.2)) as bot:
        fake.fail("sendMessage", 200, delay=1.0)
        with pytest.raises(TimedOut):
            await bot.send_message(thandi, "slow")
        fake.faults.clear()
        assert (await bot.send_message(thandi, "fast")).text == "fast"


async def test_a_timeout_passed_for_one_call_replaces_the_default_and_none_means_no_limit(
    fake: FakeTelegram, thandi: int
) -> None:
    """PTB's DEFAULT_NONE: a timeout not passed is the request object's own; one passed wins,
    and None waits as long as the answer takes."""
    async with a_bot(fake, BotApiRequest(read_timeout=0.2)) as bot:
        fake.fail("sendMessage", 200, delay=0.6)
        assert (await bot.send_message(thandi, "patient", read_timeout=None)).text == "patient"
        fake.fail("sendMessage", 200, delay=0.6)
        assert (await bot.send_message(thandi, "longer", read_timeout=3)).text == "longer"
        fake.fail("sendMessage", 200, delay=0.6)
        with pytest.raises(TimedOut):
            await bot.send_message(thandi, "default")


async def test_a_call_that_waits_longer_than_the_pool_timeout_for_a_connection_is_not_sent(
    fake: FakeTelegram, thandi: int
) -> None:
    request = BotApiRequest(connection_pool_size=1, pool_timeout=0.2)
    async with a_bot(fake, request) as bot:
        fake.fail("sendMessage", 200, delay=1.5)
        slow = asyncio.create_task(bot.send_message(thandi, "slow"))
        await asyncio.sleep(0.3)  # the slow call holds the one connection
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.send_message(thandi, "waits for the pool")
        assert (await slow).text == "slow"
        assert (await bot.send_message(thandi, "after")).text == "after"
    assert [c.text for c in fake.calls_to("sendMessage", thandi)] == ["slow", "after"]


async def test_shutdown_closes_the_connections_and_initialize_opens_them_again(
    fake: FakeTelegram, thandi: int
) -> None:
    request = BotApiRequest()
    async with a_bot(fake, request) as bot:
        await bot.send_message(thandi, "one")
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.send_message(thandi, "after shutdown")
    async with a_bot(fake, request) as bot:
        assert (await bot.send_message(thandi, "two")).text == "two"


async def test_a_server_that_is_gone_is_a_network_error_whose_text_holds_no_token(
    fake: FakeTelegram,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    failed = await _failed_send(fake, port)
    assert not isinstance(failed, TimedOut)
    assert not isinstance(failed, LostInFlight), "never connected: nothing went"
    assert fake.token not in str(failed)
    assert fake.token.split(":")[1] not in repr(failed)


async def test_a_connection_lost_once_the_request_went_may_have_reached_telegram(
    fake: FakeTelegram,
) -> None:
    """The server read the whole request, then closed the connection without an answer:
    Telegram may have acted on it, so it is ``LostInFlight`` (the sender treats it as a
    timeout), not a plain network error."""
    got: list[bytes] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    try:
        failed = await _failed_send(fake, server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()
    assert got and b"POST" in got[0], "the request went"
    assert isinstance(failed, LostInFlight) and not isinstance(failed, TimedOut)
    assert fake.token.split(":")[1] not in repr(failed)


async def _failed_send(fake: FakeTelegram, port: int) -> NetworkError:
    """What sending a message to a server on ``port`` of this machine raises."""
    bot = a_bot(fake, BotApiRequest(), url=f"http://127.0.0.1:{port}")
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError) as failed:
            await bot.send_message(PRIVATE, "hello")
    finally:
        await bot.request.shutdown()
    return failed.value


async def test_a_file_goes_as_an_upload_with_its_caption(
    fake: FakeTelegram, thandi: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through aiohttp, as multipart/form-data: the kept-alive pool carries JSON only."""
    kept_alive: list[str] = []
    post_json = KeepAlivePool.post_json

    async def spied(self: KeepAlivePool, url: str, *args: Any, **kwargs: Any) -> Any:
        kept_alive.append(url.rsplit("/", 1)[1])
        return await post_json(self, url, *args, **kwargs)

    monkeypatch.setattr(KeepAlivePool, "post_json", spied)
    async with a_bot(fake, BotApiRequest()) as bot:
        await bot.send_document(
            thandi, InputFile(b"month,count\n2026-11,<5\n", filename="report.csv"), caption="Nov"
        )
    call = fake.calls_to("sendDocument", thandi)[0]
    upload = call.upload()
    assert upload is not None and upload.filename == "report.csv"
    assert upload.data == b"month,count\n2026-11,<5\n"
    assert call.params["caption"] == "Nov"
    assert "getMe" in kept_alive and "sendDocument" not in kept_alive


async def test_the_pool_timeout_is_timed_only_while_every_connection_is_busy(
    fake: FakeTelegram, thandi: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A free connection is taken at once: no timer is set for it (a raid makes thousands of
    calls); one is set only for a call that has to wait."""
    pool_s = 0.123
    timed: list[float | None] = []
    real_timeout = asyncio.timeout

    def counting(delay: float | None) -> asyncio.Timeout:
        timed.append(delay)
        return real_timeout(delay)

    monkeypatch.setattr(asyncio, "timeout", counting)
    request = BotApiRequest(connection_pool_size=1, pool_timeout=pool_s)
    async with a_bot(fake, request) as bot:
        await bot.send_message(thandi, "a free connection")
        assert pool_s not in timed
        fake.fail("sendMessage", 200, delay=1.0)
        slow = asyncio.create_task(bot.send_message(thandi, "slow"))
        await asyncio.sleep(0.3)  # the slow call holds the one connection
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.send_message(thandi, "waits for the pool")
        await slow
    assert timed.count(pool_s) == 1
