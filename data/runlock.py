"""The lock a running bot holds on its database, so a restore can tell it is running.

An advisory ``flock`` on ``<database>.lock``: the kernel drops it when the process ends,
however it ends (kill -9 included), so a stale lock file never blocks anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


class DatabaseInUse(Exception):
    """Another process (a running bot, or a restore) holds the database's lock."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class RunLock:
    """Held from :meth:`acquire` until :meth:`release` (or the process's end)."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        """Take the lock at once, or raise :class:`DatabaseInUse`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise DatabaseInUse(str(self.path)) from exc
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
