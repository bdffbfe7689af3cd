"""Reliability soak: kill -9 the real bot at random moments for many rounds while alerts flow.

    .venv/bin/python -m bench.soak [--rounds 30] [--alerts 4] [--seed N]

Prints one line of figures: rounds, alerts sent and stored, alerts lost (must be 0),
kills, faults injected, resends whose delivery a crash made uncertain, invariant
violations (must be 0), and the run time. Exits 1 if anything was lost or broken.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from pathlib import Path

from tests.reliability.chaos import run_chaos


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--alerts", type=int, default=4, help="alerts sent in each round")
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(1_000_000))
    parser.add_argument("--group-window", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(
            run_chaos(
                Path(tmp),
                rounds=args.rounds,
                alerts_per_round=args.alerts,
                seed=args.seed,
                group_window_s=args.group_window,
            )
        )
    print(result.summary())
    for problem in result.problems[:20]:
        print("  problem:", problem)
    return 0 if not result.problems and result.alerts_lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
