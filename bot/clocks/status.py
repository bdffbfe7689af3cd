"""``/status``'s lines about the clocks: the legal clocks still running, with time left."""

from __future__ import annotations

from typing import Any

import aiosqlite

from bot.clocks.lines import status_line
from bot.config import Settings
from bot.messages import t
from data import clocks as clocks_q


async def status_lines(
    db: aiosqlite.Connection, squad_id: int, now: float, settings: Settings
) -> list[Any]:
    """Every legal clock of the squad not marked yet (or with a court date to come), soonest
    first; nothing when there is none."""
    shown = await clocks_q.legal_clocks_to_show(db, squad_id, now)
    if not shown:
        return []
    return [t("clock.status.header")] + [
        status_line(code, clock, now, settings.timezone) for code, clock in shown
    ]
