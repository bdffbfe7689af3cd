"""Who owns a follow-up task.

Follow-up works best when a paralegal or a peer educator is responsible for it. So a task
goes to the responder who met the person, if they are a paralegal or a peer educator;
otherwise to the squad's paralegal or peer educator with the fewest open tasks (someone the
bot can reach in private first). A squad with neither: the responder who met the person,
or else the lead with the fewest open tasks.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.domain import Alert, Member, Skill
from data import followups as followups_q
from data import squads as squads_q

FOLLOWING_SKILLS = frozenset({Skill.PARALEGAL, Skill.PEER})


def follows_up(member: Member) -> bool:
    """A paralegal or a peer educator who responds (approved, not an observer)."""
    return member.is_responder and bool(member.skills & FOLLOWING_SKILLS)


async def met_by(db: aiosqlite.Connection, alert: Alert) -> list[int]:
    """The members who met the person: the alert's owner first, then the rest of its team."""
    found = [alert.owner_member_id] if alert.owner_member_id is not None else []
    for holder in await squads_q.holders_of(db, alert.id):
        if holder.id not in found:
            found.append(holder.id)
    return found


async def choose_owner(
    db: aiosqlite.Connection, squad_id: int, preferred: Sequence[int]
) -> Member | None:
    """The owner of a new task (or of one whose owner left). ``preferred``: the members
    closest to the case, in order (whoever made a referral, then those who met the person)."""
    members = {m.id: m for m in await squads_q.members_of_squad(db, squad_id)}
    closest = [members[i] for i in preferred if i in members]
    for member in closest:
        if follows_up(member):
            return member
    counts = await followups_q.open_counts(db, squad_id)

    def load(m: Member) -> tuple[bool, int, int]:
        return (not m.reachable, counts.get(m.id, 0), m.id)

    able = [m for m in members.values() if follows_up(m)]
    if able:
        return min(able, key=load)
    for member in closest:
        if member.is_responder:
            return member
    leads = [m for m in members.values() if m.is_lead]
    return min(leads, key=load) if leads else None


async def may_own(db: aiosqlite.Connection, squad_id: int) -> list[Member]:
    """Whom an owner can hand a task over to: the squad's paralegals and peer educators, or,
    if it has none, any responder."""
    responders = [m for m in await squads_q.members_of_squad(db, squad_id) if m.is_responder]
    able = [m for m in responders if follows_up(m)]
    return able or responders
