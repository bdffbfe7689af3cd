"""``ClockWatcher``: the clocks' team-watcher hooks and their rules (which clocks an alert
runs, when they remind, and whom). ``bot.clocks.service.Clocks`` adds the commands.

After the alert ends: a cancelled alert or a false alarm stops its clocks. Any other close
does not: the person may still be held, or still need PEP, so reminders go on until
someone marks the clock, and a court date's reminder comes the day before, even weeks
later (until retention, which empties the clocks and stops their reminders). A reminder
sent after the alert ended is not linked to it, so the close's phone clean-up does not
empty it; it holds the alert's code and times only.
"""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts import Alerts
from bot.alerts.team import BriefPart, TeamWatcher
from bot.clocks import legal, lines, medical
from bot.clocks.model import CLOCKS_FOR, CaseClock, ClockKind, Mark
from bot.config import Settings
from bot.core import Core
from bot.domain import Alert, AlertState, Deadline, DeadlineKind, Member, Outcome
from bot.intents import Button, Intent, MessageRole, Op, Priority
from data import alerts as alerts_q
from data import clocks as clocks_q
from data import deadlines as deadlines_q
from data import squads as squads_q

log = logging.getLogger("bot.clocks")

# Medical reminders due this close together go out as one message.
TOGETHER_S = 60.0


class ClockWatcher(TeamWatcher):
    """The clocks follow an alert's team: they start, move, remind and stop."""

    kinds = frozenset({DeadlineKind.CLOCK})

    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.core = core
        self.alerts = alerts
        self.settings = core.settings
        self.court = legal.court_rules(self.settings)
        self.medical = medical.medical_rules(self.settings)
        self.legal_points = Settings.durations(self.settings.legal_reminders)
        self.tz = self.settings.timezone

    # -- the team-watcher hooks ---------------------------------------------------------

    async def joined(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        await self._follow(db, alert, retime=False)

    async def retyped(self, db: aiosqlite.Connection, alert: Alert) -> None:
        await self._follow(db, alert, retime=True)

    async def finished(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """Cancelled or a false alarm: the clocks stop. Otherwise they go on (see above)."""
        fresh = await alerts_q.alert_by_id(db, alert.id)
        if fresh is None:
            return
        if stopped(fresh):
            now = self.core.now()
            for clock_id in await clocks_q.end_running(db, alert.id, now):
                await deadlines_q.cancel_ref_deadlines(db, DeadlineKind.CLOCK, clock_id, now)

    async def brief(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> BriefPart:
        now = self.core.now()
        clocks = await clocks_q.clocks_of(db, alert.id)
        shown: list[dict[str, object]] = []
        buttons: list[tuple[Button, ...]] = []
        for clock in clocks:
            if clock.kind is ClockKind.LEGAL:
                shown.extend(lines.legal_brief(clock, alert.code, now, self.tz))
            buttons.extend(lines.mark_buttons(clock, now))
        medical_clocks = [c for c in clocks if c.kind is not ClockKind.LEGAL]
        if medical_clocks:
            ideal = medical_clocks[0].started_at + self.medical.pep_ideal_s
            shown.extend(lines.medical_brief(medical_clocks, alert.code, now, self.tz, ideal))
        return BriefPart(lines=shown, buttons=tuple(buttons))

    async def fire(self, db: aiosqlite.Connection, deadline: Deadline, alert: Alert) -> None:
        """A reminder is due: to the team and the leads, unless the clock was marked."""
        if deadline.ref_id is None:
            return
        clock = await clocks_q.clock_by_id(db, deadline.ref_id)
        if clock is None:
            return
        if clock.mark is not Mark.COURT_DATE and await alerts_q.is_purged(db, alert.id):
            return  # past retention only a court date still reminds
        now = self.core.now()
        at_once = 1  # the clock's reminders due now, sent as this one
        if clock.kind is ClockKind.LEGAL:
            if not clock.running and clock.mark is not Mark.COURT_DATE:
                return
            if clock.running:
                at_once += await self._missed_together(db, clock, now)
            text = lines.legal_reminder(clock, alert.code, now, self.tz)
            buttons = lines.mark_buttons(clock, now)
        else:
            due = [c for c in await self._due_together(db, clock, deadline) if c.due_at > now]
            if not due:
                return
            text = lines.medical_reminder(due, alert.code, now, self.tz)
            buttons = tuple(row for c in due for row in lines.mark_buttons(c, now))
        for member in await self._recipients(db, alert):
            assert member.private_chat_id is not None
            await self.core.tell(
                db,
                Intent(
                    op=Op.SEND,
                    chat_id=member.private_chat_id,
                    priority=Priority.HIGH,
                    text=text,
                    buttons=buttons,
                    # Not linked once the alert ended: the close's clean-up would empty it.
                    alert_id=alert.id if alert.is_open else None,
                    member_id=member.id,
                    role=MessageRole.NOTICE,
                ),
            )
        log.info(
            "alert %s: %s clock reminder (%d due at once)", alert.code, clock.kind.value, at_once
        )

    # -- rules ----------------------------------------------------------------------------

    async def _follow(self, db: aiosqlite.Connection, alert: Alert, *, retime: bool) -> None:
        """The alert's clocks match its type: missing ones start, ones of another type go;
        with ``retime``, they count again from when it happened."""
        if stopped(alert):
            return  # a cancelled alert or a false alarm runs no clock, whatever its type
        wanted = CLOCKS_FOR.get(alert.kind, ())
        now = self.core.now()
        have = {c.kind: c for c in await clocks_q.clocks_of(db, alert.id)}
        for kind, clock in have.items():
            if kind not in wanted:
                await deadlines_q.cancel_ref_deadlines(db, DeadlineKind.CLOCK, clock.id, now)
                await clocks_q.delete_clock(db, clock.id)
        for kind in wanted:
            started = alert.happened_at
            existing = have.get(kind)
            if existing is None:
                clock_id = await clocks_q.add_clock(
                    db, alert.id, kind, started, self._due(kind, started)
                )
                if clock_id is not None:
                    await self._schedule(db, clock_id)
            elif retime and existing.started_at != started:
                await clocks_q.set_times(db, existing.id, started, self._due(kind, started))
                await self._schedule(db, existing.id)

    def _due(self, kind: ClockKind, started_at: float) -> float:
        if kind is ClockKind.LEGAL:
            return legal.court_limit(started_at, self.court)
        return medical.window_closes(kind, started_at, self.medical)

    async def _schedule(self, db: aiosqlite.Connection, clock_id: int) -> None:
        """The clock's reminders, afresh: points still to come while it runs; a court
        date's reminder the day before; none once marked otherwise."""
        clock = await clocks_q.clock_by_id(db, clock_id)
        assert clock is not None
        now = self.core.now()
        await deadlines_q.cancel_ref_deadlines(db, DeadlineKind.CLOCK, clock.id, now)
        for due in self._reminders(clock):
            if due > now:
                await deadlines_q.add_deadline(
                    db, DeadlineKind.CLOCK, clock.alert_id, due, ref_id=clock.id
                )

    def _reminders(self, clock: CaseClock) -> list[float]:
        if clock.mark is Mark.COURT_DATE and clock.court_date is not None:
            return [legal.day_before(clock.court_date, self.court)]
        if clock.mark is not None:
            return []
        if clock.kind is ClockKind.LEGAL:
            return legal.reminder_times(clock.due_at, self.court, self.legal_points)
        return medical.reminder_times(clock.due_at, self.medical)

    async def _missed_together(self, db: aiosqlite.Connection, clock: CaseClock, now: float) -> int:
        """This legal clock's other reminders that are due now too (after a restart, the
        24 h, 40 h and 46 h ones may all be): claimed here, so each fires once and they come
        as the one reminder being sent, with the time left now. How many were claimed."""
        claimed = 0
        for other in await deadlines_q.due_ref_deadlines(db, DeadlineKind.CLOCK, clock.id, now):
            if await deadlines_q.claim_deadline(db, other.id, now):
                claimed += 1
        return claimed

    async def _due_together(
        self, db: aiosqlite.Connection, clock: CaseClock, deadline: Deadline
    ) -> list[CaseClock]:
        """This medical clock, and the alert's other running medical clocks whose reminder
        is due now, within a minute of this one (claimed here, so they fire once, together)."""
        together = [clock] if clock.running else []
        now = self.core.now()
        for other in await deadlines_q.pending_deadlines(db, clock.alert_id):
            if other.kind is not DeadlineKind.CLOCK or other.ref_id in (None, clock.id):
                continue
            if abs(other.due_at - deadline.due_at) > TOGETHER_S or other.due_at > now:
                continue  # only reminders due now go together; later ones keep their time
            assert other.ref_id is not None
            sibling = await clocks_q.clock_by_id(db, other.ref_id)
            if sibling is None or sibling.kind is ClockKind.LEGAL or not sibling.running:
                continue
            if await deadlines_q.claim_deadline(db, other.id, now):
                together.append(sibling)
        return sorted(together, key=lambda c: list(ClockKind).index(c.kind))

    async def _recipients(self, db: aiosqlite.Connection, alert: Alert) -> list[Member]:
        """The team and the leads, each once, who can be reached in private."""
        team = {m.id: m for m in await squads_q.holders_of(db, alert.id)}
        owner = alert.owner_member_id
        if owner is not None and owner not in team:
            member = await squads_q.member_by_id(db, owner)
            if member is not None:
                team[member.id] = member
        found = {member_id: team[member_id] for member_id in sorted(team)}
        for lead in await squads_q.leads_of(db, alert.squad_id):
            found.setdefault(lead.id, lead)
        return [m for m in found.values() if m.private_chat_id is not None]


def stopped(alert: Alert) -> bool:
    """Cancelled, or closed as a false alarm: its clocks end."""
    return alert.state is AlertState.CANCELLED or alert.outcome is Outcome.FALSE_ALARM
