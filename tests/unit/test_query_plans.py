"""The periodic passes, and the lookups of every alert, read no history table whole.

The auditor's pass runs every ``SQUADLINE_AUDIT_INTERVAL`` on the event loop's thread, and
/metrics runs on each scrape: a statement there that reads a whole history table stalls
every alert for as long as that table takes to read. Over the footprint benchmark's
history (100,000 closed alerts, with follow-ups, referrals and 2,000 strangers), emptying
expired referral notes read the follow-ups once per closed alert, and forgetting strangers
read every alert once per stranger: 150 s a pass. Without statistics (the bot never runs
ANALYZE) SQLite's plan does not depend on how many rows there are, so the plans of a small
database are those of a large one.
"""

from __future__ import annotations

import re

from bot.intents import Action
from data import alerts as alerts_q
from data import drills as drills_q
from data import followups as followups_q
from data import metrics as metrics_q
from tests.support import World
from tests.support.aftercare import add_service, refer

HERE = (-26.204137, 28.047391)
DAY = 86400
# Tables that grow with the squad's history. (users, user_locations and the inbox are bounded
# by members, their retention or a short window.)
HISTORY = {"alerts", "offers", "outbox", "messages", "referrals", "followups", "deadlines",
           "slots", "clocks", "audit", "case_records", "checkins"}  # fmt: skip
# Partial indexes whose rows stay few however long the history: reading one whole is fine.
BOUNDED = {"referrals_noted", "outbox_pending", "outbox_pending_chat", "inbox_pending",
           "followups_owner", "deadlines_pending", "clocks_running"}  # fmt: skip
_SCAN = re.compile(r"^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?")


async def whole_reads(world: World, statements: list[str]) -> list[tuple[str, str]]:
    """(statement, step) for each statement whose plan reads a history table whole, or a
    whole index of one, unless the index is one of the ``BOUNDED`` partial ones."""
    found = []
    async with world.services.core.store.reading() as db:
        for sql in statements:
            if not re.match(r"(?i)\s*(select|update|delete|insert|with)\b", sql):
                continue
            async with db.execute("EXPLAIN QUERY PLAN " + sql) as cur:
                plan = [str(r[3]) for r in await cur.fetchall()]
            for step in plan:
                match = _SCAN.match(step)
                if match is None or match.group(2) in BOUNDED:
                    continue
                table = match.group(1)
                alias = re.search(rf"(?i)\b(?:from|join|update)\s+(\w+)\s+(?:as\s+)?{table}\b", sql)
                if (alias.group(1) if alias else table) in HISTORY:
                    found.append((sql, step))
    return found


async def history(world: World) -> None:
    """An alert closed long ago, with a finished referral that holds a note, a finished
    follow-up, and a stranger who once wrote to the bot."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    service = await add_service(world, "legal Legal Aid | -26.19, 28.05 | 24/7")
    alert = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} held by police")
    thandi = world.private("Thandi")
    assert (await world.alerts.press(thandi, Action.ACCEPT, alert.id, "")).ok
    assert (await world.alerts.press(thandi, Action.OUTCOME, alert.id, "resolved")).ok
    await refer(world, "Thandi", await world.reload(alert), service)
    aftercare = world.services.aftercare
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT id FROM referrals") as cur:
            (referral_id,) = [r[0] for r in await cur.fetchall()]
        async with db.execute("SELECT id FROM followups WHERE state = 'open'") as cur:
            tasks = [r[0] for r in await cur.fetchall()]
    await aftercare.press(thandi, Action.REFERRAL_NOTE, referral_id, "")
    assert await aftercare.typed(thandi, "desk 4") is not None
    for task_id in tasks:
        await aftercare.press(thandi, Action.TASK, task_id, "done")
    await aftercare.press(thandi, Action.REFERRAL, referral_id, "successful")
    world.clock.advance(world.services.core.settings.retention_days * DAY + 60)


async def test_the_auditors_pass_reads_no_history_table_whole(world: World) -> None:
    await history(world)
    statements = await world.statements(world.services.auditor.pass_once)
    # The pass did its work: the alert's retention and the note's were applied.
    assert any("purged_at = " in s for s in statements)
    assert any(s.startswith("UPDATE referrals SET note = NULL") for s in statements)
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT note FROM referrals") as cur:
            assert [r[0] for r in await cur.fetchall()] == [None]
    assert await whole_reads(world, statements) == []
    # The purge's range is the alerts not yet purged, not every closed alert by its state.
    async with world.services.core.store.reading() as db:
        (purge,) = [s for s in statements if s.startswith("SELECT id FROM alerts WHERE")]
        async with db.execute("EXPLAIN QUERY PLAN " + purge) as cur:
            plan = " | ".join(str(r[3]) for r in await cur.fetchall())
    assert "alerts_unpurged" in plan, plan


async def test_open_tasks_are_read_from_the_open_tasks(world: World) -> None:
    """/status and /tasks, and choosing who owns a new task: from the open tasks to their
    alert, never from every alert the squad ever had."""
    await history(world)
    squad_id = (await world.reload(await world.alert("Zanele", "help"))).squad_id

    async def tasks() -> None:
        async with world.services.core.store.reading() as db:
            await followups_q.open_tasks(db, squad_id)
            await followups_q.open_counts(db, squad_id)

    statements = await world.statements(tasks)
    async with world.services.core.store.reading() as db:
        for sql in statements:
            async with db.execute("EXPLAIN QUERY PLAN " + sql) as cur:
                plan = [str(r[3]) for r in await cur.fetchall()]
            assert "followups_owner" in plan[0] and "alerts_squad_state" not in str(plan), plan


async def test_metrics_read_only_what_happened_since_the_last_scrape(world: World) -> None:
    await history(world)
    since = world.clock() - 60

    async def scrape() -> None:
        async with world.services.core.store.reading() as db:
            await metrics_q.acknowledged_since(db, since)
            await metrics_q.fired_since(db, since)

    statements = await world.statements(scrape)
    assert len(statements) == 2
    assert await whole_reads(world, statements) == []


async def test_a_pin_finds_its_alert_without_reading_them_all(world: World) -> None:
    """A reporter's pin (in private or in the group), and a drill's link, are looked up by
    index: a panicking reporter's location does not wait for the squad's history."""
    await history(world)
    zanele = world.users["Zanele"]

    async def lookups() -> None:
        async with world.services.core.store.reading() as db:
            await alerts_q.awaiting_location(db, zanele, zanele)
            await alerts_q.awaiting_location_in_group(db, zanele, world.group("Zanele").chat_id)
            await drills_q.has_linked(db, 1)

    statements = await world.statements(lookups)
    assert len(statements) == 3
    assert await whole_reads(world, statements) == []


async def test_the_check_finds_a_whole_read(world: World) -> None:
    """The check itself: a statement that reads a table, or a full index, whole is reported;
    an indexed search and a bounded partial index are not; a partial index that holds most
    of the history is."""
    found = await whole_reads(
        world,
        [
            "SELECT id FROM followups WHERE rule = 'check'",
            "SELECT count(*) FROM referrals",
            "SELECT * FROM alerts a WHERE a.reporter_user_id = 5",
            "SELECT alert_id FROM referrals WHERE note IS NOT NULL",
            "SELECT closed_at FROM alerts WHERE purged_at IS NULL",
        ],
    )
    assert [step for _, step in found] == [
        "SCAN followups",
        "SCAN referrals USING COVERING INDEX referrals_alert",
        "SCAN alerts USING INDEX alerts_unpurged",
    ]
