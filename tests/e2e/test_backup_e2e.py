"""Backups while the bot runs, and restores while it is stopped, through the commands a
host runs (``squadline backup PATH``, ``squadline restore PATH``) as real processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from data.store import Store
from tests.fakegram.server import FakeTelegram
from tests.support import ALERT_AT, BotProcess, Squad, db_rows, make_settings, running_bot
from tests.support.botproc import ROOT

BURST = 30
# (database key, backup key): plain; a plain database backed up encrypted; an encrypted
# database backed up under a key of its own.
KEYS = [(None, None), (None, "backup passphrase"), ("database passphrase", "backup passphrase")]
KEY_IDS = ["plain", "backup-key", "both-keys"]
CLINIC = "clinic Hillbrow Clinic | -26.19, 28.04 | 24/7"


def squadline(
    command: str, *args: str, db: Path, key: str | None, backup_key: str | None
) -> subprocess.CompletedProcess[str]:
    """``squadline COMMAND ARGS`` as a host runs it, with only these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUADLINE_")}
    env["SQUADLINE_DATABASE"] = str(db)
    if key:
        env["SQUADLINE_DATABASE_KEY"] = key
    if backup_key:
        env["SQUADLINE_BACKUP_KEY"] = backup_key
    done = subprocess.run(
        [sys.executable, "-m", "bot", command, *args],
        cwd=db.parent, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    for secret in (key, backup_key):
        assert not secret or secret not in done.stdout + done.stderr, "a key is never printed"
    return done


async def a_fresh_database(db: Path) -> None:
    store = Store(db)
    await store.open()
    await store.close()


def codes(db: Path, key: str | None) -> set[str]:
    return {code for (code,) in db_rows(db, "SELECT code FROM alerts", key=key)}


def outbox_ids(db: Path, key: str | None, *states: str) -> set[int]:
    """The outbox rows in these states (none given: waiting to be sent)."""
    wanted = states or ("pending", "sending")
    marks = ", ".join("?" * len(wanted))
    sql = f"SELECT id FROM outbox WHERE state IN ({marks})"
    return {row_id for (row_id,) in db_rows(db, sql, *wanted, key=key)}


def alert_texts(db: Path, key: str | None) -> set[str]:
    return {text for (text,) in db_rows(db, "SELECT text FROM alerts", key=key)}


@pytest.mark.timeout(180)
@pytest.mark.parametrize(("key", "backup_key"), KEYS, ids=KEY_IDS)
async def test_a_backup_during_a_burst_of_alerts_restores_every_alert(
    fake: FakeTelegram, tmp_path: Path, key: str | None, backup_key: str | None
) -> None:
    db = tmp_path / "squadline.sqlite3"
    mid, after = tmp_path / "during-the-burst.backup", tmp_path / "after-the-burst.backup"
    # Nobody answers in time, but no offer times out during the test: the burst is the load.
    settings = make_settings(fake, db, database_key=key, ack_timeout=timedelta(minutes=10))
    async with running_bot(settings):
        squad = await Squad.set_up(fake)
        await squad.join(fake.user(201, "Thandi"), ALERT_AT[0] + 0.004, ALERT_AT[1])
        # The squad's directory is squad data: a backup carries it too.
        await squad.ask(squad.lead, f"/service add {CLINIC}", private=True)
        reporters = [fake.user(400 + i, f"Reporter{i}") for i in range(BURST)]
        alert = f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} burst"
        for i in range(BURST // 2):
            await fake.send(reporters[i], squad.group, f"{alert} {i}")
        before = codes(db, key)  # committed before the backup starts
        backing_up = asyncio.create_task(
            asyncio.to_thread(squadline, "backup", str(mid), db=db, key=key, backup_key=backup_key)
        )
        for i in range(BURST // 2, BURST):
            await fake.send(reporters[i], squad.group, f"{alert} {i}")
        done = await backing_up
        assert done.returncode == 0, done.stderr
        assert "Backed up" in done.stdout
        assert ("NOT encrypted" in done.stdout) == (key is None and backup_key is None)
        for _ in range(120):
            if len(codes(db, key)) == BURST:
                break
            await asyncio.sleep(0.5)
        everything = codes(db, key)
        assert len(everything) == BURST
        done = squadline("backup", str(after), db=db, key=key, backup_key=backup_key)
        assert done.returncode == 0, done.stderr

    if key is None and backup_key is not None:
        assert b"burst" not in mid.read_bytes(), "an encrypted backup holds no plaintext"
    # The backup made after the burst holds every alert.
    restored = squadline("restore", str(after), db=db, key=key, backup_key=backup_key)
    assert restored.returncode == 0, restored.stderr
    assert codes(db, key) == everything
    assert db_rows(db, "SELECT name FROM services", key=key) == [("Hillbrow Clinic",)]
    # The one made during it is one consistent moment: everything committed before it began,
    # and nothing that was never there.
    restored = squadline("restore", str(mid), db=db, key=key, backup_key=backup_key)
    assert restored.returncode == 0, restored.stderr
    in_backup = codes(db, key)
    assert before <= in_backup <= everything
    # The bot starts on the restored database and handles what the backup had received but
    # not yet handled: every /alert in the backup becomes an alert, once.
    held = alert_texts(db, key)
    waiting = {
        match.group(0)
        for (raw,) in db_rows(db, "SELECT raw FROM inbox WHERE state = 'pending'", key=key)
        if (match := re.search(r"burst \d+", raw))
    }
    # ...and sends the messages the backup had not yet sent.
    unsent = outbox_ids(db, key, "pending")
    async with running_bot(settings):
        answer = await Squad(fake, squad.group, squad.lead).ask(squad.lead, "/status")
        assert answer.text
        for _ in range(120):
            if alert_texts(db, key) >= held | waiting and not unsent & outbox_ids(db, key):
                break
            await asyncio.sleep(0.5)
    texts = [text for (text,) in db_rows(db, "SELECT text FROM alerts", key=key)]
    assert len(texts) == len(set(texts)), "no alert twice"
    assert set(texts) == held | waiting
    assert in_backup <= codes(db, key)
    assert unsent <= outbox_ids(db, key, "sent", "superseded")


async def test_restore_refuses_while_the_bot_runs_and_changes_nothing(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    db, copy = tmp_path / "squadline.sqlite3", tmp_path / "copy.backup"
    async with running_bot(make_settings(fake, db)):
        await Squad.set_up(fake)
        assert squadline("backup", str(copy), db=db, key=None, backup_key=None).returncode == 0
        before = db.read_bytes()
        refused = squadline("restore", str(copy), db=db, key=None, backup_key=None)
        assert refused.returncode == 2
        assert "the bot is running" in refused.stderr and "Stop it first" in refused.stderr
        assert db.read_bytes() == before


async def test_restore_refuses_a_file_that_is_not_a_squadline_backup_or_a_wrong_key(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "squadline.sqlite3"
    encrypted = tmp_path / "encrypted.backup"
    async with running_bot(make_settings(fake, db)):
        await Squad.set_up(fake)
    done = squadline("backup", str(encrypted), db=db, key=None, backup_key="the right key")
    assert done.returncode == 0, done.stderr
    other = tmp_path / "other.sqlite3"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t(x)")  # some other SQLite file
    raw_copy = tmp_path / "raw-copy.sqlite3"
    raw_copy.write_bytes(db.read_bytes())  # a plain copy of the file, not `squadline backup`
    junk = tmp_path / "junk.backup"
    junk.write_bytes(os.urandom(8192))
    plain = tmp_path / "plain.backup"
    assert squadline("backup", str(plain), db=db, key=None, backup_key=None).returncode == 0
    # A disk that lost a page: SQLite fails on the second page, and reports the others.
    damaged = []
    for lost in (slice(4096, 8192), slice(8192, 16384)):
        pages = bytearray(plain.read_bytes())
        pages[lost] = bytes(lost.stop - lost.start)
        damaged.append(tmp_path / f"damaged-{lost.start}.backup")
        damaged[-1].write_bytes(pages)
    newer = tmp_path / "newer.backup"
    newer.write_bytes(plain.read_bytes())
    with contextlib.closing(sqlite3.connect(newer)) as conn, conn:
        conn.execute("INSERT INTO schema_migrations(version, name) VALUES (9999, 'future')")
    before = db.read_bytes()
    cases = [
        (encrypted, "a wrong key", "The key does not open"),
        (encrypted, None, "is encrypted, or is not a Squadline backup"),
        (other, None, "is not a Squadline backup"),
        (raw_copy, None, "is not a Squadline backup"),
        (junk, "a key", "or it is not a Squadline backup"),
        (tmp_path / "missing.backup", None, "There is no file"),
        *((path, None, "is damaged") for path in damaged),
        (newer, None, "was made by a newer Squadline (schema 9999"),
    ]
    for path, backup_key, reason in cases:
        refused = squadline("restore", str(path), db=db, key=None, backup_key=backup_key)
        assert refused.returncode == 2, (path, refused.stdout)
        assert reason in refused.stderr and "Nothing was changed" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert db.read_bytes() == before
    restored = squadline("restore", str(encrypted), db=db, key=None, backup_key="the right key")
    assert restored.returncode == 0, restored.stderr
    assert "1 squad(s)" in restored.stdout
    assert db.stat().st_mode & 0o077 == 0, "the restored database is its owner's only"


def test_the_cli_names_backup_and_restore() -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert "backup" in helped.stdout and "restore" in helped.stdout


async def test_a_second_bot_on_a_database_in_use_stops_with_one_line(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "squadline.sqlite3"
    async with running_bot(make_settings(fake, db)):
        second = BotProcess(fake, db, tmp_path)
        try:
            await second.start(wait_ready=False)
            assert await second.wait_dead() == 3
        finally:
            await second.close()
    assert f"Another Squadline process (a running bot, or a restore) is using {db}" in second.log()
    assert "Traceback" not in second.log()


def test_a_backup_that_cannot_be_written_or_would_replace_the_database_is_refused(
    tmp_path: Path,
) -> None:
    db = tmp_path / "squadline.sqlite3"
    asyncio.run(a_fresh_database(db))
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "link.backup").symlink_to(db)
    before = db.read_bytes()
    cases = [
        (tmp_path / "a-file" / "x.backup", "Backup failed:"),
        (db, "is the database itself"),
        (tmp_path / "link.backup", "is the database itself"),
        (tmp_path / "squadline.sqlite3-wal", "is the database itself"),
    ]
    for target, reason in cases:
        refused = squadline("backup", str(target), db=db, key=None, backup_key=None)
        assert refused.returncode == 2, (target, refused.stdout)
        assert reason in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr and len(refused.stderr.splitlines()) == 1
        assert db.read_bytes() == before
    assert not list(tmp_path.glob(".*")), "no half-written copy is left"


def test_the_readmes_cron_line_makes_an_encrypted_backup_and_keeps_fourteen_days(
    tmp_path: Path,
) -> None:
    """The cron line in README "Backups and restore", run by sh as cron would, with its
    paths moved into a temporary folder and the settings file as systemd reads it too."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [x for x in readme.splitlines() if x.startswith("15 3 * * * squadline ")]
    command = line.removeprefix("15 3 * * * squadline ").replace("\\%", "%")
    db, backups = tmp_path / "squadline.sqlite3", tmp_path / "backups"
    asyncio.run(a_fresh_database(db))
    settings = tmp_path / "backup.env"
    settings.write_text(
        f'SQUADLINE_DATABASE={db}\nSQUADLINE_BACKUP_KEY="backup passphrase"\n', encoding="utf-8"
    )
    backups.mkdir()
    old = backups / "squadline-2000-01-01.backup"
    old.write_bytes(b"a backup from long ago")
    os.utime(old, (0, 0))
    for path, here in (
        ("/srv/squadline", str(tmp_path)),
        ("/etc/squadline/backup.env", str(settings)),
        ("/backups", str(backups)),
        (".venv/bin/squadline", f"{sys.executable} -m bot"),
    ):
        command = command.replace(path, here)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUADLINE_")}
    done = subprocess.run(
        ["sh", "-c", command], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "NOT encrypted" not in done.stdout
    (made,) = backups.iterdir()
    assert re.fullmatch(r"squadline-\d{4}-\d{2}-\d{2}\.backup", made.name)
    assert not made.read_bytes().startswith(b"SQLite format 3"), "encrypted"
