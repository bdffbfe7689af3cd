"""The alert lifecycle: raise, offer, accept or decline, escalate, progress, close, cancel.

Each transition is one transaction. It re-reads the alert, moves it with a guarded
UPDATE, and writes what people must be told to the outbox before it commits. An
illegal move comes back as a refusal; nothing here raises into a handler.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

import aiosqlite

from bot import floods
from bot.core import Caller, Core, resolve_scope
from bot.dispatch import Candidate, rank_candidates
from bot.domain import (
    OPEN_STATES,
    OWNED_STATES,
    UNOWNED_STATES,
    Alert,
    AlertState,
    Availability,
    Deadline,
    DeadlineKind,
    Member,
    Offer,
    OfferAnswer,
    Origin,
    Outcome,
    Squad,
    new_alert_code,
    normalise_code,
)
from bot.geo import (
    CoordinateError,
    Point,
    find_coordinates,
    format_distance,
    grid_label,
    scrub_coordinates,
)
from bot.geocode import Geocoder
from bot.intents import (
    Action,
    Button,
    Intent,
    MessageRole,
    Op,
    Priority,
    Reply,
    Text,
    refuse,
    reply,
)
from bot.messages import format_age, t
from bot.phones import clean_phones
from bot.privacy import contact_intent
from bot.text import ALERT_TEXT_MAX, NOTE_MAX, TooLong, clean
from data import alerts as alerts_q
from data import blocks as blocks_q
from data import outbox
from data import privacy as privacy_q
from data import squads as squads_q

log = logging.getLogger(__name__)

# The start parameter of the "📍 Send my location privately" link: this prefix and the code.
PIN_LINK_PREFIX = "pin-"


def _code_arg(args: list[str], command: str) -> str | Reply:
    if not args:
        return refuse("missing_code", command=command)
    code = normalise_code(args[0])
    if code is None:
        return refuse("bad_code", raw=args[0][:16], command=command)
    return code


class Alerts:
    """Use cases of the alert lifecycle."""

    def __init__(self, core: Core, geocoder: Geocoder | None = None) -> None:
        self.core = core
        self.settings = core.settings
        self.geocoder = geocoder

    # -- raising ----------------------------------------------------------------------

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
            if isinstance(scope, Reply):
                return scope
            if caller.message_id is not None:
                # The same /alert delivered again (a retry after a crash) has one effect.
                seen = await alerts_q.alert_by_origin(db, caller.chat_id, caller.message_id)
                if seen is not None:
                    return self._received(caller, seen, scope.squad, location_message_id)
            point, area, text = await self._locate(db, scope.squad, text, reply_location, geocoded)
            if isinstance(point, Reply):
                return point
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
                    db, alert, reply_to=None if caller.private else caller.message_id
                )
        self.core.crash_point("alert_stored")
        self.core.notify()
        if held:
            return self._held_reply(caller, alert, scope.squad, location_message_id)
        return self._received(caller, alert, scope.squad, location_message_id)

    async def _start_dispatch(
        self, db: aiosqlite.Connection, alert: Alert, *, reply_to: int | None
    ) -> None:
        """Post the card, then offer the alert (or ask where it is, and wait)."""
        await self._card(db, alert, Op.SEND, reply_to=reply_to)
        if alert.has_location:
            await self._ask_contact_once(db, alert)
            await self._offer_next(db, alert)
            return
        await alerts_q.add_deadline(
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
        if point is not None and not alert.has_location:
            await alerts_q.set_location(db, alert.id, point.lat, point.lon, area)
            fresh = await _reload(db, alert.id)
            if not fresh.held:
                await self._located(db, fresh)
        fresh = await _reload(db, alert.id)
        if not fresh.held:
            await self._card(db, fresh, Op.EDIT)
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

    @staticmethod
    def _cleanup(caller: Caller, squad: Squad, location_message_id: int | None) -> tuple[int, ...]:
        if not squad.hygiene:
            return ()
        return tuple(m for m in (caller.message_id, location_message_id) if m is not None)

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
            if lead.private_chat_id is None:
                continue
            await self.core.tell(
                db,
                Intent(
                    op=Op.SEND,
                    chat_id=lead.private_chat_id,
                    priority=Priority.URGENT,
                    text=text,
                    buttons=buttons,
                    alert_id=alert.id,
                    member_id=lead.id,
                    role=role,
                ),
            )

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

    async def _ask_contact_once(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """A private reporter is asked about contact once the location is settled (it came,
        or the wait is over), so the question never pushes the location request away."""
        if alert.origin is not Origin.PRIVATE or alert.held or not alert.origin_chat_id:
            return
        if await alerts_q.mark_contact_asked(db, alert.id):
            await self.core.tell(db, self._contact_question(alert, alert.origin_chat_id))

    @staticmethod
    def _contact_question(alert: Alert, chat_id: int) -> Intent:
        return Intent(
            op=Op.SEND,
            chat_id=chat_id,
            priority=Priority.URGENT,
            text=Text("contact.ask", {"code": alert.code, "alias": alert.reporter_alias}),
            buttons=(
                (Button(Text("contact.button_no"), Action.CONTACT, alert.id, "no"),),
                (Button(Text("contact.button_yes"), Action.CONTACT, alert.id, "yes"),),
            ),
            alert_id=alert.id,
            role=MessageRole.REPORTER,
        )

    def _wait_s(self) -> int:
        return int(self.settings.location_wait.total_seconds())

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
            scope = await resolve_scope(db, caller)
            if isinstance(scope, Reply) or await self.place_in(db, scope.squad, text):
                return None
        return await self.geocoder.lookup(text)

    async def geocode_text(self, text: str) -> Point | None:
        """Only when an operator turned geocoding on; never raises."""
        if self.geocoder is None or not self.geocoder.enabled or not text:
            return None
        return await self.geocoder.lookup(text)

    async def show_words(self, db: aiosqlite.Connection, alert_id: int) -> None:
        """The alert's words changed: the card shows them (the card never shows coordinates)."""
        fresh = await _reload(db, alert_id)
        if not fresh.held:
            await self._card(db, fresh, Op.EDIT)

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
    ) -> tuple[Point | Reply | None, str | None, str]:
        """Location from the replied-to pin, written coordinates, a saved place name, or
        (only when an operator enabled it) a geocoder. The text kept (and shown on the
        card, offers and pages) never holds coordinates, whichever source is used."""
        if reply_location is not None:
            return reply_location, grid_label(reply_location), scrub_coordinates(text)
        try:
            point, rest = find_coordinates(text)
        except CoordinateError as exc:
            return refuse(exc.reason), None, text
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

    # -- dispatch ---------------------------------------------------------------------

    async def _candidates(self, db: aiosqlite.Connection, alert: Alert) -> list[Candidate]:
        blocked = await blocks_q.blocked_users(db, alert.squad_id)
        members = [
            m
            for m in await squads_q.members_of_squad(db, alert.squad_id)
            if m.user_id not in blocked
        ]
        tried = {o.member_id for o in await alerts_q.offers_of(db, alert.id)}
        locations = await squads_q.locations_of(db, [m.user_id for m in members])
        point = (
            Point(alert.lat, alert.lon) if alert.lat is not None and alert.lon is not None else None
        )
        return rank_candidates(
            members,
            locations,
            point,
            reporter_user_id=alert.reporter_user_id,
            tried=tried,
            now=self.core.now(),
            ttl_s=self.settings.location_ttl.total_seconds(),
        )

    async def _offer_next(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """Offer the alert to the nearest untried candidate, or escalate."""
        candidates = await self._candidates(db, alert)
        if not candidates or alert.offers_made >= self.settings.max_offers:
            await self._escalate(db, alert)
            return
        now = self.core.now()
        best = candidates[0]
        if not await alerts_q.transition(db, alert.id, UNOWNED_STATES, AlertState.OFFERED):
            return
        offer = await alerts_q.insert_offer(db, alert.id, best.member.id, best.distance_m, now)
        if offer is None:  # already tried; ranking excludes this, so it means a bug
            log.error("alert %s: duplicate offer suppressed", alert.code)
            return
        await alerts_q.bump_offers(db, alert.id)
        await alerts_q.add_deadline(
            db,
            DeadlineKind.ACK,
            alert.id,
            now + self.settings.ack_timeout.total_seconds(),
            offer.id,
        )
        await self._send_offer(db, alert, best)
        fresh = await _reload(db, alert.id)
        await self._card(db, fresh, Op.EDIT)
        log.info("alert %s offered (offer %s)", alert.code, offer.id)

    async def _send_offer(self, db: aiosqlite.Connection, alert: Alert, cand: Candidate) -> None:
        member = cand.member
        assert member.private_chat_id is not None
        details = alert.text or t("alert.no_text")
        if cand.distance_m is None:
            text = Text("offer.text_nodistance", {"code": alert.code, "text": details})
        else:
            stale = (
                ""
                if cand.fresh or cand.location_age_s is None
                else t("offer.stale", age=format_age(cand.location_age_s))
            )
            text = Text(
                "offer.text",
                {
                    "code": alert.code,
                    "text": details,
                    "distance": format_distance(cand.distance_m),
                    "stale": stale,
                },
            )
        await self.core.tell(
            db,
            Intent(
                op=Op.SEND,
                chat_id=member.private_chat_id,
                priority=Priority.URGENT,
                text=text,
                buttons=(
                    (
                        Button(Text("button.accept"), Action.ACCEPT, alert.id),
                        Button(Text("button.decline"), Action.DECLINE, alert.id),
                    ),
                ),
                alert_id=alert.id,
                member_id=member.id,
                role=MessageRole.OFFER,
            ),
        )

    async def _broadcast(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """No location came: offer the alert to every candidate at once, without distance."""
        await self._ask_contact_once(db, alert)
        candidates = await self._candidates(db, alert)
        if not candidates:
            await self._escalate(db, alert)
            return
        now = self.core.now()
        if not await alerts_q.transition(
            db, alert.id, (AlertState.NEW,), AlertState.OFFERED, broadcast=1
        ):
            return
        for cand in candidates:
            if await alerts_q.insert_offer(db, alert.id, cand.member.id, None, now):
                await self._send_offer(db, alert, Candidate(cand.member, None, False, None))
        await alerts_q.bump_offers(db, alert.id, len(candidates))
        await alerts_q.add_deadline(
            db, DeadlineKind.ACK, alert.id, now + self.settings.ack_timeout.total_seconds()
        )
        fresh = await _reload(db, alert.id)
        await self._card(db, fresh, Op.EDIT)
        log.info("alert %s broadcast to %d members", alert.code, len(candidates))

    async def _escalate(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """Nobody acknowledged: tell the group (with Claim) and page every lead."""
        now = self.core.now()
        if not await alerts_q.transition(
            db,
            alert.id,
            UNOWNED_STATES,
            AlertState.ESCALATED,
            escalations=alert.escalations + 1,
        ):
            return
        self.core.crash_point("escalation")
        squad = await squads_q.squad_by_id(db, alert.squad_id)
        assert squad is not None
        details = alert.text or t("alert.no_text")
        claim = ((Button(Text("button.claim"), Action.CLAIM, alert.id),),)
        await self.core.tell(
            db,
            Intent(
                op=Op.SEND,
                chat_id=squad.chat_id,
                priority=Priority.URGENT,
                text=Text("escalation.group", {"code": alert.code, "text": details}),
                buttons=claim,
                alert_id=alert.id,
                role=MessageRole.ESCALATION,
            ),
        )
        for member in await squads_q.members_of_squad(db, alert.squad_id):
            if member.is_lead and member.private_chat_id is not None:
                await self.core.tell(
                    db,
                    Intent(
                        op=Op.SEND,
                        chat_id=member.private_chat_id,
                        priority=Priority.URGENT,
                        text=Text(
                            "escalation.lead",
                            {"code": alert.code, "squad": squad.name, "text": details},
                        ),
                        buttons=claim,
                        alert_id=alert.id,
                        member_id=member.id,
                        role=MessageRole.PAGE,
                    ),
                )
        if alert.escalations + 1 < self.settings.max_escalations:
            await alerts_q.add_deadline(
                db,
                DeadlineKind.ESCALATE,
                alert.id,
                now + self.settings.ack_timeout.total_seconds(),
            )
        fresh = await _reload(db, alert.id)
        await self._card(db, fresh, Op.EDIT)
        log.warning("alert %s escalated (%d)", alert.code, alert.escalations + 1)

    # -- deadlines --------------------------------------------------------------------

    async def on_deadline(self, deadline: Deadline) -> bool:
        """A deadline is due. Fires at most once; re-reads the alert before acting."""
        async with self.core.store.transaction() as db:
            if not await alerts_q.claim_deadline(db, deadline.id, self.core.now()):
                return False
            alert = await alerts_q.alert_by_id(db, deadline.alert_id)
            if alert is None:
                return True
            if deadline.kind is DeadlineKind.LOCATION:
                if alert.state is AlertState.NEW and not alert.has_location:
                    await self._broadcast(db, alert)
            elif deadline.kind is DeadlineKind.ACK:
                await self._ack_timeout(db, alert, deadline.offer_id)
            elif deadline.kind is DeadlineKind.ESCALATE:
                if alert.state is AlertState.OFFERED or (
                    alert.state is AlertState.ESCALATED
                    and alert.escalations < self.settings.max_escalations
                ):
                    await self._escalate(db, alert)
        self.core.notify()
        return True

    async def _ack_timeout(
        self, db: aiosqlite.Connection, alert: Alert, offer_id: int | None
    ) -> None:
        if alert.state is not AlertState.OFFERED:
            return
        if offer_id is None:  # a broadcast went unanswered
            await self._escalate(db, alert)
            return
        offer = await alerts_q.offer_by_id(db, offer_id)
        if offer is None or offer.answer is not None:
            return
        await alerts_q.answer_offer(db, offer.id, OfferAnswer.TIMEOUT, self.core.now())
        await self._edit_offer(db, alert, offer.member_id, "offer.withdrawn")
        log.info("alert %s: offer %s timed out", alert.code, offer.id)
        await self._tell_reporter(db, alert, "reporter.still_looking", unless=None)
        await self._offer_next(db, alert)

    async def _edit_offer(
        self, db: aiosqlite.Connection, alert: Alert, member_id: int, key: str
    ) -> None:
        member = await squads_q.member_by_id(db, member_id)
        if member is None or member.private_chat_id is None:
            return
        await self.core.tell(
            db,
            Intent(
                op=Op.EDIT,
                chat_id=member.private_chat_id,
                priority=Priority.HIGH,
                text=Text(key, {"code": alert.code}),
                alert_id=alert.id,
                member_id=member.id,
                role=MessageRole.OFFER,
            ),
        )

    # -- answering --------------------------------------------------------------------

    async def press(self, caller: Caller, action: Action, alert_id: int, arg: str) -> Reply:
        """A button was pressed. Permission and state are checked again on every press."""
        if action is Action.CLAIM:
            return await self._claim_by_id(caller, alert_id)
        if action is Action.ACCEPT:
            return await self._accept(caller, alert_id)
        if action is Action.DECLINE:
            return await self._decline(caller, alert_id)
        if action in (Action.EN_ROUTE, Action.ARRIVED):
            return await self._progress(caller, alert_id, action)
        if action is Action.CLOSE:
            return await self._close_prompt(caller, alert_id)
        if action is Action.NOTE:
            return await self._request_note(caller, alert_id)
        if action is Action.DISPATCH:
            return await self._dispatch_held(caller, alert_id)
        if action is Action.DISMISS:
            return await self._dismiss_held(caller, alert_id)
        if action is Action.OUTCOME:
            try:
                outcome = Outcome(arg)
            except ValueError:
                return refuse("error")
            return await self._close(caller, alert_id, outcome)
        return refuse("error")

    async def claim(self, caller: Caller, args: list[str]) -> Reply:
        """``/claim CODE``."""
        alert = await self._alert_from_args(caller, args, "claim")
        if isinstance(alert, Reply):
            return alert
        return await self._claim_by_id(caller, alert.id)

    async def _alert_from_args(
        self, caller: Caller, args: list[str], command: str
    ) -> Alert | Reply:
        """``/command CODE …``: the alert the caller names, or why it cannot be used."""
        code = _code_arg(args, command)
        if isinstance(code, Reply):
            return code
        return await self._alert_for_caller(caller, code)

    async def _alert_for_caller(self, caller: Caller, code: str) -> Alert | Reply:
        """Find an alert by code in the caller's squad (group) or their squads (private)."""
        async with self.core.store.reading() as db:
            if caller.private:
                alert = await alerts_q.alert_by_code(db, None, code)
                if alert is not None and await squads_q.member(db, alert.squad_id, caller.user_id):
                    return alert
                if alert is not None and alert.reporter_user_id == caller.user_id:
                    return alert
                return refuse("unknown_code", code=code)
            squad = await squads_q.squad_by_chat(db, caller.chat_id)
            if squad is None:
                return refuse("not_set_up")
            alert = await alerts_q.alert_by_code(db, squad.id, code)
            if alert is None:
                return refuse("unknown_code", code=code)
            return alert

    async def _load(
        self, db: aiosqlite.Connection, caller: Caller, alert_id: int
    ) -> tuple[Alert, Member] | Reply:
        """The pressed alert and the caller's membership in its squad, or a refusal."""
        alert = await alerts_q.alert_by_id(db, alert_id)
        if alert is None:
            return refuse("error")
        member = await squads_q.member(db, alert.squad_id, caller.user_id)
        if member is None:
            return refuse("not_member")
        return alert, member

    async def _claim_by_id(self, caller: Caller, alert_id: int) -> Reply:
        return await self._claim(caller, alert_id, via_offer=False)

    async def _accept(self, caller: Caller, alert_id: int) -> Reply:
        return await self._claim(caller, alert_id, via_offer=True)

    async def _claim(self, caller: Caller, alert_id: int, *, via_offer: bool) -> Reply:
        """Claim (any available responder) or Accept (only on one's own offer, even late)."""
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            if isinstance(loaded, Reply):
                return loaded
            alert, member = loaded
            offer = await alerts_q.offer_for(db, alert.id, member.id)
            if via_offer and offer is None:
                return refuse("accept.not_yours")
            if not member.approved:
                return refuse("join.waiting")
            if not member.is_responder:
                return refuse("observer.no")
            if await blocks_q.is_blocked(db, alert.squad_id, member.user_id):
                return refuse("claim.blocked")
            if not alert.is_open:
                return refuse("claim.closed", code=alert.code)
            if alert.state not in UNOWNED_STATES:
                return refuse("claim.taken", code=alert.code)
            if member.availability is not Availability.AVAILABLE and offer is None:
                return refuse(
                    "claim.not_available", availability=t(f"availability.{member.availability}")
                )
            if member.private_chat_id is None:
                return refuse("claim.unreachable")
            won = await self._take(db, alert, member)
        if not won:
            return refuse("claim.taken", code=alert.code)
        self.core.notify()
        return Reply(answer=Text("claim.won", {"code": alert.code}))

    async def _take(
        self, db: aiosqlite.Connection, alert: Alert, member: Member, *, assigned: bool = False
    ) -> bool:
        """The first valid accept, claim or assignment wins; everyone else stands down."""
        now = self.core.now()
        if not await alerts_q.transition(
            db,
            alert.id,
            UNOWNED_STATES,
            AlertState.ACKNOWLEDGED,
            owner_member_id=member.id,
            acknowledged_at=now,
        ):
            return False
        self.core.crash_point("claim")
        own = await alerts_q.offer_for(db, alert.id, member.id)
        if own is not None and own.answer is None:
            await alerts_q.answer_offer(db, own.id, OfferAnswer.ACCEPTED, now)
        for other in await alerts_q.close_open_offers(db, alert.id, OfferAnswer.WITHDRAWN, now):
            await self._edit_offer(db, alert, other.member_id, "offer.taken")
        await alerts_q.cancel_deadlines(db, alert.id, now)
        await squads_q.set_availability(db, [member.id], Availability.BUSY)
        await outbox.audit(
            db,
            alert.squad_id,
            member.user_id,
            "assigned" if assigned else "acknowledged",
            alert.code,
            now,
        )
        fresh = await _reload(db, alert.id)
        assert member.private_chat_id is not None
        await self._brief_owner(db, fresh, member, assigned=assigned)
        await self._card(db, fresh, Op.EDIT)
        await self._tell_reporter(db, fresh, "reporter.responding", unless=member.user_id)
        log.info("alert %s acknowledged", alert.code)
        return True

    async def _brief_owner(
        self, db: aiosqlite.Connection, alert: Alert, member: Member, *, assigned: bool
    ) -> None:
        """Tell the new owner, with progress buttons, then the precise location."""
        assert member.private_chat_id is not None
        await self.core.tell(db, self._brief(alert, member, Op.SEND, assigned=assigned))
        if alert.has_location:
            await self._send_location(db, alert, member)
        if alert.contact_ok:
            await self.core.tell(
                db,
                contact_intent(
                    alert.id, alert.code, member.private_chat_id, alert.reporter_user_id, member.id
                ),
            )

    def _brief(self, alert: Alert, member: Member, op: Op, *, assigned: bool = False) -> Intent:
        """The owner's brief, as it stands: the step they are at, and only the buttons that
        can still be pressed."""
        assert member.private_chat_id is not None
        lines: list[Any] = []
        if assigned:
            lines.append(t("owner.assigned", code=alert.code))
        lines.append(t("owner.text", code=alert.code, text=alert.text or t("alert.no_text")))
        if alert.state is AlertState.EN_ROUTE:
            lines.append(t("owner.step_en_route"))
        elif alert.state is AlertState.ON_SCENE:
            lines.append(t("owner.step_arrived"))
        if not alert.has_location:
            lines.append(t("owner.no_location"))
        if alert.origin is Origin.PRIVATE and not alert.contact_ok:
            # Never report a choice that was not made.
            key = "owner.anonymous" if alert.contact_answered else "owner.contact_unknown"
            lines.append(t(key, alias=alert.reporter_alias or "?"))
        return Intent(
            op=op,
            chat_id=member.private_chat_id,
            priority=Priority.URGENT if op is Op.SEND else Priority.HIGH,
            text=Text("lines", {"lines": lines}),
            buttons=self._owner_buttons(alert),
            alert_id=alert.id,
            member_id=member.id,
            role=MessageRole.OWNER,
        )

    async def refresh_brief(self, db: aiosqlite.Connection, alert_id: int) -> None:
        """Edit the owner's brief to how the alert stands now (inside a transaction)."""
        alert = await alerts_q.alert_by_id(db, alert_id)
        if alert is None or alert.state not in OWNED_STATES or alert.owner_member_id is None:
            return
        owner = await squads_q.member_by_id(db, alert.owner_member_id)
        if owner is not None and owner.private_chat_id is not None:
            await self.core.tell(db, self._brief(alert, owner, Op.EDIT))

    async def _send_location(self, db: aiosqlite.Connection, alert: Alert, member: Member) -> None:
        assert member.private_chat_id is not None
        await self.core.tell(
            db,
            Intent(
                op=Op.LOCATION,
                chat_id=member.private_chat_id,
                priority=Priority.URGENT,
                alert_id=alert.id,
                member_id=member.id,
                role=MessageRole.LOCATION,
                lat=alert.lat,
                lon=alert.lon,
            ),
        )

    @staticmethod
    def _owner_buttons(alert: Alert) -> tuple[tuple[Button, ...], ...]:
        steps: list[Button] = []
        if alert.state is AlertState.ACKNOWLEDGED:
            steps.append(Button(Text("button.en_route"), Action.EN_ROUTE, alert.id))
        if alert.state in (AlertState.ACKNOWLEDGED, AlertState.EN_ROUTE):
            steps.append(Button(Text("button.arrived"), Action.ARRIVED, alert.id))
        close = (Button(Text("button.close"), Action.CLOSE, alert.id),)
        return (tuple(steps), close) if steps else (close,)

    async def _tell_reporter(
        self, db: aiosqlite.Connection, alert: Alert, key: str, *, unless: int | None
    ) -> None:
        """Tell the reporter in private, if they can be reached and are not ``unless``."""
        chat = await self._reporter_chat(db, alert)
        if chat is None or alert.reporter_user_id == unless:
            return
        await self.core.tell(
            db,
            Intent(
                op=Op.SEND,
                chat_id=chat,
                priority=Priority.HIGH,
                text=Text(key, {"code": alert.code}),
                alert_id=alert.id,
                role=MessageRole.REPORTER,
            ),
        )

    async def _reporter_chat(self, db: aiosqlite.Connection, alert: Alert) -> int | None:
        if alert.origin is Origin.PRIVATE:
            return alert.origin_chat_id or None  # 0: unlinked (closed, or /forgetme)
        return await squads_q.private_chat_of(db, alert.reporter_user_id)

    async def _decline(self, caller: Caller, alert_id: int) -> Reply:
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            if isinstance(loaded, Reply):
                return loaded
            alert, member = loaded
            offer = await alerts_q.offer_for(db, alert.id, member.id)
            if offer is None:
                return refuse("accept.not_yours")
            now = self.core.now()
            if not await alerts_q.answer_offer(db, offer.id, OfferAnswer.DECLINED, now):
                return refuse("decline.stale")
            await alerts_q.cancel_offer_deadline(db, offer.id, now)
            await self._edit_offer(db, alert, member.id, "offer.withdrawn")
            if alert.state is AlertState.OFFERED:
                if not alert.broadcast:
                    await self._offer_next(db, alert)
                elif not await self._any_open_offer(db, alert.id):
                    await self._escalate(db, alert)
        self.core.notify()
        log.info("alert %s: offer %s declined", alert.code, offer.id)
        return Reply(answer=Text("decline.done"))

    async def undeliverable(
        self, alert_id: int, member_id: int | None, role: MessageRole, *, refused: bool
    ) -> None:
        """A message could not be delivered (an urgent one refused, or any one still
        failing after the give-up time): move on, and tell the leads.

        ``refused`` means Telegram said 403 (blocked, or never opened a private chat):
        for an offer, trying the next member at once is the whole answer.
        """
        if role is MessageRole.OFFER and member_id is not None:
            await self.offer_undeliverable(alert_id, member_id)
            if refused:
                return
        if role is MessageRole.PAGE:
            return  # a lead page failing is not paged again to the same leads
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is None or (not alert.is_open and role is MessageRole.OFFER):
                return  # an offer of a finished alert no longer matters; anything else does
            if not await alerts_q.mark_leads_told(db, alert.id, self.core.now()):
                return  # the leads were told about this alert already
            squad = await squads_q.squad_by_id(db, alert.squad_id)
            assert squad is not None
            text = Text("delivery.failed", {"code": alert.code})
            # Another route: the group, and each lead's private chat.
            await self.core.tell(
                db,
                Intent(op=Op.SEND, chat_id=squad.chat_id, priority=Priority.URGENT, text=text,
                       alert_id=alert.id, role=MessageRole.NOTICE),
            )  # fmt: skip
            for member in await squads_q.members_of_squad(db, alert.squad_id):
                if member.is_lead and member.private_chat_id is not None:
                    await self.core.tell(
                        db,
                        Intent(op=Op.SEND, chat_id=member.private_chat_id,
                               priority=Priority.URGENT, text=text, alert_id=alert.id,
                               member_id=member.id, role=MessageRole.PAGE),
                    )  # fmt: skip
        self.core.notify()

    async def offer_undeliverable(self, alert_id: int, member_id: int) -> None:
        """Telegram refused the offer (403): that member is skipped and the next one offered."""
        async with self.core.store.transaction() as db:
            offer = await alerts_q.offer_for(db, alert_id, member_id)
            if offer is None:
                return
            now = self.core.now()
            if not await alerts_q.answer_offer(db, offer.id, OfferAnswer.WITHDRAWN, now):
                return
            await alerts_q.cancel_offer_deadline(db, offer.id, now)
            alert = await alerts_q.alert_by_id(db, alert_id)
            assert alert is not None
            log.warning("alert %s: offer %s undeliverable, moving on", alert.code, offer.id)
            if alert.state is AlertState.OFFERED:
                if not alert.broadcast:
                    await self._offer_next(db, alert)
                elif not await self._any_open_offer(db, alert.id):
                    await self._escalate(db, alert)
        self.core.notify()

    async def _any_open_offer(self, db: aiosqlite.Connection, alert_id: int) -> bool:
        return any(o.answer is None for o in await alerts_q.offers_of(db, alert_id))

    # -- progress and closure -----------------------------------------------------------

    async def _progress(self, caller: Caller, alert_id: int, action: Action) -> Reply:
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            if isinstance(loaded, Reply):
                return loaded
            alert, member = loaded
            if alert.owner_member_id != member.id:
                return refuse("progress.not_owner", code=alert.code)
            if action is Action.EN_ROUTE:
                moved = await alerts_q.transition(
                    db, alert.id, (AlertState.ACKNOWLEDGED,), AlertState.EN_ROUTE
                )
            else:
                moved = await alerts_q.transition(
                    db,
                    alert.id,
                    (AlertState.ACKNOWLEDGED, AlertState.EN_ROUTE),
                    AlertState.ON_SCENE,
                )
            if not moved:
                return refuse("progress.bad_state", code=alert.code)
            fresh = await _reload(db, alert.id)
            await self._card(db, fresh, Op.EDIT)
            await self.core.tell(db, self._brief(fresh, member, Op.EDIT))
            step = "on_the_way" if action is Action.EN_ROUTE else "arrived"
            await self._tell_reporter(db, fresh, f"reporter.{step}", unless=member.user_id)
        self.core.notify()
        return Reply(answer=Text(f"progress.marked_{step}", {"code": alert.code}))

    async def close(self, caller: Caller, args: list[str]) -> Reply:
        """``/close CODE``: offer the outcome buttons."""
        alert = await self._alert_from_args(caller, args, "close")
        if isinstance(alert, Reply):
            return alert
        return await self._close_prompt(caller, alert.id)

    async def _may_close(
        self, db: aiosqlite.Connection, caller: Caller, alert: Alert
    ) -> Member | Reply:
        member = await squads_q.member(db, alert.squad_id, caller.user_id)
        if member is None:
            return refuse("not_member")
        if alert.owner_member_id != member.id and not member.is_lead:
            return refuse("close.not_allowed", code=alert.code)
        if alert.state not in OWNED_STATES:
            return refuse("close.not_open", code=alert.code)
        return member

    async def _close_prompt(self, caller: Caller, alert_id: int) -> Reply:
        async with self.core.store.reading() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            if alert is None:
                return refuse("error")
            member = await self._may_close(db, caller, alert)
            if isinstance(member, Reply):
                return member
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
            if isinstance(member, Reply):
                return member
            now = self.core.now()
            if not await alerts_q.transition(
                db, alert.id, OWNED_STATES, AlertState.CLOSED, outcome=outcome.value, closed_at=now
            ):
                return refuse("close.not_open", code=alert.code)
            self.core.crash_point("close")
            await alerts_q.cancel_deadlines(db, alert.id, now)
            await clean_phones(db, alert, AlertState.CLOSED, now)
            owner = (
                await squads_q.member_by_id(db, alert.owner_member_id)
                if alert.owner_member_id
                else None
            )
            if owner is not None and owner.availability is Availability.BUSY:
                await squads_q.set_availability(db, [owner.id], Availability.AVAILABLE)
            await outbox.audit(db, alert.squad_id, caller.user_id, "closed", alert.code, now)
            fresh = await _reload(db, alert.id)
            await self._card(db, fresh, Op.EDIT)
            await self._tell_reporter(
                db, fresh, "reporter.closed", unless=owner.user_id if owner else None
            )
            await privacy_q.finish(db, alert.id)  # after the reporter is told
        self.core.notify()
        key = "close.done" if owner is not None and owner.id == member.id else "close.done_lead"
        text = Text(key, {"code": alert.code, "outcome": t(f"outcome.{outcome.value}")})
        # The picker becomes the closing message: its outcome buttons go, "Add note" comes.
        return Reply(
            text=text,
            answer=Text("close.closed_answer", {"code": alert.code}),
            buttons=((Button(Text("button.add_note"), Action.NOTE, alert.id),),),
            edit_pressed=True,
        )

    async def _request_note(self, caller: Caller, alert_id: int) -> Reply:
        """ "📝 Add note": the next text this person sends in private is the note."""
        async with self.core.store.transaction() as db:
            loaded = await self._load(db, caller, alert_id)
            if isinstance(loaded, Reply):
                return loaded
            alert, member = loaded
            if alert.owner_member_id != member.id and not member.is_lead:
                return refuse("close.not_allowed", code=alert.code)
            if alert.state is not AlertState.CLOSED:
                return refuse("note.not_closed", code=alert.code)
            until = self.core.now() + self.settings.note_wait.total_seconds()
            await alerts_q.request_note(db, caller.user_id, alert.id, until)
        text = Text("note.ask", {"code": alert.code})
        return Reply(text=text, answer=text, private=not caller.private)

    async def typed_note(self, caller: Caller, raw_text: str) -> Reply | None:
        """A text in private after "Add note" was pressed; ``None``: no note was asked for."""
        async with self.core.store.transaction() as db:
            alert_id = await alerts_q.take_note_request(db, caller.user_id, self.core.now())
            alert = await alerts_q.alert_by_id(db, alert_id) if alert_id else None
        if alert is None:
            return None
        return await self._save_note(caller, alert, raw_text)

    async def note(self, caller: Caller, args: list[str], raw_text: str) -> Reply:
        """``/note CODE text`` on a closed alert, by its owner or a lead."""
        code = _code_arg(args, "note")
        if isinstance(code, Reply):
            return code
        body = raw_text.strip()[len(args[0]) :] if raw_text.strip().startswith(args[0]) else ""
        if not body.strip():
            return refuse("note.usage")
        alert = await self._alert_for_caller(caller, code)
        if isinstance(alert, Reply):
            return alert
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
            if alert.owner_member_id != member.id and not member.is_lead:
                return refuse("close.not_allowed", code=alert.code)
            if not await alerts_q.set_note(db, alert.id, note):
                if await alerts_q.is_purged(db, alert.id):
                    days = self.settings.retention_days
                    return refuse("note.purged", code=alert.code, days=days)
                return refuse("note.not_closed", code=alert.code)
        return reply("note.done", code=alert.code)

    async def cancel(self, caller: Caller, args: list[str]) -> Reply:
        """``/cancel CODE`` by the reporter or a lead: everyone holding it stands down."""
        found = await self._alert_from_args(caller, args, "cancel")
        if isinstance(found, Reply):
            return found
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, found.id)
            assert alert is not None
            member = await squads_q.member(db, alert.squad_id, caller.user_id)
            is_lead = member is not None and member.is_lead
            if alert.reporter_user_id != caller.user_id and not is_lead:
                return refuse("cancel.not_allowed", code=alert.code)
            if not alert.is_open:
                return refuse("cancel.not_open", code=alert.code, state=t(f"state.{alert.state}"))
            now = self.core.now()
            if not await alerts_q.transition(
                db, alert.id, OPEN_STATES, AlertState.CANCELLED, closed_at=now
            ):
                return refuse("cancel.not_open", code=alert.code, state=t(f"state.{alert.state}"))
            await alerts_q.cancel_deadlines(db, alert.id, now)
            await privacy_q.finish(db, alert.id)
            await clean_phones(db, alert, AlertState.CANCELLED, now)
            for offer in await alerts_q.close_open_offers(db, alert.id, OfferAnswer.CANCELLED, now):
                await self._edit_offer(db, alert, offer.member_id, "offer.cancelled")
            if alert.owner_member_id is not None:
                owner = await squads_q.member_by_id(db, alert.owner_member_id)
                if owner is not None:
                    if owner.availability is Availability.BUSY:
                        await squads_q.set_availability(db, [owner.id], Availability.AVAILABLE)
                    if owner.private_chat_id is not None:
                        await self.core.tell(
                            db,
                            Intent(
                                op=Op.SEND,
                                chat_id=owner.private_chat_id,
                                priority=Priority.URGENT,
                                text=Text("offer.cancelled", {"code": alert.code}),
                                alert_id=alert.id,
                                member_id=owner.id,
                                role=MessageRole.NOTICE,
                            ),
                        )
            await outbox.audit(db, alert.squad_id, caller.user_id, "cancelled", alert.code, now)
            fresh = await _reload(db, alert.id)
            await self._card(db, fresh, Op.EDIT)
        self.core.notify()
        return reply("cancel.done", code=alert.code)

    async def assign(self, caller: Caller, args: list[str]) -> Reply:
        """``/assign CODE alias`` by a lead."""
        code = _code_arg(args, "assign")
        if isinstance(code, Reply):
            return code
        if len(args) < 2:
            return refuse("assign.usage")
        alias = " ".join(args[1:]).lstrip("@")
        found = await self._alert_for_caller(caller, code)
        if isinstance(found, Reply):
            return found
        async with self.core.store.transaction() as db:
            alert = await alerts_q.alert_by_id(db, found.id)
            assert alert is not None
            lead = await squads_q.member(db, alert.squad_id, caller.user_id)
            if lead is None or not lead.is_lead:
                return refuse("leads_only")
            matches = await squads_q.members_by_alias(db, alert.squad_id, alias)
            if not matches:
                return refuse("member.unknown", alias=alias)
            if len(matches) > 1:
                return refuse("member.ambiguous", alias=alias)
            target = matches[0]
            if not target.approved:
                return refuse("assign.waiting", alias=target.alias)
            if not target.is_responder:
                return refuse("assign.observer", alias=target.alias)
            if await blocks_q.is_blocked(db, alert.squad_id, target.user_id):
                return refuse("assign.blocked", alias=target.alias)
            if alert.state not in UNOWNED_STATES:
                return refuse("assign.not_open", code=alert.code)
            if target.private_chat_id is None:
                return refuse("assign.unreachable", alias=target.alias)
            if not await self._take(db, alert, target, assigned=True):
                return refuse("assign.not_open", code=alert.code)
            await outbox.audit(
                db, alert.squad_id, caller.user_id, "assign", alert.code, self.core.now()
            )
        self.core.notify()
        return reply("assign.done", code=alert.code, alias=target.alias)

    # -- alerts held for a lead, and responders who leave ------------------------------

    async def _held_for_lead(
        self, db: aiosqlite.Connection, caller: Caller, alert_id: int
    ) -> Alert | Reply:
        alert = await alerts_q.alert_by_id(db, alert_id)
        if alert is None:
            return refuse("button.invalid")
        lead = await squads_q.member(db, alert.squad_id, caller.user_id)
        if lead is None or not lead.is_lead:
            return refuse("leads_only")
        if not alert.held or alert.state is not AlertState.NEW:
            return refuse("held.decided", code=alert.code)
        return alert

    async def _dispatch_held(self, caller: Caller, alert_id: int) -> Reply:
        """A lead sends a held alert out, as if it had never been held."""
        async with self.core.store.transaction() as db:
            alert = await self._held_for_lead(db, caller, alert_id)
            if isinstance(alert, Reply):
                return alert
            if not await alerts_q.set_held(db, alert.id, False):
                return refuse("held.decided", code=alert.code)
            now = self.core.now()
            await outbox.audit(db, alert.squad_id, caller.user_id, "dispatched", alert.code, now)
            fresh = await _reload(db, alert.id)
            reply_to = fresh.origin_message_id if fresh.origin is Origin.GROUP else None
            if fresh.has_location:
                await self._start_dispatch(db, fresh, reply_to=reply_to)
            else:  # a lead already looked at it: no more waiting for a location
                await self._card(db, fresh, Op.SEND, reply_to=reply_to)
                await self._broadcast(db, fresh)
        self.core.notify()
        log.info("alert %s dispatched by a lead", alert.code)
        return Reply(answer=Text("held.dispatched", {"code": alert.code}))

    async def _dismiss_held(self, caller: Caller, alert_id: int) -> Reply:
        """A lead drops a held alert. Its reporter is not told (a flood gets no feedback)."""
        async with self.core.store.transaction() as db:
            alert = await self._held_for_lead(db, caller, alert_id)
            if isinstance(alert, Reply):
                return alert
            now = self.core.now()
            if not await alerts_q.transition(
                db, alert.id, (AlertState.NEW,), AlertState.CANCELLED, closed_at=now
            ):
                return refuse("held.decided", code=alert.code)
            await alerts_q.cancel_deadlines(db, alert.id, now)
            await privacy_q.finish(db, alert.id)
            await clean_phones(db, alert, AlertState.CANCELLED, now)
            await outbox.audit(db, alert.squad_id, caller.user_id, "dismissed", alert.code, now)
        self.core.notify()
        return Reply(answer=Text("held.dismissed", {"code": alert.code}))

    async def release(
        self, db: aiosqlite.Connection, alert: Alert, owner_chat_id: int | None
    ) -> bool:
        """The responder of ``alert`` is gone (removed, blocked, erased): back into dispatch
        at once, and the leads are told. Inside the caller's transaction."""
        if not await alerts_q.release_owner(db, alert.id):
            return False
        now = self.core.now()
        await alerts_q.cancel_deadlines(db, alert.id, now)
        if owner_chat_id is not None:
            await clean_phones(db, alert, AlertState.CANCELLED, now, chat_id=owner_chat_id)
        await self._page_leads(
            db, alert, Text("release.lead", {"code": alert.code}), (), MessageRole.PAGE
        )
        fresh = await _reload(db, alert.id)
        if fresh.has_location:
            await self._offer_next(db, fresh)
        else:
            await self._broadcast(db, fresh)
        log.warning("alert %s: its responder left; offered again", alert.code)
        return True

    async def release_member(self, db: aiosqlite.Connection, member_id: int) -> list[str]:
        """Release every open alert ``member_id`` is responding to; returns their codes."""
        member = await squads_q.member_by_id(db, member_id)
        chat = member.private_chat_id if member else None
        codes = []
        for alert in await alerts_q.open_alerts_owned_by_member(db, member_id):
            if await self.release(db, alert, chat):
                codes.append(alert.code)
        return codes

    async def release_orphans(self) -> list[str]:
        """The auditor's check: alerts held by a responder who no longer exists."""
        codes = []
        async with self.core.store.transaction() as db:
            for alert in await alerts_q.orphaned_alerts(db):
                if await self.release(db, alert, None):
                    codes.append(alert.code)
        if codes:
            self.core.notify()
        return codes

    # -- locations for alerts -----------------------------------------------------------

    async def attach_location(
        self, db: aiosqlite.Connection, alert: Alert, point: Point, area: str | None = None
    ) -> None:
        """A location arrived for an alert that had none (inside the caller's transaction)."""
        label = area or grid_label(point)
        if not await alerts_q.set_location(db, alert.id, point.lat, point.lon, label):
            return
        fresh = await _reload(db, alert.id)
        if not fresh.held:  # a held alert keeps its location for the lead who decides
            await self._located(db, fresh)

    async def _located(self, db: aiosqlite.Connection, fresh: Alert) -> None:
        """The alert has just got its location: offer it, or send it to its responder."""
        await self._ask_contact_once(db, fresh)
        if fresh.state is AlertState.NEW:
            for deadline in await alerts_q.pending_deadlines(db, fresh.id):
                if deadline.kind is DeadlineKind.LOCATION:
                    await alerts_q.claim_deadline(db, deadline.id, self.core.now())
            await self._offer_next(db, fresh)
        elif fresh.state in OWNED_STATES and fresh.owner_member_id is not None:
            owner = await squads_q.member_by_id(db, fresh.owner_member_id)
            if owner is not None and owner.private_chat_id is not None:
                await self._send_location(db, fresh, owner)
        else:
            await self._card(db, fresh, Op.EDIT)

    # -- the group card ---------------------------------------------------------------

    async def _card(
        self, db: aiosqlite.Connection, alert: Alert, op: Op, reply_to: int | None = None
    ) -> None:
        """Send or edit the squad's one card for this alert. Never shows coordinates."""
        squad = await squads_q.squad_by_id(db, alert.squad_id)
        assert squad is not None
        lines: list[Any] = [
            t(
                "card.header",
                code=alert.code,
                state=t(f"state.{alert.state}"),
                text=alert.text or t("alert.no_text"),
            )
        ]
        if alert.area_label:
            lines.append(t("card.area", area=alert.area_label))
        if alert.reporter_alias:
            lines.append(t("card.reporter", alias=alert.reporter_alias))
        lines.append(await self._card_status(db, alert))
        buttons: tuple[tuple[Button, ...], ...] = ()
        if alert.state in UNOWNED_STATES:
            buttons = ((Button(Text("button.claim"), Action.CLAIM, alert.id),),)
        await self.core.tell(
            db,
            Intent(
                op=op,
                chat_id=squad.chat_id,
                priority=Priority.HIGH,
                text=Text("lines", {"lines": lines}),
                buttons=buttons,
                alert_id=alert.id,
                role=MessageRole.CARD,
                reply_to=reply_to,
            ),
        )

    async def _card_status(self, db: aiosqlite.Connection, alert: Alert) -> Any:
        state = alert.state
        if state in OWNED_STATES and alert.owner_member_id is not None:
            owner = await squads_q.member_by_id(db, alert.owner_member_id)
            alias = owner.alias if owner else "?"
            key = {
                AlertState.ACKNOWLEDGED: "card.owner",
                AlertState.EN_ROUTE: "card.en_route",
                AlertState.ON_SCENE: "card.on_scene",
            }[state]
            return t(key, alias=alias)
        if state is AlertState.CLOSED:
            return t("card.closed", outcome=t(f"outcome.{alert.outcome}"))
        if state is AlertState.CANCELLED:
            return t("card.cancelled")
        if state is AlertState.ESCALATED:
            return t("card.escalated")
        if state is AlertState.OFFERED:
            open_offers = [o for o in await alerts_q.offers_of(db, alert.id) if o.answer is None]
            if alert.broadcast:
                return t("card.offered_many", count=len(open_offers))
            if open_offers:
                return await self._offered_line(db, open_offers[-1])
        if not alert.has_location:
            return t("card.waiting_location")
        return t("card.finding")

    @staticmethod
    async def _offered_line(db: aiosqlite.Connection, offer: Offer) -> Any:
        """Nobody is named and no distance is given until someone accepts: the group must
        not learn who is near the scene, or how near."""
        return t("card.offered")


async def _reload(db: aiosqlite.Connection, alert_id: int) -> Alert:
    """The alert as it is now, after a change in the same transaction."""
    alert = await alerts_q.alert_by_id(db, alert_id)
    assert alert is not None
    return alert


def _pairs(items: list[Outcome]) -> list[list[Outcome]]:
    return [items[i : i + 2] for i in range(0, len(items), 2)]
