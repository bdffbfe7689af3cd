"""Leads stop an abuser: ``/block`` holds that person's alerts for a lead, ``/unblock`` lifts it.

A blocked person's alerts are still stored and still reach the leads, with Dispatch and
Dismiss, so a lead who blocked the wrong person loses no real emergency. The blocked person
gets the same neutral answer as anyone whose alert waits for a lead, so the block does not
tip them off. A blocked member is not offered alerts and cannot take one; what they were
responding to goes back into dispatch at once.
"""

from __future__ import annotations

import logging
from typing import Any

import aiosqlite

from bot.alerts import Alerts
from bot.core import Caller, Core, Scope, require_lead, resolve_single_scope
from bot.intents import Refused, Reply, refuse, refusing, reply
from bot.messages import t
from bot.text import ALIAS_MAX
from data import audit as audit_q
from data import blocks as blocks_q
from data import squads as squads_q

log = logging.getLogger(__name__)


class Blocks:
    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.core = core
        self.alerts = alerts

    @refusing
    async def set_blocked(
        self, caller: Caller, alias: str, target_user_id: int | None, *, blocked: bool
    ) -> Reply:
        """``/block`` or ``/unblock``: a reply to the person's message, or a member's alias."""
        usage = "block.usage" if blocked else "unblock.usage"
        async with self.core.store.transaction() as db:
            scope = await resolve_single_scope(db, caller)
            require_lead(scope.member)
            target = await self._target(db, scope, alias, target_user_id)
            if target is None:
                return refuse(usage)
            user_id, shown = target
            if user_id == caller.user_id:
                return refuse("block.self")
            member = await squads_q.member(db, scope.squad.id, user_id)
            if member is not None and member.is_lead:
                return refuse("block.lead")
            now = self.core.now()
            if blocked:
                if not await blocks_q.block(db, scope.squad.id, user_id, now):
                    return refuse("block.already", who=shown)
                if member is not None and await self.alerts.release_member(db, member.id):
                    self.core.notify()
                await audit_q.audit(db, scope.squad.id, caller.user_id, "block", None, now)
            else:
                if not await blocks_q.unblock(db, scope.squad.id, user_id):
                    return refuse("unblock.not_blocked", who=shown)
                await audit_q.audit(db, scope.squad.id, caller.user_id, "unblock", None, now)
        log.info("a lead %s someone", "blocked" if blocked else "unblocked")
        return reply("block.done" if blocked else "unblock.done", who=shown)

    @staticmethod
    async def _target(
        db: aiosqlite.Connection, scope: Scope, alias: str, target_user_id: int | None
    ) -> tuple[int, Any] | None:
        """(user id, how to name them in the reply), from the replied-to message or an alias."""
        if target_user_id is not None:
            member = await squads_q.member(db, scope.squad.id, target_user_id)
            return target_user_id, member.alias if member else t("block.this_person")
        alias = alias.strip().lstrip("@")
        if not alias:
            return None
        matches = await squads_q.members_by_alias(db, scope.squad.id, alias)
        if not matches:
            raise Refused(refuse("member.unknown", alias=alias[:ALIAS_MAX]))
        if len(matches) > 1:
            raise Refused(refuse("member.ambiguous", alias=alias[:ALIAS_MAX]))
        return matches[0].user_id, matches[0].alias
