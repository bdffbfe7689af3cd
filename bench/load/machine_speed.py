"""How fast the machine was while a scenario ran, so figures from different hours can be
told apart: a slow hour of the machine from a slower change.

The same code runs at very different speeds on this project's machine at different hours
(headroom's fake server and load generator, code no change touches, spent 0.58 ms of CPU
per alert on one hour and 1.74 ms on another). Two readings go with every JSON line:

- ``speed_probe_ms``: the median of five timings of one fixed piece of pure-Python work,
  taken just before the scenario starts, while nothing else of the benchmark runs. Smaller
  is faster; it means something only beside another run's, on the same Python.
- ``stolen_pct``: the share of all the cores' time during the scenario that the
  hypervisor gave to other machines (the ``steal`` column of ``/proc/stat``), where the
  kernel reports it. No time stolen does not mean a fast hour: on a busier or slower host
  the same work takes longer without any of it counted as stolen.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

PROC_STAT = Path("/proc/stat")


def _work() -> int:
    """Fixed work of the kind the bot does most: small dicts, f-strings, calls, branches."""
    total = 0
    for i in range(100_000):
        row = {"id": i, "text": f"alert {i}", "open": i % 3 != 0}
        total += len(row["text"]) if row["open"] else row["id"] % 7
    return total


def speed_probe_ms(rounds: int = 5) -> float:
    """The median of ``rounds`` wall-clock timings of ``_work``, in milliseconds."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        _work()
        timings.append(time.perf_counter() - started)
    return round(statistics.median(timings) * 1000, 1)


@dataclass(frozen=True)
class CpuTimes:
    """All the cores' time since boot, and the part of it stolen, in clock ticks."""

    stolen: int
    total: int


def cpu_times(stat: Path = PROC_STAT) -> CpuTimes | None:
    """The first line of ``/proc/stat``; None where it cannot be read or has no ``steal``
    column (a kernel older than 2.6.11, or not Linux)."""
    try:
        with stat.open(encoding="ascii") as lines:
            fields = lines.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is
    # already counted in user and nice, so only the first eight make the total.
    try:
        ticks = [int(x) for x in fields[1:9]]
    except ValueError:
        return None
    return CpuTimes(stolen=ticks[7], total=sum(ticks))


def stolen_pct(before: CpuTimes | None, after: CpuTimes | None) -> float:
    """The share of the cores' time between two readings that was stolen; NaN where either
    reading is missing, no time passed, or the counters make no sense (a share outside 0
    to 100 %, as a counter reset by a restored or moved machine would give)."""
    if before is None or after is None or after.total <= before.total:
        return math.nan
    share = 100 * (after.stolen - before.stolen) / (after.total - before.total)
    return round(share, 1) if 0 <= share <= 100 else math.nan


def shown(pct: float) -> str:
    """A share for people: ``12.3 %``, or ``unknown`` for NaN."""
    return "unknown" if math.isnan(pct) else f"{pct} %"
