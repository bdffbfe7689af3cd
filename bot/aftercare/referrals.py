"""``Referrals``: ``/refer`` during an alert (or the button at its close), the person's
consent, and the referral's states.

A referral is made by a responder on the alert or a lead. ``/refer CODE`` shows the squad's
services of the kinds that fit the case, the open ones first and the nearest first, as
buttons. Tapping one asks whether the person agreed; only "They agreed" makes it (with the
time of the consent), "They did not agree" makes nothing and says why. Then it moves
referred → attended → completed (successful, or not with a reason) or lost, each with its
time, by the buttons on the messages of whoever made it, whoever owns its check, or a lead.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.aftercare import lines
from bot.aftercare.model import Category, Reason, Referral, ReferralState, Rule, Service, TaskState
from bot.aftercare.tasks import Tasks
from bot.alerts.team import on_team_or_lead
from bot.core import Caller, Core
from bot.domain import Alert, AlertState, CrisisType, Member, Outcome
from bot.geo import Point, distance_m
from bot.intents import (
    Action,
    Button,
    Refused,
    Reply,
    Text,
    refuse,
    refusing,
)
from bot.messages import listing, moment, t
from bot.text import TooLong, clean
from data import alerts as alerts_q
from data import audit as audit_q
from data import followups as followups_q
from data import referrals as referrals_q
from data import services as services_q
from data import squads as squads_q

REFERRAL_NOTE_MAX = 300
CATEGORY_WORDS = ", ".join(c.value for c in Category)

# The kinds of service that fit a case, by its crisis type (the first kind first).
FOR_TYPE: dict[CrisisType, tuple[Category, ...]] = {
    CrisisType.ARREST: (Category.LEGAL,),
    CrisisType.ASSAULT: (Category.CLINIC, Category.COUNSELLING),
    CrisisType.SEXUAL: (Category.CARE, Category.PEP, Category.CLINIC),
    CrisisType.HEALTH: (Category.CLINIC, Category.PEP),
    CrisisType.ROBBERY: (Category.COUNSELLING, Category.POLICE),
    CrisisType.HARASSMENT: (Category.LEGAL, Category.SHELTER),
    CrisisType.MISSING: (Category.SHELTER, Category.OTHER),
}


def fitting(alert: Alert) -> tuple[Category, ...]:
    """A referral outcome names the kind (health care, legal help); else the crisis type
    does; "other" fits every kind."""
    if alert.outcome is Outcome.HEALTH:
        if alert.kind is CrisisType.SEXUAL:
            return FOR_TYPE[CrisisType.SEXUAL]
        return (Category.CLINIC, Category.PEP, Category.COUNSELLING)
    if alert.outcome is Outcome.LEGAL:
        return (Category.LEGAL,)
    if alert.outcome is Outcome.POLICE:
        return (Category.POLICE,)
    return FOR_TYPE.get(alert.kind, tuple(Category))


class Referrals:
    def __init__(self, core: Core, tasks: Tasks) -> None:
        self.core = core
        self.tasks = tasks
        self.settings = core.settings
        self.tz = self.settings.timezone
        self.zone = ZoneInfo(self.tz)

    # -- /refer and its buttons ------------------------------------------------------------

    @refusing
    async def refer(self, caller: Caller, code: str, category: Category | None) -> Reply:
        """``/refer CODE [CATEGORY]``: the services to choose from, as buttons (in private)."""
        async with self.core.store.reading() as db:
            alert, _ = await self._case(db, caller, code)
            reply = await self._choices(db, alert, category)
        return reply

    async def _choices(
        self, db: aiosqlite.Connection, alert: Alert, category: Category | None
    ) -> Reply:
        kinds = (category,) if category is not None else fitting(alert)
        names = listing([lines.category(k) for k in kinds])
        now = self.core.now()
        found = [s for s in await services_q.services_of(db, alert.squad_id) if s.category in kinds]
        if not found:
            params = {"code": alert.code, "categories": names, "words": CATEGORY_WORDS}
            return Reply(text=Text("refer.none", params), private=True)
        here = (
            Point(alert.lat, alert.lon) if alert.lat is not None and alert.lon is not None else None
        )

        def far(s: Service) -> float | None:
            return distance_m(here, Point(s.lat, s.lon)) if here is not None else None

        def order(s: Service) -> tuple[int, float, str]:
            return (lines.opens(s, now, self.zone).rank, far(s) or 0.0, s.name.casefold())

        shown = sorted(found, key=order)[: lines.SERVICES_SHOWN]
        rows = tuple(
            (lines.service_button(s, Action.REFER_TO, alert.id, now, self.zone, far(s)),)
            for s in shown
        )
        text = Text("refer.pick", {"code": alert.code, "categories": names})
        return Reply(text=text, buttons=rows, private=True)

    @refusing
    async def press(self, caller: Caller, action: Action, target: int, arg: str) -> Reply:
        if action in (Action.REFERRAL, Action.REFERRAL_REASON):
            return await self._move(caller, target, action, arg)
        if action is Action.REFERRAL_NOTE:
            return await self._ask_note(caller, target)
        async with self.core.store.transaction() as db:
            alert, member = await self._pressed_case(db, caller, target)
            if action is Action.REFER:
                return await self._choices(db, alert, _category(arg) if arg else None)
            service = await self._service(db, alert, arg)
            if action is Action.REFER_TO:
                return self._consent_question(alert, service)
            if action is Action.REFER_DECLINED:
                text = Text("refer.no_consent", {"code": alert.code})
                return Reply(text=text, answer=text, edit_pressed=True)
            if action is not Action.REFER_AGREED:
                return refuse("button.invalid")
            reply = await self._make(db, caller, alert, member, service)
        self.core.notify()
        return reply

    def _consent_question(self, alert: Alert, service: Service) -> Reply:
        text = Text(
            "refer.consent",
            {
                "code": alert.code,
                "name": service.name,
                "category": lines.category(service.category),
            },
        )
        sid = str(service.id)
        buttons = (
            (
                Button(Text("button.consent_yes"), Action.REFER_AGREED, alert.id, sid),
                Button(Text("button.consent_no"), Action.REFER_DECLINED, alert.id, sid),
            ),
        )
        return Reply(text=text, buttons=buttons, answer=text, edit_pressed=True)

    async def _make(
        self,
        db: aiosqlite.Connection,
        caller: Caller,
        alert: Alert,
        member: Member,
        service: Service,
    ) -> Reply:
        """The person agreed: the referral is made, and its check falls due later."""
        now = self.core.now()
        referral_id = await referrals_q.make_referral(
            db, alert.id, service.id, service.category, member.id, now
        )
        if referral_id is None:
            raise Refused(refuse("refer.already_made", code=alert.code, name=service.name))
        referral = await referrals_q.referral_by_id(db, referral_id)
        assert referral is not None
        task = await self.tasks.add(db, alert, Rule.REFERRAL, referral.referred_at, referral)
        await audit_q.audit(db, alert.squad_id, caller.user_id, "referral", alert.code, now)
        shown: list[Any] = [t("refer.done", code=alert.code)]
        shown += lines.referral_lines(referral, alert.code, service, self.tz)
        if task is not None:
            owner = await self.tasks.ensure_owner(db, task)
            if owner is not None:
                when = moment(task.due_at, self.tz)
                shown.append(t("refer.check", alias=owner.alias, when=when))
        return Reply(
            text=Text("lines", {"lines": shown}),
            buttons=lines.referral_buttons(referral),
            answer=Text("refer.made", {"code": alert.code}),
            edit_pressed=True,
        )

    # -- moving a referral ---------------------------------------------------------------------

    async def _move(self, caller: Caller, referral_id: int, action: Action, arg: str) -> Reply:
        async with self.core.store.transaction() as db:
            referral, alert = await self._movable(db, caller, referral_id)
            service = (
                await services_q.service_by_id(db, referral.service_id)
                if referral.service_id is not None
                else None
            )
            now = self.core.now()
            if action is Action.REFERRAL and arg == "unsuccessful":
                name: Any = service.name if service else t("referral.service_removed")
                text = Text("referral.pick_reason", {"code": alert.code, "name": name})
                return Reply(
                    text=text,
                    buttons=lines.reason_buttons(referral),
                    answer=text,
                    edit_pressed=True,
                )
            if action is Action.REFERRAL and arg == "attended":
                moved = await referrals_q.attend(db, referral.id, now)
            elif action is Action.REFERRAL and arg in ("successful", "lost"):
                moved = await referrals_q.finish(db, referral.id, ReferralState(arg), None, now)
            elif action is Action.REFERRAL_REASON and arg in {r.value for r in Reason}:
                moved = await referrals_q.finish(
                    db, referral.id, ReferralState.UNSUCCESSFUL, Reason(arg), now
                )
            else:
                return refuse("button.invalid")
            if not moved:
                return refuse("referral.already", state=t(f"referral.state.{referral.state}"))
            # Whether they got there is known now: the referral's check is answered.
            check = await followups_q.task_of_referral(db, referral.id)
            if check is not None and check.is_open:
                await self.tasks.finish(db, check, TaskState.DONE)
            await audit_q.audit(
                db, alert.squad_id, caller.user_id, "referral:moved", alert.code, now
            )
            fresh = await referrals_q.referral_by_id(db, referral.id)
            assert fresh is not None
        self.core.notify()
        return Reply(
            text=Text(
                "lines", {"lines": lines.referral_lines(fresh, alert.code, service, self.tz)}
            ),
            buttons=lines.referral_buttons(fresh),
            answer=Text("referral.moved", {"code": alert.code}),
            edit_pressed=True,
        )

    async def _ask_note(self, caller: Caller, referral_id: int) -> Reply:
        async with self.core.store.transaction() as db:
            referral, alert = await self._movable(db, caller, referral_id, open_only=False)
            until = self.core.now() + self.settings.note_wait.total_seconds()
            await referrals_q.request_note(db, caller.user_id, referral.id, until)
        text = Text("referral.note_ask", {"code": alert.code})
        return Reply(text=text, answer=text, private=not caller.private)

    async def typed(self, caller: Caller, raw_text: str) -> Reply | None:
        """A private text after "📝 Note" was pressed on a referral; ``None``: none asked."""
        async with self.core.store.transaction() as db:
            referral_id = await referrals_q.take_note_request(db, caller.user_id, self.core.now())
        if referral_id is None:
            return None
        return await self._save_note(caller, referral_id, raw_text)

    @refusing
    async def _save_note(self, caller: Caller, referral_id: int, raw_text: str) -> Reply:
        try:
            note = clean(raw_text, limit=REFERRAL_NOTE_MAX)
        except TooLong as exc:
            return refuse("too_long", limit=exc.limit)
        if not note:
            return refuse("referral.note_empty")
        async with self.core.store.transaction() as db:
            referral, alert = await self._movable(db, caller, referral_id, open_only=False)
            await referrals_q.set_note(db, referral.id, note)
        return Reply(text=Text("referral.note_done", {"code": alert.code}))

    # -- who may --------------------------------------------------------------------------------

    async def _case(
        self, db: aiosqlite.Connection, caller: Caller, code: str
    ) -> tuple[Alert, Member]:
        """The alert a command names, for a caller who may refer its person."""
        alert = await alerts_q.alert_by_code(db, None, code)
        member = await squads_q.member(db, alert.squad_id, caller.user_id) if alert else None
        if alert is None or member is None:
            raise Refused(refuse("unknown_code", code=code))
        if not caller.private:
            squad = await squads_q.squad_by_chat(db, caller.chat_id)
            if squad is None or squad.id != alert.squad_id:
                raise Refused(refuse("unknown_code", code=code))
        await self._may_refer(db, alert, member)
        return alert, member

    async def _pressed_case(
        self, db: aiosqlite.Connection, caller: Caller, alert_id: int
    ) -> tuple[Alert, Member]:
        alert = await alerts_q.alert_by_id(db, alert_id)
        member = await squads_q.member(db, alert.squad_id, caller.user_id) if alert else None
        if alert is None:
            raise Refused(refuse("button.invalid"))
        if member is None:
            raise Refused(refuse("not_member"))
        await self._may_refer(db, alert, member)
        return alert, member

    async def _may_refer(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        """A responder on the alert's team, or a lead; while its case lives. A drill has no
        person to refer."""
        if not await on_team_or_lead(db, alert, member):
            raise Refused(refuse("refer.not_allowed", code=alert.code))
        if alert.drill:
            raise Refused(refuse("drill.no_referral", code=alert.code))
        if alert.state is AlertState.CANCELLED:
            raise Refused(refuse("refer.cancelled", code=alert.code))
        if alert.outcome is Outcome.FALSE_ALARM:
            raise Refused(refuse("refer.false_alarm", code=alert.code))
        if await alerts_q.is_purged(db, alert.id):
            raise Refused(refuse("refer.purged", code=alert.code))

    async def _service(self, db: aiosqlite.Connection, alert: Alert, arg: str) -> Service:
        service = await services_q.service_by_id(db, int(arg)) if arg.isdigit() else None
        if service is None or service.squad_id != alert.squad_id:
            raise Refused(refuse("refer.service_gone"))
        return service

    async def _movable(
        self, db: aiosqlite.Connection, caller: Caller, referral_id: int, *, open_only: bool = True
    ) -> tuple[Referral, Alert]:
        """Whoever made the referral, whoever owns its check, or a lead of its squad."""
        referral = await referrals_q.referral_by_id(db, referral_id)
        alert = await alerts_q.alert_by_id(db, referral.alert_id) if referral else None
        if referral is None or alert is None:
            raise Refused(refuse("button.invalid"))
        member = await squads_q.member(db, alert.squad_id, caller.user_id)
        check = await followups_q.task_of_referral(db, referral.id)
        movers = {referral.made_by, check.owner_member_id if check else None} - {None}
        if member is None or not member.is_responder or not (member.is_lead or member.id in movers):
            raise Refused(refuse("referral.not_allowed"))
        if open_only and not referral.is_open:
            raise Refused(refuse("referral.already", state=t(f"referral.state.{referral.state}")))
        return referral, alert


def _category(arg: str) -> Category:
    try:
        return Category(arg)
    except ValueError:
        raise Refused(refuse("button.invalid")) from None
