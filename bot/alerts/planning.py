"""Planning the team: what the crisis needs (one slot per skill), choosing or changing the
crisis type (buttons, /type, or words in the alert), re-planning an alert already out, and
the consent that lets a police liaison be offered it."""

from __future__ import annotations

import logging
from dataclasses import replace

import aiosqlite

from bot.alerts.base import _reload
from bot.alerts.leaving import Leaving
from bot.alerts.team import on_team_or_lead
from bot.core import Caller
from bot.crisis import Needs, needs_for
from bot.crisis_words import classify
from bot.domain import Alert, CrisisType, DeadlineKind, OfferAnswer, Skill
from bot.intents import Op, Reply, refuse, refusing, reply
from bot.messages import t
from data import alerts as alerts_q
from data import audit as audit_q
from data import deadlines as deadlines_q
from data import offers as offers_q
from data import skills as skills_q
from data import slots as slots_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Planning(Leaving):
    async def _needs(self, db: aiosqlite.Connection, alert: Alert) -> Needs:
        overrides = await skills_q.squad_needs(db, alert.squad_id)
        return needs_for(alert.kind, overrides)

    async def _plan(self, db: aiosqlite.Connection, alert: Alert) -> Alert:
        """A new alert: its type from its words (if any), and one slot per needed skill."""
        if alert.crisis_type is None and alert.text:
            kind = classify(alert.text)
            if kind is not None and await alerts_q.set_crisis_type(db, alert.id, kind):
                alert = replace(alert, crisis_type=kind)  # all the update changed
        needs = await self._needs(db, alert)
        await slots_q.add_slots(db, alert.id, list(needs) or [()])
        if alert.crisis_type is not None:  # its clocks start now, before anyone takes it
            for watcher in self.watchers:
                await watcher.retyped(db, alert)
        return alert

    async def _replan(self, db: aiosqlite.Connection, alert: Alert) -> None:
        if alert.held:  # waiting for a lead: its slots follow the type, nothing is offered
            await self._replan_slots(db, alert)
            return
        await self._replan_slots(db, alert)
        fresh = await _reload(db, alert.id)
        if fresh.has_location and not fresh.broadcast:
            await self._offer_next(db, fresh)  # new slots get their first wave
        for watcher in self.watchers:
            await watcher.retyped(db, fresh)
        await self._card(db, await _reload(db, alert.id), Op.EDIT)
        await self.refresh_brief(db, alert.id)
        log.info("alert %s re-planned for its type", alert.code)

    async def _replan_slots(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """The type changed: responders already on the team stay (each takes a needed skill
        they have), slots no longer needed go (their offers are withdrawn), new ones are
        offered. Dispatch never waited for the type, and does not stop for it."""
        remaining = list(await self._needs(db, alert))
        team = {m.id: m for m in await squads_q.holders_of(db, alert.id)}
        slots = await slots_q.slots_of(db, alert.id)
        for slot in (s for s in slots if s.filled):
            holder = team.get(slot.holder_member_id or 0)
            have = holder.skills if holder else frozenset()
            need = next((n for n in remaining if any(k in have for k in n)), None)
            if need is not None:
                remaining.remove(need)
            await slots_q.set_skills(db, slot.id, need or ())
        now = self.core.now()
        for slot in (s for s in slots if not s.filled):
            if slot.skills and slot.skills in remaining:
                remaining.remove(slot.skills)
                continue
            if not slot.skills and not remaining and not team:
                continue  # still one slot for anyone
            for offer in await offers_q.offers_of(db, alert.id):
                if offer.slot_id == slot.id and offer.answer is None:
                    await offers_q.answer_offer(db, offer.id, OfferAnswer.WITHDRAWN, now)
                    await self._edit_offer(db, alert, offer.member_id, "offer.withdrawn")
            await deadlines_q.cancel_ref_deadlines(db, DeadlineKind.ACK, slot.id, now)
            await slots_q.remove_slot(db, slot.id)
        if remaining:
            await slots_q.add_slots(db, alert.id, remaining)
        elif not await slots_q.slots_of(db, alert.id):
            await slots_q.add_slots(db, alert.id, [()])  # always a place someone can take

    async def _may_type(self, db: aiosqlite.Connection, caller: Caller, alert: Alert) -> bool:
        """The reporter, a responder on the team, or a lead may set the type."""
        if alert.reporter_user_id == caller.user_id:
            return True
        member = await squads_q.member(db, alert.squad_id, caller.user_id)
        if member is None:
            return False
        return await on_team_or_lead(db, alert, member)

    async def _set_type(self, caller: Caller, alert_id: int, kind: CrisisType) -> Reply:
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is None:
                return refuse("error")
            if not await self._may_type(db, caller, alert):
                return refuse("type.not_allowed", code=alert.code)
            if not alert.is_open:
                return refuse("type.not_open", code=alert.code)
            if alert.crisis_type is kind:
                return reply("type.same", code=alert.code, kind=t(f"crisis.{kind.value}"))
            await alerts_q.set_crisis_type(db, alert.id, kind)
            await audit_q.audit(
                db,
                alert.squad_id,
                caller.user_id,
                f"type:{kind.value}",
                alert.code,
                self.core.now(),
            )
            await self._replan(db, await _reload(db, alert.id))
        self.core.notify()
        return reply("type.done", code=alert.code, kind=t(f"crisis.{kind.value}"))

    @refusing
    async def set_type(self, caller: Caller, code: str, raw_kind: str) -> Reply:
        """``/type CODE TYPE``."""
        try:
            kind = CrisisType(raw_kind.strip().lower())
        except ValueError:
            return refuse("type.unknown", kind=raw_kind, kinds=", ".join(CrisisType))
        alert = await self._alert_for_caller(caller, code)
        return await self._set_type(caller, alert.id, kind)

    async def retype_from_words(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """The alert's words grew (a typed answer, a second /alert): if no type was chosen
        yet and the words name one, the alert is re-planned for it."""
        if alert.crisis_type is not None or not alert.is_open:
            return
        kind = classify(alert.text)
        if kind is None or not await alerts_q.set_crisis_type(db, alert.id, kind):
            return
        await self._replan(db, await _reload(db, alert.id))

    async def _police_consent(self, caller: Caller, alert_id: int) -> Reply:
        """The reporter, or a responder on the team, records consent to involve the police:
        from now on a police liaison may be offered the alert and see its location."""
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is None:
                return refuse("error")
            member = await squads_q.member(db, alert.squad_id, caller.user_id)
            on_team = member is not None and member.id in await slots_q.holder_ids(db, alert.id)
            if alert.reporter_user_id != caller.user_id and not on_team:
                return refuse("police.not_allowed", code=alert.code)
            if not alert.is_open:
                return refuse("type.not_open", code=alert.code)
            if not await alerts_q.record_police_consent(db, alert.id):
                return reply("police.already", code=alert.code)
            await audit_q.audit(
                db, alert.squad_id, caller.user_id, "police_consent", alert.code, self.core.now()
            )
            fresh = await _reload(db, alert.id)
            slots = await slots_q.slots_of(db, alert.id)
            if any(Skill.POLICE in s.skills and not s.filled for s in slots) and not fresh.held:
                await self._offer_next(db, fresh)
            await self.refresh_brief(db, alert.id)
        self.core.notify()
        return reply("police.done", code=alert.code)
