"""The squad's one card per alert in the group, edited as the alert moves."""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts import notices
from bot.alerts.base import AlertsBase, _reload
from bot.domain import (
    Alert,
)
from bot.intents import (
    Op,
)
from data import offers as offers_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Cards(AlertsBase):
    async def _card(
        self, db: aiosqlite.Connection, alert: Alert, op: Op, reply_to: int | None = None
    ) -> None:
        """Send or edit the squad's one card for this alert. Never shows coordinates."""
        squad = await squads_q.squad_by_id(db, alert.squad_id)
        assert squad is not None
        owner = (
            await squads_q.member_by_id(db, alert.owner_member_id)
            if alert.owner_member_id is not None
            else None
        )
        open_offers = sum(1 for o in await offers_q.offers_of(db, alert.id) if o.answer is None)
        status = notices.card_status(
            alert, owner_alias=owner.alias if owner else None, open_offers=open_offers
        )
        await self.core.tell(db, notices.card(alert, squad.chat_id, op, status, reply_to=reply_to))

    async def show_words(self, db: aiosqlite.Connection, alert_id: int) -> None:
        """The alert's words changed: the card shows them (the card never shows coordinates)."""
        fresh = await _reload(db, alert_id)
        if not fresh.held:
            await self._card(db, fresh, Op.EDIT)
