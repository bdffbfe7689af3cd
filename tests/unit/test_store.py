"""The store: migrations, and transactions that survive cancellation."""

from __future__ import annotations

import asyncio
from pathlib import Path

from data.store import Store, migration_files


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
