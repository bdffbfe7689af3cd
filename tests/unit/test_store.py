"""The store: migrations, and transactions that survive cancellation."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bot.delivery import Delivery
from data.outbox import next_batch
from data.store import Store, migration_files
from tests.support import World

try:
    import sqlcipher3  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - the image and the dev install have it
    sqlcipher3 = None


async def test_migrations_are_numbered_applied_once_and_recorded(tmp_path: Path) -> None:
    store = Store(tmp_path / "m.sqlite3")
    await store.open()
    assert await store.migrate() == []  # already applied at open
    async with store.reading() as db:
        async with db.execute("SELECT version FROM schema_migrations ORDER BY version") as cur:
            versions = [r["version"] for r in await cur.fetchall()]
        async with db.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1
        async with db.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
        async with db.execute("PRAGMA secure_delete") as cur:
            assert (await cur.fetchone())[0] == 1
    assert versions == [v for v, _, _ in migration_files()] and len(versions) >= 2
    await store.close()


async def test_a_cancelled_transaction_never_leaves_the_connection_inside_one(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "c.sqlite3")
    await store.open()

    async def write(value: str, pause: float) -> None:
        async with store.transaction() as db:
            await db.execute("INSERT INTO kv(key, value) VALUES (?, ?)", (value, value))
            await asyncio.sleep(pause)

    # Cancel writers at every moment: before, during and after BEGIN, inside the body.
    for i in range(60):
        task = asyncio.create_task(write(f"k{i}", 0.01))
        for _ in range(i % 6):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await write(f"ok{i}", 0)  # would fail: "cannot start a transaction within a transaction"
    async with store.reading() as db:
        async with db.execute("SELECT count(*) FROM kv WHERE key LIKE 'ok%'") as cur:
            assert (await cur.fetchone())[0] == 60
        async with db.execute("SELECT count(*) FROM kv WHERE key LIKE 'k%'") as cur:
            assert (await cur.fetchone())[0] == 0, "a cancelled body is rolled back"
    await store.close()


def committed_rows(path: Path, key: str | None) -> int:
    """Rows in ``kv`` as another connection sees them (through SQLCipher when encrypted)."""
    reader = sqlite3.connect(path) if key is None else sqlcipher3.connect(str(path))
    try:
        if key is not None:
            reader.execute(f"PRAGMA key = '{key}'")
        return int(reader.execute("SELECT count(*) FROM kv").fetchone()[0])
    finally:
        reader.close()


@pytest.mark.parametrize("key", [None, "a squads key"], ids=["plain", "encrypted"])
async def test_a_commit_before_telling_anyone_is_on_the_disk_and_bookkeeping_does_not_wait(
    tmp_path: Path, key: str | None
) -> None:
    """README, Durability: a durable transaction returns only once the WAL file, with its
    commit, was flushed to the disk after that commit; bookkeeping (``durable=False``) does
    not wait for a flush. The same for an encrypted database, after the WAL was truncated
    by a checkpoint, and after it was deleted and made again (a restart)."""
    path = tmp_path / "d.sqlite3"
    wal = tmp_path / "d.sqlite3-wal"
    store = Store(path, key=key)
    await store.open()
    flushed: list[int] = []  # at each flush of the WAL: how many rows were committed
    directories: list[str] = []  # each flush of a directory
    real_fsync = store._fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if os.fstat(fd).st_ino == os.stat(f"{path}-wal").st_ino:
            flushed.append(committed_rows(path, key))
        elif os.fstat(fd).st_ino == os.stat(tmp_path).st_ino:
            directories.append("flushed")

    store._fsync = fsync  # type: ignore[method-assign]
    try:
        async with store.transaction() as db:
            await db.execute("INSERT INTO kv(key, value) VALUES ('a', 'a')")
        assert flushed == [1], "the durable commit was flushed before the transaction returned"
        async with store.transaction(durable=False) as db:
            await db.execute("INSERT INTO kv(key, value) VALUES ('b', 'b')")
        assert flushed == [1], "bookkeeping did not wait for a flush"
        async with store.transaction() as db:
            await db.execute("INSERT INTO kv(key, value) VALUES ('c', 'c')")
        assert flushed == [1, 3], "one flush takes every commit before it"
        await store.checkpoint()
        assert wal.stat().st_size == 0
        async with store.transaction() as db:
            await db.execute("INSERT INTO kv(key, value) VALUES ('d', 'd')")
        assert flushed == [1, 3, 4], "the truncated WAL is the file flushed"
    finally:
        await store.close()
    assert not wal.exists(), "closing folded the WAL into the file"
    store = Store(path, key=key)
    await store.open()
    store._fsync = fsync  # type: ignore[method-assign]
    try:
        async with store.transaction() as db:
            await db.execute("INSERT INTO kv(key, value) VALUES ('e', 'e')")
        assert flushed == [1, 3, 4, 5], "the new WAL file is the one flushed"
        assert directories == ["flushed", "flushed"], "its directory entry, once each start"
    finally:
        await store.close()


async def test_closing_waits_until_every_commit_is_on_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    store = Store(path)
    await store.open()
    done: list[str] = []
    real_fsync = store._fsync

    def slow_fsync(fd: int) -> None:
        time.sleep(0.3)
        real_fsync(fd)
        done.append("flushed")

    store._fsync = slow_fsync  # type: ignore[method-assign]

    async def write() -> None:
        async with store.transaction() as db:
            await db.execute("INSERT INTO kv(key, value) VALUES ('a', 'a')")

    writing = asyncio.create_task(write())
    await asyncio.sleep(0.05)  # committed; its flush is under way
    async with store.transaction(durable=False) as db:
        await db.execute("INSERT INTO kv(key, value) VALUES ('b', 'b')")
    await store.close()
    done.append("closed")
    await writing
    assert done[-1] == "closed" and len(done) >= 2, done


async def test_durable_commits_made_together_share_flushes_and_each_waits_for_its_own(
    tmp_path: Path,
) -> None:
    """A group commit: twenty handlers committing at once need far fewer than twenty
    flushes, and none of them returns before a flush that came after its commit."""
    path = tmp_path / "g.sqlite3"
    store = Store(path)
    await store.open()
    flushed: list[set[str]] = []  # at each flush of the WAL: the rows committed before it
    real_fsync = store._fsync

    def fsync(fd: int) -> None:
        wal = os.fstat(fd).st_ino == os.stat(f"{path}-wal").st_ino
        with sqlite3.connect(path) as reader:
            committed = {key for (key,) in reader.execute("SELECT key FROM kv")}
        real_fsync(fd)
        if wal:
            flushed.append(committed)

    store._fsync = fsync  # type: ignore[method-assign]
    late: list[str] = []

    async def write(i: int) -> None:
        async with store.transaction() as db:
            await db.execute("INSERT INTO kv(key, value) VALUES (?, ?)", (f"k{i}", "v"))
        if not any(f"k{i}" in keys for keys in flushed):
            late.append(f"k{i}")

    try:
        await asyncio.gather(*(write(i) for i in range(20)))
    finally:
        await store.close()
    assert late == []
    assert 1 <= len(flushed) < 20, f"{len(flushed)} flushes for 20 commits"


async def test_a_lock_held_by_another_process_is_waited_for_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    import asyncio
    import sqlite3

    store = Store(tmp_path / "l.sqlite3", busy_timeout_s=2.0)
    await store.open()
    blocker = sqlite3.connect(tmp_path / "l.sqlite3", isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())

        async def write() -> None:
            async with store.transaction() as db:
                await db.execute("CREATE TABLE t(x)")

        writing = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        assert not writing.done() and ticks > 0, "the loop runs while the write waits"
        blocker.execute("ROLLBACK")
        await asyncio.wait_for(writing, 2)
        ticker.cancel()
    finally:
        blocker.close()
        await store.close()


async def test_what_the_sender_records_before_it_tells_anyone_is_flushed(world: World) -> None:
    """README, Durability: the sender's mark before a pass, and the send log's entry before a
    direct reply, are durable transactions, which return only once the WAL with every commit
    before them is flushed to the disk (bookkeeping and deadlines do not wait for it), so
    nobody is told what a power cut could take back."""
    store = world.services.core.store
    delivery = Delivery(world.services.core)
    flushed: list[bool] = []
    real = store.transaction

    def watched(*, durable: bool = True) -> Any:
        flushed.append(durable)
        return real(durable=durable)

    await world.member("Thandi", -26.2, 28.05)
    await world.alert("Zanele", "-26.2041, 28.0473 help")
    async with store.reading() as db:
        rows = await next_batch(db, float("inf"))
    store.transaction = watched  # type: ignore[method-assign]
    try:
        await delivery.log_send(201, world.clock())
        sending = await delivery.started([row.id for row in rows])
        await delivery.delivered(
            [(row, row.intent.chat_id, 70 + i) for i, row in enumerate(sending)]
        )
    finally:
        store.transaction = real  # type: ignore[method-assign]
    assert flushed == [True, True, False], "the log and the mark flush; the results do not"
