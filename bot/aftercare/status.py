"""``/status``'s lines about what follows the call: open referrals by category (and how
many are overdue), and the follow-ups open and overdue.

A referral is overdue when it is still "referred" (nobody has said whether the person got
there) later than its check's time plus ``SQUADLINE_FOLLOWUP_GRACE`` after it was made
(3 days and 1 day by default). One that reached the service is not overdue: a service may
take weeks. A task is overdue once its due time has passed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiosqlite

from bot.aftercare.lines import category
from bot.aftercare.model import OPEN_REFERRAL_STATES, Category, Referral, ReferralState, Rule
from bot.aftercare.rules import default_offset, offsets
from bot.config import Settings
from bot.messages import listing, t
from data import followups as followups_q
from data import referrals as referrals_q


def overdue_after(settings: Settings, changed: dict[Rule, float | None]) -> float:
    """How long a referral may stay "referred" before it counts as overdue."""
    check = offsets(settings, changed)[Rule.REFERRAL]
    if check is None:  # the squad switched its check off: the default still measures it
        check = default_offset(settings, Rule.REFERRAL)
    return check + settings.followup_grace.total_seconds()


def is_overdue(referral: Referral, now: float, after: float) -> bool:
    return referral.state is ReferralState.REFERRED and referral.referred_at + after < now


async def status_lines(
    db: aiosqlite.Connection, squad_id: int, now: float, settings: Settings
) -> list[Any]:
    """Nothing when the squad has no open referral and no open follow-up."""
    shown: list[Any] = []
    referrals = await referrals_q.squad_referrals(db, squad_id, OPEN_REFERRAL_STATES)
    if referrals:
        after = overdue_after(settings, await followups_q.changed_rules(db, squad_id))
        kinds = Counter(r.category for r in referrals)
        counts = [
            t("status.referral_count", category=category(k), count=kinds[k])
            for k in Category
            if kinds[k]
        ]
        overdue = sum(1 for r in referrals if is_overdue(r, now, after))
        shown.append(t("status.referrals", counts=listing(counts), overdue=overdue))
    tasks = await followups_q.open_tasks(db, squad_id)
    if tasks:
        late = sum(1 for task in tasks if task.due_at <= now)
        shown.append(t("status.followups", open=len(tasks), overdue=late))
    return shown
