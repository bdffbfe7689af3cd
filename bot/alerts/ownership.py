"""Ownership: claim, accept and assign (one guarded UPDATE wins), progress, the owner's
brief, the pin, and a responder who leaves the case."""

from __future__ import annotations

import logging
from typing import Any

import aiosqlite

from bot.alerts import notices
from bot.alerts.base import _reload
from bot.alerts.offers import Offers
from bot.core import Caller, require_lead
from bot.domain import (
    OWNED_STATES,
    UNOWNED_STATES,
    Alert,
    AlertState,
    Availability,
    DeadlineKind,
    Member,
    OfferAnswer,
)
from bot.geo import (
    Point,
    grid_label,
)
from bot.intents import (
    Action,
    Button,
    Intent,
    MessageRole,
    Op,
    Reply,
    Text,
    refuse,
    refusing,
    reply,
)
from bot.messages import t
from bot.phones import clean_phones
from bot.privacy import contact_intent
from data import alerts as alerts_q
from data import audit as audit_q
from data import blocks as blocks_q
from data import deadlines as deadlines_q
from data import offers as offers_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Ownership(Offers):
    @refusing
    async def claim(self, caller: Caller, code: str) -> Reply:
        """``/claim CODE``."""
        alert = await self._alert_for_caller(caller, code)
        return await self._claim_by_id(caller, alert.id)

    async def _claim_by_id(self, caller: Caller, alert_id: int) -> Reply:
        return await self._claim(caller, alert_id, via_offer=False)

    async def _accept(self, caller: Caller, alert_id: int) -> Reply:
        return await self._claim(caller, alert_id, via_offer=True)

    async def _claim(self, caller: Caller, alert_id: int, *, via_offer: bool) -> Reply:
        """Claim (any available responder) or Accept (only on one's own offer, even late)."""
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            alert, member = loaded
            offer = await offers_q.offer_for(db, alert.id, member.id)
            if via_offer and offer is None:
                return refuse("accept.not_yours")
            if not member.approved:
                return refuse("join.waiting")
            if not member.is_responder:
                return refuse("observer.no")
            if await blocks_q.is_blocked(db, alert.squad_id, member.user_id):
                return refuse("claim.blocked")
            if not alert.is_open:
                return refuse("claim.closed", code=alert.code)
            if alert.state not in UNOWNED_STATES:
                return refuse("claim.taken", code=alert.code)
            if member.availability is not Availability.AVAILABLE and offer is None:
                return refuse(
                    "claim.not_available", availability=t(f"availability.{member.availability}")
                )
            if member.private_chat_id is None:
                return refuse("claim.unreachable")
            won = await self._take(db, alert, member)
        if not won:
            return refuse("claim.taken", code=alert.code)
        self.core.notify()
        return Reply(answer=Text("claim.won", {"code": alert.code}))

    async def _take(
        self, db: aiosqlite.Connection, alert: Alert, member: Member, *, assigned: bool = False
    ) -> bool:
        """The first valid accept, claim or assignment wins; everyone else stands down."""
        now = self.core.now()
        if not await alerts_q.transition(
            db,
            alert.id,
            UNOWNED_STATES,
            AlertState.ACKNOWLEDGED,
            owner_member_id=member.id,
            acknowledged_at=now,
        ):
            return False
        self.core.crash_point("claim")
        own = await offers_q.offer_for(db, alert.id, member.id)
        if own is not None and own.answer is None:
            await offers_q.answer_offer(db, own.id, OfferAnswer.ACCEPTED, now)
        for other in await offers_q.close_open_offers(db, alert.id, OfferAnswer.WITHDRAWN, now):
            await self._edit_offer(db, alert, other.member_id, "offer.taken")
        await deadlines_q.cancel_deadlines(db, alert.id, now)
        await squads_q.set_availability(db, [member.id], Availability.BUSY)
        await audit_q.audit(
            db,
            alert.squad_id,
            member.user_id,
            "assigned" if assigned else "acknowledged",
            alert.code,
            now,
        )
        fresh = await _reload(db, alert.id)
        assert member.private_chat_id is not None
        for watcher in self.watchers:
            await watcher.joined(db, fresh, member)
        await self._brief_owner(db, fresh, member, assigned=assigned)
        await self._card(db, fresh, Op.EDIT)
        await self._tell_reporter(db, fresh, "reporter.responding", unless=member.user_id)
        log.info("alert %s acknowledged", alert.code)
        return True

    async def _brief_owner(
        self, db: aiosqlite.Connection, alert: Alert, member: Member, *, assigned: bool
    ) -> None:
        """Tell the new owner, with progress buttons, then the precise location."""
        assert member.private_chat_id is not None
        await self.core.tell(db, await self._brief(db, alert, member, Op.SEND, assigned=assigned))
        if alert.has_location:
            await self._send_location(db, alert, member)
        if alert.contact_ok:
            await self.core.tell(
                db,
                contact_intent(
                    alert.id, alert.code, member.private_chat_id, alert.reporter_user_id, member.id
                ),
            )

    async def _brief(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        member: Member,
        op: Op,
        *,
        assigned: bool = False,
    ) -> Intent:
        assert member.private_chat_id is not None
        lines: list[Any] = []
        buttons: list[tuple[Button, ...]] = []
        for watcher in self.watchers:
            part = await watcher.brief(db, alert, member)
            lines.extend(part.lines)
            buttons.extend(part.buttons)
        return notices.brief(
            alert,
            member.private_chat_id,
            member.id,
            op,
            assigned=assigned,
            extra=lines,
            extra_buttons=buttons,
        )

    async def refresh_brief(self, db: aiosqlite.Connection, alert_id: int) -> None:
        """Edit the owner's brief to how the alert stands now (inside a transaction)."""
        alert = await alerts_q.alert_by_id(db, alert_id)
        if alert is None or alert.state not in OWNED_STATES or alert.owner_member_id is None:
            return
        owner = await squads_q.member_by_id(db, alert.owner_member_id)
        if owner is not None and owner.private_chat_id is not None:
            await self.core.tell(db, await self._brief(db, alert, owner, Op.EDIT))

    async def _send_location(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        assert member.private_chat_id is not None
        await self.core.tell(db, notices.pin(alert, member.private_chat_id, member.id))

    async def _progress(self, caller: Caller, alert_id: int, action: Action) -> Reply:
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            alert, member = loaded
            if alert.owner_member_id != member.id:
                return refuse("progress.not_owner", code=alert.code)
            if action is Action.EN_ROUTE:
                moved = await alerts_q.transition(
                    db, alert.id, (AlertState.ACKNOWLEDGED,), AlertState.EN_ROUTE
                )
            else:
                moved = await alerts_q.transition(
                    db,
                    alert.id,
                    (AlertState.ACKNOWLEDGED, AlertState.EN_ROUTE),
                    AlertState.ON_SCENE,
                )
            if not moved:
                return refuse("progress.bad_state", code=alert.code)
            fresh = await _reload(db, alert.id)
            await self._card(db, fresh, Op.EDIT)
            await self.core.tell(db, await self._brief(db, fresh, member, Op.EDIT))
            step = "on_the_way" if action is Action.EN_ROUTE else "arrived"
            if action is Action.ARRIVED:
                for watcher in self.watchers:
                    await watcher.arrived(db, fresh, member)
            await self._tell_reporter(db, fresh, f"reporter.{step}", unless=member.user_id)
        self.core.notify()
        return Reply(answer=Text(f"progress.marked_{step}", {"code": alert.code}))

    @refusing
    async def assign(self, caller: Caller, code: str, alias: str) -> Reply:
        """``/assign CODE alias`` by a lead."""
        found = await self._alert_for_caller(caller, code)
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, found.id)
            assert alert is not None
            require_lead(await squads_q.member(db, alert.squad_id, caller.user_id))
            matches = await squads_q.members_by_alias(db, alert.squad_id, alias)
            if not matches:
                return refuse("member.unknown", alias=alias)
            if len(matches) > 1:
                return refuse("member.ambiguous", alias=alias)
            target = matches[0]
            if not target.approved:
                return refuse("assign.waiting", alias=target.alias)
            if not target.is_responder:
                return refuse("assign.observer", alias=target.alias)
            if await blocks_q.is_blocked(db, alert.squad_id, target.user_id):
                return refuse("assign.blocked", alias=target.alias)
            if alert.state not in UNOWNED_STATES:
                return refuse("assign.not_open", code=alert.code)
            if target.private_chat_id is None:
                return refuse("assign.unreachable", alias=target.alias)
            if not await self._take(db, alert, target, assigned=True):
                return refuse("assign.not_open", code=alert.code)
            await audit_q.audit(
                db, alert.squad_id, caller.user_id, "assign", alert.code, self.core.now()
            )
        self.core.notify()
        return reply("assign.done", code=alert.code, alias=target.alias)

    async def release(
        self, db: aiosqlite.Connection, alert: Alert, owner_chat_id: int | None
    ) -> bool:
        """The responder of ``alert`` is gone (removed, blocked, erased): back into dispatch
        at once, and the leads are told. Inside the caller's transaction."""
        owner = (
            await squads_q.member_by_id(db, alert.owner_member_id)
            if alert.owner_member_id is not None
            else None
        )
        if not await alerts_q.release_owner(db, alert.id):
            return False
        now = self.core.now()
        if owner is not None:
            for watcher in self.watchers:
                await watcher.left(db, alert, owner)
        await deadlines_q.cancel_deadlines(db, alert.id, now)
        if owner_chat_id is not None:
            await clean_phones(db, alert, AlertState.CANCELLED, now, chat_id=owner_chat_id)
        await self._page_leads(
            db, alert, Text("release.lead", {"code": alert.code}), (), MessageRole.PAGE
        )
        fresh = await _reload(db, alert.id)
        if fresh.has_location:
            await self._offer_next(db, fresh)
        else:
            await self._broadcast(db, fresh)
        log.warning("alert %s: its responder left; offered again", alert.code)
        return True

    async def release_member(self, db: aiosqlite.Connection, member_id: int) -> list[str]:
        """Release every open alert ``member_id`` is responding to; returns their codes."""
        member = await squads_q.member_by_id(db, member_id)
        chat = member.private_chat_id if member else None
        codes = []
        for alert in await alerts_q.open_alerts_owned_by_member(db, member_id):
            if await self.release(db, alert, chat):
                codes.append(alert.code)
        return codes

    async def release_orphans(self) -> list[str]:
        """The auditor's check: alerts held by a responder who no longer exists."""
        codes = []
        async with self.core.store.transaction() as db:
            for alert in await alerts_q.orphaned_alerts(db):
                if await self.release(db, alert, None):
                    codes.append(alert.code)
        if codes:
            self.core.notify()
        return codes

    async def attach_location(
        self, db: aiosqlite.Connection, alert: Alert, point: Point, area: str | None = None
    ) -> None:
        """A location arrived for an alert that had none (inside the caller's transaction)."""
        label = area or grid_label(point)
        if not await alerts_q.set_location(db, alert.id, point.lat, point.lon, label):
            return
        fresh = await _reload(db, alert.id)
        if not fresh.held:  # a held alert keeps its location for the lead who decides
            await self._located(db, fresh)

    async def move(self, db: aiosqlite.Connection, alert: Alert, point: Point) -> bool:
        """The reporter's live location moved: the alert follows, and its responder gets
        the new pin. Inside the caller's transaction."""
        if not await alerts_q.move_location(db, alert.id, point.lat, point.lon, grid_label(point)):
            return False
        fresh = await _reload(db, alert.id)
        if fresh.state in OWNED_STATES and fresh.owner_member_id is not None:
            owner = await squads_q.member_by_id(db, fresh.owner_member_id)
            if owner is not None and owner.private_chat_id is not None:
                await self._send_location(db, fresh, owner)
        if not fresh.held:
            await self._card(db, fresh, Op.EDIT)
        return True

    async def _located(self, db: aiosqlite.Connection, fresh: Alert) -> None:
        """The alert has just got its location: offer it, or send it to its responder."""
        await self._ask_contact_once(db, fresh)
        if fresh.state is AlertState.NEW:
            for deadline in await deadlines_q.pending_deadlines(db, fresh.id):
                if deadline.kind is DeadlineKind.LOCATION:
                    await deadlines_q.claim_deadline(db, deadline.id, self.core.now())
            await self._offer_next(db, fresh)
        elif fresh.state in OWNED_STATES and fresh.owner_member_id is not None:
            owner = await squads_q.member_by_id(db, fresh.owner_member_id)
            if owner is not None and owner.private_chat_id is not None:
                await self._send_location(db, fresh, owner)
        else:
            await self._card(db, fresh, Op.EDIT)
