"""Drills: the lifecycle's part of a practice alert (``/drill``, bot/drills/service.py).

A drill is an alert like any other, in the lead's squad: it has a card, offers, waves, an
escalation, a brief and a pin, progress, a close, check-ins, and clocks when it has a
type. What is not the same is decided elsewhere: how its messages say DRILL
(bot/drills/marking.py), where it is (bot/drills/placing.py), the figures it is left out of
(``Alert.drill``, read where each figure is counted), and its deletion
(bot/drills/service.py). Here: raising one, a "responder needs help" alert raised from
one (a drill too), and its end when its lifetime runs out.
"""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts.base import _reload
from bot.alerts.raising import Raising
from bot.core import Caller
from bot.domain import Alert, CrisisType, DeadlineKind, Origin, Squad
from bot.geo import Point, grid_label
from bot.intents import Op
from data import alerts as alerts_q
from data import audit as audit_q
from data import deadlines as deadlines_q
from data import drills as drills_q

log = logging.getLogger("bot.alerts")


class Drilling(Raising):
    async def raise_drill(
        self,
        db: aiosqlite.Connection,
        caller: Caller,
        squad: Squad,
        kind: CrisisType | None,
        point: Point | None,
    ) -> Alert:
        """Raise and dispatch a drill in ``squad``, reported by the lead ``caller``, at the
        made-up ``point``. With none it goes to the whole squad at once: nobody will send a
        location for it, and it takes none. Inside the caller's transaction."""
        now = self.core.now()
        code = await self._fresh_code(db)
        alert = await alerts_q.insert_alert(
            db,
            squad_id=squad.id,
            code=code,
            reporter_user_id=caller.user_id,
            origin=Origin.GROUP,
            origin_chat_id=caller.chat_id,
            origin_message_id=caller.message_id,
            text="",
            lat=point.lat if point else None,
            lon=point.lon if point else None,
            area_label=grid_label(point) if point else None,
            now=now,
        )
        await self._become_drill(db, alert.id)
        if kind is not None:
            await alerts_q.set_crisis_type(db, alert.id, kind)
        alert = await self._plan(db, await _reload(db, alert.id))
        await audit_q.audit(db, squad.id, caller.user_id, "drill", code, now)
        await self._card(db, alert, Op.SEND, reply_to=caller.message_id)
        if alert.has_location:
            await self._offer_next(db, alert)
        else:
            await self._broadcast(db, alert)
        log.info("drill %s raised in squad %s", code, squad.id)
        return await _reload(db, alert.id)

    async def _become_drill(self, db: aiosqlite.Connection, alert_id: int) -> None:
        """The alert is a drill, and its one deadline is armed: its lifetime's end."""
        await drills_q.mark_drill(db, alert_id)
        lifetime = self.settings.drill_lifetime.total_seconds()
        await deadlines_q.add_deadline(db, DeadlineKind.DRILL, alert_id, self.core.now() + lifetime)

    async def end_drill(self, db: aiosqlite.Connection, alert: Alert) -> bool:
        """Its lifetime ran out while it was open: it is cancelled as a lead would, and its
        reporter (the lead who ran it) is told. Inside the caller's transaction."""
        ended = await self._cancel(db, alert, None, ("drill.expired", 0))
        if ended:
            log.info("drill %s ran out of time", alert.code)
        return ended
