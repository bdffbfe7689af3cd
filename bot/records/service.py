"""``Records``: the case record offered after the outcome at closing, and ``/record CODE``.

The record is optional and all on buttons: a closer can skip it, and the alert's team or a
lead can complete it later. It holds categories only (``bot.records.model``), never text.
"""

from __future__ import annotations

from dataclasses import replace

import aiosqlite

from bot.alerts import Alerts
from bot.alerts.team import BriefPart, TeamWatcher, on_team_or_lead
from bot.core import Caller, Core
from bot.domain import Alert, AlertState, Member
from bot.intents import Action, Button, Refused, Reply, Text, refuse, refusing
from bot.records.model import CaseRecord, Consent, Perpetrator, Service, Violation
from bot.records.pages import Page, finished, page
from data import alerts as alerts_q
from data import case_records as records_q
from data import squads as squads_q


async def may_record(db: aiosqlite.Connection, caller: Caller, alert: Alert) -> Member:
    """The alert's team or a lead of its squad, once the alert is closed; else refused."""
    member = await squads_q.member(db, alert.squad_id, caller.user_id)
    if member is None:
        # A forged or stale press from outside the squad learns nothing, not even the code.
        raise Refused(refuse("button.invalid"))
    if not member.is_responder:
        raise Refused(refuse("record.not_allowed", code=alert.code))
    if not await on_team_or_lead(db, alert, member):
        raise Refused(refuse("record.not_allowed", code=alert.code))
    if alert.drill:  # nothing happened to anyone: there is nothing to record
        raise Refused(refuse("drill.no_record", code=alert.code))
    if alert.state is not AlertState.CLOSED:
        raise Refused(refuse("record.not_closed", code=alert.code))
    return member


class Records(TeamWatcher):
    """The case record; it watches alerts only to offer the record when one closes."""

    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.core = core
        alerts.watch(self)

    async def after_close(
        self, db: aiosqlite.Connection, alert: Alert, member: Member
    ) -> BriefPart:
        """The step after a close: a button that opens the record (it can be skipped); none
        after a drill."""
        if alert.drill:
            return BriefPart()
        return BriefPart(
            buttons=((Button(Text("button.record"), Action.RECORD, alert.id, "open"),),)
        )

    @refusing
    async def command(self, caller: Caller, code: str) -> Reply:
        """``/record CODE``: the record's first page, in private."""
        async with self.core.store.reading() as db:
            alert = await alerts_q.alert_by_code(db, None, code)
            if alert is None or await squads_q.member(db, alert.squad_id, caller.user_id) is None:
                return refuse("unknown_code", code=code)
            await may_record(db, caller, alert)
            record = await records_q.record_of(db, alert.id)
        shown = page(alert.code, alert.id, record, Page.VIOLATIONS)
        # Sent in the group, it is answered in private, and its message there is deleted.
        cleanup = (caller.message_id,) if not caller.private and caller.message_id else ()
        return replace(shown, edit_pressed=False, private=not caller.private, cleanup=cleanup)

    @refusing
    async def press(self, caller: Caller, alert_id: int, arg: str) -> Reply:
        """A button of the record. Checked again on every press."""
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is None:
                return refuse("button.invalid")
            await may_record(db, caller, alert)
            record = await records_q.record_of(db, alert.id)
            if arg == "open":
                shown = page(alert.code, alert.id, record, Page.VIOLATIONS)
                return replace(shown, edit_pressed=False, private=not caller.private)
            if arg == "skip" and record is not None:
                return finished(alert.code, record)  # what was chosen so far is kept
            if arg == "skip":
                return Reply(
                    text=Text("record.skipped", {"code": alert.code}),
                    answer=Text("record.skipped_answer"),
                    edit_pressed=True,
                )
            if arg == "done":
                return finished(alert.code, record)
            if arg.startswith("pg_"):
                return page(alert.code, alert.id, record, _page(arg[3:]))
            changed, shown_page = _apply(record or CaseRecord(alert_id=alert.id), arg)
            await records_q.save(db, changed, self.core.now())
        return page(alert.code, alert.id, changed, shown_page)


def _page(raw: str) -> Page:
    try:
        return Page(raw)
    except ValueError:
        raise Refused(refuse("button.invalid")) from None


def _apply(record: CaseRecord, arg: str) -> tuple[CaseRecord, Page]:
    """One choice: a set's item switches on or off; a single choice is set (pressed again,
    the perpetrator is unset)."""
    kind, _, value = arg.partition("_")
    try:
        if kind == "v":
            violation = Violation(value)
            return replace(record, violations=record.violations ^ {violation}), Page.VIOLATIONS
        if kind == "p":
            who = Perpetrator(value)
            return replace(
                record, perpetrator=None if record.perpetrator is who else who
            ), Page.PERPETRATOR
        if kind == "s":
            service = Service(value)
            return replace(record, services=record.services ^ {service}), Page.SERVICES
        if kind == "c":
            return replace(record, consent=Consent(value)), Page.CONSENT
    except ValueError:
        pass
    raise Refused(refuse("button.invalid"))
