"""The store: migrations, and transactions that survive cancellation."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.delivery import Delivery
from data.outbox import next_batch
from data.store import Store, migration_files
from tests.support import World


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


async def test_a_commit_before_telling_anyone_is_flushed_and_bookkeeping_is_not(
    tmp_path: Path,
) -> None:
    """synchronous = FULL for a durable transaction (the default: it precedes telling
    someone), NORMAL for bookkeeping (README: Reliability, Durability)."""
    store = Store(tmp_path / "d.sqlite3")
    await store.open()
    try:
        async with store.transaction() as db, db.execute("PRAGMA synchronous") as cur:
            assert (await cur.fetchone())[0] == 2  # FULL
        async with store.transaction(durable=False) as db, db.execute("PRAGMA synchronous") as cur:
            assert (await cur.fetchone())[0] == 1  # NORMAL
        async with store.transaction() as db, db.execute("PRAGMA synchronous") as cur:
            assert (await cur.fetchone())[0] == 2
    finally:
        await store.close()


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
    direct reply, commit with synchronous = FULL, which flushes every commit before them
    (bookkeeping and deadlines commit without it), so nobody is told what a power cut could
    take back."""
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
