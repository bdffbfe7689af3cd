"""A member's own settings: alias, availability, location, and what the bot holds."""

from __future__ import annotations

import logging
from typing import Any

from bot.alerts import Alerts
from bot.core import Caller, Core, resolve_scope
from bot.domain import Availability, Location, Member, Skill, is_fresh, is_live
from bot.geo import CoordinateError, validate
from bot.intents import Refused, Reply, Text, refuse, refusing, reply
from bot.languages import telegram_language_of
from bot.locating import Locating
from bot.messages import format_age, listing, moment, t
from bot.skills import skill_name
from bot.text import ALIAS_MAX, TooLong, clean
from data import audit as audit_q
from data import privacy as privacy_q
from data import squads as squads_q

log = logging.getLogger(__name__)

ME_SHOWN = 10  # alerts and audit entries /me lists (the newest)
ME_TEXT_MAX = 200  # characters of an alert's words /me repeats


class Members:
    """Use cases a member runs about themselves."""

    def __init__(self, core: Core, alerts: Alerts, locating: Locating) -> None:
        self.core = core
        self.alerts = alerts
        self.locating = locating
        self.settings = core.settings

    async def _mine(self, db: Any, caller: Caller) -> list[Member]:
        """In a group: the membership there. In private: all of the caller's memberships."""
        if caller.private:
            memberships = await squads_q.memberships_of_user(db, caller.user_id)
            if not memberships:
                raise Refused(refuse("not_member_any"))
            return memberships
        scope = await resolve_scope(db, caller)
        if scope.member is None:
            raise Refused(refuse("not_member"))
        return [scope.member]

    @refusing
    async def set_alias(self, caller: Caller, raw: str) -> Reply:
        try:
            alias = clean(raw, limit=ALIAS_MAX)
        except TooLong as exc:
            return refuse("too_long", limit=exc.limit)
        if not alias:
            return refuse("alias.usage")
        async with self.core.store.transaction() as db:
            mine = await self._mine(db, caller)
            await squads_q.set_alias(db, [m.id for m in mine], alias)
        return reply("alias.done", alias=alias)

    @refusing
    async def set_availability(self, caller: Caller, availability: Availability) -> Reply:
        async with self.core.store.transaction() as db:
            mine = await self._mine(db, caller)
            await squads_q.set_availability(db, [m.id for m in mine], availability)
        # In the group the answer goes to the private chat: the group need not know.
        text = Text(f"availability.done.{availability.value}")
        return Reply(text=text, private=not caller.private)

    async def me(self, caller: Caller) -> Reply:
        """What the bot holds about the caller; in a group it answers in private."""
        async with self.core.store.reading() as db:
            memberships = await squads_q.memberships_of_user(db, caller.user_id)
            private_chat = await squads_q.private_chat_of(db, caller.user_id)
            loc = await squads_q.location_of(db, caller.user_id)
            reported = await privacy_q.alerts_reported_by(db, caller.user_id, ME_SHOWN)
            audited = await audit_q.audit_by_actor(db, caller.user_id, ME_SHOWN)
            if not (memberships or reported or audited or loc or private_chat):
                return refuse("not_member_any")
            lines: list[Any] = [t("me.header")]
            for m in memberships:
                squad = await squads_q.squad_by_id(db, m.squad_id)
                lines.append(
                    t(
                        "me.squad",
                        squad=squad.name if squad else "?",
                        alias=m.alias,
                        role=t(f"role.{m.role}"),
                        availability=t(f"availability.{m.availability}"),
                    )
                )
                if m.skills:
                    mine = [skill_name(s) for s in Skill if s in m.skills]
                    lines.append(t("me.skills", skills=listing(mine)))
        now = self.core.now()
        if loc is None:
            lines.append(t("me.location_none"))
        elif is_live(loc, now):
            lines.append(t("me.location_live", age=format_age(now - loc.at)))
        else:
            fresh = is_fresh(loc, now, self.settings.location_ttl.total_seconds())
            lines.append(
                t(
                    "me.location",
                    age=format_age(now - loc.at),
                    freshness=t("me.fresh" if fresh else "me.stale"),
                )
            )
        if private_chat is not None:
            lines.append(t("me.reachable" if memberships else "me.private_chat"))
        if reported:
            lines.append(t("me.alerts"))
        for code, state, words in reported:
            shown = words if len(words) <= ME_TEXT_MAX else words[: ME_TEXT_MAX - 1] + "…"
            state_text = t(f"state.{state}")
            lines.append(
                t("me.alert", code=code, state=state_text, text=shown)
                if words
                else t("me.alert_no_text", code=code, state=state_text)
            )
        if audited:
            lines.append(t("me.audit"))
        for action, target, at in audited:
            when = moment(at)
            lines.append(t("me.audit_entry", when=when, action=action, target=target or ""))
        if not caller.private and private_chat is None:
            return refuse("me.open_private")
        return Reply(text=Text("lines", {"lines": lines}), private=not caller.private)

    async def private_location(
        self,
        caller: Caller,
        lat: float,
        lon: float,
        *,
        accuracy: float | None = None,
        live_period: int | None = None,
        edited: bool = False,
    ) -> Reply | None:
        """A location in the private chat: for the caller's waiting alert, else their own.

        Live-location updates (``edited``) refresh the stored location quietly.
        """
        try:
            point = validate(lat, lon)
        except CoordinateError as exc:
            return refuse(exc.reason)
        now = self.core.now()
        async with self.core.store.transaction() as db:
            await squads_q.upsert_private_chat(
                db, caller.user_id, caller.chat_id, now, telegram_language_of(caller)
            )
            if not edited:
                answered = await self.locating.private_pin(db, caller, point)
                if answered is not None:
                    return answered
            else:
                await self.locating.live_pin(db, caller, point)
            memberships = await squads_q.memberships_of_user(db, caller.user_id)
            if not memberships:
                return None if edited else reply("location.unused")
            live_until = None
            if live_period:
                # Telegram's "forever" live period is 0x7FFFFFFF; cap what we trust.
                live_until = now + min(live_period, 24 * 3600)
            elif edited:
                previous = await squads_q.location_of(db, caller.user_id)
                live_until = previous.live_until if previous else None
            await squads_q.save_location(
                db, caller.user_id, Location(point.lat, point.lon, now, accuracy, live_until)
            )
        if edited:
            return None
        if live_until is not None:
            return Reply(text=Text("location.saved_live"), remove_keyboard=True)
        ttl_hours = round(self.settings.location_ttl.total_seconds() / 3600, 1)
        ttl_text = int(ttl_hours) if ttl_hours.is_integer() else ttl_hours
        return Reply(text=Text("location.saved", {"ttl_hours": ttl_text}), remove_keyboard=True)
