"""The bot's process tunes its garbage collector once it has started (bot/hosting/memory.py)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot import app as app_module
from bot.hosting import memory

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json
before = (gc.get_threshold(), gc.get_freeze_count())
from bot.hosting.memory import settle_after_start
made_at_start = [[i] for i in range(1000)]  # lives on, as start's objects do
settle_after_start()
print(json.dumps({"before": before, "threshold": gc.get_threshold(),
                  "frozen": gc.get_freeze_count()}))
"""


def test_settling_freezes_what_start_made_and_makes_collections_rarer() -> None:
    # In a process of its own: frozen objects are never freed, so not in the tests' process.
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout)
    assert seen["before"] == [[700, 10, 10], 0]  # Python's defaults, before
    assert seen["threshold"] == [memory.YOUNG_THRESHOLD, *memory.OLDER_THRESHOLDS]
    assert seen["frozen"] > 1000  # the modules, and what the probe made, are frozen


def test_the_bot_settles_once_it_has_started_and_not_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def running(settings: Any, stop: asyncio.Event) -> AsyncIterator[Any]:
        events.append("started")
        stopped = asyncio.Event()
        stopped.set()
        yield SimpleNamespace(
            bot_data=SimpleNamespace(intake=SimpleNamespace(stopped=stopped, fatal=None))
        )
        events.append("stopped")

    monkeypatch.setattr(app_module, "running", running)
    monkeypatch.setattr(app_module, "settle_after_start", lambda: events.append("settled"))
    assert app_module.run(SimpleNamespace()) == app_module.EXIT_OK  # type: ignore[arg-type]
    assert events == ["started", "settled", "stopped"]
