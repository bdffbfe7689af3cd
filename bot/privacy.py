"""Least exposure: precise pins on request, the audit trail, erasure, retention, hygiene.

Everything that deletes ends with a WAL checkpoint (TRUNCATE), and the store runs with
``PRAGMA secure_delete``, so erased bytes do not linger in the file or the WAL.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.core import Caller, Core, require_lead, resolve_single_scope
from bot.crisis import may_be_offered
from bot.domain import OPEN_STATES, OWNED_STATES
from bot.drills.marking import marked_reply
from bot.intents import (
    Action,
    Button,
    Intent,
    MessageRole,
    Op,
    Priority,
    Reply,
    Text,
    refuse,
    refusing,
)
from bot.intents import reply as reply_text
from bot.messages import moment, render, t
from data import alerts as alerts_q
from data import audit as audit_q
from data import followups as followups_q
from data import privacy as privacy_q
from data import referrals as referrals_q
from data import safety_warnings as warnings_q
from data import services as services_q
from data import squads as squads_q

if TYPE_CHECKING:  # bot.alerts imports this module (contact_intent)
    from bot.alerts import Alerts

log = logging.getLogger(__name__)

AUDIT_SHOWN = 20


class Privacy:
    def __init__(self, core: Core, alerts: Alerts | None = None) -> None:
        self.core = core
        self.settings = core.settings
        self.alerts = alerts  # to put back into dispatch what an erased responder held

    # -- precise location for a lead, on request --------------------------------------

    @refusing
    async def pin(self, caller: Caller, code: str) -> Reply:
        """``/pin CODE``: a lead asks for an open alert's precise location, in private."""
        if not caller.private:
            return refuse("pin.private_only")
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_code(db, None, code)
            member = await squads_q.member(db, alert.squad_id, caller.user_id) if alert else None
            if alert is None or member is None:
                return refuse("unknown_code", code=code)
            require_lead(member)
            if not may_be_offered(alert, member.skills):  # a liaison, even a lead
                return refuse("police.no_consent", code=code)
            if alert.state not in OPEN_STATES:
                return refuse("pin.not_open", code=code)
            if not alert.has_location:
                return refuse("pin.no_location", code=code)
            await self.core.tell(
                db,
                Intent(
                    op=Op.LOCATION, chat_id=caller.chat_id, priority=Priority.URGENT,
                    alert_id=alert.id, member_id=member.id, role=MessageRole.LOCATION,
                    lat=alert.lat, lon=alert.lon,
                ),
            )  # fmt: skip
            await audit_q.audit(
                db, alert.squad_id, caller.user_id, "pin_request", code, self.core.now()
            )
        self.core.notify()
        sent = reply_text("pin.sent", code=code)
        return marked_reply(sent) if alert.drill else sent

    # -- the audit trail -----------------------------------------------------------------

    @refusing
    async def audit_log(self, caller: Caller) -> Reply:
        """``/audit``: the squad's recent audit entries (who, what, when; never content)."""
        async with self.core.store.reading() as db:
            scope = await resolve_single_scope(db, caller)
            require_lead(scope.member)
            entries = await audit_q.recent_audit(db, scope.squad.id, AUDIT_SHOWN)
            members = {
                m.user_id: m.alias for m in await squads_q.members_of_squad(db, scope.squad.id)
            }
        lines: list[Any] = [t("audit.header", squad=scope.squad.name)]
        if not entries:
            lines.append(t("audit.none"))
        for actor, action, target, at in entries:
            when = moment(at)
            who = (
                members.get(actor, t("audit.someone")) if actor is not None else t("audit.someone")
            )
            lines.append(t("audit.entry", when=when, who=who, action=action, target=target or ""))
        return Reply(text=Text("lines", {"lines": lines}), private=not caller.private)

    # -- group hygiene -------------------------------------------------------------------

    @refusing
    async def set_hygiene(self, caller: Caller, on: bool) -> Reply:
        """``/hygiene on|off``: tidy the group (delete /alert and location messages)."""
        choice = "on" if on else "off"
        async with self.core.store.transaction() as db:
            scope = await resolve_single_scope(db, caller)
            require_lead(scope.member)
            await privacy_q.set_hygiene(db, scope.squad.id, on)
            await audit_q.audit(
                db, scope.squad.id, caller.user_id, f"hygiene:{choice}", None, self.core.now()
            )
        return reply_text(f"hygiene.{choice}")

    # -- the reporter's choice -------------------------------------------------------------

    async def set_contact(self, caller: Caller, alert_id: int, allow: bool) -> Reply:
        """The reporter chooses whether the responder may see their Telegram contact."""
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is None or alert.reporter_user_id != caller.user_id:
                return refuse("contact.not_yours")
            if not alert.is_open:
                return refuse("claim.closed", code=alert.code)
            await privacy_q.set_contact(db, alert.id, allow)
            team = await squads_q.holders_of(db, alert.id) if allow else []
            for responder in team if alert.state in OWNED_STATES else []:
                if responder.private_chat_id is not None:
                    await self.core.tell(
                        db,
                        contact_intent(
                            alert.id,
                            alert.code,
                            responder.private_chat_id,
                            alert.reporter_user_id,
                            responder.id,
                        ),
                    )
        self.core.notify()
        key = "contact.allowed" if allow else "contact.anonymous"
        return Reply(text=Text(key, {"code": alert.code}), answer=Text(key, {"code": alert.code}))

    # -- erasure -----------------------------------------------------------------------------

    async def forget_request(self, caller: Caller) -> Reply:
        """``/forgetme``: explain, and ask for a confirmation button (in private)."""
        async with self.core.store.reading() as db:
            blocker = await self._forget_blocker(db, caller.user_id)
        if blocker is not None:
            return blocker
        button = Button(Text("forget.confirm_button"), Action.FORGET, caller.user_id)
        return Reply(text=Text("forget.confirm"), buttons=((button,),), private=not caller.private)

    async def _forget_blocker(self, db: Any, user_id: int) -> Reply | None:
        for m in await squads_q.memberships_of_user(db, user_id):
            if m.is_lead and await squads_q.count_leads(db, m.squad_id) <= 1:
                if len(await squads_q.members_of_squad(db, m.squad_id)) > 1:
                    return refuse("forget.last_lead")
                # The only member: the squad (and its places) would be left with nobody to
                # run or /wipe it, and its group could not /setup again.
                return refuse("forget.wipe_first")
        return None

    async def forget(self, caller: Caller, user_id: int) -> Reply:
        """Delete everything that identifies the caller; their cases stay, anonymised."""
        if user_id != caller.user_id:
            return refuse("forget.not_yours")
        async with self.core.store.transaction() as db:
            blocker = await self._forget_blocker(db, caller.user_id)
            if blocker is not None:
                return blocker
            if self.alerts is not None:
                # What they were responding to goes back into dispatch first.
                for membership in await squads_q.memberships_of_user(db, caller.user_id):
                    await self.alerts.release_member(db, membership.id)
            # The cases about them are followed up no more; notes about them and what they
            # were typing (bot/aftercare) go first, while their alerts still point at them.
            await followups_q.forget_reporter_tasks(db, caller.user_id, self.core.now())
            await referrals_q.forget_user(db, caller.user_id)
            await privacy_q.forget_user(db, caller.user_id, render("forget.erased"))
            await audit_q.audit(db, None, None, "forgetme", None, self.core.now())
        await self.core.store.checkpoint()
        self.core.erased(caller.user_id)
        log.info("a user was forgotten")
        return Reply(text=Text("forget.done"), answer=Text("forget.done"), remove_keyboard=True)

    @refusing
    async def wipe_request(self, caller: Caller) -> Reply:
        """``/wipe``: a lead deletes the whole squad, after two confirmations."""
        async with self.core.store.reading() as db:
            scope = await resolve_single_scope(db, caller)
            require_lead(scope.member)
        button = Button(Text("wipe.button_1"), Action.WIPE_1, scope.squad.id)
        return Reply(text=Text("wipe.confirm_1", {"squad": scope.squad.name}), buttons=((button,),))

    @refusing
    async def wipe(self, caller: Caller, squad_id: int, step: int) -> Reply:
        async with self.core.store.transaction() as db:
            squad = await squads_q.squad_by_id(db, squad_id)
            member = await squads_q.member(db, squad_id, caller.user_id) if squad else None
            require_lead(member)
            assert squad is not None  # a member belongs to a squad
            if step == 1:
                button = Button(Text("wipe.button_2"), Action.WIPE_2, squad.id)
                return Reply(
                    text=Text("wipe.confirm_2", {"squad": squad.name}),
                    buttons=((button,),),
                    answer=Text("wipe.step"),
                )
            await privacy_q.wipe_squad(db, squad.id, squad.chat_id)
            # Recorded, but with no squad and no person: nothing about either is left.
            await audit_q.audit(db, None, None, "wipe", None, self.core.now())
        await self.core.store.checkpoint()
        self.core.erased(squad.chat_id)
        log.warning("squad %s was wiped", squad_id)
        return Reply(text=Text("wipe.done"), answer=Text("wipe.done"))

    # -- retention -------------------------------------------------------------------------

    async def purge_expired(self) -> int:
        """Delete what is past its time: stale member locations, and the free text and any
        precise data of alerts closed more than ``retention_days`` ago. Runs every
        ``audit_interval`` and always ends with a TRUNCATE checkpoint."""
        now = self.core.now()
        retention_s = self.settings.retention_days * 86400
        ttl_s = self.settings.location_ttl.total_seconds()
        async with self.core.store.transaction() as db:
            locations = await privacy_q.delete_stale_locations(db, now - ttl_s, now)
            alerts = await privacy_q.purge_closed_alerts(db, now - retention_s, now)
            transport = await privacy_q.scrub_transport(
                db, now - self.settings.outbox_retention.total_seconds()
            )
            strangers = await privacy_q.forget_strangers(
                db, now - self.settings.inbox_retention.total_seconds()
            )
            await privacy_q.drop_expired_holds(db, now)
            await privacy_q.drop_expired_note_requests(db, now)
            await referrals_q.drop_expired_note_requests(db, now)
            await services_q.drop_expired_drafts(db, now)
            # Referral notes: the retention counts from the case's end (its last referral or
            # follow-up finished), which can be long after its alert's.
            notes = await referrals_q.purge_notes(db, now - retention_s)
            # Warnings past SQUADLINE_WARNING_DAYS, and drafts nobody finished in that time.
            lifetime_s = self.settings.warning_days * 86400
            warnings = await warnings_q.delete_expired(db, now, now - lifetime_s)
        changed = locations + alerts + transport + strangers + notes + warnings
        # Every pass, changed or not: the WAL still holds the old copies of pages changed
        # since the last one (an emptied update, a coarsened close); this folds them away.
        await self.core.store.checkpoint()
        if changed:
            log.info(
                "purged %d stale locations, %d expired alerts, %d transport rows, %d strangers,"
                " %d referral notes", locations, alerts, transport, strangers, notes,
            )  # fmt: skip
        return changed


def contact_intent(
    alert_id: int, code: str, chat_id: int, reporter_user_id: int, member_id: int
) -> Intent:
    """Tell the responder how to reach a reporter who allowed it."""
    return Intent(
        op=Op.SEND,
        chat_id=chat_id,
        priority=Priority.URGENT,
        text=Text("contact.for_owner", {"code": code}),
        buttons=((Button(Text("contact.button"), profile_of=reporter_user_id),),),
        alert_id=alert_id,
        member_id=member_id,
        role=MessageRole.NOTICE,
    )
