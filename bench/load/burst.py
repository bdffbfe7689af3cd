"""A raid in one group: 16, then 50 alerts within 2 seconds, with Telegram's limits enforced.

Each size runs in a squad of its own (its group's budget fresh), raised by different
bystanders. Figures, per size:
- how long until every alert is visible in the group (the longest, from each /alert to the
  first group message that shows its code). Target: 10 s;
- /alert -> its offer (the first private message with its buttons), p50, p95 and max.
  Target: 3 s. ``offer_floor_s`` is the least the private-chat limit allows: the squad's
  available members each take one message a second;
- how many messages the group was sent, and every 429.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import Any

from bench.load.rig import (
    Rig,
    first_offer_at,
    first_seen_in_groups,
    load_now,
    ms,
    pct,
    rigged,
)
from bench.load.seed import Plan
from tests.fakegram.limits import SENDING_METHODS, TELEGRAM

VISIBLE_TARGET_S = 10.0
OFFER_TARGET_S = 3.0


@dataclass(frozen=True)
class Options:
    plan: Plan = field(default_factory=Plan)
    sizes: tuple[int, ...] = (16, 50)
    within_s: float = 2.0
    timeout_s: float = 90.0


async def run(options: Options = Options()) -> list[dict[str, Any]]:
    async with rigged(options.plan, limits=TELEGRAM) as rig:
        results = []
        for i, size in enumerate(options.sizes):
            results.append(await one_burst(rig, rig.seeded.squads[i], size, options))
        return results


async def one_burst(rig: Rig, squad: Any, size: int, options: Options) -> dict[str, Any]:
    mark = len(rig.fake.calls)
    refused = rig.fake.refused_for_limits
    load = load_now()
    sent = []
    for _ in range(size):
        sent.append(await rig.alert(squad, "they are taking people, please come"))
        await asyncio.sleep(options.within_s / size)

    def codes() -> dict[int, str]:
        stored = rig.codes()
        return {
            s.message_id: stored[(s.chat_id, s.message_id)]
            for s in sent
            if (s.chat_id, s.message_id) in stored
        }

    def done() -> bool:
        known = codes()
        if len(known) < size:
            return False
        shown = first_seen_in_groups(rig.fake, known.values(), mark)
        offered = first_offer_at(rig.fake, mark)
        return len(shown) == size and all(c in offered for c in known.values())

    finished = await rig.until(done, timeout=options.timeout_s, poll=0.25)
    known = codes()
    shown = first_seen_in_groups(rig.fake, known.values(), mark)
    offered = first_offer_at(rig.fake, mark)
    visible = [shown[known[s.message_id]] - s.at for s in sent if known.get(s.message_id) in shown]
    offers = [
        offered[known[s.message_id]] - s.at for s in sent if known.get(s.message_id) in offered
    ]
    group_sends = [
        c for c in rig.fake.calls[mark:]
        if c.chat_id == squad.chat_id and c.method in SENDING_METHODS and c.status == 200
    ]  # fmt: skip
    available = max(len(squad.available), 1)
    return {
        "scenario": f"burst_{size}",
        "alerts": size,
        "within_s": options.within_s,
        "finished": finished,
        "all_visible_s": round(max(visible), 2) if len(visible) == size else None,
        "visible_target_s": VISIBLE_TARGET_S,
        "offer_p50_ms": ms(pct(offers, 50)),
        "offer_p95_ms": ms(pct(offers, 95)),
        "offer_max_ms": ms(max(offers)) if offers else None,
        "offered": len(offers),
        "offer_target_s": OFFER_TARGET_S,
        "available_members": available,
        "offer_floor_s": float(math.ceil(size / available) - 1),
        "group_messages": len(group_sends),
        "responses_429": rig.fake.refused_for_limits - refused,
        "load": load,
    }
