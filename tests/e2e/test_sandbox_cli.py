"""Starting the sandbox, as a person does: ``make run`` with no token starts it; ``squadline
run`` alone never does (a forgotten token in production stops, exit 2); a token set in
``.env`` runs the real bot. Each runs the command in a subprocess, in a folder of its own."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.__main__ import NO_TOKEN
from handlers.sandbox.fakegram import FakeTelegram
from handlers.sandbox.session import DATABASE
from tests.support.sandbox import ROOT, SandboxProcess

pytestmark = pytest.mark.timeout(120)


def banner(port: int) -> str:
    return f"Starting the local sandbox at http://127.0.0.1:{port} — nothing leaves this computer"


async def page_answers(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


def listening(pid: int) -> set[tuple[str, int]]:
    """The addresses a process listens on (Linux: its sockets in /proc/net/tcp and tcp6)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # LISTEN
                host, port = local.split(":")
                raw = bytes.fromhex(host)
                if len(raw) == 4:
                    address = str(ipaddress.IPv4Address(raw[::-1]))
                else:
                    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]
                    address = str(ipaddress.IPv6Address(b"".join(words)))
                found.add((address, int(port, 16)))
    return found


def test_make_run_asks_for_the_sandbox_explicitly() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "squadline run --sandbox-if-no-token" in run


async def test_make_run_with_no_token_prints_the_instructions_and_the_line_then_serves_the_page(
    tmp_path: Path,
) -> None:
    bot = SandboxProcess(tmp_path, "run", "--sandbox-if-no-token")
    await bot.start()
    try:
        state = await bot.ready()
        assert state["status"]["state"] == "ready"
        err = bot.stderr()
        assert NO_TOKEN.strip() in err
        lines = err.splitlines()
        assert banner(bot.port) in lines
        assert lines.index(banner(bot.port)) > lines.index(NO_TOKEN.strip().splitlines()[-1])
        assert (tmp_path / "var" / "sandbox" / DATABASE).is_file()
        assert await page_answers(bot.url)
        # The page and the stand-in for Telegram listen on 127.0.0.1, and nowhere else.
        assert bot.proc is not None
        addresses = listening(bot.proc.pid)
        assert ("127.0.0.1", bot.port) in addresses and len(addresses) == 2, addresses
        assert {host for host, _ in addresses} == {"127.0.0.1"}
        assert await bot.stop() == 0
    finally:
        await bot.close()
    assert not (tmp_path / "var" / "sandbox" / DATABASE).exists(), "the throwaway is thrown away"


async def test_squadline_run_alone_still_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SQUADLINE_BOT_TOKEN=   \n", encoding="utf-8")
    bot = SandboxProcess(tmp_path, "run")
    await bot.start()
    try:
        assert bot.proc is not None
        assert await asyncio.wait_for(bot.proc.wait(), 60) == 2
    finally:
        await bot.close()
    err = bot.stderr()
    assert "SQUADLINE_BOT_TOKEN" in err and "Starting the local sandbox" not in err
    assert not (tmp_path / "var").exists()
    assert not await page_answers(bot.url)


async def test_with_a_token_in_env_file_make_run_runs_the_real_bot_not_the_sandbox(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    # The token is decided by the settings, .env included, never by the environment alone.
    (tmp_path / ".env").write_text(
        f"SQUADLINE_BOT_TOKEN={fake.token}\nSQUADLINE_TELEGRAM_API_URL={fake.url}\n"
        f"SQUADLINE_POLL_TIMEOUT=0.5\n",
        encoding="utf-8",
    )
    bot = SandboxProcess(tmp_path, "run", "--sandbox-if-no-token")
    await bot.start()
    try:
        await fake.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        assert not await page_answers(bot.url)
        assert await bot.stop() == 0
    finally:
        await bot.close()
    assert "Starting the local sandbox" not in bot.stderr()
    assert not (tmp_path / "var" / "sandbox").exists()


async def test_a_port_in_use_is_named_with_its_setting_and_exits_2(tmp_path: Path) -> None:
    bot = SandboxProcess(tmp_path, "sandbox")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", bot.port))
        taken.listen()
        await bot.start()
        try:
            assert bot.proc is not None
            assert await asyncio.wait_for(bot.proc.wait(), 60) == 2
        finally:
            await bot.close()
    assert "SQUADLINE_SANDBOX_PORT" in bot.stderr()
    assert "Traceback" not in bot.stderr()
