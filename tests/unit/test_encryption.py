"""Encryption at rest with SQLCipher: no plaintext in the file, no opening without the key,
the bot works normally, and the key can be set on a plain database and rotated."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3

from bot.__main__ import main
from bot.intents import Action
from bot.services import Services
from data.runlock import RunLock
from data.store import Store
from tests.support import Clock, World, unit_settings

HERE = (-26.2041, 28.0473)


async def fill(path: Path, key: str | None) -> None:
    clock = Clock()
    services = Services.build(unit_settings(path, database_key=key), clock=clock)
    await services.open()
    world = World(services, clock)
    await world.setup()
    await world.member("Thandiwe", HERE[0] + 0.004, HERE[1])
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} Sibongile was attacked")
    await world.alerts.press(world.private("Thandiwe"), Action.ACCEPT, alert.id, "")
    await services.core.store.checkpoint()
    await services.close()


def file_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_the_encrypted_file_holds_no_plaintext(tmp_path: Path) -> None:
    plain, secret = tmp_path / "plain.sqlite3", tmp_path / "secret.sqlite3"
    await fill(plain, None)
    await fill(secret, "correct horse battery staple")
    for needle in (b"Thandiwe", b"Sibongile", b"Hillbrow", b"SQLite format 3"):
        assert needle in file_bytes(plain)  # the check can see plaintext when it is there
        assert needle not in file_bytes(secret)


async def test_it_cannot_be_opened_without_the_key(tmp_path: Path) -> None:
    path = tmp_path / "secret.sqlite3"
    await fill(path, "right key")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT * FROM alerts").fetchall()
    with pytest.raises(sqlcipher3.DatabaseError):
        await Store(path, key="wrong key").open()
    store = Store(path, key="right key")
    await store.open()
    async with store.reading() as db:
        async with db.execute("SELECT text FROM alerts") as cur:
            assert [r["text"] for r in await cur.fetchall()] == ["Sibongile was attacked"]
    await store.close()


def test_a_plain_database_is_encrypted_and_the_key_rotated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``squadline rekey`` is a command run with the bot stopped, outside any event loop."""
    path = tmp_path / "db.sqlite3"
    asyncio.run(fill(path, None))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQUADLINE_DATABASE", str(path))
    monkeypatch.setenv("SQUADLINE_NEW_DATABASE_KEY", "first key")
    assert main(["rekey"]) == 0
    assert b"Thandiwe" not in file_bytes(path)
    monkeypatch.setenv("SQUADLINE_DATABASE_KEY", "first key")
    monkeypatch.setenv("SQUADLINE_NEW_DATABASE_KEY", "second key")
    assert main(["rekey"]) == 0
    with pytest.raises(sqlcipher3.DatabaseError):
        asyncio.run(Store(path, key="first key").open())

    async def count_members() -> int:
        store = Store(path, key="second key")
        await store.open()
        async with store.reading() as db:
            async with db.execute("SELECT count(*) AS n FROM members") as cur:
                n = int((await cur.fetchone())["n"])
        await store.close()
        return n

    assert asyncio.run(count_members()) == 2


def test_rekey_refuses_while_a_bot_holds_the_database_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "db.sqlite3"
    asyncio.run(fill(path, None))
    before = file_bytes(path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQUADLINE_DATABASE", str(path))
    monkeypatch.setenv("SQUADLINE_NEW_DATABASE_KEY", "first key")
    with RunLock(path):  # what a running bot holds
        assert main(["rekey"]) == 2
    assert "the bot is running" in capsys.readouterr().err
    assert file_bytes(path) == before
    assert main(["rekey"]) == 0, "once the bot has stopped"
