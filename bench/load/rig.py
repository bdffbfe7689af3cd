"""The load rig: the real bot as a subprocess (``python -m bot run``) against the fake Bot
API server on 127.0.0.1, on a seeded database; and the figures it reads back.

Every timing comes from the fake server's timestamps (when an update was delivered, when
getUpdates handed it out, when each call arrived), so the bot is measured from outside.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import os
import platform
import random
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load.seed import Plan, Seeded, SeedSquad, seed
from tests.fakegram.server import Call, FakeTelegram, Limits, User
from tests.support.botproc import BotProcess

# What the benchmarks run with: the product's defaults, except a shorter long poll (a quick
# stop) and quieter logs. ``bot_env`` (tests/support/botproc.py) shrinks durations for
# tests; these put them back.
BENCH_SETTINGS: dict[str, Any] = {
    "ack_timeout": "180",
    "location_wait": "60",
    "max_offers": "3",
    "max_escalations": "5",
    "send_give_up": "60",
    "audit_interval": "60",
    "poll_timeout": "10",
    "merge_window": "300",
    "max_open_alerts_nonmember": "2",
    "log_level": "WARNING",
}
NO_BOT_LIMITS = {
    "limit_global_per_s": "100000",
    "limit_group_per_min": "100000",
    "limit_private_per_s": "100000",
}
REPORTERS = itertools.count(50_000_000)


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was."""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc); NaN where unknown."""
    return _cpu_s(Path(f"/proc/{pid}/stat"))


def main_thread_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process's main thread alone: the bot's event loop
    runs there, SQLite's statements included (other threads flush the WAL to the disk, or
    ask the geocoder, when it is turned on)."""
    return _cpu_s(Path(f"/proc/{pid}/task/{pid}/stat"))


def _cpu_s(stat: Path) -> float:
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc); NaN where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return math.nan


def load_now() -> float:
    return round(os.getloadavg()[0], 2)


def pct(values: Iterable[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank); NaN when there are no values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


@dataclass
class Sent:
    """One /alert the load generator sent."""

    squad: SeedSquad
    chat_id: int
    message_id: int
    update_id: int
    at: float


@dataclass
class Rig:
    fake: FakeTelegram
    bot: BotProcess
    db: Path
    seeded: Seeded
    rng: random.Random
    sent: list[Sent] = field(default_factory=list)
    spawned_at: float = 0.0

    async def start_bot(self, wait_ready: bool = True) -> None:
        self.spawned_at = time.time()
        await self.bot.start(wait_ready=wait_ready)

    def first_poll_after(self, since: float) -> float | None:
        for at, method, _ in self.fake.requests:
            if method == "getUpdates" and at >= since:
                return at
        return None

    async def wait_polling(self, timeout: float = 60.0) -> float:
        """Until the bot polls for updates; returns when it first did."""
        end = time.time() + timeout
        while time.time() < end:
            at = self.first_poll_after(self.spawned_at)
            if at is not None:
                return at
            await asyncio.sleep(0.01)
        raise RuntimeError("the bot never polled:\n" + self.bot.log()[-3000:])

    def bot_cpu_s(self) -> float:
        """CPU seconds the bot process has used so far (user + system)."""
        return process_cpu_s(self.bot.proc.pid if self.bot.proc else 0)

    def bot_loop_cpu_s(self) -> float:
        """CPU seconds the bot's main thread, its event loop, has used so far."""
        return main_thread_cpu_s(self.bot.proc.pid if self.bot.proc else 0)

    def bot_rss_mb(self) -> float:
        return process_rss_mb(self.bot.proc.pid if self.bot.proc else 0)

    def reporter(self) -> User:
        uid = next(REPORTERS)
        return self.fake.user(uid, f"R{uid}")

    async def alert(self, squad: SeedSquad, words: str = "robbery near the shops") -> Sent:
        """A bystander raises an alert in the squad's group, with coordinates."""
        lat, lon = squad.near(self.rng)
        group = self.fake.chats[squad.chat_id]
        message = await self.fake.send(self.reporter(), group, f"/alert {lat}, {lon} {words}")
        key = (squad.chat_id, message["message_id"])
        update_id = self.fake.update_of[key]
        sent = Sent(squad, squad.chat_id, message["message_id"], update_id, time.time())
        self.sent.append(sent)
        return sent

    async def command(self, user_id: int, text: str) -> tuple[int, float]:
        """Someone sends a command in their private chat; returns (update id, when)."""
        user = self.fake.users[user_id]
        message = await self.fake.send(user, self.fake.private_chat(user), text)
        return self.fake.update_of[(user_id, message["message_id"])], time.time()

    # -- reading back -------------------------------------------------------------------

    def rows(self, sql: str, *args: object) -> list[sqlite3.Row]:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def codes(self) -> dict[tuple[int, int], str]:
        """(group, /alert message id) -> the alert's code, for every alert stored."""
        return {
            (r["origin_chat_id"], r["origin_message_id"]): r["code"]
            for r in self.rows(
                "SELECT origin_chat_id, origin_message_id, code FROM alerts"
                " WHERE origin_message_id IS NOT NULL"
            )
        }

    async def until(self, done: Callable[[], bool], *, timeout: float, poll: float = 0.1) -> bool:
        end = time.time() + timeout
        while time.time() < end:
            if done():
                return True
            await asyncio.sleep(poll)
        return done()


def offer_calls(fake: FakeTelegram, since: int = 0) -> Iterable[Call]:
    """Offers that reached a private chat (a message with an Accept button)."""
    for call in fake.calls[since:]:
        if (
            call.status == 200
            and call.method in ("sendMessage", "editMessageText")
            and (call.chat_id or 0) > 0
            and any(b.get("callback_data", "").startswith("s1:acc:") for b in call.buttons())
        ):
            yield call


def first_offer_at(fake: FakeTelegram, since: int = 0) -> dict[str, float]:
    """Alert code -> when its first offer (with buttons) reached the fake server."""
    seen: dict[str, float] = {}
    for call in offer_calls(fake, since):
        code = call.text.split(":", 1)[0].lstrip("#").strip()
        seen.setdefault(code, call.at)
    return seen


def first_seen_in_groups(
    fake: FakeTelegram, codes: Iterable[str], since: int = 0
) -> dict[str, float]:
    """Alert code -> when a group message that shows it first reached the fake server."""
    wanted = set(codes)
    seen: dict[str, float] = {}
    for call in fake.calls[since:]:
        if call.status != 200 or (call.chat_id or 0) >= 0:
            continue
        if call.method not in ("sendMessage", "editMessageText"):
            continue
        for code in wanted - seen.keys():
            if f"#{code}" in call.text:
                seen[code] = call.at
    return seen


@asynccontextmanager
async def rigged(
    plan: Plan,
    *,
    limits: Limits | None,
    bot_limits: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    workdir: Path | None = None,
    fake: FakeTelegram | None = None,
    module: str = "bot",
    start: bool = True,
) -> AsyncIterator[Rig]:
    """A fake server (``limits``: enforced, or ``None``), a seeded database, the bot."""
    own_fake = fake is None
    if fake is None:
        fake = FakeTelegram(limits=limits)
        await fake.start()
    else:
        fake.limits = limits
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sqbench-")))
        db = workdir / "squadline.sqlite3"
        seeded = await seed(db, fake, plan, time.time())
        values = {**BENCH_SETTINGS, **(bot_limits or {}), **(settings or {})}
        bot = BotProcess(fake, db, workdir, **values)
        bot.module = module
        rig = Rig(fake, bot, db, seeded, random.Random(plan.seed))
        try:
            if start:
                await rig.start_bot()
            yield rig
        finally:
            await bot.stop()
            if own_fake:
                await fake.stop()
