"""``Followups``: follow-up tasks from rules, as a watcher of the alert's team.

A closed alert gets its tasks at the close (a check on the person; after a sexual assault
the PEP course and three HIV tests), an arrest its court-date task when a court date is
recorded, a referral its check when it is made. Each task has an owner (``owners``). When
it falls due, its owner gets a private reminder with Done, Could not reach, Snooze and Hand
over; still open ``SQUADLINE_FOLLOWUP_GRACE`` after that, the leads are paged, once. Both
are deadline rows (kinds ``followup`` and ``followup_late``, ``ref_id`` the task): they
survive a restart, fire once and re-read the task when they fire. A reminder sent about a
finished alert is not linked to it, so the close's phone clean-up leaves it alone.
"""

from __future__ import annotations

import logging
from typing import Any

import aiosqlite

from bot.aftercare import lines, owners
from bot.aftercare.model import Referral, Rule, Task, TaskState
from bot.aftercare.rules import SPEC, Counts, at_close, offsets
from bot.alerts import Alerts
from bot.alerts.team import BriefPart, TeamWatcher
from bot.clocks.model import ClockKind, Mark
from bot.core import Core
from bot.domain import Alert, AlertState, Deadline, DeadlineKind, Member, Outcome
from bot.intents import Action, Button, Intent, MessageRole, Op, Priority, Text
from bot.messages import format_age, moment, t
from data import alerts as alerts_q
from data import clocks as clocks_q
from data import deadlines as deadlines_q
from data import followups as followups_q
from data import referrals as referrals_q
from data import services as services_q
from data import squads as squads_q

log = logging.getLogger("bot.aftercare")

KINDS = (DeadlineKind.FOLLOWUP, DeadlineKind.FOLLOWUP_LATE)
# Outcomes that are a referral: the closing message offers to make it.
REFERRAL_OUTCOMES = (Outcome.HEALTH, Outcome.LEGAL)
# A medical mark that makes the PEP-course task pointless.
NO_PEP = (Mark.DECLINED, Mark.NOT_NEEDED, Mark.ENDED)


def stopped(alert: Alert) -> bool:
    """Cancelled, or closed as a false alarm: its rule tasks end."""
    return alert.state is AlertState.CANCELLED or alert.outcome is Outcome.FALSE_ALARM


class Followups(TeamWatcher):
    kinds = frozenset(KINDS)

    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.core = core
        self.alerts = alerts
        self.settings = core.settings
        self.tz = self.settings.timezone

    # -- the team-watcher hooks ---------------------------------------------------------

    async def finished(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """Closed: the rule tasks are made. Cancelled or a false alarm: they end."""
        fresh = await alerts_q.alert_by_id(db, alert.id)
        if fresh is None:
            return
        now = self.core.now()
        if stopped(fresh):
            for task_id in await followups_q.cancel_open(db, fresh.id, now):
                await self._unschedule(db, task_id)
            return
        rules = at_close(fresh)
        if Rule.PEP in rules and await self._pep_not_taken(db, fresh):
            rules = tuple(r for r in rules if r is not Rule.PEP)
        for rule in rules:
            base = fresh.closed_at if SPEC[rule].counts is Counts.CLOSE else fresh.happened_at
            assert base is not None
            await self.add(db, fresh, rule, base)

    async def court_date_set(self, db: aiosqlite.Connection, alert: Alert, at: float) -> None:
        """The court-date task: made, moved to the new date, or opened again (a hearing
        postponed after the last one was followed up)."""
        if stopped(alert) or alert.linked_alert_id is not None:
            return
        task = await followups_q.task_for(db, alert.id, Rule.COURT)
        if task is None:
            await self.add(db, alert, Rule.COURT, at)
            return
        offset = await self._offset(db, alert.squad_id, Rule.COURT)
        if offset is None:
            return
        await followups_q.reopen_at(db, task.id, at + offset)
        await self.schedule(db, task.id)

    async def after_close(
        self, db: aiosqlite.Connection, alert: Alert, member: Member
    ) -> BriefPart:
        """The closer hears who will check on the person, and when; a referral outcome gets
        a button to make the referral."""
        shown: list[dict[str, Any]] = []
        check = await followups_q.task_for(db, alert.id, Rule.CHECK)
        if check is not None and check.is_open:
            owner = await self._owner(db, check)
            if owner is not None:
                when = moment(check.due_at, self.tz)
                shown.append(t("close.followup_check", alias=owner.alias, when=when))
        if alert.outcome not in REFERRAL_OUTCOMES or alert.drill:  # a drill refers nobody
            return BriefPart(lines=shown)
        shown.append(t("close.refer_hint", code=alert.code))
        button = Button(Text("button.refer"), Action.REFER, alert.id)
        return BriefPart(lines=shown, buttons=((button,),))

    async def fire(self, db: aiosqlite.Connection, deadline: Deadline, alert: Alert) -> None:
        if deadline.ref_id is None:
            return
        task = await followups_q.task_by_id(db, deadline.ref_id)
        if task is None or not task.is_open:
            return
        now = self.core.now()
        if deadline.kind is DeadlineKind.FOLLOWUP:
            if task.due_at <= now:  # a snoozed task keeps only its newest reminder
                await self.remind(db, task)
        elif task.due_at + self.settings.followup_grace.total_seconds() <= now:
            await self._page_overdue(db, task)

    # -- making and timing tasks ---------------------------------------------------------

    async def _offset(self, db: aiosqlite.Connection, squad_id: int, rule: Rule) -> float | None:
        changed = await followups_q.changed_rules(db, squad_id)
        return offsets(self.settings, changed)[rule]

    async def add(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        rule: Rule,
        base: float,
        referral: Referral | None = None,
    ) -> Task | None:
        """A task for ``rule``, due its offset after ``base``, unless the squad switched the
        rule off or the case has it already."""
        offset = await self._offset(db, alert.squad_id, rule)
        if offset is None:
            return None
        preferred = await owners.met_by(db, alert)
        if referral is not None and referral.made_by is not None:
            preferred = [referral.made_by, *[m for m in preferred if m != referral.made_by]]
        owner = await owners.choose_owner(db, alert.squad_id, preferred)
        now = self.core.now()
        task_id = await followups_q.add_task(
            db,
            alert.id,
            rule,
            owner.id if owner else None,
            base + offset,
            now,
            referral_id=referral.id if referral else None,
        )
        if task_id is None:
            return None
        await self.schedule(db, task_id)
        log.info("alert %s: follow-up %s (%s) made", alert.code, task_id, rule.value)
        return await followups_q.task_by_id(db, task_id)

    async def schedule(self, db: aiosqlite.Connection, task_id: int) -> None:
        """The task's reminder at its due time, and its overdue page a grace later, afresh."""
        task = await followups_q.task_by_id(db, task_id)
        assert task is not None
        await self._unschedule(db, task.id)
        if not task.is_open:
            return
        await deadlines_q.add_deadline(
            db, DeadlineKind.FOLLOWUP, task.alert_id, task.due_at, ref_id=task.id
        )
        if task.leads_paged_at is None:
            late = task.due_at + self.settings.followup_grace.total_seconds()
            await deadlines_q.add_deadline(
                db, DeadlineKind.FOLLOWUP_LATE, task.alert_id, late, ref_id=task.id
            )

    async def _unschedule(self, db: aiosqlite.Connection, task_id: int) -> None:
        now = self.core.now()
        for kind in KINDS:
            await deadlines_q.cancel_ref_deadlines(db, kind, task_id, now)

    async def _pep_not_taken(self, db: aiosqlite.Connection, alert: Alert) -> bool:
        """PEP was declined or not needed: there is no course to complete."""
        clocks = await clocks_q.clocks_of(db, alert.id)
        return any(c.kind is ClockKind.PEP and c.mark in NO_PEP for c in clocks)

    # -- reminders and pages ---------------------------------------------------------------

    async def _owner(self, db: aiosqlite.Connection, task: Task) -> Member | None:
        if task.owner_member_id is None:
            return None
        return await squads_q.member_by_id(db, task.owner_member_id)

    async def ensure_owner(self, db: aiosqlite.Connection, task: Task) -> Member | None:
        """The task's owner; one who left the squad (or can no longer respond) is replaced
        by the rule."""
        owner = await self._owner(db, task)
        if owner is not None and owner.is_responder:
            return owner
        alert = await alerts_q.alert_by_id(db, task.alert_id)
        assert alert is not None
        chosen = await owners.choose_owner(db, alert.squad_id, await owners.met_by(db, alert))
        if chosen is not None and await followups_q.set_owner(db, task.id, chosen.id):
            return chosen
        return None

    async def remind(
        self, db: aiosqlite.Connection, task: Task, *, by: Member | None = None
    ) -> None:
        """The private reminder to the task's owner (``by``: a member who just handed it to
        them, named at the top)."""
        owner = await self.ensure_owner(db, task)
        if owner is None or owner.private_chat_id is None:
            log.warning("follow-up %s: its owner cannot be reached", task.id)
            return  # the overdue page tells the leads
        fresh = await followups_q.task_by_id(db, task.id)
        assert fresh is not None
        shown, contact = await self.reminder(db, fresh, owner)
        if by is not None:
            shown.insert(1, t("task.given_by", alias=by.alias))
        snooze = self.settings.followup_snooze.total_seconds()
        buttons = lines.task_buttons(fresh, snooze, contact)
        referral = (
            await referrals_q.referral_by_id(db, fresh.referral_id) if fresh.referral_id else None
        )
        if referral is not None:
            buttons = lines.referral_buttons(referral)[:2] + buttons
        await self.core.tell(
            db,
            Intent(
                op=Op.SEND,
                chat_id=owner.private_chat_id,
                priority=Priority.HIGH,
                text=Text("lines", {"lines": shown}),
                buttons=buttons,
                member_id=owner.id,
                role=MessageRole.NOTICE,
            ),
        )
        log.info("follow-up %s: reminder sent", task.id)

    async def reminder(
        self, db: aiosqlite.Connection, task: Task, owner: Member
    ) -> tuple[list[dict[str, Any]], int | None]:
        """The reminder's lines, and whom its contact button reaches (None: no button)."""
        alert = await alerts_q.alert_by_id(db, task.alert_id)
        assert alert is not None
        referral = (
            await referrals_q.referral_by_id(db, task.referral_id) if task.referral_id else None
        )
        service = (
            await services_q.service_by_id(db, referral.service_id)
            if referral is not None and referral.service_id is not None
            else None
        )
        purged = await alerts_q.is_purged(db, alert.id)
        contact = alert.contact_ok and alert.reporter_user_id != 0 and not purged
        met = [await squads_q.member_by_id(db, i) for i in await owners.met_by(db, alert)]
        first = next((m for m in met if m is not None), None)
        reach = lines.reach_lines(
            contact=contact,
            purged=purged,
            met_by=first.alias if first is not None else None,
            met_by_owner=first is not None and first.id == owner.id,
        )
        todo = lines.what_to_do(task.rule, service, referral)
        shown = lines.reminder_lines(task, alert.code, self.tz, todo, reach)
        return shown, alert.reporter_user_id if contact else None

    async def _page_overdue(self, db: aiosqlite.Connection, task: Task) -> None:
        """Overdue by more than the grace: every lead is told, once."""
        if not await followups_q.mark_paged(db, task.id, self.core.now()):
            return
        alert = await alerts_q.alert_by_id(db, task.alert_id)
        assert alert is not None
        owner = await self._owner(db, task)
        params: dict[str, Any] = {
            "label": task.label,
            "code": alert.code,
            "rule": lines.rule_name(task.rule),
            "when": moment(task.due_at, self.tz),
            "late": format_age(self.core.now() - task.due_at),
        }
        key = "task.overdue_lead"
        if owner is None:
            key = "task.overdue_lead_nobody"
        else:
            params["alias"] = owner.alias
        # Not linked to the finished alert, so the clean-up of its chats leaves it; it is
        # not about someone in danger now, so it does not go before the offers.
        text = Text(key, params)
        await self.alerts.page_leads_about(db, alert, text, linked=False, priority=Priority.HIGH)
        log.info("follow-up %s: overdue, leads paged", task.id)

    async def finish(self, db: aiosqlite.Connection, task: Task, state: TaskState) -> bool:
        """Done, could not reach, or cancelled: its reminder and page are called off."""
        if not await followups_q.finish_task(db, task.id, state, self.core.now()):
            return False
        await self._unschedule(db, task.id)
        return True
