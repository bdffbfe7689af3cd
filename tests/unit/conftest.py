from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services import Services
from tests.support import Clock, World, unit_settings


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = Clock()
    services = Services.build(unit_settings(tmp_path / "unit.sqlite3"), clock=clock)
    await services.open()
    w = World(services, clock)
    await w.setup()
    yield w
    await services.close()
