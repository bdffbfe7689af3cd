"""The squad's one card per alert in the group, edited as the alert moves."""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts import notices
from bot.alerts.base import AlertsBase, _reload
from bot.domain import (
    OWNED_STATES,
    UNOWNED_STATES,
    Alert,
)
from bot.intents import (
    Op,
)
from data import offers as offers_q
from data import slots as slots_q
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
        live = [o for o in await offers_q.offers_of(db, alert.id) if o.answer is None]
        status = notices.card_status(
            alert, owner_alias=owner.alias if owner else None, open_offers=len(live)
        )
        slots = await slots_q.slots_of(db, alert.id)
        holders = {m.id: m.alias for m in await squads_q.holders_of(db, alert.id)}
        offered = {o.slot_id for o in live}
        team = [
            (s.skill, holders.get(s.holder_member_id or 0), s.id in offered or None in offered)
            for s in slots
        ]
        claimable = alert.state in UNOWNED_STATES or (
            alert.state in OWNED_STATES and any(not s.filled for s in slots)
        )
        intent = notices.card(
            alert,
            squad.chat_id,
            op,
            status,
            reply_to=reply_to,
            team=notices.team_lines(team) if alert.is_open else [],
            claimable=claimable,
        )
        await self.core.tell(db, intent)

    async def show_words(self, db: aiosqlite.Connection, alert_id: int) -> None:
        """The alert's words changed: the card shows them (the card never shows coordinates)."""
        fresh = await _reload(db, alert_id)
        if not fresh.held:
            await self._card(db, fresh, Op.EDIT)
