"""Geocoding is off by default; when an operator turns it on it identifies itself, keeps to
one request a second, and caches. Tested against a fake Nominatim on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.domain import AlertState
from bot.geocode import Geocoder
from bot.services import Services
from tests.support import Clock, World, place, unit_settings


class FakeNominatim:
    def __init__(self) -> None:
        self.requests: list[tuple[float, str, str]] = []  # (at, query, user agent)
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/search", self.search)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def search(self, request: web.Request) -> web.Response:
        query = request.query.get("q", "")
        self.requests.append((time.monotonic(), query, request.headers.get("User-Agent", "")))
        if "nowhere" in query:
            return web.json_response([])
        return web.json_response(
            [
                {
                    "lat": "-26.1952",
                    "lon": "28.0424",
                    "display_name": query,
                    "place_id": 1,
                    "boundingbox": ["-26.2", "-26.19", "28.04", "28.05"],
                }
            ]
        )

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()


@pytest.fixture
async def nominatim() -> AsyncIterator[FakeNominatim]:
    server = FakeNominatim()
    await server.start()
    yield server
    await server.stop()


def settings_for(tmp_path: Path, server: FakeNominatim | None, **extra: Any) -> Any:
    if server is None:
        return unit_settings(tmp_path / "g.sqlite3", **extra)
    return unit_settings(
        tmp_path / "g.sqlite3",
        geocoder="nominatim",
        geocoder_domain=f"127.0.0.1:{server.port}",
        geocoder_scheme="http",
        geocoder_user_agent="squadline-test/1.0 (ops@example.org)",
        **extra,
    )


async def test_off_by_default(tmp_path: Path) -> None:
    geocoder = Geocoder(settings_for(tmp_path, None))
    assert not geocoder.enabled
    assert await geocoder.lookup("Park Station") is None
    assert geocoder.requests == 0


async def test_on_it_sends_a_user_agent_keeps_one_per_second_and_caches(
    tmp_path: Path, nominatim: FakeNominatim
) -> None:
    geocoder = Geocoder(settings_for(tmp_path, nominatim))
    points = await asyncio.gather(
        geocoder.lookup("Park Station"), geocoder.lookup("Braamfontein"), geocoder.lookup("nowhere")
    )
    assert points[0] is not None and points[2] is None
    assert await geocoder.lookup("park  STATION") == points[0]  # cached
    assert len(nominatim.requests) == 3
    assert {ua for _, _, ua in nominatim.requests} == {"squadline-test/1.0 (ops@example.org)"}
    times = sorted(at for at, _, _ in nominatim.requests)
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(times))


async def test_an_alert_naming_an_unknown_place_is_geocoded_only_when_on(
    tmp_path: Path, nominatim: FakeNominatim
) -> None:
    clock = Clock()
    services = Services.build(settings_for(tmp_path, nominatim), clock=clock)
    await services.open()
    world = World(services, clock)
    await world.setup()
    await world.member("Thandi", -26.19, 28.04)
    alert = await world.alert("Zanele", "robbed at Park Station")
    assert alert.state is AlertState.OFFERED and alert.lat == -26.1952
    await services.squads.place(world.group("Nomsa"), place("add Clinic -26.2, 28.05"))
    await world.alert("Zanele", "hurt at the clinic")  # a saved place: no lookup
    assert [q for _, q, _ in nominatim.requests] == ["robbed at Park Station"]
    await services.close()
