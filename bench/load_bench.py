"""The load benchmarks: the real bot (``squadline run``, a subprocess) against the fake Bot
API server on 127.0.0.1, with seeded squads, in seven scenarios (issue 14):

  burst         16, then 50 alerts in one group within 2 s
  steady        5 alerts a second for 2 minutes, spread over squads
  across        600 alerts in 60 s over 200 squads, with /status and /help traffic
  head_to_head  the same burst through python-telegram-bot's AIORateLimiter instead
  headroom      no limits: alerts stored and offered per second
  deadlines     5,000 pending deadlines: lateness; then a restart with all overdue
  footprint     20,000 members and 100,000 historical alerts: memory, start, /status, /report

    .venv/bin/python -m bench.load_bench                 # all seven (make bench)
    .venv/bin/python -m bench.load_bench --only burst steady
    .venv/bin/python -m bench.load_bench --quick         # tiny, to see that it runs

It prints a table for people and writes one JSON line per scenario (with the machine's
cores, Python version and load average, and how fast it was: a speed probe taken before the
scenario and the share of the cores' time stolen during it, bench/load/machine_speed.py)
to --json (default var/bench/load.jsonl). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.load import across, burst, deadlines, footprint, headroom, headtohead, steady
from bench.load.machine_speed import cpu_times, shown, speed_probe_ms, stolen_pct
from bench.load.report import json_line, table
from bench.load.rig import machine
from bench.load.seed import Plan

SCENARIOS = ("burst", "steady", "across", "head_to_head", "headroom", "deadlines", "footprint")
Runner = Callable[[], Awaitable[list[dict[str, Any]]]]


def _one(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [result]


def runners(quick: bool) -> dict[str, Runner]:
    """Each scenario with the issue's figures; ``quick``: a tiny version of each."""
    plan = Plan(squads=12, members=8) if quick else Plan()
    b = burst.Options(plan=plan, sizes=(4,), timeout_s=30) if quick else burst.Options()
    s = steady.Options(plan=plan, seconds=2) if quick else steady.Options()
    a = (
        across.Options(plan=plan, alerts=12, seconds=3, squads=6, timeout_s=30)
        if quick
        else across.Options()
    )
    h = headroom.Options(plan=plan, alerts=40, timeout_s=60) if quick else headroom.Options()
    d = (
        deadlines.Options(plan=plan, deadlines=40, start_in_s=3, spread_s=2, timeout_s=60)
        if quick
        else deadlines.Options()
    )
    f = footprint.Options(plan=plan, alerts=500, asks=3) if quick else footprint.Options()

    async def run_steady() -> list[dict[str, Any]]:
        return _one(await steady.run(s))

    async def run_headroom() -> list[dict[str, Any]]:
        return _one(await headroom.run(h))

    async def run_deadlines() -> list[dict[str, Any]]:
        return _one(await deadlines.run(d))

    async def run_footprint() -> list[dict[str, Any]]:
        return _one(await footprint.run(f))

    async def run_across() -> list[dict[str, Any]]:
        return await across.run(a)

    async def run_across_light() -> list[dict[str, Any]]:
        return await across.run(a, ("across_light",))

    async def run_head_to_head() -> list[dict[str, Any]]:
        return await headtohead.run(a)  # the across burst too, on the same fake server

    return {
        "burst": lambda: burst.run(b),
        "steady": run_steady,
        "across": run_across,
        "across_light": run_across_light,  # within "across"; alone beside head_to_head
        "head_to_head": run_head_to_head,
        "headroom": run_headroom,
        "deadlines": run_deadlines,
        "footprint": run_footprint,
    }


async def run(names: list[str], quick: bool, out: Path) -> list[dict[str, Any]]:
    chosen = runners(quick)
    if "across" in names and "head_to_head" in names:
        # head_to_head runs the crackdown as its first half; the trickle still runs alone.
        names = ["across_light" if n == "across" else n for n in names]
    results: list[dict[str, Any]] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as lines:
        for name in names:
            speed = speed_probe_ms()
            ticks = cpu_times()
            started = time.monotonic()
            ran = await chosen[name]()
            speed_info = {"speed_probe_ms": speed, "stolen_pct": stolen_pct(ticks, cpu_times())}
            for result in ran:
                result["wall_s"] = round(time.monotonic() - started, 1)
                result["quick"] = quick
                lines.write(json_line(result, {**machine(), **speed_info}) + "\n")
                lines.flush()
                results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--quick", action="store_true", help="a tiny version of each scenario")
    parser.add_argument("--json", type=Path, default=Path("var/bench/load.jsonl"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    began = time.strftime("%H:%M")
    speed, ticks = speed_probe_ms(), cpu_times()
    results = asyncio.run(run(args.only, args.quick, args.json))
    info = machine()
    print(
        f"\nSquadline load benchmarks, {time.strftime('%Y-%m-%d')} {began} to"
        f" {time.strftime('%H:%M')}: {info['cores']} cores, Python {info['python']},"
        f" load average {info['load']}; speed probe {speed} ms before the run (smaller is"
        f" faster), {shown(stolen_pct(ticks, cpu_times()))} of the cores' time stolen during it"
    )
    table(results, sys.stdout)
    print(
        f"\n{len(results)} results in {time.monotonic() - started:.0f} s; JSON lines in {args.json}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
