"""The squad's one card per alert in the group, edited as the alert moves."""

from __future__ import annotations

import logging
from typing import Any

import aiosqlite

from bot.alerts.base import AlertsBase, _reload
from bot.domain import (
    OWNED_STATES,
    UNOWNED_STATES,
    Alert,
    AlertState,
    Offer,
)
from bot.intents import (
    Action,
    Button,
    Intent,
    MessageRole,
    Op,
    Priority,
    Text,
)
from bot.messages import t
from data import alerts as alerts_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Cards(AlertsBase):
    async def _card(
        self, db: aiosqlite.Connection, alert: Alert, op: Op, reply_to: int | None = None
    ) -> None:
        """Send or edit the squad's one card for this alert. Never shows coordinates."""
        squad = await squads_q.squad_by_id(db, alert.squad_id)
        assert squad is not None
        lines: list[Any] = [
            t(
                "card.header",
                code=alert.code,
                state=t(f"state.{alert.state}"),
                text=alert.text or t("alert.no_text"),
            )
        ]
        if alert.area_label:
            lines.append(t("card.area", area=alert.area_label))
        if alert.reporter_alias:
            lines.append(t("card.reporter", alias=alert.reporter_alias))
        lines.append(await self._card_status(db, alert))
        buttons: tuple[tuple[Button, ...], ...] = ()
        if alert.state in UNOWNED_STATES:
            buttons = ((Button(Text("button.claim"), Action.CLAIM, alert.id),),)
        await self.core.tell(
            db,
            Intent(
                op=op,
                chat_id=squad.chat_id,
                priority=Priority.HIGH,
                text=Text("lines", {"lines": lines}),
                buttons=buttons,
                alert_id=alert.id,
                role=MessageRole.CARD,
                reply_to=reply_to,
            ),
        )

    async def _card_status(self, db: aiosqlite.Connection, alert: Alert) -> Any:
        state = alert.state
        if state in OWNED_STATES and alert.owner_member_id is not None:
            owner = await squads_q.member_by_id(db, alert.owner_member_id)
            alias = owner.alias if owner else "?"
            key = {
                AlertState.ACKNOWLEDGED: "card.owner",
                AlertState.EN_ROUTE: "card.en_route",
                AlertState.ON_SCENE: "card.on_scene",
            }[state]
            return t(key, alias=alias)
        if state is AlertState.CLOSED:
            return t("card.closed", outcome=t(f"outcome.{alert.outcome}"))
        if state is AlertState.CANCELLED:
            return t("card.cancelled")
        if state is AlertState.ESCALATED:
            return t("card.escalated")
        if state is AlertState.OFFERED:
            open_offers = [o for o in await alerts_q.offers_of(db, alert.id) if o.answer is None]
            if alert.broadcast:
                return t("card.offered_many", count=len(open_offers))
            if open_offers:
                return await self._offered_line(db, open_offers[-1])
        if not alert.has_location:
            return t("card.waiting_location")
        return t("card.finding")

    @staticmethod
    async def _offered_line(db: aiosqlite.Connection, offer: Offer) -> Any:
        """Nobody is named and no distance is given until someone accepts: the group must
        not learn who is near the scene, or how near."""
        return t("card.offered")

    async def show_words(self, db: aiosqlite.Connection, alert_id: int) -> None:
        """The alert's words changed: the card shows them (the card never shows coordinates)."""
        fresh = await _reload(db, alert_id)
        if not fresh.held:
            await self._card(db, fresh, Op.EDIT)
