"""The running bot's process runs on uvloop (bot/hosting/loop.py; README "Performance")."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest

from bot import app as app_module

if sys.platform == "win32":  # uvloop has no build there
    pytest.skip("uvloop is not installed on Windows", allow_module_level=True)

import uvloop


def test_squadline_run_runs_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    @asynccontextmanager
    async def running(settings: Any, stop: asyncio.Event) -> AsyncIterator[Any]:
        loops.append(asyncio.get_running_loop())
        stopped = asyncio.Event()
        stopped.set()
        yield SimpleNamespace(
            bot_data=SimpleNamespace(intake=SimpleNamespace(stopped=stopped, fatal=None))
        )

    monkeypatch.setattr(app_module, "running", running)
    monkeypatch.setattr(app_module, "settle_after_start", lambda: None)
    assert app_module.run(SimpleNamespace()) == app_module.EXIT_OK  # type: ignore[arg-type]
    assert len(loops) == 1 and isinstance(loops[0], uvloop.Loop)
