"""Responder check-ins: "Are you safe?" while a responder is on an alert.

From the moment a responder joins an alert's team (and again from when they press
Arrived), they are asked every ``SQUADLINE_CHECKIN_INTERVAL`` until the alert ends, with
"I'm OK" and "I need help". No answer within ``SQUADLINE_CHECKIN_GRACE``, or "I need
help", pages the leads and raises a linked "responder needs help" alert at the
responder's last known location (bot/alerts/linked.py). Every step is a deadline row, so
a restart loses none.
"""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts import Alerts
from bot.alerts.team import TeamWatcher
from bot.core import Caller, Core
from bot.domain import (
    Alert,
    Checkin,
    CheckinState,
    Deadline,
    DeadlineKind,
    Location,
    Member,
    is_live,
)
from bot.drills.marking import marked_reply
from bot.geo import Point
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
)
from bot.messages import format_age
from data import alerts as alerts_q
from data import checkins as checkins_q
from data import deadlines as deadlines_q
from data import sent_messages as sent_q
from data import squads as squads_q

log = logging.getLogger(__name__)

# "I need help" is heard whatever the check-in's state.
ANY_STATE = tuple(CheckinState)


def last_known(
    shared: Location | None, arrived_at: float | None, scene: Point | None, now: float
) -> Point | None:
    """Where the responder was last known to be: the location they shared, or the alert's
    location from the moment they pressed Arrived, whichever is newer (a live location
    Telegram still updates is the newest). None: nobody knows."""
    if arrived_at is None or scene is None:
        return Point(shared.lat, shared.lon) if shared is not None else None
    if shared is not None and (is_live(shared, now) or shared.at >= arrived_at):
        return Point(shared.lat, shared.lon)
    return scene


class Checkins(TeamWatcher):
    kinds = frozenset({DeadlineKind.CHECKIN})

    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.core = core
        self.alerts = alerts
        self.settings = core.settings

    # -- the team hooks ---------------------------------------------------------------

    async def joined(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        now = self.core.now()
        checkin = await checkins_q.start(db, alert.id, member.id, now)
        await self._next_question(db, checkin, now)

    async def arrived(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        """The interval starts again from now. A question already open keeps its grace: it
        still wants its answer, and the next one counts from that answer."""
        checkin = await checkins_q.checkin_of(db, alert.id, member.id)
        if checkin is None:
            return
        now = self.core.now()
        await checkins_q.mark_arrived(db, checkin.id, now)
        if checkin.state is not CheckinState.ASKED:
            await checkins_q.restart(db, checkin.id)
            await self._next_question(db, checkin, now)

    async def left(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        checkin = await checkins_q.checkin_of(db, alert.id, member.id)
        if checkin is None:
            return
        if checkin.state in (CheckinState.ASKED, CheckinState.MISSED):
            # Its buttons go. (At close or cancel every private message about the alert is
            # cleaned anyway: bot/phones.py.)
            await self._edit(db, alert, member, Text("checkin.stopped", {"code": alert.code}))
        await self._stop(db, checkin)

    async def finished(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """No more questions. The open ones are edited down with every other private message
        about the alert (bot/phones.py ``clean_phones``), right after this hook."""
        for checkin in await checkins_q.checkins_of_alert(db, alert.id):
            await self._stop(db, checkin)

    async def fire(self, db: aiosqlite.Connection, deadline: Deadline, alert: Alert) -> None:
        """The next question is due, or an open question's grace is over."""
        if deadline.ref_id is None or not alert.is_open:
            return
        checkin = await checkins_q.checkin_by_id(db, deadline.ref_id)
        if checkin is None or checkin.alert_id != alert.id:
            return
        member = await squads_q.member_by_id(db, checkin.member_id)
        if member is None:
            return
        if checkin.state is CheckinState.ASKED:
            await self._missed(db, alert, member, checkin)
        else:
            await self._ask(db, alert, member, checkin)

    # -- the answer -------------------------------------------------------------------

    @refusing
    async def answer(self, caller: Caller, checkin_id: int, ok: bool) -> Reply:
        """**I'm OK** or **I need help**: only the responder it asks may answer."""
        async with self.core.store.transaction() as db:
            checkin, alert, member = await self._pressed(db, caller, checkin_id)
            if ok:
                reply = await self._ok(db, alert, member, checkin)
            else:
                reply = await self._help_pressed(db, alert, member, checkin)
        self.core.notify()
        return marked_reply(reply) if alert.drill else reply

    async def _pressed(
        self, db: aiosqlite.Connection, caller: Caller, checkin_id: int
    ) -> tuple[Checkin, Alert, Member]:
        checkin = await checkins_q.checkin_by_id(db, checkin_id)
        if checkin is None:
            raise Refused(refuse("checkin.over"))
        member = await squads_q.member_by_id(db, checkin.member_id)
        if member is None or member.user_id != caller.user_id:
            raise Refused(refuse("checkin.not_yours"))
        alert = await alerts_q.alert_by_id(db, checkin.alert_id)
        if alert is None or not alert.is_open:
            raise Refused(refuse("checkin.over"))
        return checkin, alert, member

    async def _ok(
        self, db: aiosqlite.Connection, alert: Alert, member: Member, checkin: Checkin
    ) -> Reply:
        """In time: thanks, and the next question in an interval. Late (the leads were
        told already): the same, and the leads hear it; the linked alert stays theirs to
        decide (an answer can be forced out of someone)."""
        now = self.core.now()
        late = checkin.state is CheckinState.MISSED
        expect = (CheckinState.MISSED,) if late else (CheckinState.ASKED,)
        if not await checkins_q.answer(db, checkin.id, CheckinState.OK, now, expect=expect):
            raise Refused(refuse("checkin.not_asked", code=alert.code))
        text = Text("checkin.ok", {"code": alert.code, "interval": format_age(self._interval())})
        await self._edit(db, alert, member, text)
        linked = await self._open_help_alert(db, checkin)
        if late and linked is not None:
            page = {"code": alert.code, "alias": member.alias, "linked": linked.code}
            await self.alerts.page_leads_about(db, linked, Text("checkin.lead_ok_late", page))
        await self._next_question(db, checkin, now)
        log.info("alert %s: check-in %s answered OK", alert.code, checkin.id)
        return Reply(answer=text)

    async def _help_pressed(
        self, db: aiosqlite.Connection, alert: Alert, member: Member, checkin: Checkin
    ) -> Reply:
        now = self.core.now()
        if not await checkins_q.answer(db, checkin.id, CheckinState.HELP, now, expect=ANY_STATE):
            raise Refused(refuse("checkin.over"))
        linked = await self._need_help(db, alert, member, checkin, missed=False)
        sent = Text("checkin.help_sent", {"code": alert.code, "linked": linked.code})
        await self._edit(db, alert, member, sent)
        await self._next_question(db, checkin, now)
        log.warning("alert %s: check-in %s asked for help", alert.code, checkin.id)
        if linked.has_location or linked.drill:  # a drill takes no real location
            return Reply(answer=sent)
        # Nobody knows where they are: their pin, sent now, becomes the linked alert's.
        where = Text("checkin.where", {"linked": linked.code})
        return Reply(text=where, answer=sent, request_location=True)

    # -- asking, and no answer --------------------------------------------------------

    async def _ask(
        self, db: aiosqlite.Connection, alert: Alert, member: Member, checkin: Checkin
    ) -> None:
        now = self.core.now()
        if not await checkins_q.mark_asked(db, checkin.id, now):
            return
        if member.private_chat_id is not None:  # unreachable: the grace runs out, and leads hear
            question = Text("checkin.ask", {"code": alert.code, "grace": format_age(self._grace())})
            buttons = (
                (
                    Button(Text("button.checkin_ok"), Action.SAFE, checkin.id),
                    Button(Text("button.checkin_help"), Action.NEED_HELP, checkin.id),
                ),
            )
            await self.core.tell(
                db,
                Intent(
                    op=Op.SEND,
                    chat_id=member.private_chat_id,
                    priority=Priority.URGENT,
                    text=question,
                    buttons=buttons,
                    alert_id=alert.id,
                    member_id=member.id,
                    role=MessageRole.CHECKIN,
                ),
            )
        await self._schedule(db, checkin, now + self._grace())
        log.info("alert %s: check-in %s asked", alert.code, checkin.id)

    async def _missed(
        self, db: aiosqlite.Connection, alert: Alert, member: Member, checkin: Checkin
    ) -> None:
        now = self.core.now()
        expect = (CheckinState.ASKED,)
        if not await checkins_q.answer(db, checkin.id, CheckinState.MISSED, now, expect=expect):
            return
        linked = await self._need_help(db, alert, member, checkin, missed=True)
        text = Text("checkin.missed", {"code": alert.code, "linked": linked.code})
        late_ok = ((Button(Text("button.checkin_ok"), Action.SAFE, checkin.id),),)
        await self._edit(db, alert, member, text, late_ok)
        await self._next_question(db, checkin, now)
        log.warning("alert %s: check-in %s went unanswered", alert.code, checkin.id)

    async def _need_help(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        member: Member,
        checkin: Checkin,
        *,
        missed: bool,
    ) -> Alert:
        """Page the leads, and raise the linked alert unless one raised for this responder
        is still open. Returns the linked alert."""
        linked = await self._open_help_alert(db, checkin)
        again = linked is not None
        if linked is None:
            scene = None
            if alert.lat is not None and alert.lon is not None:
                scene = Point(alert.lat, alert.lon)
            shared = await squads_q.location_of(db, member.user_id)
            point = last_known(shared, checkin.arrived_at, scene, self.core.now())
            linked = await self.alerts.raise_linked(db, alert, member, point)
            await checkins_q.set_help_alert(db, checkin.id, linked.id)
        key = f"checkin.lead_{'missed' if missed else 'help'}{'_again' if again else ''}"
        params = {
            "code": alert.code,
            "alias": member.alias,
            "linked": linked.code,
            "grace": format_age(self._grace()),
        }
        await self.alerts.page_leads_about(db, linked, Text(key, params))
        return linked

    async def _open_help_alert(self, db: aiosqlite.Connection, checkin: Checkin) -> Alert | None:
        if checkin.help_alert_id is None:
            return None
        linked = await alerts_q.alert_by_id(db, checkin.help_alert_id)
        return linked if linked is not None and linked.is_open else None

    # -- plumbing ---------------------------------------------------------------------

    async def _next_question(self, db: aiosqlite.Connection, checkin: Checkin, now: float) -> None:
        await self._schedule(db, checkin, now + self._interval())

    async def _schedule(self, db: aiosqlite.Connection, checkin: Checkin, due: float) -> None:
        """The check-in's one pending deadline (whatever was pending goes)."""
        now = self.core.now()
        await deadlines_q.cancel_ref_deadlines(db, DeadlineKind.CHECKIN, checkin.id, now)
        await deadlines_q.add_deadline(
            db, DeadlineKind.CHECKIN, checkin.alert_id, due, ref_id=checkin.id
        )

    async def _stop(self, db: aiosqlite.Connection, checkin: Checkin) -> None:
        now = self.core.now()
        await deadlines_q.cancel_ref_deadlines(db, DeadlineKind.CHECKIN, checkin.id, now)
        await checkins_q.delete(db, checkin.id)

    async def _edit(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        member: Member,
        text: Text,
        buttons: tuple[tuple[Button, ...], ...] = (),
    ) -> None:
        """Edit the last question to how it ended. It is named by its message id as it is
        now, so a question sent after this decision is never the one edited."""
        chat = member.private_chat_id
        if chat is None:
            return
        message_id = await sent_q.find_message(db, alert.id, MessageRole.CHECKIN.value, chat)
        intent = Intent(
            op=Op.EDIT,
            chat_id=chat,
            priority=Priority.HIGH,
            text=text,
            buttons=buttons,
            alert_id=alert.id,
            member_id=member.id,
            role=MessageRole.CHECKIN,
            message_id=message_id,
        )
        await self.core.tell(db, intent)

    def _interval(self) -> float:
        return self.settings.checkin_interval.total_seconds()

    def _grace(self) -> float:
        return self.settings.checkin_grace.total_seconds()
