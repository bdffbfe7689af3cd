"""The figures for the README's Reliability section.

    .venv/bin/python -m bench.reliability_report [--rounds 30] [--alerts 4]

Runs the named crash points and the fault-injection tests (pytest), then the
random-kill soak, and prints what was covered and what was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from pathlib import Path

import pytest

from tests.reliability.chaos import run_chaos

ROOT = Path(__file__).resolve().parents[1]


class Outcomes:
    def __init__(self) -> None:
        self.passed: list[str] = []
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            (self.passed if report.passed else self.failed).append(report.nodeid.split("::")[-1])


def run_suite(path: str) -> Outcomes:
    outcomes = Outcomes()
    pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / path)], plugins=[outcomes])
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--alerts", type=int, default=4)
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(1_000_000))
    args = parser.parse_args()
    crashes = run_suite("tests/reliability/test_crash_points.py")
    faults = run_suite("tests/reliability/test_faults.py")
    pressure = run_suite("tests/reliability/test_database_pressure.py")
    with tempfile.TemporaryDirectory() as tmp:
        soak = asyncio.run(
            run_chaos(Path(tmp), rounds=args.rounds, alerts_per_round=args.alerts, seed=args.seed)
        )
    print()
    print("Squadline reliability report")
    for label, outcomes in (
        ("named crash points recovered", crashes),
        ("fault-injection tests passed", faults),
        ("database-pressure tests passed", pressure),
    ):
        total = len(outcomes.passed) + len(outcomes.failed)
        print(f"  {label}: {len(outcomes.passed)} of {total}")
    print(f"  soak: {soak.summary()}")
    failed = crashes.failed + faults.failed + pressure.failed + soak.problems
    for name in failed:
        print("  FAILED:", name)
    return 1 if failed or soak.alerts_lost else 0


if __name__ == "__main__":
    sys.exit(main())
