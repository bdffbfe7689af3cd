"""Raising: a new alert is stored first, located, checked against floods, then dispatched."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

import aiosqlite

from bot import floods
from bot.alerts.base import PIN_LINK_PREFIX, _reload
from bot.alerts.closing import Closing
from bot.core import Caller, resolve_scope
from bot.domain import (
    Alert,
    DeadlineKind,
    Origin,
    Squad,
    new_alert_code,
)
from bot.geo import (
    CoordinateError,
    Point,
    find_coordinates,
    grid_label,
    scrub_coordinates,
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
)
from bot.messages import t
from bot.text import ALERT_TEXT_MAX, TooLong, clean
from data import alerts as alerts_q
from data import blocks as blocks_q
from data import deadlines as deadlines_q
from data import privacy as privacy_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Raising(Closing):
    @refusing
    async def raise_alert(
        self,
        caller: Caller,
        raw_text: str,
        reply_location: Point | None = None,
        location_message_id: int | None = None,
    ) -> Reply:
        """Store a new alert, then start dispatch (or ask for a location)."""
        try:
            text = clean(raw_text, limit=ALERT_TEXT_MAX, single_line=False)
        except TooLong as exc:
            return refuse("too_long", limit=exc.limit)
        geocoded = await self._geocode(caller, text) if reply_location is None else None
        async with self.core.store.transaction() as db:
            scope = await resolve_scope(db, caller)
            if caller.message_id is not None:
                # The same /alert delivered again (a retry after a crash) has one effect.
                seen = await alerts_q.alert_by_origin(db, caller.chat_id, caller.message_id)
                if seen is not None:
                    return self._received(caller, seen, scope.squad, location_message_id)
            point, area, text = await self._locate(db, scope.squad, text, reply_location, geocoded)
            now = self.core.now()
            flood = floods.decide(
                await alerts_q.open_alerts_of_reporter(db, scope.squad.id, caller.user_id),
                point,
                is_member=scope.member is not None and scope.member.approved,
                blocked=await blocks_q.is_blocked(db, scope.squad.id, caller.user_id),
                now=now,
                rules=self._flood_rules(),
            )
            if isinstance(flood, floods.Merge):
                merged = await self._merge(db, flood.alert, text, point, area)
                self.core.notify()
                return self._added(caller, merged, scope.squad, location_message_id)
            held = isinstance(flood, floods.Hold)
            code = await self._fresh_code(db)
            alert = await alerts_q.insert_alert(
                db,
                squad_id=scope.squad.id,
                code=code,
                reporter_user_id=caller.user_id,
                origin=Origin.PRIVATE if caller.private else Origin.GROUP,
                origin_chat_id=caller.chat_id,
                origin_message_id=caller.message_id,
                text=text,
                lat=point.lat if point else None,
                lon=point.lon if point else None,
                area_label=area,
                now=now,
            )
            log.info("alert %s raised in squad %s", alert.code, alert.squad_id)
            alert = await self._plan(db, alert)
            if caller.private:
                # Shown to the squad instead of who they are; they choose about contact.
                pseudonym = f"R-{new_alert_code(4)}"
                await privacy_q.set_reporter_alias(db, alert.id, pseudonym)
                alert = replace(alert, reporter_alias=pseudonym)
            if isinstance(flood, floods.Hold):
                await alerts_q.set_held(db, alert.id, True)
                alert = replace(alert, held=True)
                await self._page_held(db, alert, flood.reason)
                log.warning("alert %s held for a lead (%s)", alert.code, flood.reason.value)
            else:
                await self._start_dispatch(
                    db,
                    alert,
                    reply_to=None if caller.private else caller.message_id,
                    squad=scope.squad,
                )
        self.core.crash_point("alert_stored")
        self.core.notify()
        if held:
            return self._held_reply(caller, alert, scope.squad, location_message_id)
        return self._received(caller, alert, scope.squad, location_message_id)

    async def _start_dispatch(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        *,
        reply_to: int | None,
        squad: Squad | None = None,
    ) -> None:
        """Offer the alert and post its card (or post the card, ask where it is, and wait).
        (``squad``: the alert's, if the caller has it from this transaction.)"""
        if alert.has_location:
            await self._ask_contact_once(db, alert)
            await self._offer_next(db, alert, card=Op.SEND, reply_to=reply_to, squad=squad)
            return
        await self._card(db, alert, Op.SEND, reply_to=reply_to, squad=squad)
        await deadlines_q.add_deadline(
            db,
            DeadlineKind.LOCATION,
            alert.id,
            self.core.now() + self.settings.location_wait.total_seconds(),
        )
        if alert.origin is Origin.GROUP:
            await self.core.tell(
                db,
                Intent(
                    op=Op.SEND,
                    chat_id=alert.origin_chat_id,
                    priority=Priority.URGENT,
                    text=Text(
                        "alert.need_location_group",
                        {"code": alert.code, "wait_s": self._wait_s()},
                    ),
                    # The private way keeps the pin out of the group, and works for a
                    # reporter who is not a member.
                    buttons=(
                        (
                            Button(
                                Text("button.private_pin"),
                                deep_link=f"{PIN_LINK_PREFIX}{alert.code}",
                            ),
                        ),
                    ),
                    alert_id=alert.id,
                    role=MessageRole.LOCATION_PROMPT,
                    reply_to=reply_to,
                ),
            )

    def _flood_rules(self) -> floods.FloodRules:
        return floods.FloodRules(
            window_s=self.settings.merge_window.total_seconds(),
            radius_m=self.settings.merge_radius_m,
            nonmember_cap=self.settings.max_open_alerts_nonmember,
        )

    async def _merge(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        text: str,
        point: Point | None,
        area: str | None,
    ) -> Alert:
        """A second /alert from the same person about the same emergency adds to the first."""
        if text and text not in alert.text.split("\n"):
            room = ALERT_TEXT_MAX - len(alert.text) - 1
            if room > 0:
                await alerts_q.append_text(db, alert.id, text[:room])
                await self.retype_from_words(db, await _reload(db, alert.id))
        if point is not None and not alert.has_location:
            await alerts_q.set_location(db, alert.id, point.lat, point.lon, area)
            fresh = await _reload(db, alert.id)
            if not fresh.held:
                await self._located(db, fresh)
        fresh = await _reload(db, alert.id)
        if not fresh.held:
            await self._card(db, fresh, Op.EDIT)
            await self.refresh_brief(db, fresh.id)  # the responder sees what was added
        log.info("alert %s: a second alert from its reporter was added to it", alert.code)
        return fresh

    def _added(
        self, caller: Caller, alert: Alert, squad: Squad, location_message_id: int | None
    ) -> Reply:
        cleanup = () if caller.private else self._cleanup(caller, squad, location_message_id)
        return Reply(text=Text("alert.added", {"code": alert.code}), cleanup=cleanup)

    def _held_reply(
        self, caller: Caller, alert: Alert, squad: Squad, location_message_id: int | None
    ) -> Reply:
        """The same neutral answer whether the person is blocked or over the cap."""
        cleanup = () if caller.private else self._cleanup(caller, squad, location_message_id)
        return Reply(
            text=Text("alert.held", {"code": alert.code}),
            cleanup=cleanup,
            request_location=caller.private and not alert.has_location,
        )

    async def _page_held(
        self, db: aiosqlite.Connection, alert: Alert, reason: floods.HoldReason
    ) -> None:
        """Leads decide about a held alert: Dispatch or Dismiss."""
        buttons = (
            (
                Button(Text("button.dispatch"), Action.DISPATCH, alert.id),
                Button(Text("button.dismiss"), Action.DISMISS, alert.id),
            ),
        )
        text = Text(
            f"held.lead_{reason.value}",
            {
                "code": alert.code,
                "text": alert.text or t("alert.no_text"),
                "area": alert.area_label or t("held.no_area"),
                "cap": self.settings.max_open_alerts_nonmember,
            },
        )
        await self._page_leads(db, alert, text, buttons, MessageRole.HELD)

    def _received(
        self, caller: Caller, alert: Alert, squad: Squad, location_message_id: int | None
    ) -> Reply:
        """The reporter's confirmation. In a group the card (a reply to /alert) is it, and
        with hygiene on, the /alert (and the pin it answered) are deleted once captured."""
        if not caller.private:
            return Reply(cleanup=self._cleanup(caller, squad, location_message_id))
        # One first message, and it names no squad (a lock screen shows it). Without a
        # location it is only the question; nothing is claimed before a location is known.
        if not alert.has_location:
            text = Text("alert.where_private", {"code": alert.code, "wait_s": self._wait_s()})
            return Reply(text=text, request_location=True)
        return Reply(text=Text("alert.received", {"code": alert.code}))

    async def _geocode(self, caller: Caller, text: str) -> Point | None:
        """Only when an operator turned geocoding on, and only if nothing local answers."""
        if self.geocoder is None or not self.geocoder.enabled or not text:
            return None
        try:
            point, text = find_coordinates(text)  # the service never sees coordinates
        except CoordinateError:
            return None
        if point is not None:
            return None
        async with self.core.store.reading() as db:
            try:
                scope = await resolve_scope(db, caller)
            except Refused:
                return None  # raise_alert says why
            if await self.place_in(db, scope.squad, text):
                return None
        return await self.geocoder.lookup(text)

    async def geocode_text(self, text: str) -> Point | None:
        """Only when an operator turned geocoding on; never raises."""
        if self.geocoder is None or not self.geocoder.enabled or not text:
            return None
        return await self.geocoder.lookup(text)

    async def place_in(self, db: aiosqlite.Connection, squad: Squad, text: str) -> Any:
        folded = text.casefold()
        places = sorted(await squads_q.places_of(db, squad.id), key=lambda p: -len(p.name))
        for place in places:
            key = squads_q.place_key(place.name)
            if re.search(rf"(?<!\w){re.escape(key)}(?!\w)", folded):
                return place
        return None

    async def _locate(
        self,
        db: aiosqlite.Connection,
        squad: Squad,
        text: str,
        reply_location: Point | None,
        geocoded: Point | None = None,
    ) -> tuple[Point | None, str | None, str]:
        """Location from the replied-to pin, written coordinates, a saved place name, or
        (only when an operator enabled it) a geocoder. The text kept (and shown on the
        card, offers and pages) never holds coordinates, whichever source is used."""
        if reply_location is not None:
            return reply_location, grid_label(reply_location), scrub_coordinates(text)
        try:
            point, rest = find_coordinates(text)
        except CoordinateError as exc:
            raise Refused(refuse(exc.reason)) from exc
        if point is not None:
            return point, grid_label(point), rest
        place = await self.place_in(db, squad, rest)
        if place is not None:
            return Point(place.lat, place.lon), place.name, rest
        if geocoded is not None:
            return geocoded, grid_label(geocoded), rest
        return None, None, rest

    async def _fresh_code(self, db: aiosqlite.Connection) -> str:
        for length in (4, 4, 4, 5, 5, 6, 6, 6):
            code = new_alert_code(length)
            if not await alerts_q.code_taken(db, code):
                return code
        raise RuntimeError("could not find a free alert code")
