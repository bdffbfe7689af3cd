"""Ranking: distance, fresh before stale, unknown last, and who is excluded."""

from __future__ import annotations

from bot.dispatch import rank_candidates
from bot.domain import Availability, Location, Member, Role
from bot.geo import Point

NOW = 1_800_000_000.0
TTL = 12 * 3600
ALERT = Point(-26.2041, 28.0473)


def member(
    mid: int, *, availability: Availability = Availability.AVAILABLE, reachable: bool = True
) -> Member:
    return Member(
        id=mid, squad_id=1, user_id=1000 + mid, alias=f"m{mid}", role=Role.MEMBER,
        availability=availability, private_chat_id=1000 + mid if reachable else None, joined_at=0,
    )  # fmt: skip


def at(dlat: float, age: float = 60) -> Location:
    return Location(ALERT.lat + dlat, ALERT.lon, NOW - age)


def rank(members: list[Member], locations: dict[int, Location], **kw: object) -> list[int]:
    result = rank_candidates(
        members, locations, ALERT, reporter_user_id=kw.get("reporter", 0),  # type: ignore[arg-type]
        tried=kw.get("tried", set()), now=NOW, ttl_s=TTL,  # type: ignore[arg-type]
    )  # fmt: skip
    return [c.member.id for c in result]


def test_nearest_first() -> None:
    ms = [member(1), member(2), member(3)]
    locs = {1001: at(0.02), 1002: at(0.004), 1003: at(0.01)}
    assert rank(ms, locs) == [2, 3, 1]


def test_fresh_location_beats_a_nearer_stale_one() -> None:
    ms = [member(1), member(2)]
    locs = {1001: at(0.001, age=TTL + 1), 1002: at(0.05)}
    assert rank(ms, locs) == [2, 1]


def test_live_location_counts_as_fresh_even_when_old() -> None:
    ms = [member(1), member(2)]
    live = Location(ALERT.lat + 0.001, ALERT.lon, NOW - TTL - 10, live_until=NOW + 60)
    assert rank(ms, {1001: live, 1002: at(0.05)}) == [1, 2]


def test_members_without_location_come_last() -> None:
    ms = [member(1), member(2), member(3)]
    locs = {1002: at(0.03, age=TTL * 2)}
    assert rank(ms, locs) == [2, 1, 3]


def test_excluded_members() -> None:
    ms = [
        member(1, availability=Availability.BUSY),
        member(2, availability=Availability.OFF),
        member(3, reachable=False),
        member(4),  # the reporter
        member(5),  # already tried
        member(6),
    ]
    locs = {1000 + i: at(0.001 * i) for i in range(1, 7)}
    assert rank(ms, locs, reporter=1004, tried={5}) == [6]


def test_distance_is_geodesic_metres() -> None:
    result = rank_candidates(
        [member(1)], {1001: at(0.0036)}, ALERT, reporter_user_id=0, tried=(), now=NOW, ttl_s=TTL
    )
    assert 390 < (result[0].distance_m or 0) < 410


def test_no_alert_location_means_no_distance() -> None:
    result = rank_candidates(
        [member(1)], {1001: at(0.0036)}, None, reporter_user_id=0, tried=(), now=NOW, ttl_s=TTL
    )
    assert result[0].distance_m is None


def test_a_member_holding_a_live_offer_ranks_after_every_free_member() -> None:
    """Spreading: in a burst, the second alert goes to the next member, not to the one
    already deciding about the first."""
    ms = [member(1), member(2)]
    locs = {1001: at(0.001), 1002: at(0.05)}
    assert rank(ms, locs) == [1, 2]
    busy = rank_candidates(
        ms, locs, ALERT, reporter_user_id=0, tried=(), now=NOW, ttl_s=TTL, engaged={1}
    )
    assert [c.member.id for c in busy] == [2, 1], "the engaged member is still a candidate, last"


def test_among_engaged_members_the_least_engaged_ranks_first() -> None:
    """A raid bigger than the squad: everyone holds an offer, so the next goes to whoever
    holds the fewest (each private chat takes one message a second), not the nearest."""
    ms = [member(1), member(2), member(3)]
    locs = {1001: at(0.001), 1002: at(0.02), 1003: at(0.05)}
    ranked = rank_candidates(
        ms, locs, ALERT, reporter_user_id=0, tried=(), now=NOW, ttl_s=TTL,
        engaged={1: 3, 2: 2, 3: 1},
    )  # fmt: skip
    assert [c.member.id for c in ranked] == [3, 2, 1]
