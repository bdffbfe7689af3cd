"""Waves: each open slot of an alert's team is offered to the k nearest suitable members at
once, members with the slot's skill first; when none with the skill is left, or for the
slot's last wave, any available member. A slot whose waves run out escalates the alert (if
nobody holds any slot yet) or tells the leads the team is incomplete."""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts import notices
from bot.alerts.base import _reload
from bot.alerts.escalation import Escalation
from bot.crisis import may_be_offered
from bot.dispatch import Candidate, rank_candidates
from bot.domain import (
    OPEN_STATES,
    UNOWNED_STATES,
    Alert,
    AlertState,
    DeadlineKind,
    Offer,
    Skill,
    Slot,
    Squad,
)
from bot.geo import Point
from bot.intents import MessageRole, Op, Text
from bot.messages import t
from data import alerts as alerts_q
from data import deadlines as deadlines_q
from data import offers as offers_q
from data import slots as slots_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Waves(Escalation):
    async def _candidates(
        self, db: aiosqlite.Connection, alert: Alert, offers: list[Offer] | None = None
    ) -> list[Candidate]:
        """Everyone who may be offered this alert now, nearest (and least busy) first
        (``offers``: the alert's offers, if the caller has just read them)."""
        members = []
        locations = {}
        for m, location in await squads_q.available_members_located(db, alert.squad_id):
            if not may_be_offered(alert, m.skills):
                continue
            members.append(m)
            if location is not None:
                locations[m.user_id] = location
        if offers is None:
            offers = await offers_q.offers_of(db, alert.id)
        tried = {o.member_id for o in offers}
        tried.update(await slots_q.holder_ids(db, alert.id))
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
            engaged=await offers_q.members_engaged(db, alert.squad_id),
        )

    async def _offer_next(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        *,
        card: Op = Op.EDIT,
        reply_to: int | None = None,
        squad: Squad | None = None,
    ) -> None:
        """Send a wave for every open slot that has no live offers (or escalate), then show
        it on the board: ``card=Op.SEND`` posts the board anew whatever happened (a new
        alert: its card is built once, with its offers in it), ``Op.EDIT`` edits it if the
        alert is still open. (The board reads what it shows itself: of ``alert`` it needs
        only which alert and squad, so it is not read again here.)"""
        if await self._waves(db, alert) or card is Op.SEND:
            await self._card(db, alert, card, reply_to=reply_to, squad=squad)

    async def _waves(self, db: aiosqlite.Connection, alert: Alert) -> bool:
        """A wave for every open slot without live offers; ``False`` if the alert is not
        (or no longer) open to offers."""
        if alert.state not in OPEN_STATES or alert.held:
            return False
        known = await offers_q.offers_of(db, alert.id)
        live = {o.slot_id for o in known if o.answer is None}
        offers: list[Offer] | None = known
        for slot in await slots_q.slots_of(db, alert.id):
            if slot.filled or slot.id in live:
                continue
            fresh = await _reload(db, alert.id)
            if fresh.state not in OPEN_STATES:
                return False
            if not await self._wave(db, fresh, slot, offers):
                await self._slot_exhausted(db, fresh, slot)
            offers = None  # the wave (or the escalation) may have made offers: read anew
        return True

    async def _wave(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        slot: Slot,
        offers: list[Offer] | None = None,
    ) -> bool:
        """Offer ``slot`` to the next wave of members; ``False`` if its waves are over."""
        candidates = await self._candidates(db, alert, offers)
        # Members who fit the slot, first preference first (nearest first within each).
        fit = [(slot.preference(c.member.skills), c) for c in candidates]
        skilled = [c for p, c in sorted(
            ((p, c) for p, c in fit if p is not None), key=lambda pc: pc[0]
        )]  # fmt: skip
        limit = self.settings.max_offers
        anyone = slot.open_to_anyone or not slot.skills
        if not anyone and skilled and slot.waves < max(1, limit - 1):
            pool = skilled
        elif not anyone:  # nobody with the skill is left, or this is the last wave
            pool, anyone = candidates, True
            if not pool:
                return False
        elif slot.waves < limit and candidates:
            pool = candidates
        else:
            return False
        if not pool:
            return False
        if alert.state in UNOWNED_STATES and alert.state is not AlertState.ESCALATED:
            await alerts_q.transition(db, alert.id, UNOWNED_STATES, AlertState.OFFERED)
        wave = pool[: self.settings.wave_size(alert.kind)]
        now = self.core.now()
        sent = 0
        for cand in wave:
            offer = await offers_q.insert_offer(
                db, alert.id, cand.member.id, cand.distance_m, now, slot_id=slot.id
            )
            if offer is None:  # already tried; ranking excludes this, so it means a bug
                log.error("alert %s: duplicate offer suppressed", alert.code)
                continue
            mine = slot.preference(cand.member.skills)
            await self._send_offer(db, alert, cand, None if mine is None else slot.skills[mine])
            sent += 1
        if not sent:
            return False
        await slots_q.bump_waves(db, slot.id, anyone=anyone and bool(slot.skills))
        await alerts_q.bump_offers(db, alert.id, sent)
        await deadlines_q.add_deadline(
            db,
            DeadlineKind.ACK,
            alert.id,
            now + self.settings.ack_timeout.total_seconds(),
            ref_id=slot.id,
        )
        log.info("alert %s: slot %s offered to %d", alert.code, slot.position, sent)
        return True

    async def _send_offer(
        self, db: aiosqlite.Connection, alert: Alert, cand: Candidate, skill: Skill | None
    ) -> None:
        member = cand.member
        assert member.private_chat_id is not None
        intent = notices.offer(
            alert,
            member.private_chat_id,
            member.id,
            distance_m=cand.distance_m,
            fresh=cand.fresh,
            location_age_s=cand.location_age_s,
            skill=skill,
        )
        await self.core.tell(db, intent)

    async def _slot_exhausted(self, db: aiosqlite.Connection, alert: Alert, slot: Slot) -> None:
        """Nobody is left to offer ``slot`` to: escalate, or tell the leads the team is short."""
        if alert.state is AlertState.ESCALATED:
            return  # already escalated: its own deadline repeats it
        if alert.state in UNOWNED_STATES:
            await self._escalate(db, alert)
            return
        if slot.skill is None:
            return  # an "anyone" slot beside held ones: the team is enough
        if not await slots_q.mark_short_paged(db, slot.id):
            return  # the leads were told once
        await self._page_leads(
            db,
            alert,
            Text("team.short_lead", {"code": alert.code, "skill": t(f"skill.{slot.skill.value}")}),
            notices.claim_button(alert),
            MessageRole.PAGE,
        )
        log.warning("alert %s: slot %s unfilled", alert.code, slot.position)

    async def _broadcast(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """No location came: offer the alert to every candidate at once, without distance;
        an accept fills the open slot that fits the member best."""
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
                await self._send_offer(db, alert, Candidate(cand.member, None, False, None), None)
        await alerts_q.bump_offers(db, alert.id, len(candidates))
        await deadlines_q.add_deadline(
            db, DeadlineKind.ACK, alert.id, now + self.settings.ack_timeout.total_seconds()
        )
        fresh = await _reload(db, alert.id)
        await self._card(db, fresh, Op.EDIT)
        log.info("alert %s broadcast to %d members", alert.code, len(candidates))
