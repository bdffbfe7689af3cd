"""A responder who leaves the case (removed, made an observer, blocked, erased): their slot
opens again and is offered at once; if they owned the alert, another responder of the team
owns it, or it goes back into dispatch. The leads are told."""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts.base import _reload
from bot.alerts.ownership import Ownership
from bot.domain import OWNED_STATES, Alert, AlertState, Member
from bot.intents import MessageRole, Text
from bot.phones import clean_phones
from data import alerts as alerts_q
from data import deadlines as deadlines_q
from data import slots as slots_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Leaving(Ownership):
    async def _leave(
        self, db: aiosqlite.Connection, alert: Alert, member: Member | None, chat: int | None
    ) -> bool:
        """``member`` (None: a responder whose row is gone) is off ``alert``'s team. Inside
        the caller's transaction."""
        now = self.core.now()
        if member is not None:
            if not await slots_q.free(db, alert.id, member.id):
                return False
            for watcher in self.watchers:
                await watcher.left(db, alert, member)
        if chat is not None:
            await clean_phones(db, alert, AlertState.CANCELLED, now, chat_id=chat)
        await self._page_leads(
            db, alert, Text("release.lead", {"code": alert.code}), (), MessageRole.PAGE
        )
        owner_gone = member is None or alert.owner_member_id == member.id
        team = await squads_q.holders_of(db, alert.id)
        if owner_gone and team:
            await alerts_q.set_owner(db, alert.id, team[0].id)
        elif owner_gone and alert.state in OWNED_STATES:
            await alerts_q.release_owner(db, alert.id)
            await deadlines_q.cancel_deadlines(db, alert.id, now)
        fresh = await _reload(db, alert.id)
        if fresh.state is AlertState.NEW and not fresh.has_location:
            await self._broadcast(db, fresh)
        else:
            await self._offer_next(db, fresh)
        await self.refresh_brief(db, fresh.id)
        log.warning("alert %s: a responder left; their place is offered again", alert.code)
        return True

    async def release_member(self, db: aiosqlite.Connection, member_id: int) -> list[str]:
        """Take ``member_id`` off every open alert's team; returns the alerts' codes."""
        member = await squads_q.member_by_id(db, member_id)
        if member is None:
            return []
        codes = []
        for alert_id in await slots_q.alerts_held_by(db, member_id):
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is not None and await self._leave(db, alert, member, member.private_chat_id):
                codes.append(alert.code)
        return codes

    async def release_orphans(self) -> list[str]:
        """The auditor's check: alerts whose owner no longer exists."""
        codes = []
        async with self.core.store.transaction() as db:
            for alert in await alerts_q.orphaned_alerts(db):
                if await self._leave(db, alert, None, None):
                    codes.append(alert.code)
        if codes:
            self.core.notify()
        return codes
