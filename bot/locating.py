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
from bot.domain import Alert, Origin
from bot.geo import CoordinateError, Point, distance_m, find_coordinates
from bot.intents import MessageRole, Reply, Text, refuse
from bot.languages import telegram_language_of
from bot.text import ALERT_TEXT_MAX, TooLong, clean
from data import alerts as alerts_q
from data import boards as boards_q
from data import sent_messages as sent_q
from data import squads as squads_q

log = logging.getLogger(__name__)

__all__ = ["PIN_LINK_PREFIX", "Locating"]

# A reporter's live location moves the alert once it has moved this far from its pin.
LIVE_MOVE_M = 150.0

# A reply to the question names its alert; the card is the squad's board, which may show
# several (see ``_waiting_in_group``).
_ANSWERED_ROLES = (MessageRole.LOCATION_PROMPT.value,)


class Locating:
    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.core = core
        self.alerts = alerts

    async def _waiting_in_group(
        self, db: aiosqlite.Connection, caller: Caller, replied_to: int | None, *, pin: bool
    ) -> Alert | None:
        """The alert a group message answers: the one whose question or card it replies to,
        else the sender's own alert that is still waiting for a location (a pin replying to
        the squad's board with several alerts: the only one on it still waiting).

        Only the reporter answers with words. A pin may also come from an approved member
        (who may be with the person); anyone else in the group, who may be hostile, cannot
        move an alert or add to it."""
        alert: Alert | None = None
        if replied_to is not None:
            for role in _ANSWERED_ROLES:
                alert_id = await sent_q.alert_for_message(db, caller.chat_id, replied_to, role)
                if alert_id is not None:
                    alert = await alerts_q.alert_by_id(db, alert_id)
                    break
        if alert is None:
            alert = await alerts_q.awaiting_location_in_group(db, caller.user_id, caller.chat_id)
        if alert is None and pin and replied_to is not None:
            # A pin replying to the squad's board: the one alert on it still waiting for one.
            board = await sent_q.find_board(db, caller.chat_id)
            if board is not None and board[0] == replied_to:
                waiting = await boards_q.waiting_in_group(db, caller.chat_id)
                alert = waiting[0] if len(waiting) == 1 else None
        if alert is None or not alert.is_open or alert.has_location:
            return None
        if alert.reporter_user_id == caller.user_id:
            return alert
        if pin:
            member = await squads_q.member(db, alert.squad_id, caller.user_id)
            if member is not None and member.is_responder:
                return alert
        return None

    async def group_pin(self, caller: Caller, replied_to: int | None, point: Point) -> Reply | None:
        """A location in a group. ``None``: it answers no waiting alert, so it is left alone."""
        async with self.core.store.transaction() as db:
            alert = await self._waiting_in_group(db, caller, replied_to, pin=True)
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
                alert = await self._waiting_in_group(db, caller, replied_to, pin=False)
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
            # Words typed in private for a group alert stay private: the card is public.
            public = not (caller.private and fresh.origin is Origin.GROUP)
            room = ALERT_TEXT_MAX - len(fresh.text) - 1
            if words and public and room > 0:
                await alerts_q.append_text(db, fresh.id, words[:room])
                grown = await alerts_q.alert_by_id(db, fresh.id)
                assert grown is not None
                await self.alerts.retype_from_words(db, grown)
                fresh = await alerts_q.alert_by_id(db, fresh.id) or fresh
            await self._remember_reporters_own(db, fresh, caller)
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
            elif public:
                await self.alerts.show_words(db, fresh.id)
        self.core.notify()
        cleanup = (
            ()
            if caller.private or not squad.hygiene or not caller.message_id
            else (caller.message_id,)
        )
        if found is None:
            key = "location.got_words" if public else "location.got_words_private"
            return Reply(text=Text(key, {"code": alert.code}), cleanup=cleanup)
        return Reply(text=found, cleanup=cleanup)

    async def private_pin(
        self, db: aiosqlite.Connection, caller: Caller, point: Point
    ) -> Reply | None:
        """A pin in private, from a reporter whose alert waits for one (inside the caller's
        transaction). ``None``: no alert of theirs is waiting."""
        waiting = await alerts_q.awaiting_location(db, caller.user_id, caller.chat_id)
        if waiting is None:
            return None
        await self.alerts.attach_location(db, waiting, point)
        await self._remember_reporters_own(db, waiting, caller)
        self.core.notify()
        key = "location.held_attached" if waiting.held else "location.alert_attached"
        return Reply(text=Text(key, {"code": waiting.code}), remove_keyboard=True)

    async def live_pin(self, db: aiosqlite.Connection, caller: Caller, point: Point) -> bool:
        """A live location the reporter shared for an alert moved. The alert follows once it
        has moved more than ``LIVE_MOVE_M``, and its responder then gets the new pin."""
        if caller.message_id is None:
            return False
        alert_id = await sent_q.alert_for_message(
            db, caller.chat_id, caller.message_id, MessageRole.REPORTER_OWN.value
        )
        alert = await alerts_q.alert_by_id(db, alert_id) if alert_id is not None else None
        if alert is None or not alert.is_open or alert.lat is None or alert.lon is None:
            return False
        if distance_m(point, Point(alert.lat, alert.lon)) < LIVE_MOVE_M:
            return True  # a small move: the responder's pin is still good enough
        if await self.alerts.move(db, alert, point):
            self.core.notify()
            log.info("alert %s followed its reporter's live location", alert.code)
        return True

    async def _remember_reporters_own(
        self, db: aiosqlite.Connection, alert: Alert, caller: Caller
    ) -> None:
        """What the reporter sent in private about the alert is deleted from their phone at
        close (a bot may delete what a person sent it in private), and a live pin is found
        again when it moves."""
        if caller.private and caller.message_id is not None:
            await sent_q.remember_message(
                db,
                alert_id=alert.id,
                member_id=None,
                chat_id=caller.chat_id,
                message_id=caller.message_id,
                role=MessageRole.REPORTER_OWN.value,
                now=self.core.now(),
            )

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
