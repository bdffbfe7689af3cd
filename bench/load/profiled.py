"""The bot under a profiler, for the benchmarks: ``python -m bench.load.profiled run``.

Runs ``squadline run`` exactly, under cProfile, and writes the profile (sorted by the time
spent in each function itself) to ``$BENCH_PROFILE`` when the bot stops.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys

from bot.__main__ import main


def profiled() -> int:
    out = os.environ.get("BENCH_PROFILE", "bot-profile.txt")
    profile = cProfile.Profile()
    try:
        code = profile.runcall(main)
    finally:
        with open(out, "w", encoding="utf-8") as handle:
            stats = pstats.Stats(profile, stream=handle)
            stats.sort_stats("tottime").print_stats(60)
            stats.sort_stats("cumulative").print_stats(80)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(profiled())
