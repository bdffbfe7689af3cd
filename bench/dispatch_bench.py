"""How long ranking candidates takes for squads of different sizes.

    .venv/bin/python -m bench.dispatch_bench

Prints, for each squad size, the median time of one ``rank_candidates`` call.
"""

from __future__ import annotations

import random
import statistics
import time

from bot.dispatch import rank_candidates
from bot.domain import Availability, Location, Member, Role
from bot.geo import Point

NOW = 1_800_000_000.0


def squad(size: int, rng: random.Random) -> tuple[list[Member], dict[int, Location]]:
    members, locations = [], {}
    for i in range(size):
        availability = rng.choice(
            [Availability.AVAILABLE] * 3 + [Availability.BUSY, Availability.OFF]
        )
        members.append(Member(i, 1, 10_000 + i, f"m{i}", Role.MEMBER, availability, 10_000 + i, 0))
        if rng.random() < 0.9:
            locations[10_000 + i] = Location(
                -26.2 + rng.uniform(-0.1, 0.1),
                28.0 + rng.uniform(-0.1, 0.1),
                NOW - rng.uniform(0, 86400),
            )
    return members, locations


def main() -> None:
    rng = random.Random(1)
    here = Point(-26.2041, 28.0473)
    print("members  median_ms_per_ranking")
    for size in (10, 50, 200, 1000):
        members, locations = squad(size, rng)
        times = []
        for _ in range(30):
            start = time.perf_counter()
            rank_candidates(
                members, locations, here, reporter_user_id=0, tried=(), now=NOW, ttl_s=43200
            )
            times.append(time.perf_counter() - start)
        print(f"{size:7d}  {statistics.median(times) * 1000:.2f}")


if __name__ == "__main__":
    main()
