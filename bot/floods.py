"""Alert floods from one person: duplicates merge, non-members are capped, blocks hold.

A pure decision, taken when an alert is raised. A real raid is many people raising one
alert each, and each of those is dispatched at once; one person raising alert after
alert is either saying more about the same emergency (merged), or flooding the squad
(held for a lead, who can Dispatch or Dismiss, so no real emergency is lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import Alert
from bot.geo import Point, distance_m


class HoldReason(StrEnum):
    BLOCKED = "blocked"
    OVER_CAP = "over_cap"


@dataclass(frozen=True)
class Merge:
    """Add to this open alert instead of making a new one."""

    alert: Alert


@dataclass(frozen=True)
class Hold:
    """Store the alert, but let a lead decide whether it is dispatched."""

    reason: HoldReason


@dataclass(frozen=True)
class FloodRules:
    window_s: float
    radius_m: float
    nonmember_cap: int


def decide(
    open_alerts: Sequence[Alert],
    point: Point | None,
    *,
    is_member: bool,
    blocked: bool,
    now: float,
    rules: FloodRules,
) -> Merge | Hold | None:
    """``open_alerts``: the reporter's open alerts in this squad. ``None``: dispatch as usual."""
    for alert in sorted(open_alerts, key=lambda a: a.created_at, reverse=True):
        if now - alert.created_at >= rules.window_s:
            continue
        if point is None or alert.lat is None or alert.lon is None:
            return Merge(alert)
        if distance_m(point, Point(alert.lat, alert.lon)) <= rules.radius_m:
            return Merge(alert)
    if blocked:
        return Hold(HoldReason.BLOCKED)
    if not is_member and len(open_alerts) >= rules.nonmember_cap:
        return Hold(HoldReason.OVER_CAP)
    return None
