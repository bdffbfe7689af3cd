"""Ranking of candidates for an alert. Pure: no I/O, no clock of its own."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from bot.domain import Availability, Location, Member, is_fresh
from bot.geo import Point, distance_m


@dataclass(frozen=True)
class Candidate:
    member: Member
    distance_m: float | None  # None: no location known, or the alert has none
    fresh: bool  # location younger than the TTL
    location_age_s: float | None


def is_candidate(member: Member, reporter_user_id: int, tried: Collection[int]) -> bool:
    """A responder (not an observer) who is available, reachable in private, not the
    reporter, and not yet tried for this alert."""
    return (
        member.is_responder
        and member.availability is Availability.AVAILABLE
        and member.reachable
        and member.user_id != reporter_user_id
        and member.id not in tried
    )


def rank_candidates(
    members: Iterable[Member],
    locations: Mapping[int, Location],
    alert_point: Point | None,
    *,
    reporter_user_id: int,
    tried: Collection[int],
    now: float,
    ttl_s: float,
    engaged: Collection[int] | Mapping[int, int] = (),
) -> list[Candidate]:
    """Order candidates: fresh locations first, then stale, then unknown; nearest first.

    A member in ``engaged`` (member ids: holding a live offer for another alert, with how
    many when it is a mapping) ranks after every free member, and the more engaged after
    the less, so that in a burst offers spread evenly across the squad instead of piling
    onto the one member nearest to everything (each private chat takes one message a
    second). ``locations`` is keyed by Telegram
    user id. Ties break on member id so the order is stable.
    """
    ranked: list[Candidate] = []
    for member in members:
        if not is_candidate(member, reporter_user_id, tried):
            continue
        loc = locations.get(member.user_id)
        if loc is None:
            ranked.append(Candidate(member, None, False, None))
            continue
        age = max(0.0, now - loc.at)
        fresh = is_fresh(loc, now, ttl_s)
        dist = distance_m(alert_point, Point(loc.lat, loc.lon)) if alert_point else None
        ranked.append(Candidate(member, dist, fresh, age))

    load = engaged if isinstance(engaged, Mapping) else dict.fromkeys(engaged, 1)

    def key(c: Candidate) -> tuple[int, int, float, int]:
        if c.location_age_s is None:
            tier = 2
        else:
            tier = 0 if c.fresh else 1
        distance = c.distance_m if c.distance_m is not None else float("inf")
        return (load.get(c.member.id, 0), tier, distance, c.member.id)

    ranked.sort(key=key)
    return ranked
