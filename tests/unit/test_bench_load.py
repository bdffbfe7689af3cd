"""The load benchmarks (bench/load_bench.py) run: a tiny version of each scenario drives the
real bot subprocess against the fake Bot API server and writes its JSON line and its table.
Figures are printed, never asserted; this only keeps the benchmarks from rotting."""

from __future__ import annotations

import io
import json
import math
import os
import threading
import time
from pathlib import Path

import pytest

from bench import load_bench
from bench.load.machine_speed import cpu_times
from bench.load.report import HEADLINES, family, table
from bench.load.rig import main_thread_cpu_s, process_cpu_s

pytestmark = pytest.mark.timeout(180)

EXPECTED = {
    "burst": {"burst_4"},
    "steady": {"steady"},
    "across": {"across", "across_light"},
    "head_to_head": {"across", "across_ptb_limiter", "head_to_head"},
    "headroom": {"headroom"},
    "deadlines": {"deadlines"},
    "footprint": {"footprint"},
}

# What the README says headroom and the crackdown print of the bot's event loop.
LOOP_FIGURES = {
    "headroom": ("loop_share_pct", "loop_busy_pct", "one_loop_ceiling_per_s"),
    "across": ("loop_busy_pct",),
    "across_light": ("loop_busy_pct",),
    "across_ptb_limiter": ("loop_busy_pct",),
}


@pytest.mark.parametrize("name", load_bench.SCENARIOS)
async def test_each_scenario_runs_small_and_writes_a_json_line_per_result(
    name: str, tmp_path: Path
) -> None:
    out = tmp_path / "load.jsonl"
    results = await load_bench.run([name], quick=True, out=out)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {line["scenario"] for line in lines} == EXPECTED[name]
    assert [line["scenario"] for line in lines] == [r["scenario"] for r in results]
    for line in lines:
        assert line["machine"]["cores"] >= 1 and line["machine"]["python"]
        assert len(line["machine"]["load"]) == 3
        assert line["machine"]["speed_probe_ms"] > 0
        stolen = line["machine"]["stolen_pct"]
        if cpu_times() is None:  # no /proc/stat with a steal column here
            assert math.isnan(stolen)
        else:
            assert 0 <= stolen <= 100
        assert line["quick"] is True
        headlines = HEADLINES[family(line["scenario"])]
        assert any(key in line for key, _, _, _ in headlines), line
        missing = [key for key in LOOP_FIGURES.get(line["scenario"], ()) if key not in line]
        assert not missing, (line["scenario"], missing)
    printed = io.StringIO()
    table(results, printed)
    assert printed.getvalue().splitlines()[0].split() == [
        "scenario",
        "figure",
        "value",
        "target",
        "met",
        "load",
    ]


def test_every_scenario_has_its_headline_figures() -> None:
    assert {family(n) for names in EXPECTED.values() for n in names} == set(HEADLINES)


async def test_across_and_head_to_head_together_run_the_crackdown_once_and_the_trickle_too(
    tmp_path: Path,
) -> None:
    """``make bench`` runs every scenario: head_to_head's first half is the crackdown, so it is
    not run twice, and the trickle still runs."""
    results = await load_bench.run(["across", "head_to_head"], quick=True, out=tmp_path / "l")
    assert [r["scenario"] for r in results] == [
        "across_light",
        "across",
        "across_ptb_limiter",
        "head_to_head",
    ]


def test_an_offer_counts_as_behind_routine_only_once_its_own_chat_let_it_go() -> None:
    """The across figure "offers that waited behind a routine answer": an answer that took
    the overall limit's slot while the offer's own chat still held it (a member's second
    offer within the second) is no overtaking; one after the chat freed, with the budget
    full, is; with room in the budget, nothing waited."""
    from bench.load.across import Waited, _overtaken

    full = [10.0 + i * 0.03 for i in range(40)]  # 30+ sends in every second up to 11.2
    offer = Waited(queued=10.0, chat_free=10.6, took=11.0, arrived=11.01)
    assert _overtaken([offer], [10.3], full) == 0  # its chat was held: Telegram's limit
    assert _overtaken([offer], [10.3, 10.8], full) == 1  # its chat was free, budget full
    assert _overtaken([offer], [11.05], full) == 0  # after the offer took its slot
    sparse = [10.0, 10.5, 11.0]
    assert _overtaken([offer], [10.8], sparse) == 0  # room in the budget: no waiting


def test_an_answer_in_the_second_before_an_offers_chat_frees_is_counted_beside() -> None:
    """The slot an answer took 0.3 s before the offer's chat freed is still in Telegram's
    one-second window when it frees: with the budget full, the offer did not go then, and
    that is counted beside the overtaking (no slot is kept ahead for a queued offer)."""
    from bench.load.across import Waited, _answered_before_chat_freed

    full = [9.0 + i * 0.03 for i in range(80)]  # 30+ sends in every second to 11.37
    offer = Waited(queued=10.0, chat_free=10.6, took=11.0, arrived=11.01)
    assert _answered_before_chat_freed([offer], [10.3], full) == 1
    assert _answered_before_chat_freed([offer], [9.9], full) == 0  # before it was queued
    assert _answered_before_chat_freed([offer], [10.8], full) == 0  # after: overtaking
    went_at_once = Waited(queued=10.0, chat_free=10.6, took=10.6, arrived=10.61)
    assert _answered_before_chat_freed([went_at_once], [10.3], full) == 0
    assert _answered_before_chat_freed([offer], [10.3], [10.0, 10.5, 11.0]) == 0


def test_the_main_threads_cpu_leaves_out_what_other_threads_spent() -> None:
    """Headroom's event-loop figures read the bot's main thread alone: CPU another thread
    burned counts in the process's total, not in the main thread's."""
    pid = os.getpid()
    process_before, main_before = process_cpu_s(pid), main_thread_cpu_s(pid)

    def burn() -> None:
        until = time.thread_time() + 0.3
        while time.thread_time() < until:
            pass

    worker = threading.Thread(target=burn)
    worker.start()
    worker.join()
    process = process_cpu_s(pid) - process_before
    main = main_thread_cpu_s(pid) - main_before
    assert process - main >= 0.2, (process, main)
    assert math.isnan(main_thread_cpu_s(2**22 + 1))  # above Linux's largest pid
