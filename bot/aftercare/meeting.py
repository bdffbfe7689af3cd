"""``Meeting``: ``/meeting``, the one-page digest for a meeting with health, legal and
community partners, for the period since the last meeting a lead marked as held.

It is built only from codes and counts: alerts by type and outcome, referrals by category
and state (and the directory's services that turned people away), overdue follow-ups by
their owner's role, and the open legal clocks. No name, no alert's words, no place finer
than a service's name: it can be shown to partners. The same text comes as a document.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.aftercare.lines import category as category_name
from bot.aftercare.model import Category, Reason, ReferralState
from bot.clocks.lines import status_line
from bot.core import Caller, Core, require_lead, require_private, resolve_single_scope
from bot.domain import AlertState, CrisisType, Member, Skill
from bot.intents import (
    Action,
    Attachment,
    Button,
    FileKind,
    Reply,
    Text,
    refuse,
    refusing,
)
from bot.languages import language_of_chat
from bot.messages import listing, moment, render, t
from data import alerts as alerts_q
from data import audit as audit_q
from data import clocks as clocks_q
from data import followups as followups_q
from data import meetings as meetings_q
from data import referrals as referrals_q
from data import services as services_q
from data import squads as squads_q

Line = dict[str, Any]
# The roles overdue follow-ups are counted by, in this order (the keys of their labels).
ROLES = (
    "skill.paralegal",
    "skill.peer",
    "meeting.role_lead",
    "meeting.role_member",
    "meeting.role_nobody",
)


def _counts(counter: Counter[Any], label: Any) -> dict[str, Any]:
    return listing([t("meeting.count", label=label(k), count=n) for k, n in counter.items()])


def owner_role(owner: Member | None) -> str:
    """Which role an overdue task's owner plays: the key of its label."""
    if owner is None:
        return "meeting.role_nobody"
    if Skill.PARALEGAL in owner.skills:
        return "skill.paralegal"
    if Skill.PEER in owner.skills:
        return "skill.peer"
    return "meeting.role_lead" if owner.is_lead else "meeting.role_member"


class Meeting:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.tz = core.settings.timezone

    @refusing
    async def digest(self, caller: Caller) -> Reply:
        """``/meeting``: leads, in private."""
        require_private(caller)
        now = self.core.now()
        async with self.core.store.reading() as db:
            scope = await resolve_single_scope(db, caller)
            require_lead(scope.member)
            squad = scope.squad
            since = await meetings_q.last_meeting_until(db, squad.id)
            if since is None:
                since = await meetings_q.squad_started_at(db, squad.id)
            shown = await self._lines(db, squad.id, squad.name, since, now)
            lang = await language_of_chat(db, caller.user_id, caller.language_code or None)
        text = Text("lines", {"lines": shown})
        day = datetime.fromtimestamp(now, ZoneInfo(self.tz)).date().isoformat()
        document = Attachment(
            FileKind.DOCUMENT,
            f"meeting-{day}.txt",
            (render(text.key, text.params, lang) + "\n").encode("utf-8"),
            caption=Text("meeting.document"),
        )
        held = Button(Text("meeting.held_button"), Action.MEETING_HELD, squad.id, str(int(now)))
        return Reply(text=text, buttons=((held,),), attachments=(document,))

    @refusing
    async def held(self, caller: Caller, squad_id: int, arg: str) -> Reply:
        """**Mark this meeting as held**: the next digest starts where this one ended."""
        if not arg.isdigit() or int(arg) > self.core.now():
            return refuse("button.invalid")
        until = float(arg)
        async with self.core.store.transaction() as db:
            require_lead(await squads_q.member(db, squad_id, caller.user_id))
            since = await meetings_q.last_meeting_until(db, squad_id)
            if since is None:
                since = await meetings_q.squad_started_at(db, squad_id)
            # A digest ends after the last meeting (or the squad's start; the button holds
            # whole seconds): an older end is a stale or forged button.
            if until < int(since) or not await meetings_q.record_meeting(
                db, squad_id, since, until
            ):
                return refuse("meeting.already")
            await audit_q.audit(db, squad_id, caller.user_id, "meeting", None, self.core.now())
        text = Text("meeting.held", {"until": moment(until, self.tz)})
        return Reply(text=text, answer=text)

    async def _lines(
        self, db: aiosqlite.Connection, squad_id: int, name: str, since: float, until: float
    ) -> list[Line]:
        shown: list[Line] = [
            t("meeting.header", squad=name),
            t(
                "meeting.period",
                since=moment(since, self.tz),
                until=moment(until, self.tz),
                tz=self.tz,
            ),
        ]
        shown += await self._alerts(db, squad_id, since, until)
        shown += await self._referrals(db, squad_id, since, until)
        shown += await self._overdue(db, squad_id, until)
        clocks = await clocks_q.legal_clocks_to_show(db, squad_id, until)
        shown.append(t("meeting.clocks") if clocks else t("meeting.clocks_none"))
        shown += [status_line(code, clock, until, self.tz) for code, clock in clocks]
        shown.append(t("meeting.footer"))
        return shown

    async def _alerts(
        self, db: aiosqlite.Connection, squad_id: int, since: float, until: float
    ) -> list[Line]:
        alerts = [
            a for a in await alerts_q.alerts_since(db, squad_id, since) if a.created_at < until
        ]
        if not alerts:
            return [t("meeting.alerts_none")]
        ended: dict[CrisisType, Counter[str]] = {}
        for alert in alerts:
            if alert.state is AlertState.CANCELLED:
                how = "state.cancelled"
            elif alert.state is AlertState.CLOSED and alert.outcome is not None:
                how = f"outcome.{alert.outcome.value}"
            else:
                how = "meeting.still_open"
            ended.setdefault(alert.kind, Counter())[how] += 1
        shown = [t("meeting.alerts")]
        for kind in CrisisType:
            if kind in ended:
                counter = ended[kind]
                shown.append(
                    t(
                        "meeting.alert_type",
                        kind=t(f"crisis.{kind.value}"),
                        count=sum(counter.values()),
                        outcomes=_counts(counter, lambda key: t(key)),
                    )
                )
        return shown

    async def _referrals(
        self, db: aiosqlite.Connection, squad_id: int, since: float, until: float
    ) -> list[Line]:
        """Referrals made in the period, finished in it, or still open."""
        found = [
            r
            for r in await referrals_q.squad_referrals(db, squad_id)
            if r.is_open
            or since <= r.referred_at < until
            or (r.finished_at is not None and since <= r.finished_at < until)
        ]
        if not found:
            return [t("meeting.referrals_none")]
        shown = [t("meeting.referrals")]
        for kind in Category:
            mine = [r for r in found if r.category is kind]
            if mine:
                states = Counter(r.state for r in mine)
                ordered = Counter({s: states[s] for s in ReferralState if states[s]})
                shown.append(
                    t(
                        "meeting.referral_category",
                        category=category_name(kind),
                        count=len(mine),
                        states=_counts(ordered, lambda s: t(f"referral.state.{s.value}")),
                    )
                )
        away = Counter(
            r.service_id
            for r in found
            if r.state is ReferralState.UNSUCCESSFUL and r.reason is Reason.TURNED_AWAY
        )
        if not away:
            shown.append(t("meeting.turned_away_none"))
            return shown
        shown.append(t("meeting.turned_away"))
        for service_id, count in away.most_common():
            service = await services_q.service_by_id(db, service_id) if service_id else None
            if service is None:
                shown.append(t("meeting.turned_away_removed", count=count))
            else:
                shown.append(
                    t(
                        "meeting.turned_away_line",
                        name=service.name,
                        category=category_name(service.category),
                        count=count,
                    )
                )
        return shown

    async def _overdue(self, db: aiosqlite.Connection, squad_id: int, now: float) -> list[Line]:
        tasks = [task for task in await followups_q.open_tasks(db, squad_id) if task.due_at <= now]
        if not tasks:
            return [t("meeting.overdue_none")]
        members = {m.id: m for m in await squads_q.members_of_squad(db, squad_id)}
        count: Counter[str] = Counter()
        codes: dict[str, list[str]] = {}
        for task in tasks:
            role = owner_role(members.get(task.owner_member_id) if task.owner_member_id else None)
            alert = await alerts_q.alert_by_id(db, task.alert_id)
            code = f"#{alert.code}" if alert else "?"
            count[role] += 1
            if code not in codes.setdefault(role, []):
                codes[role].append(code)
        shown = [t("meeting.overdue")]
        for role in ROLES:
            if count[role]:
                shown.append(
                    t(
                        "meeting.overdue_line",
                        role=t(role),
                        count=count[role],
                        codes=listing(codes[role]),
                    )
                )
        return shown
