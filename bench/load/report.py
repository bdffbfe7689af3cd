"""The load benchmarks' results: one JSON line per scenario for machines, a table for people.

Each scenario's headline figures are listed in ``HEADLINES``: (the key in its JSON, what it
is, its target, and whether a smaller figure is better).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any, TextIO

Headline = tuple[str, str, float | None, bool]

# How busy the bot's event loop (one thread, so one core) was: headroom and the crackdown.
LOOP_BUSY: Headline = (
    "loop_busy_pct",
    "bot's event loop busy until every offer was out (%)",
    None,
    False,
)

ACROSS: list[Headline] = [
    ("budget_use", "outbound budget used", 0.95, False),
    ("all_offers_s", "every offer out after (s)", None, True),
    ("all_offers_floor_s", "least the limits allow (s)", None, True),
    ("urgent_p50_ms", "urgent (offer) delay p50 (ms)", None, True),
    ("urgent_p95_ms", "urgent (offer) delay p95 (ms)", None, True),
    ("routine_p95_ms", "routine (/status, /help) delay p95 (ms)", None, True),
    ("urgent_overtaken_by_routine", "offers that waited behind a routine answer", 0.0, True),
    ("answers_before_chat_freed", "  offers an answer held as their chat freed", None, True),
    ("later_answer_first", "  offers after a later update's answer", None, True),
    ("responses_429", "429s", 0.0, True),
    LOOP_BUSY,
]

HEADLINES: dict[str, list[Headline]] = {
    "burst": [
        ("all_visible_s", "every alert visible in the group (s)", 10.0, True),
        ("offer_p50_ms", "/alert -> offer p50 (ms)", None, True),
        ("offer_p95_ms", "/alert -> offer p95 (ms)", None, True),
        ("offer_max_ms", "/alert -> offer max (ms)", 3000.0, True),
        ("offer_floor_s", "least the private limit allows (s)", None, True),
        ("group_messages", "group messages sent", None, True),
        ("responses_429", "429s", 0.0, True),
    ],
    "steady": [
        ("p50_ms", "update handed out -> offer p50 (ms)", None, True),
        ("p95_ms", "p95 (ms)", None, True),
        ("p99_ms", "p99 (ms)", 50.0, True),
        ("responses_429", "429s", 0.0, True),
    ],
    "across": ACROSS,
    "across_light": [
        ("budget_use", "outbound budget used (the demand: under the limits)", None, False),
        *ACROSS[1:],
    ],
    "head_to_head": [
        ("all_offers_s_ptb", "PTB AIORateLimiter: every offer out after (s)", None, True),
        ("all_offers_ratio", "  ratio PTB / Squadline", None, False),
        ("urgent_p95_ms_ptb", "PTB AIORateLimiter: urgent delay p95 (ms)", None, True),
        ("urgent_p95_ratio", "  ratio PTB / Squadline", None, False),
        ("responses_429_ptb", "PTB AIORateLimiter: 429s", None, True),
    ],
    "headroom": [
        ("stored_and_offered_per_s", "alerts stored and offered per second", 300.0, False),
        ("offers_delivered_per_s", "offers delivered per second", None, False),
        ("bot_cpu_ms_per_alert", "bot CPU per alert (ms)", None, True),
        ("calls_per_alert", "Bot API calls per alert, until the last offer", None, True),
        ("per_bot_cpu_s", "alerts per second of bot CPU", 300.0, False),
        ("loop_share_pct", "share of the bot's CPU on its event loop (%)", None, False),
        LOOP_BUSY,
        ("one_loop_ceiling_per_s", "most the event loop's one core allows (per s)", None, False),
        (
            "harness_cpu_ms_per_alert",
            "fake server and load generator CPU per alert (ms)",
            None,
            True,
        ),
        ("two_core_ceiling_per_s", "most 2 cores allow, bot and harness busy (per s)", None, False),
    ],
    "deadlines": [
        ("late_p50_ms", "lateness p50 (ms)", None, True),
        ("late_p99_ms", "lateness p99 (ms)", 1000.0, True),
        ("restart_all_fired_after_first_poll_s", "restart: all overdue fired after (s)", 2.0, True),
        ("restart_first_poll_after_start_s", "restart: start to first poll (s)", None, True),
        ("restart_each_once", "restart: each fired exactly once", None, False),
    ],
    "footprint": [
        ("rss_mb", "resident memory (MB)", 150.0, True),
        ("start_to_first_poll_s", "start to first getUpdates (s)", 2.0, True),
        ("status_p95_ms", "/status p95 (ms)", 300.0, True),
        ("report_p95_ms", "/report p95, until its summary (ms)", 300.0, True),
        ("db_mb_per_1000_closed_alerts", "database MB per 1,000 closed alerts", None, True),
        ("auditor_pass_ms", "the auditor's pass over the history, nothing due (ms)", None, True),
    ],
}


def family(scenario: str) -> str:
    if scenario.startswith("burst_"):
        return "burst"
    if scenario == "across_ptb_limiter":
        return "across"
    return scenario


def met(value: Any, target: float | None, smaller: bool) -> str:
    if target is None or not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "?"
    return "yes" if (value <= target if smaller else value >= target) else "NO"


def table(results: Iterable[dict[str, Any]], out: TextIO) -> None:
    rows = [("scenario", "figure", "value", "target", "met", "load")]
    for result in results:
        name = result["scenario"]
        load = result.get("load")
        load_text = str(load[-1] if isinstance(load, list) else load or "")
        for key, label, target, smaller in HEADLINES.get(family(name), []):
            if key not in result:
                continue
            value = result[key]
            shown = f"{value:.3g}" if isinstance(value, float) and abs(value) < 10 else str(value)
            rows.append(
                (
                    name,
                    label,
                    shown,
                    "" if target is None else ("<= " if smaller else ">= ") + f"{target:g}",
                    met(value, target, smaller),
                    load_text,
                )
            )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.write("\n")
        if i == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def json_line(result: dict[str, Any], machine: dict[str, Any]) -> str:
    return json.dumps({**result, "machine": machine}, ensure_ascii=False, default=str)
