"""Closing: close with an outcome, the note, and cancel."""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts.base import _pairs, _reload
from bot.alerts.planning import Planning
from bot.alerts.team import on_team_or_lead
from bot.core import Caller
from bot.domain import (
    OPEN_STATES,
    OWNED_STATES,
    Alert,
    AlertState,
    Availability,
    Member,
    OfferAnswer,
    Outcome,
)
from bot.intents import (
    Action,
    Button,
    Intent,
    MessageRole,
    Op,
    Priority,
    Refused,
    Reply,
    Text,
    refuse,
    refusing,
    reply,
)
from bot.messages import t
from bot.phones import clean_phones
from bot.text import NOTE_MAX, TooLong, clean
from data import alerts as alerts_q
from data import audit as audit_q
from data import deadlines as deadlines_q
from data import note_requests as note_requests_q
from data import offers as offers_q
from data import privacy as privacy_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


def _final(state: AlertState) -> str:
    """Which "already finished" sentence fits: closed, or cancelled."""
    return "closed" if state is AlertState.CLOSED else "cancelled"


class Closing(Planning):
    async def _free_team(self, db: aiosqlite.Connection, alert: Alert) -> list[Member]:
        """The alert is finished: its responders are available again. Returns them."""
        team = await squads_q.holders_of(db, alert.id)
        busy = [m.id for m in team if m.availability is Availability.BUSY]
        if busy:
            await squads_q.set_availability(db, busy, Availability.AVAILABLE)
        return team

    @refusing
    async def close(self, caller: Caller, code: str) -> Reply:
        """``/close CODE``: offer the outcome buttons."""
        alert = await self._alert_for_caller(caller, code)
        return await self._close_prompt(caller, alert.id)

    async def _may_close(self, db: aiosqlite.Connection, caller: Caller, alert: Alert) -> Member:
        member = await squads_q.member(db, alert.squad_id, caller.user_id)
        if member is None:
            raise Refused(refuse("not_member"))
        if not await on_team_or_lead(db, alert, member):
            raise Refused(refuse("close.not_allowed", code=alert.code))
        if alert.state not in OWNED_STATES:
            raise Refused(refuse("close.not_open", code=alert.code))
        return member

    async def _close_prompt(self, caller: Caller, alert_id: int) -> Reply:
        async with self.core.store.reading() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is None:
                return refuse("error")
            await self._may_close(db, caller, alert)
        buttons = tuple(
            tuple(
                Button(Text(f"outcome.{o.value}"), Action.OUTCOME, alert.id, o.value) for o in pair
            )
            for pair in _pairs(list(Outcome))
        )
        return Reply(
            text=Text("close.pick", {"code": alert.code}),
            buttons=buttons,
            answer=Text("close.pick_answer", {"code": alert.code}),
        )

    async def _close(self, caller: Caller, alert_id: int, outcome: Outcome) -> Reply:
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is None:
                return refuse("error")
            member = await self._may_close(db, caller, alert)
            now = self.core.now()
            if not await alerts_q.transition(
                db, alert.id, OWNED_STATES, AlertState.CLOSED, outcome=outcome.value, closed_at=now
            ):
                return refuse("close.not_open", code=alert.code)
            self.core.crash_point("close")
            await deadlines_q.cancel_deadlines(db, alert.id, now)
            await self._finished(db, alert)
            await clean_phones(db, alert, AlertState.CLOSED, now)
            await offers_q.close_open_offers(db, alert.id, OfferAnswer.WITHDRAWN, now)
            team = await self._free_team(db, alert)
            await audit_q.audit(db, alert.squad_id, caller.user_id, "closed", alert.code, now)
            fresh = await _reload(db, alert.id)
            await self._card(db, fresh, Op.EDIT)
            await self._tell_reporter(
                db, fresh, "reporter.closed", unless=team[0].user_id if team else None
            )
            await privacy_q.finish(db, alert.id)  # after the reporter is told
            # What follows a close (a referral, the follow-ups): each watcher's part.
            follows = [await w.after_close(db, fresh, member) for w in self.watchers]
        self.core.notify()
        key = "close.done" if any(m.id == member.id for m in team) else "close.done_lead"
        # A drill is deleted once its phones are cleaned: no note, nothing follows it.
        key = f"drill.{key.replace('.', '_')}" if alert.drill else key
        lines = [t(key, code=alert.code, outcome=t(f"outcome.{outcome.value}"))]
        lines += [line for part in follows for line in part.lines]
        note = () if alert.drill else ((Button(Text("button.add_note"), Action.NOTE, alert.id),),)
        # The picker becomes the closing message: its outcome buttons go, "Add note" comes.
        return Reply(
            text=Text("lines", {"lines": lines}),
            answer=Text("close.closed_answer", {"code": alert.code}),
            buttons=(*note, *(row for part in follows for row in part.buttons)),
            edit_pressed=True,
        )

    async def _request_note(self, caller: Caller, alert_id: int) -> Reply:
        """ "📝 Add note": the next text this person sends in private is the note."""
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            alert, member = loaded
            if not await on_team_or_lead(db, alert, member):
                return refuse("close.not_allowed", code=alert.code)
            if alert.state is not AlertState.CLOSED:
                return refuse("note.not_closed", code=alert.code)
            until = self.core.now() + self.settings.note_wait.total_seconds()
            await note_requests_q.request_note(db, caller.user_id, alert.id, until)
        text = Text("note.ask", {"code": alert.code})
        return Reply(text=text, answer=text, private=not caller.private)

    async def typed_note(self, caller: Caller, raw_text: str) -> Reply | None:
        """A text in private after "Add note" was pressed; ``None``: no note was asked for."""
        async with self.core.store.transaction() as db:
            alert_id = await note_requests_q.take_note_request(db, caller.user_id, self.core.now())
            alert = await alerts_q.alert_by_id(db, alert_id) if alert_id else None
        if alert is None:
            return None
        return await self._save_note(caller, alert, raw_text)

    @refusing
    async def note(self, caller: Caller, code: str, body: str) -> Reply:
        """``/note CODE text`` on a closed alert, by its owner or a lead."""
        if not body.strip():
            return refuse("note.usage")
        alert = await self._alert_for_caller(caller, code)
        return await self._save_note(caller, alert, body)

    async def _save_note(self, caller: Caller, alert: Alert, body: str) -> Reply:
        try:
            note = clean(body, limit=NOTE_MAX, single_line=False)
        except TooLong as exc:
            return refuse("too_long", limit=exc.limit)
        if not note:
            return refuse("note.usage")
        async with self.core.store.transaction() as db:
            member = await squads_q.member(db, alert.squad_id, caller.user_id)
            if member is None:
                return refuse("not_member")
            if not await on_team_or_lead(db, alert, member):
                return refuse("close.not_allowed", code=alert.code)
            if not await alerts_q.set_note(db, alert.id, note):
                if await alerts_q.is_purged(db, alert.id):
                    days = self.settings.retention_days
                    return refuse("note.purged", code=alert.code, days=days)
                return refuse("note.not_closed", code=alert.code)
        return reply("note.done", code=alert.code)

    @refusing
    async def cancel(self, caller: Caller, code: str) -> Reply:
        """``/cancel CODE`` by the reporter or a lead: everyone holding it stands down."""
        found = await self._alert_for_caller(caller, code)
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, found.id)
            assert alert is not None
            member = await squads_q.member(db, alert.squad_id, caller.user_id)
            is_lead = member is not None and member.is_lead
            if alert.reporter_user_id != caller.user_id and not is_lead:
                return refuse("cancel.not_allowed", code=alert.code)
            if alert.linked_alert_id is not None and not is_lead:
                # "A responder needs help": an answer can be forced out of someone.
                return refuse("cancel.linked_leads_only", code=alert.code)
            if not alert.is_open:
                return refuse(f"cancel.not_open.{_final(alert.state)}", code=alert.code)
            # A reporter whose alert someone else cancelled is told, and how to ask again.
            told = "reporter.cancelled", caller.user_id
            if not await self._cancel(db, alert, caller.user_id, told):
                return refuse(f"cancel.not_open.{_final(alert.state)}", code=alert.code)
        self.core.notify()
        return reply("cancel.done", code=alert.code)

    async def _cancel(
        self, db: aiosqlite.Connection, alert: Alert, by: int | None, told: tuple[str, int]
    ) -> bool:
        """Cancel an open alert (one guarded UPDATE; False: it had already ended): everyone
        holding it stands down, phones are cleaned, the board shows it. ``by``: who, for the
        audit (None: the bot itself). ``told``: what the reporter hears, unless they are
        the person named."""
        now = self.core.now()
        if not await alerts_q.transition(
            db, alert.id, OPEN_STATES, AlertState.CANCELLED, closed_at=now
        ):
            return False
        await deadlines_q.cancel_deadlines(db, alert.id, now)
        await self._finished(db, alert)
        await privacy_q.finish(db, alert.id)
        await clean_phones(db, alert, AlertState.CANCELLED, now)
        for offer in await offers_q.close_open_offers(db, alert.id, OfferAnswer.CANCELLED, now):
            await self._edit_offer(db, alert, offer.member_id, "offer.cancelled")
        for responder in await self._free_team(db, alert):
            if responder.private_chat_id is None:
                continue
            notice = Intent(
                op=Op.SEND,
                chat_id=responder.private_chat_id,
                priority=Priority.URGENT,
                text=Text("offer.cancelled", {"code": alert.code}),
                alert_id=alert.id,
                member_id=responder.id,
                role=MessageRole.NOTICE,
            )
            await self.core.tell(db, notice)
        await self._tell_reporter(db, alert, told[0], unless=told[1])
        await audit_q.audit(db, alert.squad_id, by, "cancelled", alert.code, now)
        fresh = await _reload(db, alert.id)
        await self._card(db, fresh, Op.EDIT)
        return True
