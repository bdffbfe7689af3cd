"""The store: one aiosqlite connection, forward-only migrations, guarded transactions.

There is exactly one writer. All access goes through an ``asyncio.Lock`` so that a
transaction opened by one coroutine is never interleaved with statements from
another. Read-modify-write runs under ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Db = aiosqlite.Connection

try:  # SQLCipher, for encryption at rest (SQUADLINE_DATABASE_KEY)
    import sqlcipher3
except ImportError:  # pragma: no cover - it is a declared dependency
    sqlcipher3 = None

STORE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error,) + (
    (sqlcipher3.Error,) if sqlcipher3 is not None else ()
)


def is_store_error(error: BaseException | None) -> bool:
    return isinstance(error, STORE_ERRORS)


def migration_files() -> list[tuple[int, str, str]]:
    """Return (version, name, sql) for every bundled migration, in order."""
    found = []
    for entry in resources.files("data.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError("two migrations share a version number")
    return found


class Store:
    """Owns the database connection. Open with :meth:`open`, close with :meth:`close`."""

    def __init__(
        self,
        path: Path,
        busy_timeout_s: float = 5.0,
        max_pages: int | None = None,
        key: str | None = None,
    ) -> None:
        self.path = path
        self._max_pages = max_pages
        self._key = key
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._key is None:
            db = await aiosqlite.connect(self.path, isolation_level=None)
            db.row_factory = aiosqlite.Row
        else:
            db = await aiosqlite.Connection(self._encrypted_connector(), 64)
            db.row_factory = sqlcipher3.Row
            try:
                # Fails here, clearly, when the key is wrong or the file is not encrypted.
                await db.execute("SELECT count(*) FROM sqlite_master")
            except BaseException:
                await db.close()
                raise
        await db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA synchronous = FULL")
        # Deleted content is overwritten, not just unlinked.
        await db.execute("PRAGMA secure_delete = ON")
        if self._max_pages is not None:
            await db.execute(f"PRAGMA max_page_count = {int(self._max_pages)}")
        self._db = db
        await self.migrate()

    def _encrypted_connector(self) -> Any:
        if sqlcipher3 is None:
            raise RuntimeError("SQUADLINE_DATABASE_KEY is set but sqlcipher3 is not installed")
        path, key = str(self.path), self._key or ""

        def connect() -> Any:
            conn = sqlcipher3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA key = '{_quote(key)}'")
            return conn

        return connect

    async def checkpoint(self) -> None:
        """Fold the WAL into the file and truncate it, so erased rows leave no old copies."""
        async with self._lock:
            await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def migrate(self) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction."""
        applied: list[str] = []
        async with self._lock:
            db = self.db
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT (datetime('now')))"
            )
            async with db.execute("SELECT version FROM schema_migrations") as cur:
                done = {row[0] for row in await cur.fetchall()}
            for version, name, sql in migration_files():
                if version in done:
                    continue
                await db.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(sql):
                        await db.execute(statement)
                    await db.execute(
                        "INSERT INTO schema_migrations(version, name) VALUES (?, ?)",
                        (version, name),
                    )
                    await db.commit()
                except BaseException:
                    await db.rollback()
                    raise
                log.info("applied migration %s", name)
                applied.append(name)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        """One write transaction (``BEGIN IMMEDIATE``); commits on success, else rolls back.

        Cancellation (a worker stopping, a timeout) must never leave the one shared
        connection inside a transaction: BEGIN, COMMIT and ROLLBACK always run to the end,
        and a cancelled BEGIN is rolled back before the lock is given up.
        """
        async with self._lock:
            db = self.db
            begin = asyncio.ensure_future(db.execute("BEGIN IMMEDIATE"))
            try:
                await asyncio.shield(begin)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await begin
                    await db.rollback()
                raise
            try:
                yield db
            except BaseException:
                await _to_the_end(db.rollback())
                raise
            await _to_the_end(db.commit())

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Db]:
        """Read-only access, serialised with writers on the one connection."""
        async with self._lock:
            yield self.db


async def _to_the_end(step: Awaitable[object]) -> None:
    """Run ``step`` to completion even if the caller is cancelled meanwhile."""
    task = asyncio.ensure_future(step)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


def _quote(value: str) -> str:
    return value.replace("'", "''")


async def rekey(path: Path, old_key: str | None, new_key: str) -> None:
    """Encrypt a plain database, or change an encrypted database's key (offline)."""
    if sqlcipher3 is None:
        raise RuntimeError("sqlcipher3 is not installed")

    def work() -> None:
        if old_key is None:
            tmp = path.with_name(path.name + ".encrypting")
            tmp.unlink(missing_ok=True)
            conn = sqlcipher3.connect(str(path), isolation_level=None)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute(f"ATTACH DATABASE '{_quote(str(tmp))}' AS enc KEY '{_quote(new_key)}'")
            conn.execute("SELECT sqlcipher_export('enc')")
            conn.execute("DETACH DATABASE enc")
            conn.close()
            tmp.replace(path)
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            return
        conn = sqlcipher3.connect(str(path), isolation_level=None)
        conn.execute(f"PRAGMA key = '{_quote(old_key)}'")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"PRAGMA rekey = '{_quote(new_key)}'")
        conn.close()

    await asyncio.to_thread(work)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no triggers)."""
    statements = []
    buf: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        if stripped.startswith("--") or not stripped:
            continue
        buf.append(line)
        if stripped.endswith(";"):
            statements.append("\n".join(buf))
            buf = []
    if buf:
        statements.append("\n".join(buf))
    return statements
