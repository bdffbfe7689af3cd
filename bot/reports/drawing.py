"""The report's charts, drawn in a short-lived child process (``python -m bot.reports.charts``).

matplotlib takes about 70 MB once it has drawn, and a chart about a third of a second of
CPU. In a child process that ends with the report, that memory never stays with the bot,
and the drawing never holds the event loop that dispatches alerts. The child gets counts
only (weeks, counts per type, minutes to acknowledge, violations by perpetrator), as JSON
on its stdin, and nothing that names a person, a place or an alert.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.domain import CrisisType
from bot.records.model import Perpetrator, Violation

log = logging.getLogger(__name__)

# A child that has not answered by then is stopped; the report then goes without charts.
TIMEOUT_S = 60.0


class DrawingFailed(Exception):
    """The child process did not give its charts (it failed, or took too long)."""


def job(
    weeks: Sequence[datetime],
    series: Mapping[CrisisType, Sequence[int]],
    ack_minutes: Sequence[float],
    violations: Mapping[Violation, Mapping[Perpetrator, int]],
    lang: str,
) -> dict[str, Any]:
    """What the child draws, as plain JSON values."""
    return {
        "lang": lang,
        "weeks": [w.isoformat() for w in weeks],
        "series": {str(k): list(v) for k, v in series.items()},
        "ack_minutes": list(ack_minutes),
        "violations": {
            str(v): {str(p): n for p, n in row.items()} for v, row in violations.items()
        },
    }


async def draw(drawing: dict[str, Any], timeout_s: float = TIMEOUT_S) -> list[bytes]:
    """The charts for ``drawing`` (see ``job``) as PNG bytes: the activity chart, then the
    violations chart when there are violations to draw."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.reports.charts",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(
            child.communicate(json.dumps(drawing).encode()), timeout_s
        )
    except TimeoutError as exc:
        child.kill()
        await child.wait()
        raise DrawingFailed("timed out") from exc
    if child.returncode != 0:
        # Only the exit code and the error's size: what it printed stays out of the log.
        log.warning(
            "drawing the report's charts failed (exit %s, %d bytes on stderr)",
            child.returncode, len(err),
        )  # fmt: skip
        raise DrawingFailed(f"exit {child.returncode}")
    return _unpack(out)


def _unpack(out: bytes) -> list[bytes]:
    pngs, at = [], 0
    while at + 4 <= len(out):
        (size,) = struct.unpack(">I", out[at : at + 4])
        pngs.append(out[at + 4 : at + 4 + size])
        at += 4 + size
    if at != len(out) or not pngs:
        raise DrawingFailed("malformed output")
    return pngs
