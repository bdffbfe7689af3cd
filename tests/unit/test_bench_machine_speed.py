"""The load benchmarks' readings of how fast the machine was (bench/load/machine_speed.py)."""

from __future__ import annotations

import math
from pathlib import Path

from bench.load.machine_speed import CpuTimes, cpu_times, shown, speed_probe_ms, stolen_pct

# /proc/stat's first line: user nice system idle iowait irq softirq steal guest guest_nice.
BEFORE = "cpu  4379 0 1159 35066 188 0 62 9 120 0\ncpu0 594 0 336 19415 55 0 12 3 0 0\n"
AFTER = "cpu  4879 0 1259 35466 188 0 62 109 220 0\ncpu0 594 0 336 19415 55 0 12 3 0 0\n"


def _stat(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="ascii")
    return path


def test_stolen_time_is_the_steal_column_over_the_first_eight(tmp_path: Path) -> None:
    before = cpu_times(_stat(tmp_path, "a", BEFORE))
    after = cpu_times(_stat(tmp_path, "b", AFTER))
    assert before == CpuTimes(stolen=9, total=4379 + 1159 + 35066 + 188 + 62 + 9)
    # 500 user + 100 system + 400 idle + 100 stolen passed; guest time (in user) is not
    # counted twice.
    assert stolen_pct(before, after) == 9.1


def test_no_reading_gives_nan_not_a_figure(tmp_path: Path) -> None:
    assert cpu_times(tmp_path / "missing") is None
    assert cpu_times(_stat(tmp_path, "old", "cpu  1 2 3 4 5 6 7\n")) is None
    assert cpu_times(_stat(tmp_path, "other", "intr 1 2 3 4 5 6 7 8 9\n")) is None
    assert cpu_times(_stat(tmp_path, "garbled", "cpu  1 2 x 4 5 6 7 8 9\n")) is None
    reading = cpu_times(_stat(tmp_path, "a", BEFORE))
    assert math.isnan(stolen_pct(None, reading))
    assert math.isnan(stolen_pct(reading, reading))
    assert shown(stolen_pct(reading, reading)) == "unknown"


def test_counters_that_make_no_sense_give_nan(tmp_path: Path) -> None:
    """A steal counter reset (a restored or moved machine) would give a share below 0."""
    before = CpuTimes(stolen=500, total=10_000)
    assert math.isnan(stolen_pct(before, CpuTimes(stolen=0, total=11_000)))
    assert math.isnan(stolen_pct(before, CpuTimes(stolen=2_000, total=11_000)))
    assert stolen_pct(before, CpuTimes(stolen=600, total=11_000)) == 10.0
    assert shown(10.0) == "10.0 %"


def test_the_speed_probe_is_a_positive_time_in_milliseconds() -> None:
    assert 0 < speed_probe_ms(rounds=1) < 60_000
