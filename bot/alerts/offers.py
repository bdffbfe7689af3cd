"""Offers: the candidates, the offer, its timeout, decline, and undeliverable offers."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import aiosqlite

from bot.alerts import notices
from bot.alerts.team import TeamWatcher
from bot.alerts.waves import Waves
from bot.core import Caller
from bot.delivery import honoured
from bot.domain import (
    OPEN_STATES,
    OWNED_STATES,
    UNOWNED_STATES,
    Alert,
    AlertState,
    Deadline,
    DeadlineKind,
    Offer,
    OfferAnswer,
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
from data import deadlines as deadlines_q
from data import offers as offers_q
from data import slots as slots_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Offers(Waves):
    async def _ack_timeout(
        self, db: aiosqlite.Connection, alert: Alert, deadline: Deadline
    ) -> None:
        """A wave went unanswered: its open offers are withdrawn, and the next wave goes."""
        if alert.state not in OPEN_STATES:
            return
        now = self.core.now()
        if deadline.offer_id is None and deadline.ref_id is None:  # a broadcast
            if alert.state is AlertState.OFFERED:
                await self._escalate(db, alert)
            elif alert.state in OWNED_STATES:  # someone took a place; the rest stay empty
                for offer in await offers_q.offers_of(db, alert.id):
                    if offer.answer is None:
                        await offers_q.answer_offer(db, offer.id, OfferAnswer.TIMEOUT, now)
                        await self._edit_offer(db, alert, offer.member_id, "offer.withdrawn")
                for slot in await slots_q.slots_of(db, alert.id):
                    if not slot.filled:
                        await self._slot_exhausted(db, alert, slot)
            return
        if deadline.offer_id is not None:  # one offer (from before waves)
            single = await offers_q.offer_by_id(db, deadline.offer_id)
            stale = [single] if single is not None and single.answer is None else []
        else:
            stale = [
                o for o in await offers_q.offers_of(db, alert.id)
                if o.slot_id == deadline.ref_id and o.answer is None
            ]  # fmt: skip
        for offer in stale:
            await offers_q.answer_offer(db, offer.id, OfferAnswer.TIMEOUT, now)
            await self._edit_offer(db, alert, offer.member_id, "offer.withdrawn")
        log.info("alert %s: a wave of %d timed out", alert.code, len(stale))
        if alert.state in UNOWNED_STATES:
            await self._tell_reporter(db, alert, "reporter.still_looking", unless=None)
        await self._offer_next(db, alert)

    async def _edit_offer(
        self, db: aiosqlite.Connection, alert: Alert, member_id: int, key: str
    ) -> None:
        member = await squads_q.member_by_id(db, member_id)
        if member is None or member.private_chat_id is None:
            return
        await self.core.tell(db, notices.offer_edit(alert, member.private_chat_id, member.id, key))

    async def _decline(self, caller: Caller, alert_id: int, copy: str = "") -> Reply:
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            alert, member = loaded
            offer = await offers_q.offer_for(db, alert.id, member.id)
            if offer is None:
                return refuse("accept.not_yours")
            if not honoured(offer.copy, copy):
                return refuse("offer.old_copy", code=alert.code)
            now = self.core.now()
            if not await offers_q.answer_offer(db, offer.id, OfferAnswer.DECLINED, now):
                return refuse("decline.stale")
            await deadlines_q.cancel_offer_deadline(db, offer.id, now)
            await self._edit_offer(db, alert, member.id, "offer.withdrawn")
            await self._move_on(db, alert, offer)
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
            await self._move_on(db, alert, offer)
        self.core.notify()

    async def _move_on(self, db: aiosqlite.Connection, alert: Alert, ended: Offer) -> None:
        """An offer ended without an accept: once nobody in its wave is left holding an
        offer, the next wave goes (or, for a broadcast, the alert escalates). The one rule
        for a decline and an undeliverable offer."""
        if alert.state not in OPEN_STATES:
            return
        live = [o for o in await offers_q.offers_of(db, alert.id) if o.answer is None]
        if ended.slot_id is None:  # a broadcast offer
            if not live and alert.state is AlertState.OFFERED:
                await self._escalate(db, alert)
            return
        if any(o.slot_id == ended.slot_id for o in live):
            return  # others in the wave may still accept
        await deadlines_q.cancel_ref_deadlines(db, DeadlineKind.ACK, ended.slot_id, self.core.now())
        await self._offer_next(db, alert)

    async def on_deadline(self, deadline: Deadline) -> bool:
        """A deadline is due. Fires at most once; re-reads the alert before acting. What it
        changes is told through the outbox, flushed to the disk before anything is sent."""
        return await self.on_deadlines([deadline]) == 1

    async def on_deadlines(self, deadlines: Sequence[Deadline]) -> int:
        """Due deadlines fired in one transaction (one commit for many, after a restart
        with thousands overdue); each at most once, each as :meth:`on_deadline` would. How
        many fired (a deadline cancelled or fired meanwhile does not)."""
        fired = 0
        watchers: list[TeamWatcher] = []  # whose deadlines fired, for after_fire
        async with self.core.store.transaction(durable=False) as db:
            for deadline in deadlines:
                if await self._fire(db, deadline, watchers):
                    fired += 1
        if fired:
            self.core.notify()
        for watcher in watchers:
            await watcher.after_fire()
        return fired

    async def _fire(
        self, db: aiosqlite.Connection, deadline: Deadline, watchers: list[TeamWatcher]
    ) -> bool:
        if not await deadlines_q.claim_deadline(db, deadline.id, self.core.now()):
            return False
        alert = await alerts_q.alert_by_id(db, deadline.alert_id)
        if alert is None:
            return True
        watcher = next((w for w in self.watchers if deadline.kind in w.kinds), None)
        if watcher is not None:
            await watcher.fire(db, deadline, alert)
            if watcher not in watchers:
                watchers.append(watcher)
        elif deadline.kind is DeadlineKind.LOCATION:
            if alert.state is AlertState.NEW and not alert.has_location:
                await self._broadcast(db, alert)
        elif deadline.kind is DeadlineKind.ACK:
            await self._ack_timeout(db, alert, deadline)
        elif deadline.kind is DeadlineKind.ESCALATE:
            if alert.state is AlertState.OFFERED or (
                alert.state is AlertState.ESCALATED
                and alert.escalations < self.settings.max_escalations
            ):
                await self._escalate(db, alert)
        return True
