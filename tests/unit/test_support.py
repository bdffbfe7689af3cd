"""The shared snapshot helper covers every table, so "changes nothing" checks cannot miss one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.services import Services
from tests.fakegram.server import FakeTelegram
from tests.support import TRANSPORT_TABLES, Clock, World, db_snapshot, make_settings, unit_settings


def _tables(world: World) -> set[str]:
    conn = sqlite3.connect(world.services.core.settings.database)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


async def test_the_snapshot_holds_every_table_but_the_transports(world: World) -> None:
    snapshot = await world.snapshot()
    assert set(snapshot) == _tables(world) - TRANSPORT_TABLES
    assert {"alerts", "members", "outbox", "deadlines", "schema_migrations"} <= set(snapshot)
    assert snapshot == db_snapshot(world.services.core.settings.database)


async def test_a_table_nobody_listed_is_covered_and_its_change_seen(world: World) -> None:
    path = world.services.core.settings.database
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE added_later (x TEXT)")
    conn.commit()
    before = await world.snapshot()
    assert before["added_later"] == []
    conn.execute("INSERT INTO added_later VALUES ('changed')")
    conn.commit()
    conn.close()
    assert await world.snapshot() != before


async def test_a_changed_row_in_the_core_tables_is_seen(world: World) -> None:
    before = await world.snapshot()
    await world.member("Thandi")
    assert await world.snapshot() != before


def test_the_unit_and_e2e_settings_come_from_one_factory(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    unit = unit_settings(db)
    e2e = make_settings(FakeTelegram(), db)
    shared = ("max_offers", "max_escalations", "merge_window", "max_open_alerts_nonmember")
    assert [getattr(unit, k) for k in shared] == [getattr(e2e, k) for k in shared]
    assert unit.ack_timeout.total_seconds() == 180 and e2e.ack_timeout.total_seconds() == 1.5


async def test_the_snapshot_reads_an_encrypted_database(tmp_path: Path) -> None:
    settings = unit_settings(tmp_path / "enc.sqlite3", database_key="a long passphrase")
    clock = Clock()
    services = Services.build(settings, clock=clock)
    await services.open()
    try:
        world = World(services, clock)
        await world.setup()
        snapshot = await world.snapshot()
        assert len(snapshot["squads"]) == 1
    finally:
        await services.close()
