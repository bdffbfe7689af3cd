"""Running a squad: setup, joining, roles, saved places, help and status."""

from __future__ import annotations

import hmac
import logging
import statistics
from dataclasses import dataclass, replace
from typing import Any, Literal

from bot.aftercare.status import status_lines as aftercare_status_lines
from bot.alerts import Alerts
from bot.clocks.status import status_lines as clock_status_lines
from bot.commands import Where, Who, for_help
from bot.core import Caller, Core, Scope, require_lead, resolve_scope, resolve_single_scope
from bot.domain import (
    OPEN_STATES,
    AlertState,
    Availability,
    Member,
    Role,
    is_fresh,
    new_invite_token,
)
from bot.geo import Point
from bot.intents import Refused, Reply, Text, refuse, refusing, reply
from bot.messages import format_age, listing, t
from bot.skills import status_line as skills_status_line
from bot.text import ALIAS_MAX, PLACE_NAME_MAX, SQUAD_NAME_MAX, TooLong, clean, clean_cut
from data import alerts as alerts_q
from data import audit as audit_q
from data import blocks as blocks_q
from data import offers as offers_q
from data import pending_groups as pending_groups_q
from data import squads as squads_q

log = logging.getLogger(__name__)

WEEK_S = 7 * 24 * 3600


@dataclass(frozen=True)
class PlaceRequest:
    """``/place add NAME LAT, LON`` (``point`` set), ``/place list`` or ``/place remove NAME``."""

    verb: Literal["add", "list", "remove"]
    name: str = ""
    point: Point | None = None


def _who(member: Member) -> Who:
    return {Role.LEAD: Who.LEAD, Role.MEMBER: Who.MEMBER, Role.OBSERVER: Who.OBSERVER}[member.role]


class Squads:
    """Use cases for setting up and running a squad."""

    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.core = core
        self.alerts = alerts
        self.settings = core.settings

    async def bot_added(self, chat_id: int) -> bool:
        """The bot joined a group. Unless /setup follows in time, the auditor leaves it.
        Returns whether the group still needs /setup."""
        async with self.core.store.transaction() as db:
            if await squads_q.squad_by_chat(db, chat_id) is not None:
                return False
            await pending_groups_q.bot_added(db, chat_id, self.core.now())
        return True

    async def bot_removed(self, chat_id: int) -> None:
        async with self.core.store.transaction() as db:
            await pending_groups_q.forget_group(db, chat_id)

    async def user_blocked_bot(self, user_id: int) -> None:
        """The user blocked the bot: they cannot be offered anything until they return."""
        async with self.core.store.transaction() as db:
            await squads_q.mark_blocked(db, user_id, self.core.now())

    async def is_set_up(self, chat_id: int) -> bool:
        async with self.core.store.reading() as db:
            return await squads_q.squad_by_chat(db, chat_id) is not None

    async def setup(self, caller: Caller, words: str, *, is_admin: bool) -> Reply:
        """``/setup [code] <name>`` by a group administrator; the caller becomes the first lead.
        ``words``: what follows /setup, as typed."""
        args = words.split()
        if caller.private:
            return refuse("group_only")
        expected = self.settings.setup_code.get_secret_value() if self.settings.setup_code else None
        usage = "setup.usage_code" if expected else "setup.usage"
        if expected:
            if not args:
                return refuse(usage)
            if not hmac.compare_digest(args[0].encode(), expected.encode()):
                return refuse("setup.bad_code")
            args = args[1:]
        if not is_admin:
            return refuse("setup.not_admin")
        try:
            name = clean(" ".join(args), limit=SQUAD_NAME_MAX)
        except TooLong as exc:
            return refuse("too_long", limit=exc.limit)
        if not name:
            return refuse(usage)
        alias = clean_cut(caller.first_name, limit=ALIAS_MAX) or "lead"
        async with self.core.store.transaction() as db:
            existing = await squads_q.squad_by_chat(db, caller.chat_id)
            if existing is not None:
                return refuse("setup.exists", name=existing.name)
            now = self.core.now()
            squad = await squads_q.insert_squad(db, caller.chat_id, name, new_invite_token(), now)
            if squad is None:
                return refuse("setup.exists", name=name)
            await squads_q.insert_member(db, squad.id, caller.user_id, alias, Role.LEAD, now)
            await pending_groups_q.forget_group(db, caller.chat_id)
            await audit_q.audit(db, squad.id, caller.user_id, "setup", None, now)
        log.info("squad %s set up", squad.id)
        return reply("setup.done", name=name)

    @refusing
    async def set_role(
        self, caller: Caller, alias: str, target_user_id: int | None, role: Role | None
    ) -> Reply:
        """``/lead``, ``/member``, ``/observer`` or ``/remove`` (``role`` None): a reply to
        the member's message, or their alias. Leads only; every change is audited."""
        usage = f"{role.value}.usage" if role else "remove.usage"
        async with self.core.store.transaction() as db:
            scope = await resolve_single_scope(db, caller)
            require_lead(scope.member)
            target = await self._target(scope, db, alias, target_user_id)
            if target is None:
                return refuse(usage)
            now = self.core.now()
            last_lead = target.is_lead and await squads_q.count_leads(db, scope.squad.id) <= 1
            if role is not None:
                if target.role is role:
                    return refuse(f"role.already.{role.value}", alias=target.alias)
                if last_lead:
                    return refuse("remove.last_lead")
                await squads_q.set_role(db, target.id, role)
                if role is Role.OBSERVER and await self.alerts.release_member(db, target.id):
                    self.core.notify()
                await audit_q.audit(
                    db, scope.squad.id, caller.user_id, f"role:{role.value}", str(target.id), now
                )
                return reply(f"role.done.{role.value}", alias=target.alias)
            if last_lead:
                return refuse("remove.last_lead")
            # Whatever they were responding to goes back into dispatch first.
            await self.alerts.release_member(db, target.id)
            await squads_q.delete_member(db, target.id)
            await audit_q.audit(
                db, scope.squad.id, caller.user_id, "role:removed", str(target.id), now
            )
            self.core.notify()
            return reply("remove.done", alias=target.alias)

    async def _target(
        self, scope: Scope, db: Any, alias: str, target_user_id: int | None
    ) -> Member | None:
        if target_user_id is not None:
            member = await squads_q.member(db, scope.squad.id, target_user_id)
            if member is None:
                raise Refused(refuse("member.unknown", alias="?"))
            return member
        if not alias:
            return None
        matches = await squads_q.members_by_alias(db, scope.squad.id, alias)
        if not matches:
            raise Refused(refuse("member.unknown", alias=alias[:ALIAS_MAX]))
        if len(matches) > 1:
            raise Refused(refuse("member.ambiguous", alias=alias))
        return matches[0]

    async def place(self, caller: Caller, request: PlaceRequest) -> Reply:
        """``/place add|list|remove``: the squad's own gazetteer.

        ``/place add`` in the group leaves coordinates in the chat: the bot deletes that
        message (when it is an admin there) and asks for places in private next time."""
        result = await self._place(caller, request)
        if request.verb == "add" and not caller.private and caller.message_id is not None:
            if result.ok:
                params = result.text.params if result.text else {}
                result = replace(result, text=Text("place.added_group", params))
            result = replace(result, cleanup=(caller.message_id,))
        return result

    @refusing
    async def _place(self, caller: Caller, request: PlaceRequest) -> Reply:
        async with self.core.store.transaction() as db:
            scope = await resolve_single_scope(db, caller)
            if scope.member is None:
                return refuse("not_member")
            if not scope.member.is_responder:
                return refuse("observer.no")
            if request.verb == "list":
                places = await squads_q.places_of(db, scope.squad.id)
                if not places:
                    return reply("place.list_empty")
                return reply("place.list", places="\n".join(f"• {p.name}" for p in places))
            require_lead(scope.member)
            if request.verb == "remove":
                try:
                    name = clean(request.name, limit=PLACE_NAME_MAX * 2)
                except TooLong:
                    return refuse("too_long", limit=PLACE_NAME_MAX)
                if not name:
                    return refuse("place.usage")
                if not await squads_q.remove_place(db, scope.squad.id, name):
                    return refuse("place.unknown", name=name[:PLACE_NAME_MAX])
                return reply("place.removed", name=name)
            point = request.point
            assert point is not None  # the parser gives "add" a point
            try:
                name = clean(request.name, limit=PLACE_NAME_MAX)
            except TooLong as exc:
                return refuse("too_long", limit=exc.limit)
            if not name:
                return refuse("place.usage")
            if not await squads_q.add_place(db, scope.squad.id, name, point.lat, point.lon):
                return refuse("place.exists", name=name)
            await audit_q.audit(
                db, scope.squad.id, caller.user_id, "place:add", None, self.core.now()
            )
            return reply("place.added", name=name)

    async def help(self, caller: Caller) -> Reply:
        """The commands that make sense for this caller, here, from the one command table:
        in the group a short list and a pointer to the private chat; in private, every
        command the caller's roles allow."""
        async with self.core.store.reading() as db:
            if caller.private:
                memberships = await squads_q.memberships_of_user(db, caller.user_id)
                set_up = True
            else:
                squad = await squads_q.squad_by_chat(db, caller.chat_id)
                set_up = squad is not None
                member = await squads_q.member(db, squad.id, caller.user_id) if squad else None
                memberships = [member] if member is not None else []
        lines: list[Any] = [t("help.header")]
        if not set_up:
            lines.append(t("help.setup"))
            return Reply(text=Text("lines", {"lines": lines}))
        where = Where.PRIVATE if caller.private else Where.GROUP
        roles = {Who.REPORTER} | {_who(m) for m in memberships if m.approved}
        for command in for_help(where, roles):
            lines.append(t("help.line", name=command.name, text=t(command.help_key)))
        if not caller.private:
            lines.append(t("help.more_private"))
        return Reply(text=Text("lines", {"lines": lines}))

    @refusing
    async def status(self, caller: Caller) -> Reply:
        """``/status`` for leads: open alerts, members, and the last 7 days."""
        async with self.core.store.reading() as db:
            if caller.private:
                mine = await squads_q.memberships_of_user(db, caller.user_id)
                memberships = [m for m in mine if m.is_lead]
                if not memberships:
                    observing = [m for m in mine if m.role is Role.OBSERVER]
                    if observing:
                        return await self._aggregate(db, observing[0].squad_id)
                    return refuse("leads_only")
                squad_ids = [m.squad_id for m in memberships]
            else:
                scope = await resolve_scope(db, caller)
                if scope.member is not None and scope.member.role is Role.OBSERVER:
                    return await self._aggregate(db, scope.squad.id)
                require_lead(scope.member)
                squad_ids = [scope.squad.id]
            blocks: list[Any] = []
            for squad_id in squad_ids:
                blocks.extend(await self._status_block(db, squad_id))
        # Never in the group: it names members and says who is where.
        return Reply(text=Text("lines", {"lines": blocks}), private=not caller.private)

    async def _aggregate(self, db: Any, squad_id: int) -> Reply:
        """What an observer may see: counts only, never names, codes or places."""
        squad = await squads_q.squad_by_id(db, squad_id)
        assert squad is not None
        members = await squads_q.members_of_squad(db, squad_id)
        responders = [m for m in members if m.is_responder]
        open_alerts = await alerts_q.alerts_in_states(db, squad_id, OPEN_STATES)
        week = await alerts_q.alerts_since(db, squad_id, self.core.now() - WEEK_S)
        acks = [a.acknowledged_at - a.created_at for a in week if a.acknowledged_at]
        lines: list[Any] = [
            t("status.header", squad=squad.name),
            t(
                "status.observer",
                open=len(open_alerts),
                available=sum(m.availability is Availability.AVAILABLE for m in responders),
                busy=sum(m.availability is Availability.BUSY for m in responders),
                off=sum(m.availability is Availability.OFF for m in responders),
            ),
            t(
                "status.week",
                raised=len(week),
                closed=sum(1 for a in week if a.state is AlertState.CLOSED),
                ack=format_age(statistics.median(acks)) if acks else t("status.na"),
                close=t("status.na"),
            ),
        ]
        return Reply(text=Text("lines", {"lines": lines}), private=True)

    async def _status_block(self, db: Any, squad_id: int) -> list[Any]:
        now = self.core.now()
        squad = await squads_q.squad_by_id(db, squad_id)
        assert squad is not None
        members = await squads_q.members_of_squad(db, squad_id)
        by_id = {m.id: m for m in members}
        lines: list[Any] = [t("status.header", squad=squad.name)]
        open_alerts = await alerts_q.alerts_in_states(db, squad_id, OPEN_STATES)
        if not open_alerts:
            lines.append(t("status.open_none"))
        else:
            lines.append(t("status.open"))
            for alert in open_alerts:
                who: Any = t("status.nobody")
                team = [m.alias for m in await squads_q.holders_of(db, alert.id)]
                if team:
                    who = listing(team)
                elif alert.state is AlertState.OFFERED:
                    offered = [
                        by_id[o.member_id].alias
                        for o in await offers_q.offers_of(db, alert.id)
                        if o.answer is None and o.member_id in by_id
                    ]
                    if offered:
                        who = t("status.offered_to", alias=listing(offered))
                lines.append(
                    t(
                        "status.alert_owner",
                        code=alert.code,
                        state=t(f"state.{alert.state}"),
                        who=who,
                        age=format_age(now - alert.created_at),
                    )
                )
        lines.extend(await clock_status_lines(db, squad_id, now, self.settings))
        lines.extend(await aftercare_status_lines(db, squad_id, now, self.settings))
        groups: dict[Availability, list[str]] = {a: [] for a in Availability}
        for m in members:
            groups[m.availability].append(m.alias)
        lines.append(
            t(
                "status.members",
                available=len(groups[Availability.AVAILABLE]),
                busy=len(groups[Availability.BUSY]),
                off=len(groups[Availability.OFF]),
            )
        )
        for availability, key in (
            (Availability.AVAILABLE, "status.available_list"),
            (Availability.BUSY, "status.busy_list"),
            (Availability.OFF, "status.off_list"),
        ):
            if groups[availability]:
                lines.append(t(key, names=listing(groups[availability])))
        lines.append(await skills_status_line(db, squad_id))
        locations = await squads_q.locations_of(db, [m.user_id for m in members])
        ttl = self.settings.location_ttl.total_seconds()
        stale = [
            m.alias
            for m in members
            if m.user_id not in locations or not is_fresh(locations[m.user_id], now, ttl)
        ]
        if stale:
            lines.append(t("status.stale", names=listing(stale)))
        unreachable = [m.alias for m in members if not m.reachable]
        if unreachable:
            lines.append(t("status.unreachable", names=listing(unreachable)))
        waiting = [m.alias for m in members if not m.approved]
        if waiting:
            lines.append(t("status.waiting", names=listing(waiting)))
        blocked = await blocks_q.count(db, squad_id)
        if blocked:
            lines.append(t("status.blocked", count=blocked))
        week = await alerts_q.alerts_since(db, squad_id, now - WEEK_S)
        acks = [a.acknowledged_at - a.created_at for a in week if a.acknowledged_at]
        closes = [
            a.closed_at - a.created_at for a in week if a.closed_at and a.state is AlertState.CLOSED
        ]
        lines.append(
            t(
                "status.week",
                raised=len(week),
                closed=sum(1 for a in week if a.state is AlertState.CLOSED),
                ack=format_age(statistics.median(acks)) if acks else t("status.na"),
                close=format_age(statistics.median(closes)) if closes else t("status.na"),
            )
        )
        return lines
