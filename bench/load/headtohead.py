"""Head to head: the same burst across squads (bench/load/across.py) through Squadline's
sender, and through python-telegram-bot's own ``AIORateLimiter`` (a bench-only variant of
the bot, bench/load/ptb_variant.py), on the same fake server, one after the other.

Figures: PTB's time until every offer is out and its urgent delay, and the ratios of each
to Squadline's (above 1: Squadline is faster).
"""

from __future__ import annotations

from typing import Any

from bench.load import across
from bench.load.rig import NO_BOT_LIMITS, rigged
from tests.fakegram.limits import TELEGRAM
from tests.fakegram.server import FakeTelegram


async def run(options: across.Options | None = None) -> list[dict[str, Any]]:
    options = options or across.Options()
    fake = FakeTelegram(limits=TELEGRAM)
    await fake.start()
    try:
        async with rigged(options.plan, limits=TELEGRAM, fake=fake) as rig:
            ours = await across.measure(rig, options, "across")
        async with rigged(
            options.plan,
            limits=TELEGRAM,
            fake=fake,
            bot_limits=NO_BOT_LIMITS,
            module="bench.load.ptb_variant",
        ) as rig:
            theirs = await across.measure(rig, options, "across_ptb_limiter", logged=False)
    finally:
        await fake.stop()
    return [ours, theirs, compare(ours, theirs)]


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    def ratio(key: str) -> float | None:
        a, b = ours.get(key), theirs.get(key)
        return (
            round(b / a, 2)
            if isinstance(a, int | float) and isinstance(b, int | float) and a
            else None
        )

    return {
        "scenario": "head_to_head",
        "all_offers_s": ours.get("all_offers_s"),
        "all_offers_s_ptb": theirs.get("all_offers_s"),
        "all_offers_ratio": ratio("all_offers_s"),
        "urgent_p95_ms": ours.get("urgent_p95_ms"),
        "urgent_p95_ms_ptb": theirs.get("urgent_p95_ms"),
        "urgent_p95_ratio": ratio("urgent_p95_ms"),
        "budget_use": ours.get("budget_use"),
        "budget_use_ptb": theirs.get("budget_use"),
        "responses_429_ptb": theirs.get("responses_429"),
        "load": theirs.get("load"),
    }
