"""Offers: the candidates, the offer, its timeout, decline, and undeliverable offers."""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts import notices
from bot.alerts.base import _reload
from bot.alerts.escalation import Escalation
from bot.core import Caller
from bot.dispatch import Candidate, rank_candidates
from bot.domain import (
    UNOWNED_STATES,
    Alert,
    AlertState,
    Deadline,
    DeadlineKind,
    OfferAnswer,
)
from bot.geo import (
    Point,
)
from bot.intents import (
    Intent,
    MessageRole,
    Op,
    Priority,
    Reply,
    Text,
    refuse,
)
from data import alerts as alerts_q
from data import blocks as blocks_q
from data import deadlines as deadlines_q
from data import offers as offers_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Offers(Escalation):
    async def _candidates(self, db: aiosqlite.Connection, alert: Alert) -> list[Candidate]:
        blocked = await blocks_q.blocked_users(db, alert.squad_id)
        members = [
            m
            for m in await squads_q.members_of_squad(db, alert.squad_id)
            if m.user_id not in blocked
        ]
        tried = {o.member_id for o in await offers_q.offers_of(db, alert.id)}
        locations = await squads_q.locations_of(db, [m.user_id for m in members])
        point = (
            Point(alert.lat, alert.lon) if alert.lat is not None and alert.lon is not None else None
        )
        return rank_candidates(
            members,
            locations,
            point,
            reporter_user_id=alert.reporter_user_id,
            tried=tried,
            now=self.core.now(),
            ttl_s=self.settings.location_ttl.total_seconds(),
            engaged=await offers_q.members_holding_live_offers(db, alert.squad_id),
        )

    async def _offer_next(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """Offer the alert to the nearest untried candidate, or escalate."""
        candidates = await self._candidates(db, alert)
        if not candidates or alert.offers_made >= self.settings.max_offers:
            await self._escalate(db, alert)
            return
        now = self.core.now()
        best = candidates[0]
        if not await alerts_q.transition(db, alert.id, UNOWNED_STATES, AlertState.OFFERED):
            return
        offer = await offers_q.insert_offer(db, alert.id, best.member.id, best.distance_m, now)
        if offer is None:  # already tried; ranking excludes this, so it means a bug
            log.error("alert %s: duplicate offer suppressed", alert.code)
            return
        await alerts_q.bump_offers(db, alert.id)
        await deadlines_q.add_deadline(
            db,
            DeadlineKind.ACK,
            alert.id,
            now + self.settings.ack_timeout.total_seconds(),
            offer.id,
        )
        await self._send_offer(db, alert, best)
        fresh = await _reload(db, alert.id)
        await self._card(db, fresh, Op.EDIT)
        log.info("alert %s offered (offer %s)", alert.code, offer.id)

    async def _send_offer(self, db: aiosqlite.Connection, alert: Alert, cand: Candidate) -> None:
        member = cand.member
        assert member.private_chat_id is not None
        intent = notices.offer(
            alert,
            member.private_chat_id,
            member.id,
            distance_m=cand.distance_m,
            fresh=cand.fresh,
            location_age_s=cand.location_age_s,
        )
        await self.core.tell(db, intent)

    async def _broadcast(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """No location came: offer the alert to every candidate at once, without distance."""
        await self._ask_contact_once(db, alert)
        candidates = await self._candidates(db, alert)
        if not candidates:
            await self._escalate(db, alert)
            return
        now = self.core.now()
        if not await alerts_q.transition(
            db, alert.id, (AlertState.NEW,), AlertState.OFFERED, broadcast=1
        ):
            return
        for cand in candidates:
            if await offers_q.insert_offer(db, alert.id, cand.member.id, None, now):
                await self._send_offer(db, alert, Candidate(cand.member, None, False, None))
        await alerts_q.bump_offers(db, alert.id, len(candidates))
        await deadlines_q.add_deadline(
            db, DeadlineKind.ACK, alert.id, now + self.settings.ack_timeout.total_seconds()
        )
        fresh = await _reload(db, alert.id)
        await self._card(db, fresh, Op.EDIT)
        log.info("alert %s broadcast to %d members", alert.code, len(candidates))

    async def _ack_timeout(
        self, db: aiosqlite.Connection, alert: Alert, offer_id: int | None
    ) -> None:
        if alert.state is not AlertState.OFFERED:
            return
        if offer_id is None:  # a broadcast went unanswered
            await self._escalate(db, alert)
            return
        offer = await offers_q.offer_by_id(db, offer_id)
        if offer is None or offer.answer is not None:
            return
        await offers_q.answer_offer(db, offer.id, OfferAnswer.TIMEOUT, self.core.now())
        await self._edit_offer(db, alert, offer.member_id, "offer.withdrawn")
        log.info("alert %s: offer %s timed out", alert.code, offer.id)
        await self._tell_reporter(db, alert, "reporter.still_looking", unless=None)
        await self._offer_next(db, alert)

    async def _edit_offer(
        self, db: aiosqlite.Connection, alert: Alert, member_id: int, key: str
    ) -> None:
        member = await squads_q.member_by_id(db, member_id)
        if member is None or member.private_chat_id is None:
            return
        await self.core.tell(db, notices.offer_edit(alert, member.private_chat_id, member.id, key))

    async def _decline(self, caller: Caller, alert_id: int) -> Reply:
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            alert, member = loaded
            offer = await offers_q.offer_for(db, alert.id, member.id)
            if offer is None:
                return refuse("accept.not_yours")
            now = self.core.now()
            if not await offers_q.answer_offer(db, offer.id, OfferAnswer.DECLINED, now):
                return refuse("decline.stale")
            await deadlines_q.cancel_offer_deadline(db, offer.id, now)
            await self._edit_offer(db, alert, member.id, "offer.withdrawn")
            await self._move_on(db, alert)
        self.core.notify()
        log.info("alert %s: offer %s declined", alert.code, offer.id)
        return Reply(answer=Text("decline.done"))

    async def undeliverable(
        self, alert_id: int, member_id: int | None, role: MessageRole, *, refused: bool
    ) -> None:
        """A message could not be delivered (an urgent one refused, or any one still
        failing after the give-up time): move on, and tell the leads.

        ``refused`` means Telegram said 403 (blocked, or never opened a private chat):
        for an offer, trying the next member at once is the whole answer.
        """
        if role is MessageRole.OFFER and member_id is not None:
            await self.offer_undeliverable(alert_id, member_id)
            if refused:
                return
        if role is MessageRole.PAGE:
            return  # a lead page failing is not paged again to the same leads
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is None or (not alert.is_open and role is MessageRole.OFFER):
                return  # an offer of a finished alert no longer matters; anything else does
            if not await alerts_q.mark_leads_told(db, alert.id, self.core.now()):
                return  # the leads were told about this alert already
            squad = await squads_q.squad_by_id(db, alert.squad_id)
            assert squad is not None
            text = Text("delivery.failed", {"code": alert.code})
            # Another route: the group, and each lead's private chat.
            await self.core.tell(
                db,
                Intent(op=Op.SEND, chat_id=squad.chat_id, priority=Priority.URGENT, text=text,
                       alert_id=alert.id, role=MessageRole.NOTICE),
            )  # fmt: skip
            for member in await squads_q.members_of_squad(db, alert.squad_id):
                if member.is_lead and member.private_chat_id is not None:
                    await self.core.tell(
                        db,
                        Intent(op=Op.SEND, chat_id=member.private_chat_id,
                               priority=Priority.URGENT, text=text, alert_id=alert.id,
                               member_id=member.id, role=MessageRole.PAGE),
                    )  # fmt: skip
        self.core.notify()

    async def offer_undeliverable(self, alert_id: int, member_id: int) -> None:
        """Telegram refused the offer (403): that member is skipped and the next one offered."""
        async with self.core.store.transaction() as db:
            offer = await offers_q.offer_for(db, alert_id, member_id)
            if offer is None:
                return
            now = self.core.now()
            if not await offers_q.answer_offer(db, offer.id, OfferAnswer.WITHDRAWN, now):
                return
            await deadlines_q.cancel_offer_deadline(db, offer.id, now)
            alert = await alerts_q.alert_by_id(db, alert_id)
            assert alert is not None
            log.warning("alert %s: offer %s undeliverable, moving on", alert.code, offer.id)
            await self._move_on(db, alert)
        self.core.notify()

    async def _move_on(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """An offer ended without an accept: offer the next member, or, when the alert went to
        everyone at once and nobody is left holding it, escalate. The one rule for both."""
        if alert.state is not AlertState.OFFERED:
            return
        if not alert.broadcast:
            await self._offer_next(db, alert)
        elif not any(o.answer is None for o in await offers_q.offers_of(db, alert.id)):
            await self._escalate(db, alert)

    async def on_deadline(self, deadline: Deadline) -> bool:
        """A deadline is due. Fires at most once; re-reads the alert before acting."""
        async with self.core.store.transaction() as db:
            if not await deadlines_q.claim_deadline(db, deadline.id, self.core.now()):
                return False
            alert = await alerts_q.alert_by_id(db, deadline.alert_id)
            if alert is None:
                return True
            watcher = next((w for w in self.watchers if deadline.kind in w.kinds), None)
            if watcher is not None:
                await watcher.fire(db, deadline)
            elif deadline.kind is DeadlineKind.LOCATION:
                if alert.state is AlertState.NEW and not alert.has_location:
                    await self._broadcast(db, alert)
            elif deadline.kind is DeadlineKind.ACK:
                await self._ack_timeout(db, alert, deadline.offer_id)
            elif deadline.kind is DeadlineKind.ESCALATE:
                if alert.state is AlertState.OFFERED or (
                    alert.state is AlertState.ESCALATED
                    and alert.escalations < self.settings.max_escalations
                ):
                    await self._escalate(db, alert)
        self.core.notify()
        return True
