"""Escalation: nobody took the alert, so the group is asked and the leads are paged."""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts import notices
from bot.alerts.base import _reload
from bot.alerts.cards import Cards
from bot.domain import (
    UNOWNED_STATES,
    Alert,
    AlertState,
    DeadlineKind,
)
from bot.intents import (
    MessageRole,
    Op,
)
from data import alerts as alerts_q
from data import deadlines as deadlines_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Escalation(Cards):
    async def _escalate(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """Nobody acknowledged: the group is told (the board is posted anew, which notifies
        it, showing the alert as waiting with its Claim button) and every lead is paged."""
        now = self.core.now()
        if not await alerts_q.transition(
            db,
            alert.id,
            UNOWNED_STATES,
            AlertState.ESCALATED,
            escalations=alert.escalations + 1,
        ):
            return
        self.core.crash_point("escalation")
        squad = await squads_q.squad_by_id(db, alert.squad_id)
        assert squad is not None
        await self._page_leads(
            db,
            alert,
            notices.escalation_page(alert, squad.name),
            notices.claim_button(alert),
            MessageRole.PAGE,
        )
        if alert.escalations + 1 < self.settings.max_escalations:
            await deadlines_q.add_deadline(
                db,
                DeadlineKind.ESCALATE,
                alert.id,
                now + self.settings.ack_timeout.total_seconds(),
            )
        fresh = await _reload(db, alert.id)
        await self._card(db, fresh, Op.SEND)
        log.warning("alert %s escalated (%d)", alert.code, alert.escalations + 1)
