"""Random kill -9 rounds while alerts flow, with injected faults; shared by the test and the soak.

Members behave like people: they accept or decline offers, ignore some, and claim
escalated alerts from the group. The bot process is killed at random moments and
started again. At the end the bot runs undisturbed until everything settles, then
the invariants are checked and every /alert that was sent is looked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.messages import render
from tests.fakegram.server import Call, FakeTelegram, User
from tests.reliability import invariants
from tests.support import BotProcess, Squad, bot_message

ORIGIN = (-26.2041, 28.0473)
MAX_ESCALATIONS = 2


@dataclass
class ChaosResult:
    seed: int
    rounds: int = 0
    alerts_sent: int = 0
    alerts_stored: int = 0
    alerts_lost: int = 0
    kills: int = 0
    faults: int = 0
    uncertain_resends: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"seed={self.seed} rounds={self.rounds} alerts_sent={self.alerts_sent} "
            f"alerts_stored={self.alerts_stored} alerts_lost={self.alerts_lost} kills={self.kills} "
            f"faults_injected={self.faults} uncertain_resends={self.uncertain_resends} "
            f"invariant_violations={len(self.problems)} seconds={self.seconds:.1f}"
        )


class Responders:
    """Members pressing buttons on what the bot sends them."""

    def __init__(self, fake: FakeTelegram, members: list[User], rng: random.Random) -> None:
        self.fake = fake
        self.members = {m.id: m for m in members}
        self.rng = rng
        self.seen = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            calls = self.fake.calls[self.seen :]
            self.seen += len(calls)
            for call in calls:
                await self._react(call)

    async def _react(self, call: Call) -> None:
        if call.method not in ("sendMessage", "editMessageText") or call.status != 200:
            return
        if not isinstance(call.result, dict):
            return
        labels = [b.get("text") for b in call.buttons()]
        roll = self.rng.random()
        if call.chat_id in self.members and render("button.accept") in labels:
            member = self.members[call.chat_id]
            if roll < 0.45:
                await self.fake.press(
                    member, bot_message(self.fake, call), button=render("button.accept")
                )
            elif roll < 0.75:
                await self.fake.press(
                    member, bot_message(self.fake, call), button=render("button.decline")
                )
        elif call.chat_id is not None and call.chat_id < 0 and roll < 0.6:
            # The squad's board: a member claims an alert nobody has taken yet, from the
            # card ("Nobody has taken it yet") or from the list ("waiting for someone").
            waiting = render("card.escalated") in call.text or (
                f"· {render('state.escalated')} ·" in call.text
            )
            claims = [
                b["callback_data"]
                for b in call.buttons()
                if b.get("callback_data", "").startswith("s1:clm:")
            ]
            if not waiting or not claims:
                return
            key = (call.chat_id, call.result["message_id"])
            message = self.fake.messages.get(key, call.result)  # a newer board replaced it
            member = self.rng.choice(list(self.members.values()))
            await self.fake.press(member, message, data=self.rng.choice(claims))


async def run_chaos(
    workdir: Path,
    *,
    rounds: int,
    alerts_per_round: int,
    seed: int,
    faults: bool = True,
    group_window_s: float = 5.0,
) -> ChaosResult:
    """``group_window_s`` shrinks Telegram's per-group window (20 messages a minute) so a
    run takes minutes, not hours; the fake checks the bot against the same window."""
    rng = random.Random(seed)
    result = ChaosResult(seed=seed)
    started = time.monotonic()
    fake = FakeTelegram()
    await fake.start()
    bot = BotProcess(
        fake,
        workdir / "chaos.sqlite3",
        workdir,
        max_escalations=MAX_ESCALATIONS,
        max_offers=3,
        ack_timeout="1",
        audit_interval="0.5",
        limit_group_window=str(group_window_s),
    )
    responders: Responders | None = None
    try:
        await bot.start()
        squad = await Squad.set_up(fake)
        members = [fake.user(201 + i, f"M{i}") for i in range(5)]
        for i, m in enumerate(members):
            await squad.join(m, ORIGIN[0] + 0.004 * (i + 1), ORIGIN[1])
        reporter = fake.user(300, "Reporter")
        alert_messages: list[int] = []
        responders = Responders(fake, members, rng)
        responders.start()
        for round_no in range(rounds):
            result.rounds += 1
            if not bot.alive:
                await bot.start(wait_ready=False)
            for m in members:  # anyone a fault marked unreachable opens the chat again
                await fake.send(m, fake.private_chat(m), "/start")
            if faults:
                result.faults += _inject(fake, rng, squad, members)
            kill_after = rng.uniform(0.2, 2.5)
            killer = asyncio.create_task(_kill_later(bot, kill_after))
            for i in range(alerts_per_round):
                lat = ORIGIN[0] + rng.uniform(-0.02, 0.02)
                lon = ORIGIN[1] + rng.uniform(-0.02, 0.02)
                message = await fake.send(
                    reporter, squad.group, f"/alert {lat:.6f}, {lon:.6f} r{round_no} a{i}"
                )
                alert_messages.append(message["message_id"])
                result.alerts_sent += 1
                await asyncio.sleep(rng.uniform(0.0, 0.25))
            await killer
        result.kills = bot.kills
        if not bot.alive:
            await bot.start(wait_ready=False)
        settled = await _settle(bot.db, timeout=180)
        await responders.stop()
        responders = None
        # Presses queued just before the responders stopped are handled now: settle again.
        with contextlib.suppress(AssertionError):
            await fake.idle(quiet=1.0, timeout=30)
        settled = settled and await _settle(bot.db, timeout=120)
        # A message held back by a rate limit can still be on its way: once more.
        with contextlib.suppress(AssertionError):
            await fake.idle(quiet=1.5, timeout=30)
        settled = settled and await _settle(bot.db, timeout=60)
        await bot.stop()
        if not settled:
            result.problems.append("the bot did not settle within 180 s")
        report = invariants.check(bot.db, fake, max_escalations=MAX_ESCALATIONS)
        result.problems = list(report.problems)
        result.problems += fake.limit_violations(group_window_s=group_window_s)
        result.problems += fake.retry_after_violations()
        result.uncertain_resends = report.uncertain_resends
        stored = _stored_origins(bot.db)
        result.alerts_stored = len(stored)
        lost = [m for m in alert_messages if m not in stored]
        result.alerts_lost = len(lost)
        if lost:
            result.problems.append(f"lost alerts from messages {lost}")
    finally:
        if responders is not None:
            await responders.stop()
        await bot.close()
        await fake.stop()
        result.seconds = time.monotonic() - started
    return result


async def _kill_later(bot: BotProcess, delay: float) -> None:
    await asyncio.sleep(delay)
    await bot.kill()


def _inject(fake: FakeTelegram, rng: random.Random, squad: Squad, members: list[User]) -> int:
    """One or two faults per round: 429 with retry_after, 5xx, a 403, or a slow answer."""
    count = rng.randint(1, 2)
    for _ in range(count):
        kind = rng.choice(["429", "5xx", "403", "slow"])
        chat = rng.choice([squad.group.id, *[m.id for m in members]])
        if kind == "429":
            fake.fail("sendMessage", 429, chat_id=chat, retry_after=1)
        elif kind == "5xx":
            fake.fail(None, rng.choice([500, 502, 503]), chat_id=chat, times=2)
        elif kind == "403":
            fake.fail("sendMessage", 403, chat_id=rng.choice(members).id)
        else:
            fake.fail(None, 200, chat_id=chat, delay=0.8)
    return count


async def _settle(db: Path, timeout: float) -> bool:
    """Until no alert is still looking for someone and nothing waits in the outbox."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        await asyncio.sleep(0.5)
        try:
            conn = sqlite3.connect(db)
            busy = conn.execute(
                "SELECT (SELECT count(*) FROM alerts WHERE state IN ('new', 'offered')"
                "  OR (state = 'escalated' AND escalations < ?))"
                " + (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending'))"
                " + (SELECT count(*) FROM inbox WHERE state = 'pending')",
                (MAX_ESCALATIONS,),
            ).fetchone()[0]
            conn.close()
        except sqlite3.Error:
            continue
        if busy == 0:
            return True
    return False


def _stored_origins(db: Path) -> set[int]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT origin_message_id FROM alerts")}
    finally:
        conn.close()
