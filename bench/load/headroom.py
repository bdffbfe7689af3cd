"""Raw headroom: Telegram's limits switched off, alerts as fast as they come.

The load generator hands the bot ``alerts`` alerts at once, spread over the squads (each
from a different bystander), and measures how many a second the bot stores and offers
(from the database: the alert row and its first offer row), and how many a second have
their first offer delivered (from the fake server). Target: at least 300 a second on 2
cores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bench.load.rig import NO_BOT_LIMITS, Rig, first_offer_at, load_now, rigged
from bench.load.seed import Plan

TARGET_PER_S = 300.0


@dataclass(frozen=True)
class Options:
    plan: Plan = field(default_factory=Plan)
    alerts: int = 3000
    timeout_s: float = 240.0


async def run(options: Options = Options()) -> dict[str, Any]:
    async with rigged(options.plan, limits=None, bot_limits=NO_BOT_LIMITS) as rig:
        return await _measure(rig, options)


async def _measure(rig: Rig, options: Options) -> dict[str, Any]:
    squads = rig.seeded.squads
    mark = len(rig.fake.calls)
    loads = [load_now()]
    cpu_before = rig.bot_cpu_s()
    loop_before = rig.bot_loop_cpu_s()
    first_sent = time.time()  # the loop's busy span starts here (``start``: first handed out)
    harness_before = time.process_time()
    for i in range(options.alerts):
        await rig.alert(squads[i % len(squads)])
    sent_done = time.time()

    def offered() -> bool:
        return len(first_offer_at(rig.fake, mark)) >= options.alerts

    finished = await rig.until(offered, timeout=options.timeout_s, poll=0.5)
    calls = len(rig.fake.calls) - mark  # every Bot API call but getUpdates, until then
    cpu = rig.bot_cpu_s() - cpu_before
    loop_cpu = rig.bot_loop_cpu_s() - loop_before
    wall = time.time() - first_sent
    harness = time.process_time() - harness_before
    loads.append(load_now())
    handed = [rig.fake.handed_out.get(s.update_id) for s in rig.sent]
    start = min(h for h in handed if h is not None)
    delivered = first_offer_at(rig.fake, mark)
    db = rig.rows(
        "SELECT count(*) AS n, max(first) AS last FROM"
        " (SELECT a.id, min(o.offered_at) AS first FROM alerts a"
        "  JOIN offers o ON o.alert_id = a.id GROUP BY a.id)"
    )[0]
    stored_offered = int(db["n"])
    stored_span = (db["last"] or start) - start
    delivered_span = (max(delivered.values()) - start) if delivered else float("nan")
    return {
        "scenario": "headroom",
        "alerts": options.alerts,
        "finished": finished,
        "generator_s": round(sent_done - rig.sent[0].at, 2),
        "stored_and_offered": stored_offered,
        "stored_and_offered_per_s": round(stored_offered / stored_span, 1) if stored_span else None,
        "offers_delivered": len(delivered),
        "offers_delivered_per_s": round(len(delivered) / delivered_span, 1) if delivered else None,
        # What one core does when it is the bot's alone (the machine is shared).
        "bot_cpu_ms_per_alert": round(cpu * 1000 / options.alerts, 2),
        "calls_per_alert": round(calls / options.alerts, 2),
        "per_bot_cpu_s": round(options.alerts / cpu, 1) if cpu else None,
        # The bot's event loop is one thread, so one core: its share of the bot's CPU, how
        # busy it was from the first alert sent until every offer was seen delivered (the
        # check runs every 0.5 s), and how many alerts a second it could handle were it busy
        # all the time.
        "loop_share_pct": round(100 * loop_cpu / cpu, 1) if cpu else None,
        "loop_busy_pct": round(100 * loop_cpu / wall, 1) if wall else None,
        "one_loop_ceiling_per_s": round(options.alerts / loop_cpu, 1) if loop_cpu else None,
        # The fake Bot API server and the load generator share the 2 cores: what is left of
        # them for the bot bounds what it can do on this machine, however it is built.
        "harness_cpu_ms_per_alert": round(harness * 1000 / options.alerts, 2),
        "two_core_ceiling_per_s": round(2 * options.alerts / (cpu + harness), 1)
        if cpu + harness
        else None,
        "target_per_s": TARGET_PER_S,
        "load": loads,
    }
