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
from bot.crisis import may_be_offered
from bot.delivery import honoured
from bot.domain import (
    OWNED_STATES,
    UNOWNED_STATES,
    Alert,
    AlertState,
    Availability,
    DeadlineKind,
    Member,
    Offer,
    OfferAnswer,
    Slot,
)
from bot.geo import (
    Point,
    grid_label,
)
from bot.intents import (
    Action,
    Button,
    Intent,
    Op,
    Reply,
    Text,
    refuse,
    refusing,
    reply,
)
from bot.messages import listing, t
from bot.privacy import contact_intent
from data import alerts as alerts_q
from data import audit as audit_q
from data import blocks as blocks_q
from data import deadlines as deadlines_q
from data import offers as offers_q
from data import slots as slots_q
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

    async def _accept(self, caller: Caller, alert_id: int, copy: str = "") -> Reply:
        return await self._claim(caller, alert_id, via_offer=True, copy=copy)

    async def _claim(
        self, caller: Caller, alert_id: int, *, via_offer: bool, copy: str = ""
    ) -> Reply:
        """Claim (any available responder) or Accept (only on one's own offer, even late).
        Either fills one open slot of the alert's team; the first valid one wins it."""
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            alert, member = loaded
            offer = await offers_q.offer_for(db, alert.id, member.id)
            if via_offer and offer is None:
                return refuse("accept.not_yours")
            if via_offer and offer is not None and not honoured(offer.copy, copy):
                return refuse("offer.old_copy", code=alert.code)
            if not member.approved:
                return refuse("join.waiting")
            if not member.is_responder:
                return refuse("observer.no")
            if await blocks_q.is_blocked(db, alert.squad_id, member.user_id):
                return refuse("claim.blocked")
            if not alert.is_open:
                return refuse("claim.closed", code=alert.code)
            if member.id in await slots_q.holder_ids(db, alert.id):
                return refuse("claim.already", code=alert.code)
            if member.user_id == alert.reporter_user_id:  # e.g. their own "needs help" alert
                return refuse("claim.own", code=alert.code)
            if not may_be_offered(alert, member.skills):
                return refuse("police.no_consent", code=alert.code)
            slot = await self._slot_for(db, alert, member, offer, deliberate=not via_offer)
            if slot is None:
                return refuse("claim.taken", code=alert.code)
            if member.availability is not Availability.AVAILABLE and offer is None:
                return refuse(
                    "claim.not_available", availability=t(f"availability.{member.availability}")
                )
            if member.private_chat_id is None:
                return refuse("claim.unreachable")
            won = await self._take(db, alert, member, slot)
        if not won:
            return refuse("claim.taken", code=alert.code)
        self.core.notify()
        return Reply(answer=Text("claim.won", {"code": alert.code}))

    async def _slot_for(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        member: Member,
        offer: Offer | None,
        *,
        deliberate: bool,
    ) -> Slot | None:
        """The open slot ``member`` takes: the one they were offered, else one that needs
        their skill, else one open to anyone; a deliberate claim or assignment takes the
        first open slot when none fits."""
        open_slots = [s for s in await slots_q.slots_of(db, alert.id) if not s.filled]
        if offer is not None and offer.slot_id is not None:
            offered = next((s for s in open_slots if s.id == offer.slot_id), None)
            if offered is not None:
                return offered
        skilled = [s for s in open_slots if s.skills and s.preference(member.skills) is not None]
        for_anyone = [s for s in open_slots if not s.skills or s.open_to_anyone]
        if skilled or for_anyone:
            return (skilled or for_anyone)[0]
        if deliberate or (offer is not None and offer.slot_id is None):
            return open_slots[0] if open_slots else None
        return None

    async def _take(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        member: Member,
        slot: Slot,
        *,
        assigned: bool = False,
    ) -> bool:
        """The first valid accept, claim or assignment wins the slot; the rest of its wave
        stands down. The first slot filled makes its holder the alert's owner."""
        now = self.core.now()
        if not await slots_q.fill(db, slot.id, member.id, now):
            return False
        first = alert.state in UNOWNED_STATES
        if first and not await alerts_q.transition(
            db,
            alert.id,
            UNOWNED_STATES,
            AlertState.ACKNOWLEDGED,
            owner_member_id=member.id,
            acknowledged_at=now,
        ):
            raise RuntimeError("alert moved inside its own transaction")
        self.core.crash_point("claim")
        own = await offers_q.offer_for(db, alert.id, member.id)
        if own is not None and own.answer is None:
            await offers_q.answer_offer(db, own.id, OfferAnswer.ACCEPTED, now)
        await self._stand_down(db, alert, slot, now)
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
        if any(not s.filled for s in await slots_q.slots_of(db, alert.id)):
            await self._offer_next(db, fresh)  # each open place has a wave, or the leads know
        await self._card(db, fresh, Op.EDIT)
        if first:
            await self._tell_reporter(db, fresh, "reporter.responding", unless=member.user_id)
        log.info("alert %s: slot %s filled", alert.code, slot.position)
        return True

    async def _stand_down(
        self, db: aiosqlite.Connection, alert: Alert, slot: Slot, now: float
    ) -> None:
        """``slot`` is filled: the other offers of its wave are withdrawn ("taken by someone
        else"); when no slot is left open, every offer and dispatch deadline goes."""
        still_open = [s for s in await slots_q.slots_of(db, alert.id) if not s.filled]
        for other in await offers_q.offers_of(db, alert.id):
            if other.answer is not None:
                continue
            if other.slot_id == slot.id or not still_open:
                await offers_q.answer_offer(db, other.id, OfferAnswer.WITHDRAWN, now)
                await self._edit_offer(db, alert, other.member_id, "offer.taken")
        await deadlines_q.cancel_ref_deadlines(db, DeadlineKind.ACK, slot.id, now)
        if not still_open:
            await deadlines_q.cancel_deadlines(db, alert.id, now)
        else:  # someone holds it now: no more location wait or escalation
            await deadlines_q.cancel_kinds(
                db, alert.id, (DeadlineKind.LOCATION, DeadlineKind.ESCALATE), now
            )

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
        team = await squads_q.holders_of(db, alert.id)
        if len(team) > 1:
            lines.append(t("owner.team", names=listing([m.alias for m in team])))
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
            ask_police=await self._ask_police(db, alert),
        )

    async def refresh_brief(self, db: aiosqlite.Connection, alert_id: int) -> None:
        """Edit every responder's brief to how the alert stands now (inside a transaction)."""
        alert = await alerts_q.alert_by_id(db, alert_id)
        if alert is None or not alert.is_open:
            return
        for holder in await squads_q.holders_of(db, alert.id):
            if holder.private_chat_id is not None:
                await self.core.tell(db, await self._brief(db, alert, holder, Op.EDIT))

    async def _pin_team(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """The precise location goes to every responder on the team, and nobody else."""
        for holder in await squads_q.holders_of(db, alert.id):
            if holder.private_chat_id is not None and may_be_offered(alert, holder.skills):
                await self._send_location(db, alert, holder)

    async def _send_location(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        assert member.private_chat_id is not None
        await self.core.tell(db, notices.pin(alert, member.private_chat_id, member.id))

    async def _progress(self, caller: Caller, alert_id: int, action: Action) -> Reply:
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            alert, member = loaded
            if member.id not in await slots_q.holder_ids(db, alert.id):
                return refuse("progress.not_owner", code=alert.code)
            other = alert.owner_member_id != member.id  # a second responder of the team
            if other and action is Action.ARRIVED and alert.state is AlertState.ON_SCENE:
                moved = True  # another responder of the team arrived first
            elif (
                other
                and action is Action.EN_ROUTE
                and alert.state
                in (
                    AlertState.EN_ROUTE,
                    AlertState.ON_SCENE,
                )
            ):
                moved = True  # another responder of the team is already on the way
            elif action is Action.EN_ROUTE:
                moved = await alerts_q.transition(
                    db, alert.id, (AlertState.ACKNOWLEDGED,), AlertState.EN_ROUTE
                )
            else:
                moved = await alerts_q.transition(
                    db,
                    alert.id,
                    (AlertState.ACKNOWLEDGED, AlertState.EN_ROUTE),
                    AlertState.ON_SCENE,
                    arrived_at=self.core.now(),  # reports: the time to arrive
                )
            if not moved:
                return refuse("progress.bad_state", code=alert.code)
            fresh = await _reload(db, alert.id)
            await self._card(db, fresh, Op.EDIT)
            await self.refresh_brief(db, fresh.id)
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
            if not may_be_offered(alert, target.skills):
                return refuse("police.no_consent", code=alert.code)
            if target.id in await slots_q.holder_ids(db, alert.id):
                return refuse("claim.already_other", code=alert.code, alias=target.alias)
            slot = (
                await self._slot_for(db, alert, target, None, deliberate=True)
                if alert.is_open
                else None
            )
            if slot is None:
                return refuse("assign.not_open", code=alert.code)
            if target.private_chat_id is None:
                return refuse("assign.unreachable", alias=target.alias)
            if not await self._take(db, alert, target, slot, assigned=True):
                return refuse("assign.not_open", code=alert.code)
            await audit_q.audit(
                db, alert.squad_id, caller.user_id, "assign", alert.code, self.core.now()
            )
        self.core.notify()
        return reply("assign.done", code=alert.code, alias=target.alias)

    async def attach_location(
        self, db: aiosqlite.Connection, alert: Alert, point: Point, area: str | None = None
    ) -> None:
        """A location arrived for an alert that had none (inside the caller's transaction).
        A drill takes none: it is never anyone's real location."""
        if alert.drill:
            return
        # A "responder needs help" alert keeps its area: the responder's own cell is not shown.
        label = None if alert.linked_alert_id else area or grid_label(point)
        if not await alerts_q.set_location(db, alert.id, point.lat, point.lon, label):
            return
        fresh = await _reload(db, alert.id)
        if not fresh.held:  # a held alert keeps its location for the lead who decides
            await self._located(db, fresh)

    async def move(self, db: aiosqlite.Connection, alert: Alert, point: Point) -> bool:
        """The reporter's live location moved: the alert follows, and its responder gets
        the new pin. Inside the caller's transaction. A drill never moves."""
        if alert.drill:
            return False
        label = alert.area_label or "" if alert.linked_alert_id else grid_label(point)
        if not await alerts_q.move_location(db, alert.id, point.lat, point.lon, label):
            return False
        fresh = await _reload(db, alert.id)
        if fresh.state in OWNED_STATES:
            await self._pin_team(db, fresh)
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
        elif fresh.state in OWNED_STATES:
            await self._pin_team(db, fresh)
        else:
            await self._card(db, fresh, Op.EDIT)
