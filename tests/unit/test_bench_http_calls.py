"""The HTTP client bench runs both clients against its server and prints their figures
(never asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_http_client_bench_prints_both_clients_cpu_per_call() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.http_calls", "--calls", "20", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stdout + done.stderr
    for in_flight, line in zip((1, 8), lines, strict=True):
        assert re.fullmatch(
            rf"{in_flight} in flight: BotApiRequest \d+ µs of CPU a call, "
            r"aiohttp's ClientSession \d+ µs \(\d+\.\d\d×\)",
            line,
        ), line
