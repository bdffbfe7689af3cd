"""``Clocks``: the legal and medical clocks follow an alert's team (a ``TeamWatcher``, see
``bot.clocks.watcher``), with their commands (``/held``, ``/when``, ``/courtdate``) and mark
buttons.

An arrest runs the 48-hour clock; a sexual assault runs the PEP, emergency-contraception
and forensic-examination windows. Each clock's reminders are deadline rows (kind
``clock``, ``ref_id`` the clock), so they survive a restart. A reminder goes to the alert's
team and the squad's leads, with mark buttons, until the clock is marked.
"""

from __future__ import annotations

from datetime import date, timedelta

import aiosqlite

from bot.alerts.team import on_team_or_lead
from bot.clocks import legal
from bot.clocks.model import CaseClock, ClockKind, Mark, marks_for
from bot.clocks.times import TypedTime, local_day, resolve
from bot.clocks.watcher import ClockWatcher, stopped
from bot.core import Caller, require_private
from bot.domain import Alert, Member
from bot.drills.marking import marked_reply
from bot.geo import CoordinateError, find_coordinates
from bot.intents import Refused, Reply, Text, refuse, refusing, reply
from bot.messages import day as day_value
from bot.messages import moment, t
from bot.text import TooLong, clean
from data import alerts as alerts_q
from data import clocks as clocks_q
from data import squads as squads_q

HELD_MAX = 100  # where a person is held, as typed
COURT_DATE_AHEAD_DAYS = 366


class Clocks(ClockWatcher):
    """The clocks' hooks, commands and mark buttons."""

    # -- the commands and the mark buttons ----------------------------------------------

    @refusing
    async def held(self, caller: Caller, code: str, where: str) -> Reply:
        """``/held CODE <place>``: where the arrested person is held, kept as typed."""
        require_private(caller)
        try:
            typed = clean(where, limit=HELD_MAX)
        except TooLong as exc:
            return refuse("too_long", limit=exc.limit)
        if not typed:
            return refuse("held.usage")
        try:
            point, rest = find_coordinates(typed)
        except CoordinateError:
            return refuse("held.coordinates")
        if point is not None or " ".join(rest.split()) != typed:
            return refuse("held.coordinates")
        async with self.core.store.transaction() as db:
            alert = await self._case(db, caller, code)
            clock = await self._legal_clock(db, alert)
            key = squads_q.place_key(typed)
            places = await squads_q.places_of(db, alert.squad_id)
            place = next((p for p in places if squads_q.place_key(p.name) == key), None)
            await clocks_q.set_held(db, clock.id, typed, place.id if place else None)
            await self.alerts.refresh_brief(db, alert.id)
        self.core.notify()
        return _said(alert, reply("held.done", code=alert.code, place=typed))

    @refusing
    async def when(self, caller: Caller, code: str, typed: TypedTime) -> Reply:
        """``/when CODE <time>``: when the arrest or the assault happened; the clocks and
        their reminders count from then."""
        require_private(caller)
        now = self.core.now()
        at = resolve(typed, now, self.court.zone)
        if at > now:
            return refuse("when.future", code=code)
        max_age = self.settings.when_max_age.total_seconds()
        if at < now - max_age:
            return refuse("when.too_old", days=round(max_age / 86400))
        async with self.core.store.transaction() as db:
            alert = await self._case(db, caller, code)
            await alerts_q.set_occurred_at(db, alert.id, at)
            fresh = await alerts_q.alert_by_id(db, alert.id)
            assert fresh is not None
            for watcher in self.alerts.watchers:
                await watcher.retyped(db, fresh)
            await self.alerts.refresh_brief(db, alert.id)
        self.core.notify()
        return _said(alert, reply("when.done", code=alert.code, when=moment(at, self.tz)))

    @refusing
    async def court_date(self, caller: Caller, code: str, day: date) -> Reply:
        """``/courtdate CODE YYYY-MM-DD``: the 48-hour reminders stop; one comes the day
        before the court date."""
        require_private(caller)
        now = self.core.now()
        today = local_day(now, self.court.zone)
        if day < today:
            return refuse("courtdate.past", code=code)
        if day > today + timedelta(days=COURT_DATE_AHEAD_DAYS):
            return refuse("courtdate.too_far")
        at = legal.court_opening(day, self.court)
        async with self.core.store.transaction() as db:
            alert = await self._case(db, caller, code)
            if stopped(alert):  # cancelled, or a false alarm: its clocks stay ended
                return refuse("type.not_open", code=alert.code)
            clock = await self._legal_clock(db, alert)
            await clocks_q.set_mark(db, clock.id, Mark.COURT_DATE, now, court_date=at)
            await self._schedule(db, clock.id)
            for watcher in self.alerts.watchers:  # the follow-ups' court-date task
                await watcher.court_date_set(db, alert, at)
            await self.alerts.refresh_brief(db, alert.id)
        self.core.notify()
        soon = legal.day_before(at, self.court) <= now
        key = "courtdate.done_soon" if soon else "courtdate.done"
        return _said(alert, reply(key, code=alert.code, day=day_value(at, self.tz)))

    @refusing
    async def mark(self, caller: Caller, clock_id: int, arg: str) -> Reply:
        """A mark button: a team member or a lead says how the clock ended."""
        try:
            mark = Mark(arg)
        except ValueError:
            return refuse("button.invalid")
        async with self.core.store.transaction() as db:
            clock = await clocks_q.clock_by_id(db, clock_id)
            alert = await alerts_q.alert_by_id(db, clock.alert_id) if clock else None
            if clock is None or alert is None or mark not in marks_for(clock.kind):
                return refuse("button.invalid")
            await self._allowed(db, caller, alert)
            if mark is Mark.COURT_DATE:
                return reply("clock.court_date_how", code=alert.code)
            if clock.mark is mark:
                return refuse("clock.already", code=alert.code)
            await clocks_q.set_mark(db, clock.id, mark, self.core.now())
            await self._schedule(db, clock.id)
            await self.alerts.refresh_brief(db, alert.id)
        self.core.notify()
        said = [t("clock.noted", code=alert.code), t(f"clock.{clock.kind.value}.marked.{mark}")]
        return _said(
            alert,
            Reply(
                text=Text("lines", {"lines": said}),
                answer=Text("clock.noted", {"code": alert.code}),
            ),
        )

    async def _allowed(self, db: aiosqlite.Connection, caller: Caller, alert: Alert) -> Member:
        """A member of the alert's team, or a lead of its squad; else refused."""
        member = await squads_q.member(db, alert.squad_id, caller.user_id)
        if member is None:
            raise Refused(refuse("not_member"))
        if not await on_team_or_lead(db, alert, member):
            raise Refused(refuse("clock.not_team", code=alert.code))
        if await alerts_q.is_purged(db, alert.id):
            raise Refused(refuse("clock.purged", code=alert.code))
        return member

    async def _case(self, db: aiosqlite.Connection, caller: Caller, code: str) -> Alert:
        """The alert a command names, for a caller who may act on its clocks."""
        alert = await alerts_q.alert_by_code(db, None, code)
        if alert is None or await squads_q.member(db, alert.squad_id, caller.user_id) is None:
            raise Refused(refuse("unknown_code", code=code))
        await self._allowed(db, caller, alert)
        return alert

    async def _legal_clock(self, db: aiosqlite.Connection, alert: Alert) -> CaseClock:
        """The arrest's clock (started now if nobody has joined its team yet)."""
        await self._follow(db, alert, retime=False)
        clock = next(
            (c for c in await clocks_q.clocks_of(db, alert.id) if c.kind is ClockKind.LEGAL),
            None,
        )
        if clock is None:
            raise Refused(refuse("clock.not_arrest", code=alert.code))
        return clock


def _said(alert: Alert, answer: Reply) -> Reply:
    """The answer about a clock; a drill's says DRILL."""
    return marked_reply(answer) if alert.drill else answer
