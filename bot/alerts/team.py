"""What follows an alert's team: capabilities such as the legal and medical clocks and the
responders' check-ins watch the team through these hooks, so each lives in its own module
and the lifecycle does not know their rules.

Every hook runs inside the transaction of the change it reports, so what a watcher writes
(its rows, deadlines and messages) commits with that change or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.domain import Alert, Deadline, DeadlineKind, Member
from bot.intents import Button
from data import squads as squads_q


async def team_ids(db: aiosqlite.Connection, alert: Alert) -> set[int]:
    """The alert's team: its slot holders, and its owner."""
    team = {m.id for m in await squads_q.holders_of(db, alert.id)}
    if alert.owner_member_id is not None:
        team.add(alert.owner_member_id)
    return team


async def on_team_or_lead(db: aiosqlite.Connection, alert: Alert, member: Member) -> bool:
    """Who may act on a case beyond its dispatch (its clocks, its referrals): a responder on
    the alert's team, or a lead of its squad."""
    return member.is_responder and (member.is_lead or member.id in await team_ids(db, alert))


@dataclass(frozen=True)
class BriefPart:
    """What a watcher adds to a responder's brief: lines (``bot.messages.t`` values, raw
    numbers and datetimes formatted at render time), and rows of buttons."""

    lines: Sequence[dict[str, Any]] = ()
    buttons: Sequence[tuple[Button, ...]] = field(default_factory=tuple)


class TeamWatcher:
    """Default hooks do nothing; a watcher overrides the ones it needs."""

    # The deadline kinds this watcher fires (each kind belongs to exactly one watcher).
    kinds: frozenset[DeadlineKind] = frozenset()

    async def joined(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        """``member`` took a slot of ``alert`` (accept, claim or assignment)."""

    async def arrived(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        """``member`` pressed Arrived."""

    async def left(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        """``member`` is no longer on the alert's team (removed, blocked, erased)."""

    async def finished(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """The alert was closed or cancelled."""

    async def retyped(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """The alert's crisis type, or when it happened, was set or changed."""

    async def court_date_set(self, db: aiosqlite.Connection, alert: Alert, at: float) -> None:
        """A court date was recorded for the arrest (``at``: the court's opening that day)."""

    async def after_close(
        self, db: aiosqlite.Connection, alert: Alert, member: Member
    ) -> BriefPart:
        """What follows a close in the closing message of ``member``, who closed it: lines,
        and rows of buttons below "Add note". ``alert`` is as it stands after the close."""
        return BriefPart()

    async def brief(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> BriefPart:
        """Lines and buttons for ``member``'s brief, as the case stands now."""
        return BriefPart()

    async def fire(self, db: aiosqlite.Connection, deadline: Deadline, alert: Alert) -> None:
        """One of this watcher's deadlines is due (already claimed: it fires once). ``alert``
        is its alert, read in this transaction after the claim."""

    async def after_fire(self) -> None:
        """After the commit of one of this watcher's firings (a deletion folds the old copies
        of what it deleted out of the database's WAL here)."""
