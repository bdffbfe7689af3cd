"""Handled updates are marked done (their content emptied) in a commit they share with the
others handled within ``MARK_WINDOW_S`` (bot/updates.py; README "Reliability", Durable
inbox)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot import updates as updates_module
from bot.updates import UpdateLog
from data import inbox
from tests.support.world import World


async def _commits(world: World, work: Callable[[], Awaitable[Any]]) -> int:
    return (await world.statements(work)).count("COMMIT")


async def _states(world: World) -> dict[int, tuple[str, str]]:
    async with (
        world.services.core.store.reading() as db,
        db.execute("SELECT update_id, state, raw FROM inbox") as cur,
    ):
        return {r["update_id"]: (r["state"], r["raw"]) for r in await cur.fetchall()}


async def _stored(world: World, count: int) -> tuple[UpdateLog, list[inbox.InboxRow]]:
    log = UpdateLog(world.services.core)
    await log.store(
        [(n, f'{{"update_id": {n}, "text": "help"}}') for n in range(1, count + 1)], None
    )
    return log, await log.pending()


async def test_updates_handled_together_are_marked_done_in_one_commit(world: World) -> None:
    log, rows = await _stored(world, 5)

    async def handle_all() -> None:
        done = await asyncio.gather(*(log.handled(r, retry=False, erased_chat=None) for r in rows))
        assert done == [None] * 5

    assert await _commits(world, handle_all) == 1
    assert await _states(world) == {n: ("done", "") for n in range(1, 6)}


async def test_an_update_handled_after_the_commit_goes_in_the_next(world: World) -> None:
    log, rows = await _stored(world, 2)

    async def one_then_the_other() -> None:
        await log.handled(rows[0], retry=False, erased_chat=None)
        assert (await _states(world))[1] == ("done", "")  # committed when handled() returned
        await log.handled(rows[1], retry=False, erased_chat=None)

    assert await _commits(world, one_then_the_other) == 2


async def test_a_failed_commit_fails_every_update_it_held_and_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, rows = await _stored(world, 3)

    async def locked(*_: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(updates_module.inbox, "mark_all_done", locked)
    outcomes = await asyncio.gather(
        *(log.handled(r, retry=False, erased_chat=None) for r in rows), return_exceptions=True
    )
    assert all(isinstance(o, sqlite3.OperationalError) for o in outcomes)
    assert {state for state, _ in (await _states(world)).values()} == {"pending"}
    monkeypatch.undo()
    await log.handled(rows[0], retry=False, erased_chat=None)  # the next commit works
    assert (await _states(world))[1] == ("done", "")


async def test_stopping_waits_for_the_marks_under_way(world: World) -> None:
    log, rows = await _stored(world, 1)
    waiting = asyncio.create_task(log.handled(rows[0], retry=False, erased_chat=None))
    await asyncio.sleep(0)
    waiting.cancel()  # the intake is stopping: its lanes are cancelled
    await log.settle()
    assert (await _states(world))[1] == ("done", "")  # not handled again at the next start


async def test_an_update_set_aside_is_marked_in_a_commit_of_its_own_at_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Met while the inbox is read: waiting for a shared commit would hold up the rows
    after it."""
    monkeypatch.setattr(updates_module, "MARK_WINDOW_S", 30.0)
    log, rows = await _stored(world, 1)
    await asyncio.wait_for(log.set_aside(rows[0]), timeout=5)
    assert (await _states(world))[1] == ("done", "")


async def test_a_stopped_mark_fails_its_updates_without_cancelling_their_handlers(
    world: World,
) -> None:
    log, rows = await _stored(world, 1)
    waiting = asyncio.create_task(log.handled(rows[0], retry=False, erased_chat=None))
    await asyncio.sleep(0)
    for task in list(log._marking):
        task.cancel()  # the loop is ending
    with pytest.raises(updates_module.MarksStopped):
        await waiting
    assert (await _states(world))[1][0] == "pending"  # handled again at the next start


async def test_the_intake_gives_its_slot_back_before_the_bookkeeping_and_stop_settles() -> None:
    from handlers.transport import intake as intake_module

    gate = asyncio.Semaphore(1)
    seen: list[str] = []

    class Updates:
        async def handled(self, row: Any, *, retry: bool, erased_chat: int | None) -> None:
            seen.append("free" if not gate.locked() else "held")

        async def settle(self) -> None:
            seen.append("settled")

    class App:
        async def process_update(self, update: Any) -> None:
            seen.append("held" if gate.locked() else "free")

    intake = object.__new__(intake_module.Intake)
    intake.app = App()  # type: ignore[assignment]
    intake.updates = Updates()  # type: ignore[assignment]
    intake._tasks = []
    slot = intake_module.Slot(gate)
    await slot.take()
    await intake._handle(inbox.InboxRow(1, "{}", 0), object(), slot)  # type: ignore[arg-type]
    await intake.stop()
    assert seen == ["held", "free", "settled"]
