"""The local sandbox in tests: in this process (its page's API over real HTTP), or as the
``squadline`` command in a subprocess, as a person starts it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.config import Settings
from handlers.sandbox.session import Sandbox
from handlers.sandbox.web import allow_hosts, make_app

ROOT = Path(__file__).resolve().parents[2]
Json = dict[str, Any]


def sandbox_base_settings(folder: Path, **overrides: Any) -> Settings:
    """What a person has with no token and no .env: the defaults, and a test folder."""
    values: dict[str, Any] = {"sandbox_dir": folder, "sandbox_port": 0, "sandbox_browser": False}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class PageClient:
    """What the sandbox's page does, over HTTP: read the state, act, follow the events."""

    def __init__(self, url: str, http: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        self.url = url
        self.http = http
        self.sandbox = sandbox

    async def post(self, path: str, body: Json | None = None) -> tuple[int, Json]:
        async with self.http.post(f"{self.url}/api/{path}", json=body or {}) as response:
            return response.status, await response.json()

    async def state(self) -> Json:
        async with self.http.get(f"{self.url}/api/state") as response:
            assert response.status == 200
            result: Json = await response.json()
            return result

    async def wait_state(
        self, predicate: Callable[[Json], bool], what: str, timeout: float = 30.0
    ) -> Json:
        end = time.monotonic() + timeout
        while True:
            state = await self.state()
            if predicate(state):
                return state
            if time.monotonic() > end:
                raise AssertionError(f"the page never showed {what}; status {state['status']}")
            await asyncio.sleep(0.1)

    async def ready(self, timeout: float = 30.0) -> Json:
        return await self.wait_state(
            lambda s: s["status"]["state"] == "ready", "the squad ready", timeout
        )

    @asynccontextmanager
    async def events(self, after: int | None = None) -> AsyncIterator[EventStream]:
        query = f"?after={after}" if after is not None else ""
        async with self.http.get(f"{self.url}/api/events{query}") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/event-stream")
            yield EventStream(response)


class EventStream:
    """Server-sent events, parsed."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = 20.0) -> Json:
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.response.content.readline()).decode()
                if line.startswith("data: "):
                    event: Json = json.loads(line[len("data: ") :])
                    return event

    async def until(
        self, predicate: Callable[[Json], bool], what: str, timeout: float = 20.0
    ) -> Json:
        end = time.monotonic() + timeout
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no event: {what}")
            try:
                event = await self.next(remaining)
            except TimeoutError:
                raise AssertionError(f"no event: {what}") from None
            if predicate(event):
                return event


@asynccontextmanager
async def running_sandbox(
    folder: Path, pace: float = 0.05, *, start: bool = True
) -> AsyncIterator[PageClient]:
    """The sandbox in this process, its page on a free port of 127.0.0.1 (``start``: the
    bot and the squad too; else only the page, as in its first moments)."""
    sandbox = Sandbox(sandbox_base_settings(folder), pace=pace)
    app = make_app(sandbox)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = int(runner.addresses[0][1])
    allow_hosts(app, port)
    if start:
        await sandbox.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield PageClient(f"http://127.0.0.1:{port}", http, sandbox)
    finally:
        await sandbox.close()
        await runner.cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**settings: Any) -> dict[str, str]:
    """The environment without any SQUADLINE_ variable from outside, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUADLINE_")}
    env.update({f"SQUADLINE_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class SandboxProcess:
    """``python -m bot ARGS`` in a folder of its own (no .env there), on a free port."""

    def __init__(self, workdir: Path, *args: str, **settings: Any) -> None:
        self.workdir = workdir
        self.args = args
        self.port = free_port()
        self.env = clean_env(sandbox_port=self.port, sandbox_browser="false", **settings)
        self.proc: asyncio.subprocess.Process | None = None
        self.err_path = workdir / "stderr.log"
        self.out_path = workdir / "stdout.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.err_path.open("wb") as err, self.out_path.open("wb") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *self.args,
                cwd=self.workdir, env=self.env, stdout=out, stderr=err,
            )  # fmt: skip

    async def ready(self, timeout: float = 60.0) -> Json:
        """Until the page answers and the squad is set up."""
        end = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                assert self.proc is not None and self.proc.returncode is None, self.stderr()
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/api/state") as response:
                        state: Json = await response.json()
                        if state["status"]["state"] == "ready":
                            return state
                if time.monotonic() > end:
                    raise AssertionError(f"the sandbox did not get ready:\n{self.stderr()}")
                await asyncio.sleep(0.2)

    async def stop(self) -> int:
        """SIGTERM, as Ctrl+C or a service manager would."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            return -9

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()

    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    def stdout(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace")
