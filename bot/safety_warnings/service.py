"""``Warnings``: a warning about a dangerous person, with the survivor's consent.

``/warn CODE`` (the alert's team or a lead, once the case record's consent allows a
warning) starts a draft: what happened comes from the record; the issuer adds a description
(at most 200 characters) and a vehicle (at most 60), or skips them; the area label and the
day come from the alert. A lead other than the issuer approves it, or the issuer alone if
they are the squad's only lead. It then goes in private to every member who is not an
observer or a police liaison, never to the group. It is deleted after
``SQUADLINE_WARNING_DAYS``. It keeps no link to the case.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from bot.alerts.team import on_team_or_lead
from bot.core import (
    Caller,
    Core,
    is_police_liaison,
    require_insider,
    require_lead,
    require_private,
    resolve_single_scope,
)
from bot.domain import AlertState, Member
from bot.geo import CoordinateError, find_coordinates
from bot.intents import (
    Intent,
    MessageRole,
    Op,
    Priority,
    Refused,
    Reply,
    Text,
    refuse,
    refusing,
)
from bot.records.model import Consent, Violation
from bot.safety_warnings import texts
from bot.text import TooLong, clean
from data import alerts as alerts_q
from data import case_records as records_q
from data import safety_warnings as warnings_q
from data import squads as squads_q
from data.safety_warnings import SafetyWarning

DESCRIPTION_MAX = 200
VEHICLE_MAX = 60
LIMITS = {"description": DESCRIPTION_MAX, "vehicle": VEHICLE_MAX}


class Warnings:
    def __init__(self, core: Core) -> None:
        self.core = core

    @property
    def tz(self) -> str:
        return self.core.settings.timezone

    @property
    def lifetime_s(self) -> float:
        return self.core.settings.warning_days * 86400

    def _until(self) -> float:
        return self.core.now() + self.core.settings.note_wait.total_seconds()

    @refusing
    async def warn(self, caller: Caller, code: str) -> Reply:
        """``/warn CODE``: a draft, in private, from the case record."""
        require_private(caller)
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_code(db, None, code)
            member = await squads_q.member(db, alert.squad_id, caller.user_id) if alert else None
            if alert is None or member is None:
                return refuse("unknown_code", code=code)
            require_insider(member)
            if not await on_team_or_lead(db, alert, member):
                return refuse("warn.not_allowed", code=alert.code)
            if alert.drill:
                return refuse("drill.no_warning", code=alert.code)
            record = await records_q.record_of(db, alert.id)
            if alert.state is not AlertState.CLOSED or record is None:
                return refuse("warn.no_record", code=alert.code)
            if not record.allows(Consent.WARN):
                return refuse("warn.no_consent", code=alert.code)
            local = datetime.fromtimestamp(alert.happened_at, ZoneInfo(self.tz))
            warning_id = await warnings_q.create_draft(
                db,
                squad_id=alert.squad_id,
                issuer_member_id=member.id,
                violations=record.violations,
                area=alert.area_label or "",
                day=local.date().isoformat(),
                now=self.core.now(),
                until=self._until(),
            )
            draft = await warnings_q.warning_by_id(db, warning_id)
        assert draft is not None
        text, buttons = texts.draft(draft, self.tz)
        return Reply(text=text, buttons=buttons)

    async def typed(self, caller: Caller, raw: str) -> Reply | None:
        """A private text after ``/warn``: the description, then the vehicle. ``None``: no
        warning was waiting for words from this person."""
        if not caller.private:
            return None
        async with self.core.store.reading() as db:
            # Someone who raised an alert and was asked where they are answers that first:
            # their words go to the alert, never into a warning's draft.
            if await alerts_q.awaiting_location(db, caller.user_id, caller.chat_id):
                return None
            draft = await warnings_q.awaiting_text_from(db, caller.user_id, self.core.now())
        if draft is None or draft.awaiting is None:
            return None
        return await self._typed(caller, draft, draft.awaiting, raw)

    @refusing
    async def _typed(self, caller: Caller, draft: SafetyWarning, field: str, raw: str) -> Reply:
        try:
            words = clean(raw, limit=LIMITS[field])
        except TooLong as exc:
            return refuse("too_long", limit=exc.limit)
        try:
            point, _ = find_coordinates(words)
        except CoordinateError:
            point = None
        if point is not None:
            return refuse("warning.no_coordinates")
        if not words:
            return refuse("warning.empty")
        nxt = "vehicle" if field == "description" else None
        async with self.core.store.transaction() as db:
            await warnings_q.set_text(
                db, draft.id, field, words, nxt, self._until() if nxt else None
            )
            fresh = await warnings_q.warning_by_id(db, draft.id)
        assert fresh is not None
        text, buttons = texts.draft(fresh, self.tz)
        return Reply(text=text, buttons=buttons)

    async def _issuer_draft(
        self, db: aiosqlite.Connection, caller: Caller, warning_id: int
    ) -> tuple[SafetyWarning, Member]:
        w = await warnings_q.warning_by_id(db, warning_id)
        member = await squads_q.member(db, w.squad_id, caller.user_id) if w else None
        if w is None or member is None or member.id != w.issuer_member_id:
            raise Refused(refuse("warning.not_yours"))
        require_insider(member)
        if w.state != "draft":
            raise Refused(refuse("warning.already_sent"))
        return w, member

    @refusing
    async def draft_press(self, caller: Caller, warning_id: int, arg: str) -> Reply:
        """The draft's buttons: switch a violation, skip a step, submit, discard."""
        async with self.core.store.transaction() as db:
            w, member = await self._issuer_draft(db, caller, warning_id)
            if arg == "discard":
                await warnings_q.delete(db, w.id, ("draft",))
                return Reply(text=Text("warning.discarded"), edit_pressed=True)
            if arg == "submit":
                return await self._submit(db, w, member)
            if arg == "skip":
                if w.awaiting is None:
                    return refuse("button.invalid")
                nxt = "vehicle" if w.awaiting == "description" else None
                current = w.description if w.awaiting == "description" else w.vehicle
                await warnings_q.set_text(
                    db, w.id, w.awaiting, current, nxt, self._until() if nxt else None
                )
            elif arg.startswith("v_"):
                try:
                    violation = Violation(arg[2:])
                except ValueError:
                    return refuse("button.invalid")
                await warnings_q.set_violations(db, w.id, w.violations ^ {violation})
            else:
                return refuse("button.invalid")
            fresh = await warnings_q.warning_by_id(db, w.id)
        assert fresh is not None
        text, buttons = texts.draft(fresh, self.tz)
        return Reply(text=text, buttons=buttons, edit_pressed=True)

    async def _submit(self, db: aiosqlite.Connection, w: SafetyWarning, issuer: Member) -> Reply:
        if not w.violations:
            raise Refused(refuse("warning.what_first"))
        if not await warnings_q.submit(db, w.id):
            raise Refused(refuse("warning.already_sent"))
        leads = await squads_q.leads_of(db, w.squad_id)
        if issuer.is_lead and len(leads) == 1:
            count = await self._send(db, w.id, issuer)
            self.core.notify()
            return Reply(text=Text("warning.sent", {"count": count}), edit_pressed=True)
        text, buttons = texts.approval_page(replace(w, state="pending"), self.tz)
        await self.core.page_leads(
            db, w.squad_id, text, buttons, MessageRole.WARNING,
            skip=lambda lead: lead.id == issuer.id or is_police_liaison(lead),
        )  # fmt: skip
        self.core.notify()
        return Reply(text=Text("warning.submitted"), edit_pressed=True)

    async def _send(self, db: aiosqlite.Connection, warning_id: int, by: Member) -> int:
        """Approve and deliver, in private, to every member who may get warnings."""
        now = self.core.now()
        if not await warnings_q.approve(db, warning_id, by.id, now, now + self.lifetime_s):
            raise Refused(refuse("warning.already_decided"))
        sent = await warnings_q.warning_by_id(db, warning_id)
        assert sent is not None
        text = texts.delivered(sent, self.tz)
        count = 0
        for member in await squads_q.members_of_squad(db, sent.squad_id):
            if not member.is_responder or is_police_liaison(member):
                continue
            if member.private_chat_id is None:
                continue
            count += 1
            await self.core.tell(
                db,
                Intent(
                    op=Op.SEND,
                    chat_id=member.private_chat_id,
                    priority=Priority.HIGH,
                    text=text,
                    member_id=member.id,
                    role=MessageRole.WARNING,
                ),
            )
        return count

    async def _deciding_lead(
        self, db: aiosqlite.Connection, caller: Caller, warning_id: int
    ) -> tuple[SafetyWarning, Member]:
        w = await warnings_q.warning_by_id(db, warning_id)
        if w is None:
            raise Refused(refuse("warning.already_decided"))
        lead = require_lead(await squads_q.member(db, w.squad_id, caller.user_id))
        require_insider(lead)
        if lead.id == w.issuer_member_id:
            raise Refused(refuse("warning.own"))
        if w.state != "pending":
            raise Refused(refuse("warning.already_decided"))
        return w, lead

    @refusing
    async def approve(self, caller: Caller, warning_id: int) -> Reply:
        async with self.core.store.transaction() as db:
            w, lead = await self._deciding_lead(db, caller, warning_id)
            count = await self._send(db, w.id, lead)
            if w.issuer_member_id is not None:
                await self._tell_issuer(db, w.issuer_member_id, Text("warning.approved_issuer"))
        self.core.notify()
        return Reply(
            text=Text("warning.sent", {"count": count}),
            answer=Text("warning.approved_answer"),
            edit_pressed=True,
        )

    @refusing
    async def reject(self, caller: Caller, warning_id: int) -> Reply:
        async with self.core.store.transaction() as db:
            w, _ = await self._deciding_lead(db, caller, warning_id)
            if not await warnings_q.delete(db, w.id, ("pending",)):
                return refuse("warning.already_decided")
            if w.issuer_member_id is not None:
                await self._tell_issuer(db, w.issuer_member_id, Text("warning.rejected_issuer"))
        self.core.notify()
        return Reply(
            text=Text("warning.rejected"),
            answer=Text("warning.rejected"),
            edit_pressed=True,
        )

    async def _tell_issuer(self, db: aiosqlite.Connection, member_id: int, text: Text) -> None:
        issuer = await squads_q.member_by_id(db, member_id)
        if issuer is None or issuer.private_chat_id is None:
            return
        await self.core.tell(
            db,
            Intent(
                op=Op.SEND,
                chat_id=issuer.private_chat_id,
                priority=Priority.HIGH,
                text=text,
                member_id=issuer.id,
                role=MessageRole.WARNING,
            ),
        )

    @refusing
    async def list_in_force(self, caller: Caller) -> Reply:
        """``/warnings``: the warnings in force in the caller's squad, in private."""
        require_private(caller)
        async with self.core.store.reading() as db:
            scope = await resolve_single_scope(db, caller)
            require_insider(scope.member)
            found = await warnings_q.in_force(db, scope.squad.id, self.core.now())
        if not found:
            return Reply(text=Text("warnings.none"))
        lines = [texts.delivered(w, self.tz) for w in found]
        return Reply(
            text=Text(
                "lines",
                {
                    "lines": [{"key": "warnings.count", "params": {"count": len(found)}}]
                    + [{"key": x.key, "params": x.params} for x in lines]
                },
            )
        )
