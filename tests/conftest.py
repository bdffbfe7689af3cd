from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakegram.server import FakeTelegram


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may reach the network except 127.0.0.1."""
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: object) -> object:
        if (
            isinstance(address, tuple)
            and address
            and address[0] not in ("127.0.0.1", "::1", "localhost")
        ):
            raise AssertionError(f"test tried to reach the network: {address[0]}")
        return real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "squadline.sqlite3"
