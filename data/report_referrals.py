"""The seam for referrals in /report (issue 12 builds referrals; issue 13 only reads them).

Until referrals land these return "not recorded": the summary says so, and the CSV's
``referral_outcome`` column is empty. Fill both functions from the referrals tables (states
referred, attended, completed successful or not, lost) when they are merged; nothing else
in the report needs to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class ReferralFigures:
    """``None``: not recorded (no referrals yet in this build)."""

    completed: int | None = None  # referrals completed (successful or not) in the period
    followups_on_time: int | None = None  # follow-ups done by their due time
    followups_due: int | None = None  # follow-ups that fell due in the period


async def referral_figures(
    db: aiosqlite.Connection, squad_id: int, start: float, end: float
) -> ReferralFigures:
    """Referrals completed and follow-ups done on time in ``[start, end)``. Filled once
    referrals (issue 12) land."""
    return ReferralFigures()


async def referral_outcomes(db: aiosqlite.Connection, alert_ids: Sequence[int]) -> dict[int, str]:
    """Each case's referral outcome, as a category code for the CSV (e.g. ``completed``,
    ``lost``); a case with no referral is absent. Filled once referrals (issue 12) land."""
    return {}
