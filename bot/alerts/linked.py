"""A "responder needs help" alert, raised by the core itself when a responder's check-in
goes unanswered or they press "I need help" (see bot/checkins.py).

It is an alert like any other, in the same squad, so it is dispatched, escalated, closed
and cleaned up the same way, and its precise location goes only to whoever takes it. Its
reporter is the responder (so they are not offered it), in their private chat; it points
at the alert they were on.
"""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts import notices
from bot.alerts.base import _reload
from bot.alerts.drilling import Drilling
from bot.domain import Alert, Member, Origin, new_alert_code
from bot.geo import Point
from bot.intents import MessageRole, Priority, Text
from data import alerts as alerts_q
from data import privacy as privacy_q

log = logging.getLogger("bot.alerts")


class Linked(Drilling):
    async def raise_linked(
        self, db: aiosqlite.Connection, alert: Alert, member: Member, point: Point | None
    ) -> Alert:
        """Raise and dispatch the "responder needs help" alert for ``member`` on ``alert``,
        at ``point`` (their last known location; None: it goes to the whole squad after
        the location wait, like any alert without one). Inside the caller's transaction.
        From a drill it is a drill too, at the drill's made-up place, never where the
        responder really is."""
        if alert.drill:
            lat, lon = alert.lat, alert.lon
            point = Point(lat, lon) if lat is not None and lon is not None else None
        code = await self._fresh_code(db)
        linked = await alerts_q.insert_alert(
            db,
            squad_id=alert.squad_id,
            code=code,
            reporter_user_id=member.user_id,
            origin=Origin.PRIVATE,
            origin_chat_id=member.private_chat_id or 0,
            origin_message_id=None,
            text="",
            lat=point.lat if point else None,
            lon=point.lon if point else None,
            # The card shows the area of the alert the responder was on, never the grid cell
            # of where the responder is now (the group knows who was responding).
            area_label=alert.area_label,
            now=self.core.now(),
        )
        await alerts_q.set_linked(db, linked.id, alert.id)
        if alert.drill:
            await self._become_drill(db, linked.id)
        # Its words are the code of the alert it comes from (never a name), added after the
        # team is planned so a code is never read as words about the crisis.
        linked = await self._plan(db, await _reload(db, linked.id))
        await alerts_q.append_text(db, linked.id, alert.code)
        await privacy_q.set_reporter_alias(db, linked.id, f"R-{new_alert_code(4)}")
        # No contact or "what is happening?" question: someone who may be in danger, or
        # whose phone may be in other hands, gets only the messages that help them.
        await alerts_q.mark_contact_asked(db, linked.id)
        linked = await _reload(db, linked.id)
        await self._start_dispatch(db, linked, reply_to=None)
        log.warning("alert %s: linked alert %s raised for a responder", alert.code, linked.code)
        return await _reload(db, linked.id)

    async def page_leads_about(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        text: Text,
        *,
        linked: bool = True,
        priority: Priority = Priority.URGENT,
    ) -> None:
        """Page every lead about ``alert``, with its Claim button while it is open; a page
        not ``linked`` to it (about what follows a finished case) has no button."""
        buttons = notices.claim_button(alert) if alert.is_open and linked else ()
        await self._page_leads(
            db, alert, text, buttons, MessageRole.PAGE, linked=linked, priority=priority
        )
