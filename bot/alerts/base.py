"""What every phase of the alert lifecycle shares: finding the alert a caller names, telling
the reporter, paging the leads, and the reporter's contact question."""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiosqlite

from bot.alerts import notices
from bot.alerts.team import TeamWatcher
from bot.core import Caller, Core
from bot.domain import (
    Alert,
    Member,
    Origin,
    Outcome,
    Skill,
    Squad,
)
from bot.geocode import Geocoder
from bot.intents import (
    Button,
    MessageRole,
    Refused,
    Text,
    refuse,
)
from data import alerts as alerts_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


# The start parameter of the "📍 Send my location privately" link: this prefix and the code.
PIN_LINK_PREFIX = "pin-"


async def _reload(db: aiosqlite.Connection, alert_id: int) -> Alert:
    """The alert as it is now, after a change in the same transaction."""
    alert = await alerts_q.alert_by_id(db, alert_id)
    assert alert is not None
    return alert


def _pairs(items: list[Outcome]) -> list[list[Outcome]]:
    return [items[i : i + 2] for i in range(0, len(items), 2)]


class AlertsBase:
    """The shared state and helpers of every phase."""

    def __init__(self, core: Core, geocoder: Geocoder | None = None) -> None:
        self.core = core
        self.settings = core.settings
        self.geocoder = geocoder
        self.watchers: list[TeamWatcher] = []
        # What follows a close: each step adds a row of buttons under the closing message
        # (the case record, bot/records/; an empty row adds nothing).
        self.after_close: list[Callable[[Alert], tuple[Button, ...]]] = []

    async def _finished(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """The alert was closed or cancelled: every watcher stops what it follows."""
        for watcher in self.watchers:
            await watcher.finished(db, alert)

    def watch(self, watcher: TeamWatcher) -> None:
        """Let ``watcher`` follow every alert's team (see bot/alerts/team.py)."""
        self.watchers.append(watcher)

    async def _alert_for_caller(self, caller: Caller, code: str) -> Alert:
        """Find an alert by code in the caller's squad (group) or their squads (private)."""
        async with self.core.store.reading() as db:
            if caller.private:
                alert = await alerts_q.alert_by_code(db, None, code)
                if alert is not None and await squads_q.member(db, alert.squad_id, caller.user_id):
                    return alert
                if alert is not None and alert.reporter_user_id == caller.user_id:
                    return alert
                raise Refused(refuse("unknown_code", code=code))
            squad = await squads_q.squad_by_chat(db, caller.chat_id)
            if squad is None:
                raise Refused(refuse("not_set_up"))
            alert = await alerts_q.alert_by_code(db, squad.id, code)
            if alert is None:
                raise Refused(refuse("unknown_code", code=code))
            return alert

    async def _load(
        self, db: aiosqlite.Connection, caller: Caller, alert_id: int
    ) -> tuple[Alert, Member]:
        """The pressed alert and the caller's membership in its squad, or a refusal."""
        alert = await alerts_q.alert_by_id(db, alert_id)
        if alert is None:
            raise Refused(refuse("error"))
        member = await squads_q.member(db, alert.squad_id, caller.user_id)
        if member is None:
            raise Refused(refuse("not_member"))
        return alert, member

    async def _tell_reporter(
        self, db: aiosqlite.Connection, alert: Alert, key: str, *, unless: int | None
    ) -> None:
        """Tell the reporter in private, if they can be reached and are not ``unless``."""
        if alert.linked_alert_id is not None:
            return  # "a responder needs help": their phone may be in other hands
        chat = await self._reporter_chat(db, alert)
        if chat is None or alert.reporter_user_id == unless:
            return
        await self.core.tell(db, notices.reporter_notice(alert, chat, key))

    async def _reporter_chat(self, db: aiosqlite.Connection, alert: Alert) -> int | None:
        if alert.origin is Origin.PRIVATE:
            return alert.origin_chat_id or None  # 0: unlinked (closed, or /forgetme)
        return await squads_q.private_chat_of(db, alert.reporter_user_id)

    async def _page_leads(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        text: Text,
        buttons: tuple[tuple[Button, ...], ...],
        role: MessageRole,
    ) -> None:
        """The one way to page every lead of the alert's squad, in private."""
        for lead in await squads_q.leads_of(db, alert.squad_id):
            if lead.private_chat_id is not None:
                await self.core.tell(
                    db, notices.page(alert, lead.private_chat_id, lead.id, text, buttons, role)
                )

    async def _ask_contact_once(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """A private reporter is asked about contact once the location is settled (it came,
        or the wait is over), so the question never pushes the location request away."""
        if alert.origin is not Origin.PRIVATE or alert.held or not alert.origin_chat_id:
            return
        if await alerts_q.mark_contact_asked(db, alert.id):
            await self.core.tell(db, notices.contact_question(alert, alert.origin_chat_id))
            ask = await self._ask_police(db, alert)
            if alert.crisis_type is None:  # what is happening: dispatch does not wait for it
                question = notices.type_question(alert, alert.origin_chat_id, ask_police=ask)
                await self.core.tell(db, question)
            elif ask:  # the words chose the type; the consent question still comes
                await self.core.tell(db, notices.police_question(alert, alert.origin_chat_id))

    async def _ask_police(self, db: aiosqlite.Connection, alert: Alert) -> bool:
        """Whether to offer the consent button: only where a police liaison could use it."""
        if alert.police_consent:
            return False
        members = await squads_q.members_of_squad(db, alert.squad_id)
        return any(Skill.POLICE in m.skills for m in members)

    def _wait_s(self) -> int:
        return int(self.settings.location_wait.total_seconds())

    @staticmethod
    def _cleanup(caller: Caller, squad: Squad, location_message_id: int | None) -> tuple[int, ...]:
        if not squad.hygiene:
            return ()
        return tuple(m for m in (caller.message_id, location_message_id) if m is not None)
