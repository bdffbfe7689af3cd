"""The first hour: a wrong token or a Bot API that is not there yet, at ``python -m bot run``."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import pytest

from bot.app import BAD_TOKEN
from tests.fakegram.server import FakeTelegram
from tests.support import BotProcess

FAST_RETRY = {"start_retry": "0.2", "start_retry_max": "0.5"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def exists(path: Path) -> bool:
    return path.exists()


async def wait_for_log(bot: BotProcess, text: str, timeout: float = 20.0) -> str:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while text not in bot.log():
        assert bot.alive, bot.log()
        assert loop.time() < end, f"no {text!r} in the log:\n{bot.log()}"
        await asyncio.sleep(0.1)
    return bot.log()


async def test_a_wrong_token_gives_one_clear_line_and_exit_code_2(
    fake: FakeTelegram, db_path: Path, tmp_path: Path
) -> None:
    wrong = "123456:WRONG-TOKEN"
    bot = BotProcess(fake, db_path, tmp_path, bot_token=wrong)
    try:
        await bot.start(wait_ready=False)
        assert await bot.wait_dead() == 2
    finally:
        await bot.close()
    lines = [line for line in bot.log().splitlines() if line.strip()]
    assert lines == [BAD_TOKEN], bot.log()
    assert "SQUADLINE_BOT_TOKEN" in BAD_TOKEN and "WRONG-TOKEN" not in bot.log()
    assert [c.method for c in fake.calls] == [], "401s are answered, not recorded as calls"
    assert not exists(db_path), "a rejected token stops before the store is opened"


async def test_a_bot_api_not_there_yet_is_retried_until_it_answers(
    db_path: Path, tmp_path: Path
) -> None:
    port = free_port()
    fake = FakeTelegram()
    bot = BotProcess(
        fake, db_path, tmp_path, telegram_api_url=f"http://127.0.0.1:{port}", **FAST_RETRY
    )
    try:
        await bot.start(wait_ready=False)
        log = await wait_for_log(bot, "trying again")
        await wait_for_log(bot, "trying again in 0.5 s")  # the delay grows, up to the maximum
        assert "cannot reach the Telegram Bot API (NetworkError)" in log
        await fake.start(port=port)
        await fake.wait_for(lambda c: c.method == "setMyCommands", timeout=20)
        assert "squadline started" in await wait_for_log(bot, "squadline started")
        assert bot.alive
        assert await bot.stop() == 0
    finally:
        await bot.close()
        await fake.stop()
    assert "Traceback" not in bot.log(), bot.log()
    assert str(port) not in bot.log() and fake.token not in bot.log()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_stop_while_waiting_for_the_bot_api_exits_cleanly(
    db_path: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    fake = FakeTelegram()
    url = f"http://127.0.0.1:{free_port()}"
    bot = BotProcess(fake, db_path, tmp_path, telegram_api_url=url, **FAST_RETRY)
    try:
        await bot.start(wait_ready=False)
        await wait_for_log(bot, "trying again")
        assert bot.proc is not None
        bot.proc.send_signal(sig)
        assert await bot.wait_dead() == 0
    finally:
        await bot.close()
    assert "Traceback" not in bot.log(), bot.log()
