"""Deadlines: 5,000 pending, across acknowledgements, clocks and check-ins.

The deadlines are made by the real core (in this process, before the bot starts) on the
seeded database: arrests are raised (an acknowledgement deadline, and the 48-hour clock's
reminders), and half of them are accepted (a check-in instead of the acknowledgement). Then
their due times are spread over ``spread_s`` seconds from a few seconds after the bot
starts, and the bot runs them.

Figures:
- lateness (when it fired minus when it was due), p50 and p99. Target: p99 <= 1 s;
- a restart with all of them overdue: how long after the bot's first poll the last one
  fired (target: 2 s), and whether each fired exactly once.

Follow-ups (issue 12) add their kind to ``MAKERS``: one function that makes some pending.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load.rig import Rig, load_now, ms, pct, rigged
from bench.load.seed import Plan, SeedSquad
from bot.config import Settings
from bot.core import Caller
from bot.intents import Action
from bot.services import Services
from tests.fakegram.limits import TELEGRAM

P99_TARGET_S = 1.0
RESTART_TARGET_S = 2.0


@dataclass(frozen=True)
class Options:
    plan: Plan = field(default_factory=Plan)
    deadlines: int = 5000
    start_in_s: float = 8.0
    spread_s: float = 30.0
    timeout_s: float = 180.0


async def _arrest(services: Services, squad: SeedSquad, n: int, accept: bool) -> None:
    """An arrest in ``squad``: an acknowledgement deadline and the clock's reminders; when
    accepted, a check-in instead of the acknowledgement."""
    lat, lon = squad.centre
    reporter = Caller(80_000_000 + n, squad.chat_id, private=False, message_id=10_000 + n)
    reply = await services.alerts.raise_alert(reporter, f"{lat:.5f}, {lon:.5f} arrested by police")
    if not reply.ok or not accept:
        return
    async with services.core.store.reading() as db:
        async with db.execute(
            "SELECT o.alert_id, m.user_id FROM offers o JOIN members m ON m.id = o.member_id"
            " JOIN alerts a ON a.id = o.alert_id WHERE a.origin_message_id = ?"
            " AND a.origin_chat_id = ? ORDER BY o.id LIMIT 1",
            (10_000 + n, squad.chat_id),
        ) as cur:
            row = await cur.fetchone()
    if row is not None:
        member = Caller(row["user_id"], row["user_id"], private=True)
        await services.alerts.press(member, Action.ACCEPT, row["alert_id"], "")


# What makes pending deadlines, by kind of case; each call adds a few.
MAKERS: list[Callable[[Services, SeedSquad, int], Awaitable[None]]] = [
    lambda s, squad, n: _arrest(s, squad, n, accept=n % 2 == 0),
]


def pending(db: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT id, kind FROM deadlines WHERE fired_at IS NULL AND cancelled_at IS NULL"
        ).fetchall()
    finally:
        conn.close()


async def make_pending(db: Path, squads: list[SeedSquad], count: int) -> list[tuple[int, str]]:
    """At least ``count`` pending deadlines, made by the real core; returns the first
    ``count`` (id, kind)."""
    settings = Settings(_env_file=None, database=db, bot_token="1:bench")  # type: ignore[call-arg]
    services = Services.build(settings)
    await services.open()
    try:
        n = 0
        while len(pending(db)) < count:
            for make in MAKERS:
                await make(services, squads[n % len(squads)], n)
                n += 1
    finally:
        await services.close()
    return pending(db)[:count]


def due_at(db: Path, ids: list[int], first: float, spread_s: float) -> None:
    """Spread the deadlines' due times over ``spread_s`` from ``first``; cancel the rest."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            step = spread_s / max(len(ids), 1)
            conn.executemany(
                "UPDATE deadlines SET due_at = ? WHERE id = ?",
                [(first + i * step, d) for i, d in enumerate(ids)],
            )
            marks = ",".join("?" * len(ids))
            conn.execute(
                "UPDATE deadlines SET cancelled_at = 0 WHERE fired_at IS NULL AND"
                f" cancelled_at IS NULL AND id NOT IN ({marks})",
                ids,
            )
    finally:
        conn.close()


async def run(options: Options = Options()) -> dict[str, Any]:
    result: dict[str, Any] = {"scenario": "deadlines", "deadlines": options.deadlines}
    async with rigged(options.plan, limits=TELEGRAM, start=False) as rig:
        made = await make_pending(rig.db, rig.seeded.squads, options.deadlines)
        ids = [d for d, _ in made]
        result["kinds"] = {k: sum(1 for _, kk in made if kk == k) for _, k in made}
        load = load_now()
        due_at(rig.db, ids, time.time() + options.start_in_s, options.spread_s)
        await rig.start_bot()
        fired = await _until_fired(rig, ids, options.timeout_s)
        late = [r["fired_at"] - r["due_at"] for r in fired]
        result.update(
            {
                "fired": len(fired),
                "late_p50_ms": ms(pct(late, 50)),
                "late_p99_ms": ms(pct(late, 99)),
                "late_max_ms": ms(max(late, default=float("nan"))),
                "late_p99_target_ms": P99_TARGET_S * 1000,
                "load": load,
            }
        )
    async with rigged(options.plan, limits=TELEGRAM, start=False) as rig:
        made = await make_pending(rig.db, rig.seeded.squads, options.deadlines)
        ids = [d for d, _ in made]
        due_at(rig.db, ids, time.time() - 3600, 60.0)  # all overdue, by up to an hour
        load = load_now()
        await rig.start_bot(wait_ready=False)
        first_poll = await rig.wait_polling()
        fired = await _until_fired(rig, ids, options.timeout_s)
        last = max((r["fired_at"] for r in fired), default=float("nan"))
        result.update(
            {
                "restart_fired": len(fired),
                "restart_all_fired_after_first_poll_s": round(last - first_poll, 2),
                "restart_target_s": RESTART_TARGET_S,
                "restart_first_poll_after_start_s": round(first_poll - rig.spawned_at, 2),
                "restart_each_once": _each_once(rig, ids, len(fired)),
                "restart_load": load,
            }
        )
    return result


async def _until_fired(rig: Rig, ids: list[int], timeout: float) -> list[sqlite3.Row]:
    marks = ",".join("?" * len(ids))
    sql = (
        f"SELECT id, due_at, fired_at FROM deadlines WHERE id IN ({marks}) AND fired_at IS NOT NULL"
    )
    await rig.until(lambda: len(rig.rows(sql, *ids)) >= len(ids), timeout=timeout, poll=0.25)
    return rig.rows(sql, *ids)


def _each_once(rig: Rig, ids: list[int], fired: int) -> bool:
    """Each fired, once: every one has its firing time (set by the one guarded claim), and
    no firing's effect is there twice (an acknowledgement deadline that fired twice would
    withdraw the same member's offer twice)."""
    twice = rig.rows(
        "SELECT count(*) AS n FROM (SELECT alert_id, chat_id, count(*) AS c FROM outbox"
        " WHERE json_extract(payload, '$.text.key') = 'offer.withdrawn'"
        " GROUP BY alert_id, chat_id HAVING c > 1)"
    )
    return fired == len(ids) and int(twice[0]["n"]) == 0
