"""The bot as a real subprocess (``python -m bot run``), started, killed and restarted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests.fakegram.server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]  # the checkout: the bot runs from here


def bot_env(fake: FakeTelegram, db: Path, **settings: Any) -> dict[str, str]:
    """A clean environment: no SQUADLINE_ variable from outside leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUADLINE_")}
    values: dict[str, Any] = {
        "BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "DATABASE": str(db),
        "ACK_TIMEOUT": "1.5",
        "LOCATION_WAIT": "1",
        "POLL_TIMEOUT": "0.5",
        "MAX_OFFERS": "2",
        "MAX_ESCALATIONS": "2",
        "SEND_GIVE_UP": "20",
        "AUDIT_INTERVAL": "1",
        "LOG_LEVEL": "INFO",
        # The chaos runs raise many alerts from one reporter; flood rules have their own tests.
        "MERGE_WINDOW": "0",
        "MAX_OPEN_ALERTS_NONMEMBER": "1000",
    }
    values.update({k.upper(): v for k, v in settings.items()})
    env.update({f"SQUADLINE_{k}": str(v) for k, v in values.items() if v is not None})
    return env


class BotProcess:
    """One bot process at a time on one database; its log goes to a file."""

    def __init__(self, fake: FakeTelegram, db: Path, workdir: Path, **settings: Any) -> None:
        self.fake = fake
        self.db = db
        self.workdir = workdir
        self.settings = settings
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills = 0
        self.log_path = workdir / "bot.log"
        # ``python -m <module> run``: the bot, or a bench-only variant of it (found in the
        # checkout: bench/ is not installed).
        self.module = "bot"

    async def start(self, crash_at: str | None = None, wait_ready: bool = True) -> None:
        assert self.proc is None or self.proc.returncode is not None, "already running"
        env = bot_env(self.fake, self.db, crash_at=crash_at, **self.settings)
        if self.module != "bot":
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        mark = len(self.fake.calls)
        log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", self.module, "run",
            cwd=self.workdir, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        self.starts += 1
        if wait_ready:
            await self.fake.wait_for(lambda c: c.method == "setMyCommands", after=mark, timeout=30)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def wait_dead(self, timeout: float = 20.0) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        return code

    async def kill(self) -> None:
        """kill -9."""
        if self.alive:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()
            self.kills += 1

    async def stop(self) -> int:
        """A graceful stop (SIGTERM), as an operator would."""
        if not self.alive:
            return self.proc.returncode if self.proc and self.proc.returncode is not None else 0
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            await self.kill()
            return -9

    async def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            await self.kill()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")
