"""What /report reads of referrals and follow-up tasks (their tables: data/referrals.py and
data/followups.py): how many referrals were completed, how many follow-ups were done on
time, and each counted case's referral outcomes for the anonymised CSV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class ReferralFigures:
    completed: int  # referrals completed (successful or not) in the period
    followups_on_time: int  # follow-ups that fell due in the period and were done in time
    followups_due: int  # follow-ups that fell due in the period (not called off)


async def referral_figures(
    db: aiosqlite.Connection, squad_id: int, start: float, end: float, grace_s: float
) -> ReferralFigures:
    """Referrals completed in ``[start, end)``, and the follow-ups that fell due then: done
    in time means done before it was overdue (its due time plus ``grace_s``, when the leads
    are paged)."""
    async with db.execute(
        "SELECT count(*) AS completed FROM referrals r JOIN alerts a ON a.id = r.alert_id"
        " WHERE a.squad_id = ? AND r.state IN ('successful', 'unsuccessful')"
        " AND r.finished_at >= ? AND r.finished_at < ?",
        (squad_id, start, end),
    ) as cur:
        referrals = await cur.fetchone()
    async with db.execute(
        "SELECT count(*) AS due,"
        " coalesce(sum(f.state = 'done' AND f.finished_at <= f.due_at + ?), 0) AS on_time"
        " FROM followups f JOIN alerts a ON a.id = f.alert_id"
        " WHERE a.squad_id = ? AND f.state != 'cancelled' AND f.due_at >= ? AND f.due_at < ?",
        (grace_s, squad_id, start, end),
    ) as cur:
        tasks = await cur.fetchone()
    assert referrals is not None and tasks is not None  # an aggregate always has a row
    return ReferralFigures(
        completed=int(referrals["completed"]),
        followups_on_time=int(tasks["on_time"]),
        followups_due=int(tasks["due"]),
    )


async def referral_outcomes(db: aiosqlite.Connection, alert_ids: Sequence[int]) -> dict[int, str]:
    """Each case's referral outcomes as category codes for the CSV: the states of its
    referrals (``referred``, ``attended``, ``successful``, ``unsuccessful``, ``lost``),
    sorted and joined with ``+``. A case with no referral is absent."""
    if not alert_ids:
        return {}
    marks = ", ".join("?" * len(alert_ids))
    async with db.execute(
        f"SELECT alert_id, group_concat(DISTINCT state) AS states FROM referrals"
        f" WHERE alert_id IN ({marks}) GROUP BY alert_id",
        tuple(alert_ids),
    ) as cur:
        rows = await cur.fetchall()
    return {int(r["alert_id"]): "+".join(sorted(r["states"].split(","))) for r in rows}
