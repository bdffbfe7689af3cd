"""Backups of the database while the bot runs, and restoring one while it is stopped.

A backup is a page-for-page copy made with SQLite's online backup API in one step, so it
is one consistent snapshot even while the bot writes (WAL: the bot is not blocked). When a
key is set (the backup key, or else the database key) the copy is a SQLCipher file under
it; plaintext never touches the disk when the database itself is encrypted. SQLCipher
copies between keys with the backup API, but not between a plain file and an encrypted
one: a plain database is copied into memory first and written out with
``sqlcipher_export``. Every backup is marked with ``PRAGMA application_id``, so a restore
can tell a Squadline backup from any other file.

These run in the ``squadline backup`` / ``squadline restore`` process, never inside the
bot: SQLCipher's copy of SQLite and the bot's must not share a process on one file.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.runlock import RunLock
from data.store import migration_files

try:
    import sqlcipher3
except ImportError:  # pragma: no cover - it is a declared dependency
    sqlcipher3 = None

# What SQLite raises when it cannot read or write (a full disk, a damaged file).
SQLITE_ERRORS: tuple[type[Exception], ...] = (sqlcipher3.Error,) if sqlcipher3 else ()

# "SQLN": marks a file made by `squadline backup`.
APPLICATION_ID = 0x53514C4E
SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the host."""


class NotABackup(BackupError):
    pass


class WrongKey(BackupError):
    pass


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, in counts only."""

    path: Path
    encrypted: bool
    size_bytes: int
    schema_version: int
    squads: int
    alerts: int


def backup(
    database: Path, target: Path, database_key: str | None, backup_key: str | None
) -> BackupInfo:
    """Copy ``database`` to ``target`` (replaced only once the copy is complete and checked)."""
    if not database.is_file():
        raise BackupError(f"There is no database at {database}.")
    if _is_the_database(target, database):
        raise BackupError(f"{target} is the database itself, or one of its files: name another.")
    key = backup_key or database_key
    partial = target.with_name(f".{target.name}.partial")
    try:
        _fresh_private_file(partial)
        _copy(database, database_key, partial, key)
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except BaseException as exc:
        _discard(partial)
        if (explained := _explained(exc)) is not None:
            raise explained from exc
        raise
    return inspect(target, key)


def _copy(database: Path, database_key: str | None, partial: Path, key: str | None) -> None:
    """The copy itself, into the empty file ``partial``, encrypted under ``key`` if set."""
    source = _open(database, database_key)
    try:
        _must_open(source, f"SQUADLINE_DATABASE_KEY does not open {database}.")
        source.execute("PRAGMA busy_timeout = 10000")
        if database_key is not None or key is None:
            copy = _open(partial, key)
            try:
                source.backup(copy)  # all pages in one step: one consistent snapshot
            finally:
                copy.close()
        else:
            # Plain database, encrypted backup: the plaintext stays in memory.
            memory = _open(":memory:", None)
            try:
                source.backup(memory)
                memory.execute("ATTACH DATABASE ? AS copy KEY ?", (str(partial), key))
                memory.execute("SELECT sqlcipher_export('copy')")
                memory.execute("DETACH DATABASE copy")
            finally:
                memory.close()
    finally:
        source.close()
    copy = _open(partial, key)
    try:
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        copy.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        _check_intact(copy, partial)
    finally:
        copy.close()


def inspect(path: Path, key: str | None) -> BackupInfo:
    """Check that ``path`` is a Squadline backup that ``key`` opens, whole and not newer
    than this code; return what it holds."""
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    try:
        with path.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise BackupError(f"{path} cannot be read ({exc.strerror}).") from exc
    encrypted = header != SQLITE_HEADER
    if encrypted and not key:
        raise NotABackup(
            f"{path} is encrypted, or is not a Squadline backup. Set SQUADLINE_BACKUP_KEY"
            " (or SQUADLINE_DATABASE_KEY, if the backup was made under it)."
        )
    conn = _open(path, key if encrypted else None)
    try:
        _must_open(
            conn,
            f"The key does not open {path}, or it is not a Squadline backup."
            if encrypted
            else f"{path} is not a Squadline backup.",
            wrong_key=encrypted,
        )
        return _held_in(conn, path, encrypted)
    except SQLITE_ERRORS as exc:
        raise BackupError(f"{path} is damaged ({exc}).") from exc
    finally:
        conn.close()


def _held_in(conn: Any, path: Path, encrypted: bool) -> BackupInfo:
    """What the backup open on ``conn`` holds, once it is known to be a whole Squadline
    backup that this code can restore."""
    (app_id,) = conn.execute("PRAGMA application_id").fetchone()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if app_id != APPLICATION_ID or not {"schema_migrations", "alerts"} <= tables:
        raise NotABackup(f"{path} is not a Squadline backup (made by `squadline backup`).")
    (version,) = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    newest = max((v for v, _, _ in migration_files()), default=0)
    if version > newest:
        raise BackupError(
            f"{path} was made by a newer Squadline (schema {version}; this one knows up"
            f" to {newest}). Restore it with that version."
        )
    _check_intact(conn, path)
    (squads,) = conn.execute("SELECT count(*) FROM squads").fetchone()
    (alerts,) = conn.execute("SELECT count(*) FROM alerts").fetchone()
    return BackupInfo(path, encrypted, path.stat().st_size, version, squads, alerts)


def restore(
    source: Path, database: Path, database_key: str | None, backup_key: str | None
) -> BackupInfo:
    """Replace ``database`` with the backup ``source``, encrypted under ``database_key``
    (plain if unset), as the bot will open it. Raises ``DatabaseInUse`` while a bot runs on
    it, and holds the same lock meanwhile, so no bot starts halfway through."""
    lock = RunLock(database)
    try:
        lock.acquire()
    except OSError as exc:
        raise _file_error(exc) from exc
    try:
        key = backup_key or database_key
        info = inspect(source, key)
        restoring = database.with_name(f".{database.name}.restoring")
        try:
            _fresh_private_file(restoring)
            _export(source, key if info.encrypted else None, restoring, database_key)
            _fsync(restoring)
        except BaseException as exc:
            _discard(restoring)
            if (explained := _explained(exc)) is not None:
                raise explained from exc
            raise
        try:
            _swap_in(restoring, database, database_key)
        except OSError as exc:
            _discard(restoring)
            raise _file_error(exc) from exc
    finally:
        lock.release()
    return info


def _swap_in(restoring: Path, database: Path, key: str | None) -> None:
    """Put the restored file in the database's place. The old database's WAL belongs to
    the old file (applied to the new one it would corrupt it), so it goes first; but what
    it holds is folded into the old file before, so a restore that stops before the rename
    leaves the old database whole."""
    _fold_wal(database, key)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    os.replace(restoring, database)
    _fsync(database.parent)


def _fold_wal(database: Path, key: str | None) -> None:
    """Checkpoint the WAL a killed bot left into the database (no bot runs: the restore
    holds the run lock). A database that the key does not open, or that is damaged, is
    left as it is: it is being replaced."""
    wal = database.with_name(database.name + "-wal")
    if not database.is_file() or not wal.is_file() or wal.stat().st_size == 0:
        return
    with contextlib.suppress(OSError, *SQLITE_ERRORS):
        conn = _open(database, key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()


def _export(source: Path, source_key: str | None, restoring: Path, key: str | None) -> None:
    """Write the backup into the empty file ``restoring`` under ``key`` (plain if None), and
    check that it opens and is whole."""
    conn = _open(source, source_key)
    try:
        conn.execute("ATTACH DATABASE ? AS restored KEY ?", (str(restoring), key or ""))
        conn.execute("SELECT sqlcipher_export('restored')")
        conn.execute("DETACH DATABASE restored")
    finally:
        conn.close()
    check = _open(restoring, key)
    try:
        _must_open(check, "The restored copy does not open.")
        _check_intact(check, restoring)
    finally:
        check.close()


def _explained(exc: BaseException) -> BackupError | None:
    """The host's one line for a file or SQLite error (None: not one of those)."""
    if isinstance(exc, OSError):
        return _file_error(exc)
    if isinstance(exc, SQLITE_ERRORS):
        return BackupError(f"SQLite could not do it ({exc}).")
    return None


def _file_error(exc: OSError) -> BackupError:
    return BackupError(f"{exc.strerror or type(exc).__name__}: {exc.filename}.")


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _is_the_database(target: Path, database: Path) -> bool:
    """Whether writing ``target`` would replace the database, its WAL, its shared memory,
    its journal or its lock (as named, through a link, or as the same file)."""
    own = {database.name + suffix for suffix in ("", "-wal", "-shm", "-journal", ".lock")}
    here = database.resolve().parent
    if target.resolve().parent == here and target.resolve().name in own:
        return True
    with contextlib.suppress(OSError):
        return target.exists() and os.path.samefile(target, database)
    return False


def _open(path: Path | str, key: str | None) -> Any:
    if sqlcipher3 is None:
        raise BackupError("sqlcipher3 is not installed (it is one of Squadline's dependencies).")
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not its log
    if key:
        conn.execute(f"PRAGMA key = '{key.replace(chr(39), chr(39) * 2)}'")
    return conn


def _must_open(conn: Any, message: str, *, wrong_key: bool = True) -> None:
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        raise (WrongKey if wrong_key else NotABackup)(message) from exc


def _check_intact(conn: Any, path: Path) -> None:
    (result,) = conn.execute("PRAGMA quick_check").fetchone()
    if result != "ok":
        raise BackupError(f"{path} is damaged (quick_check: {result}).")


def _fresh_private_file(path: Path) -> None:
    """An empty file only its owner can read: SQLite writes into it (a backup holds what
    the database holds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some filesystems refuse fsync on a folder
            os.fsync(fd)
    finally:
        os.close(fd)
