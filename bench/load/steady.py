"""Steady traffic: 5 alerts a second for 2 minutes, spread over the squads, with Telegram's
limits enforced.

Figure: the bot-side latency, from getUpdates handing the update out to the first offer
arriving at the fake server, at p50, p95 and p99. Target: p99 <= 50 ms, and no 429.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from bench.load.rig import first_offer_at, load_now, ms, pct, rigged
from bench.load.seed import Plan
from tests.fakegram.limits import TELEGRAM

P99_TARGET_MS = 50.0


@dataclass(frozen=True)
class Options:
    plan: Plan = field(default_factory=Plan)
    per_s: float = 5.0
    seconds: float = 120.0


async def run(options: Options = Options()) -> dict[str, Any]:
    async with rigged(options.plan, limits=TELEGRAM) as rig:
        mark = len(rig.fake.calls)
        loads = [load_now()]
        squads = rig.seeded.squads
        count = int(options.per_s * options.seconds)
        start = time.time()
        for i in range(count):
            # Each in another squad, chosen at random (a squad's alerts are minutes apart).
            await rig.alert(squads[rig.rng.randrange(len(squads))])
            delay = start + (i + 1) / options.per_s - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
        loads.append(load_now())

        def done() -> bool:
            return len(first_offer_at(rig.fake, mark)) >= count

        finished = await rig.until(done, timeout=30.0, poll=0.25)
        codes = rig.codes()
        offered = first_offer_at(rig.fake, mark)
        latencies = []
        for sent in rig.sent:
            code = codes.get((sent.chat_id, sent.message_id))
            handed = rig.fake.handed_out.get(sent.update_id)
            if code in offered and handed is not None:
                latencies.append(offered[code] - handed)
        return {
            "scenario": "steady",
            "alerts": count,
            "per_s": options.per_s,
            "seconds": options.seconds,
            "finished": finished,
            "offered": len(latencies),
            "p50_ms": ms(pct(latencies, 50)),
            "p95_ms": ms(pct(latencies, 95)),
            "p99_ms": ms(pct(latencies, 99)),
            "p99_target_ms": P99_TARGET_MS,
            "responses_429": rig.fake.refused_for_limits,
            "load": loads,
        }
