"""The store: one SQLite connection, forward-only migrations, guarded transactions.

There is exactly one writer. All access goes through an ``asyncio.Lock`` so that a
transaction opened by one coroutine is never interleaved with statements from
another. Read-modify-write runs under ``BEGIN IMMEDIATE``.

The connection speaks aiosqlite's API but runs every call on the event loop's own thread
(``InlineConnection``): a use case makes dozens of small indexed queries, and handing each
to a worker thread and back cost more than the query itself. Waiting for another
process's write lock must not block the loop, so ``BEGIN IMMEDIATE`` is retried, asleep
between tries, up to the busy timeout.

Durability: the journal is a WAL with ``synchronous = NORMAL``, so a commit reaches the
operating system (it survives the process being killed) without waiting for the disk.
Every transaction that precedes telling anyone anything (an answer, a message, confirming
Telegram's polling offset) is ``durable``: it returns only once the WAL, with its commit
and every commit before it, is flushed to the disk (``fsync``), so nothing anyone was told
can be lost to a power cut either. That flush is a group commit: it runs off the event
loop's thread (the loop goes on meanwhile), and the durable commits that wait at the same
time share one flush, where ``synchronous = FULL`` flushed once per commit, on the loop's
thread. Bookkeeping that only records what happened after (``durable=False``: results of
sends, handled updates, fired deadlines) does not wait for a flush.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable
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


# A list of ids bound as one parameter: ``WHERE id IN_IDS`` with ``id_list(ids)``. However
# many there are, it is one prepared statement, and no limit on parameters applies (an
# older SQLite takes 999).
IN_IDS = "IN (SELECT value FROM json_each(?))"


def id_list(ids: Iterable[int]) -> str:
    """``ids`` as the JSON list ``IN_IDS`` reads."""
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


# While another process holds the write lock, a statement waits at most this long on the
# loop's thread; BEGIN IMMEDIATE then sleeps and tries again (see Store._begin).
BUSY_SLICE_MS = 20
BUSY_RETRY_S = 0.01


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's API, with every call made at once on the calling (event loop) thread.

    An awaited call returns without suspending, so nothing else runs in between; the
    store's lock still serialises transactions."""

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()

    async def _connect(self) -> aiosqlite.Connection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def execute(  # type: ignore[override]
        self, sql: str, parameters: Any = None
    ) -> _Ran:
        """Run the statement now; what comes back is awaited, or entered with ``async
        with``, for its cursor, as aiosqlite's is. aiosqlite's own made about ten
        coroutines and wrappers for each statement, its fetch and its close (in headroom,
        4.12 to 3.95 ms of the bot's CPU per alert, README "Performance")."""
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return _Ran(self._connection.execute(sql, () if parameters is None else parameters))

    def stop(self) -> None:
        self._running = False

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._running = False


class _Now:
    """An awaitable whose value is already there: awaiting it never suspends."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        return self.value
        yield  # a generator that returns at once


_NOTHING = _Now(None)


class _Cursor:
    """The part of aiosqlite's cursor the store's callers use, over a cursor already run."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def fetchone(self) -> _Now:
        return _Now(self._cursor.fetchone())

    def fetchall(self) -> _Now:
        return _Now(self._cursor.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    def close(self) -> _Now:
        self._cursor.close()
        return _NOTHING


class _Ran:
    """``InlineConnection.execute``'s answer: ``await`` it for the cursor, or ``async with``
    it (the cursor is closed on the way out)."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = _Cursor(cursor)

    def __await__(self) -> Generator[Any, None, _Cursor]:
        return self._cursor
        yield  # a generator that returns at once

    def __aenter__(self) -> _Now:
        return _Now(self._cursor)

    def __aexit__(self, *exc: object) -> _Now:
        self._cursor.close()
        return _NOTHING


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
        self._busy_timeout_s = busy_timeout_s
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Group commit (see ``flushed``): commits made so far, commits known to be on the
        # disk, the flush under way, and the WAL file it flushes.
        self._commits = 0
        self._on_disk = 0
        self._flushing: asyncio.Task[None] | None = None
        self._wal: int | None = None
        self._fsync: Callable[[int], None] = os.fsync

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._key is None:
            path = str(self.path)
            db: aiosqlite.Connection = await InlineConnection(
                lambda: sqlite3.connect(path, isolation_level=None), 64
            )
            db.row_factory = aiosqlite.Row
        else:
            db = await InlineConnection(self._encrypted_connector(), 64)
            db.row_factory = sqlcipher3.Row
            try:
                # Fails here, clearly, when the key is wrong or the file is not encrypted.
                await db.execute("SELECT count(*) FROM sqlite_master")
            except BaseException:
                await db.close()
                raise
        await db.execute(f"PRAGMA busy_timeout = {BUSY_SLICE_MS}")
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA foreign_keys = ON")
        # Migrations flush each commit; after them, durable commits are flushed by
        # ``flushed`` (a group commit) instead.
        await db.execute("PRAGMA synchronous = FULL")
        # Deleted content is overwritten, not just unlinked.
        await db.execute("PRAGMA secure_delete = ON")
        if self._max_pages is not None:
            await db.execute(f"PRAGMA max_page_count = {int(self._max_pages)}")
        self._db = db
        await self.migrate()
        await db.execute("PRAGMA synchronous = NORMAL")

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
        """Close once every commit made is on the disk (a flush under way is waited for)."""
        try:
            if self._db is not None:
                await self.flushed()
        finally:
            # Closed even when the flush failed: closing folds the WAL into the file.
            if self._db is not None:
                await self._db.close()
                self._db = None
            if self._wal is not None:
                os.close(self._wal)
                self._wal = None

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
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[Db]:
        """One write transaction (``BEGIN IMMEDIATE``); commits on success, else rolls back.
        ``durable``: it returns only once its commit is on the disk (see ``flushed``).

        Cancellation (a worker stopping, a timeout) must never leave the one shared
        connection inside a transaction: BEGIN, COMMIT and ROLLBACK always run to the end
        (they never suspend), and a cancelled wait for the lock began nothing.
        """
        async with self._lock:
            db = self.db
            await self._begin(db)
            try:
                yield db
            except BaseException:
                await _to_the_end(db.rollback())
                raise
            await _to_the_end(db.commit())
            self._commits += 1
        if durable:
            await self.flushed()

    async def flushed(self) -> None:
        """Return once every commit made so far is on the disk: the WAL is flushed with
        ``fsync`` in a worker thread, and commits that wait meanwhile share the next flush
        (a group commit). A flush that started before the last commit does not count."""
        wanted = self._commits
        while self._on_disk < wanted:
            if self._flushing is None:
                self._flushing = asyncio.create_task(self._flush())
            await asyncio.shield(self._flushing)

    async def _flush(self) -> None:
        covers = self._commits  # every commit counted here has written its WAL frames
        try:
            await asyncio.to_thread(self._fsync, self._wal_fd())
            self._on_disk = max(self._on_disk, covers)
        finally:
            self._flushing = None

    def _wal_fd(self) -> int:
        """The WAL file, opened once (and again if it was replaced); its directory entry is
        flushed when it is first opened, so a WAL created since the last start survives a
        power cut too."""
        path = f"{self.path}-wal"
        if self._wal is not None:
            try:
                if os.stat(path).st_ino == os.fstat(self._wal).st_ino:
                    return self._wal
            except FileNotFoundError:
                pass
            os.close(self._wal)
            self._wal = None
        self._wal = os.open(path, os.O_RDONLY)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            self._fsync(directory)
        finally:
            os.close(directory)
        return self._wal

    async def _begin(self, db: Db) -> None:
        """``BEGIN IMMEDIATE``; while another process holds the write lock, sleep and try
        again, up to the busy timeout (the loop keeps running meanwhile)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self._busy_timeout_s
        while True:
            try:
                await db.execute("BEGIN IMMEDIATE")
                return
            except STORE_ERRORS as exc:
                if not _is_busy(exc) or loop.time() >= give_up:
                    raise
            await asyncio.sleep(BUSY_RETRY_S)

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


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


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
