"""The sender's bookkeeping for a pass: its rows are marked ``sending`` by one statement,
their sends logged by one prepared statement, and what Telegram took marked ``sent`` by
one (bot/delivery.py; README "Performance", What changed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.delivery import Delivery
from bot.intents import Op
from data.outbox import OutboxRow, next_batch
from tests.support.world import World


async def _outbox(world: World) -> list[tuple[int, str, int, int | None, int]]:
    async with (
        world.services.core.store.reading() as db,
        db.execute("SELECT id, state, attempts, telegram_message_id, chat_id FROM outbox") as cur,
    ):
        return [tuple(r) for r in await cur.fetchall()]  # type: ignore[misc]


async def _send_log(world: World) -> list[int]:
    async with (
        world.services.core.store.reading() as db,
        db.execute("SELECT chat_id FROM send_log ORDER BY chat_id") as cur,
    ):
        return [r["chat_id"] for r in await cur.fetchall()]


async def _calls(world: World, work: Callable[[], Awaitable[Any]]) -> list[str]:
    """The statements ``work`` handed to the store's connection, one for each call (a
    prepared statement run for many rows is one call)."""
    db = world.services.core.store.db
    calls: list[str] = []
    execute, executemany = db.execute, db.executemany

    def counted_execute(sql: str, parameters: Any = None) -> Any:
        calls.append(sql)
        return execute(sql, parameters)

    def counted_executemany(sql: str, parameters: Any) -> Any:
        calls.append(sql)
        return executemany(sql, parameters)

    db.execute = counted_execute  # type: ignore[method-assign]
    db.executemany = counted_executemany  # type: ignore[method-assign]
    try:
        await work()
    finally:
        del db.execute, db.executemany
    return calls


async def test_a_pass_is_marked_logged_and_settled_by_one_statement_each(world: World) -> None:
    for name, lat in (("Thandi", -26.2), ("Lerato", -26.21), ("Ayanda", -26.22)):
        await world.member(name, lat, 28.05)
    await world.alert("Zanele", "-26.2041, 28.0473 help")
    await world.alert("Nomsa", "-26.2141, 28.0473 robbed")
    async with world.services.core.store.reading() as db:
        rows = await next_batch(db, float("inf"))
    assert len(rows) >= 4, "two boards and at least two offers wait"
    # One offer is answered before its turn: its row is dropped, neither marked nor logged.
    dropped = next(r for r in rows if r.intent.member_id is not None)
    async with world.services.core.store.transaction() as db:
        await db.execute(
            "UPDATE offers SET answer = 'withdrawn' WHERE alert_id = ? AND member_id = ?",
            (dropped.intent.alert_id, dropped.intent.member_id),
        )
    delivery = Delivery(world.services.core)
    sending: list[OutboxRow] = []

    async def start() -> None:
        sending.extend(await delivery.started([row.id for row in rows]))

    started = await _calls(world, start)
    assert sorted(r.id for r in sending) == sorted(r.id for r in rows if r.id != dropped.id)
    assert len([s for s in started if "SET state = 'sending'" in s]) == 1, started
    assert len([s for s in started if "INTO send_log" in s]) == 1, started
    ids = {row.id for row in sending}
    marked = [row for row in await _outbox(world) if row[0] in ids]
    assert {(state, attempts) for _, state, attempts, _, _ in marked} == {("sending", 1)}
    assert [(s, a) for i, s, a, _, _ in await _outbox(world) if i == dropped.id] == [
        ("superseded", 0)
    ]
    logged = sorted(r.intent.chat_id for r in sending if r.intent.op is not Op.DELETE)
    assert await _send_log(world) == logged

    async def settle() -> None:
        await delivery.delivered([(r, r.intent.chat_id, 70 + i) for i, r in enumerate(sending)])

    settled = await _calls(world, settle)
    assert len([s for s in settled if "SET state = 'sent'" in s]) == 1, settled
    after = {r[0]: (r[1], r[3]) for r in await _outbox(world) if r[0] in ids}
    assert after == {row.id: ("sent", 70 + i) for i, row in enumerate(sending)}
