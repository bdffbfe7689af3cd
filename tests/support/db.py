"""Reading the database file from a test: the one snapshot helper, and ad-hoc queries."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path
from typing import Any

from bot.config import Settings

# The transport's bookkeeping (the intake's inbox and offset, the send log, rate-limit
# holds in kv) changes with every update and reply, so "nothing changed" leaves it out.
TRANSPORT_TABLES = frozenset({"inbox", "kv", "send_log"})

Rows = dict[str, list[tuple[Any, ...]]]


def _connect(path: Path, key: str | None) -> Any:
    if key is None:
        return sqlite3.connect(path)
    import sqlcipher3

    conn = sqlcipher3.connect(str(path))
    conn.execute("PRAGMA key = '{}'".format(key.replace("'", "''")))
    return conn


def db_snapshot(where: Path | Settings, *, exclude: frozenset[str] = TRANSPORT_TABLES) -> Rows:
    """Every row of every table but ``exclude``, read with a separate connection. The
    tables come from ``sqlite_master``, so a new table is covered without anyone
    remembering it. Compare a snapshot before and after to prove nothing changed.

    ``where`` is the database file, or the Settings naming it (and its key, if encrypted).
    """
    if isinstance(where, Settings):
        key = where.database_key.get_secret_value() if where.database_key else None
        path = where.database
    else:
        key, path = None, where
    conn = _connect(path, key)
    try:
        names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        tables = sorted(name for (name,) in names if name not in exclude)
        assert tables, f"no tables in {path}"
        return {
            table: [tuple(r) for r in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')]
            for table in tables
        }
    finally:
        conn.close()


def db_rows(path: Path, sql: str, *args: Any, key: str | None = None) -> list[tuple[Any, ...]]:
    """Rows of one query, read with a separate connection (``key``: an encrypted file)."""
    conn = _connect(path, key)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def stored_bytes(db_path: Path) -> bytes:
    """The database file and its ``-wal`` and ``-shm``, as a seized disk would show them."""
    data = b""
    for suffix in ("", "-wal", "-shm"):
        part = db_path.with_name(db_path.name + suffix)
        if part.exists():
            data += part.read_bytes()
    return data


def traces(data: bytes, *needles: str | float) -> list[str]:
    """The needles found in ``data``: text as UTF-8; floats also as their shortest text
    and as IEEE-754 doubles in both byte orders."""
    found = []
    for needle in needles:
        if isinstance(needle, float):
            forms = [repr(needle).encode(), struct.pack("<d", needle), struct.pack(">d", needle)]
        else:
            forms = [needle.encode()]
        if any(form in data for form in forms):
            found.append(repr(needle))
    return found
