"""Where is it? Every reasonable answer from a reporter in a hurry counts.

- A pin sent as a reply to the "where is it?" question, or to the alert's card.
- A pin in the group that is not a reply, from the reporter of an alert still waiting
  for a location (the bot sees it when it is an admin there).
- A pin sent in private, after the question's "📍 Send my location privately" button,
  which works for a reporter who is not a member and keeps the pin out of the group.
- A typed answer ("near the taxi rank on Main St"): added to the alert's words, and
  resolved against the squad's saved places (and the geocoder, when an operator enabled it).
"""

from __future__ import annotations

import logging
from typing import Any

import aiosqlite

from bot.alerts import PIN_LINK_PREFIX, Alerts
from bot.core import Caller, Core
from bot.domain import Alert
from bot.geo import CoordinateError, Point, find_coordinates
from bot.intents import MessageRole, Reply, Text, refuse
from bot.languages import telegram_language_of
from bot.text import ALERT_TEXT_MAX, TooLong, clean
from data import alerts as alerts_q
from data import squads as squads_q

log = logging.getLogger(__name__)

__all__ = ["PIN_LINK_PREFIX", "Locating"]

_ANSWERED_ROLES = (MessageRole.LOCATION_PROMPT.value, MessageRole.CARD.value)


class Locating:
    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.core = core
        self.alerts = alerts

    async def _waiting_in_group(
        self, db: aiosqlite.Connection, caller: Caller, replied_to: int | None
    ) -> Alert | None:
        """The alert a group message answers: the one whose question or card it replies to,
        else the sender's own alert that is still waiting for a location."""
        alert: Alert | None = None
        if replied_to is not None:
            for role in _ANSWERED_ROLES:
                alert_id = await alerts_q.alert_for_message(db, caller.chat_id, replied_to, role)
                if alert_id is not None:
                    alert = await alerts_q.alert_by_id(db, alert_id)
                    break
        if alert is None:
            alert = await alerts_q.awaiting_location_in_group(db, caller.user_id, caller.chat_id)
        if alert is None or not alert.is_open or alert.has_location:
            return None
        return alert

    async def group_pin(self, caller: Caller, replied_to: int | None, point: Point) -> Reply | None:
        """A location in a group. ``None``: it answers no waiting alert, so it is left alone."""
        async with self.core.store.transaction() as db:
            alert = await self._waiting_in_group(db, caller, replied_to)
            if alert is None:
                return None
            await self.alerts.attach_location(db, alert, point)
            squad = await squads_q.squad_by_id(db, alert.squad_id)
        self.core.notify()
        log.info("alert %s got its location from the group", alert.code)
        # The pin is public in the group: it goes once captured (hygiene).
        cleanup = (caller.message_id,) if squad and squad.hygiene and caller.message_id else ()
        return Reply(text=Text("location.alert_attached", {"code": alert.code}), cleanup=cleanup)

    async def typed_answer(
        self, caller: Caller, raw_text: str, replied_to: int | None
    ) -> Reply | None:
        """Words instead of a pin. ``None``: the text answers no waiting alert."""
        try:
            words = clean(raw_text, limit=ALERT_TEXT_MAX, single_line=False)
        except TooLong as exc:
            return refuse("too_long", limit=exc.limit)
        if not words:
            return None
        try:
            point, words = find_coordinates(words)
        except CoordinateError as exc:
            return refuse(exc.reason)
        async with self.core.store.reading() as db:
            if caller.private:
                alert = await alerts_q.awaiting_location(db, caller.user_id, caller.chat_id)
            elif replied_to is not None:
                alert = await self._waiting_in_group(db, caller, replied_to)
            else:
                alert = None  # a group message that replies to nothing is conversation
            if alert is None:
                return None
            squad = await squads_q.squad_by_id(db, alert.squad_id)
            assert squad is not None
            place = None if point is not None else await self.alerts.place_in(db, squad, words)
        geocoded = None
        if point is None and place is None:
            geocoded = await self.alerts.geocode_text(words)
        async with self.core.store.transaction() as db:
            fresh = await alerts_q.alert_by_id(db, alert.id)
            if fresh is None or not fresh.is_open or fresh.has_location:
                return refuse("location.already_set", code=alert.code)
            if words:
                await alerts_q.append_text(db, fresh.id, words[: ALERT_TEXT_MAX // 2])
            found: Any = None
            if point is not None:
                await self.alerts.attach_location(db, fresh, point)
                found = Text("location.got_point")
            elif place is not None:
                await self.alerts.attach_location(
                    db, fresh, Point(place.lat, place.lon), place.name
                )
                found = Text("location.got_place", {"place": place.name})
            elif geocoded is not None:
                await self.alerts.attach_location(db, fresh, geocoded)
                found = Text("location.got_point")
            else:
                await self.alerts.show_words(db, fresh.id)
        self.core.notify()
        cleanup = (
            ()
            if caller.private or not squad.hygiene or not caller.message_id
            else (caller.message_id,)
        )
        if found is None:
            return Reply(text=Text("location.got_words", {"code": alert.code}), cleanup=cleanup)
        return Reply(text=found, cleanup=cleanup)

    async def pin_link(self, caller: Caller, code: str) -> Reply:
        """``/start pin-CODE``: the private way to send the pin for a group alert."""
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_code(db, None, code)
            if alert is None or alert.reporter_user_id != caller.user_id or not alert.is_open:
                return refuse("pin_link.unknown")
            await squads_q.upsert_private_chat(
                db, caller.user_id, caller.chat_id, self.core.now(), telegram_language_of(caller)
            )
        if alert.has_location:
            return Reply(text=Text("location.already_set", {"code": alert.code}))
        return Reply(text=Text("pin_link.ask", {"code": alert.code}), request_location=True)
