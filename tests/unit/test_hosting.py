"""The host's pieces that need no bot: JSON log lines, the run lock, and a backup of a
database that no bot holds open."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.hosting import logs
from bot.hosting.metrics import Metrics
from bot.updates import UpdateLog
from data.backup import APPLICATION_ID, BackupError, backup, inspect, restore
from data.runlock import DatabaseInUse, RunLock
from data.store import Store
from tests.support import World

HERE = (-26.2041, 28.0473)


def test_json_logs_are_one_object_a_line_with_the_traceback_inside() -> None:
    out = io.StringIO()
    handler = logs.handler("json", out)
    log = logging.getLogger("squadline.test.json")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("two\nlines and a %s", "value")
        try:
            raise KeyError("k")
        except KeyError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "two\nlines and a value" and first["level"] == "WARNING"
    assert first["logger"] == "squadline.test.json" and first["time"].endswith("+00:00")
    assert "KeyError" in second["exception"]


def test_configure_leaves_one_handler_in_the_chosen_format() -> None:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        out = io.StringIO()
        logs.configure("debug", "json", out)
        assert len(root.handlers) == 1 and root.level == logging.DEBUG
        logging.getLogger("squadline.test").info("hello")
        assert json.loads(out.getvalue())["message"] == "hello"
        logs.configure("info", "text", out)
        assert isinstance(root.handlers[0].formatter, logging.Formatter)
        assert not isinstance(root.handlers[0].formatter, logs.JsonFormatter)
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


def test_only_one_holder_of_the_run_lock_at_a_time(tmp_path: Path) -> None:
    db = tmp_path / "squadline.sqlite3"
    with RunLock(db), pytest.raises(DatabaseInUse):
        RunLock(db).acquire()
    with RunLock(db):  # released: free again
        pass


async def test_a_backup_is_marked_checked_and_private(tmp_path: Path) -> None:
    db = tmp_path / "squadline.sqlite3"
    store = Store(db)
    await store.open()
    await store.close()
    target = tmp_path / "backups" / "one.backup"
    info = backup(db, target, None, None)
    assert info.encrypted is False and info.alerts == 0 and info.schema_version >= 11
    assert target.stat().st_mode & 0o077 == 0, "only its owner can read it"
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not list(target.parent.glob(".*partial")), "no half-written copy is left"
    assert inspect(target, None) == info
    with pytest.raises(BackupError, match="There is no database"):
        backup(tmp_path / "nothing.sqlite3", tmp_path / "x.backup", None, None)


async def test_metrics_count_what_waits_in_the_outbox_by_priority_and_in_the_inbox(
    world: World,
) -> None:
    await world.member("Thandiwe", HERE[0] + 0.004, HERE[1])
    await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} hurt")
    await UpdateLog(world.services.core).store([(1, "{}"), (2, "{}")], None)
    waiting = Counter(intent.priority.name.lower() for intent in await world.outbox())
    assert waiting["urgent"] >= 1, "the offer waits to be sent"

    page = (await Metrics(world.services.core).exposition()).decode()

    samples = {
        (s.name, tuple(s.labels.values())): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }
    for priority in ("urgent", "high", "routine"):
        assert samples[("squadline_outbox_backlog", (priority,))] == waiting[priority]
    assert samples[("squadline_inbox_backlog", ())] == 2
    assert samples[("squadline_alerts", ("offered",))] == 1


async def fresh_database(db: Path) -> None:
    store = Store(db)
    await store.open()
    await store.close()


def test_a_restore_that_stops_before_the_swap_leaves_the_old_database_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, copy = tmp_path / "squadline.sqlite3", tmp_path / "one.backup"
    asyncio.run(fresh_database(db))
    backup(db, copy, None, None)
    # A bot killed with kill -9: what it committed last is still in the WAL.
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_IN_WAL, str(db)], capture_output=True, timeout=60
    )
    assert killed.returncode == 0, killed.stderr
    assert (tmp_path / "squadline.sqlite3-wal").stat().st_size > 0

    def power_cut(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(BackupError, match="Input/output error"):
        restore(copy, db, None, None)
    monkeypatch.undo()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT what FROM last_words").fetchall() == [("committed",)]


# Commits one row in WAL mode and ends without closing, as kill -9 would.
KILLED_IN_WAL = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA wal_autocheckpoint = 0")
conn.execute("CREATE TABLE last_words(what TEXT)")
conn.execute("INSERT INTO last_words VALUES ('committed')")
os._exit(0)
"""
