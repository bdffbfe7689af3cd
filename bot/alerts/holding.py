"""Alerts held for a lead (blocked reporter, or over the cap): Dispatch or Dismiss."""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts.base import _reload
from bot.alerts.raising import Raising
from bot.core import Caller, require_lead
from bot.domain import (
    Alert,
    AlertState,
    Origin,
)
from bot.intents import (
    Op,
    Refused,
    Reply,
    Text,
    refuse,
    refusing,
)
from bot.phones import clean_phones
from data import alerts as alerts_q
from data import audit as audit_q
from data import deadlines as deadlines_q
from data import privacy as privacy_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Holding(Raising):
    async def _held_for_lead(
        self, db: aiosqlite.Connection, caller: Caller, alert_id: int
    ) -> Alert:
        alert = await alerts_q.alert_by_id(db, alert_id)
        if alert is None:
            raise Refused(refuse("button.invalid"))
        require_lead(await squads_q.member(db, alert.squad_id, caller.user_id))
        if not alert.held or alert.state is not AlertState.NEW:
            raise Refused(refuse("held.decided", code=alert.code))
        return alert

    @refusing
    async def _dispatch_held(self, caller: Caller, alert_id: int) -> Reply:
        """A lead sends a held alert out, as if it had never been held."""
        async with self.core.store.transaction() as db:
            alert = await self._held_for_lead(db, caller, alert_id)
            if not await alerts_q.set_held(db, alert.id, False):
                return refuse("held.decided", code=alert.code)
            now = self.core.now()
            await audit_q.audit(db, alert.squad_id, caller.user_id, "dispatched", alert.code, now)
            fresh = await _reload(db, alert.id)
            reply_to = fresh.origin_message_id if fresh.origin is Origin.GROUP else None
            if fresh.has_location:
                await self._start_dispatch(db, fresh, reply_to=reply_to)
            else:  # a lead already looked at it: no more waiting for a location
                await self._card(db, fresh, Op.SEND, reply_to=reply_to)
                await self._broadcast(db, fresh)
        self.core.notify()
        log.info("alert %s dispatched by a lead", alert.code)
        return Reply(answer=Text("held.dispatched", {"code": alert.code}))

    @refusing
    async def _dismiss_held(self, caller: Caller, alert_id: int) -> Reply:
        """A lead drops a held alert. Its reporter is not told (a flood gets no feedback)."""
        async with self.core.store.transaction() as db:
            alert = await self._held_for_lead(db, caller, alert_id)
            now = self.core.now()
            if not await alerts_q.transition(
                db, alert.id, (AlertState.NEW,), AlertState.CANCELLED, closed_at=now
            ):
                return refuse("held.decided", code=alert.code)
            await deadlines_q.cancel_deadlines(db, alert.id, now)
            await self._finished(db, alert)
            await privacy_q.finish(db, alert.id)
            await clean_phones(db, alert, AlertState.CANCELLED, now)
            await audit_q.audit(db, alert.squad_id, caller.user_id, "dismissed", alert.code, now)
        self.core.notify()
        return Reply(answer=Text("held.dismissed", {"code": alert.code}))
