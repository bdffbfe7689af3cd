"""The facade: the one class handlers call, and the press router for alert buttons."""

from __future__ import annotations

import logging

from bot.alerts.holding import Holding
from bot.alerts.linked import Linked
from bot.alerts.notices import BOARD_TAG
from bot.core import Caller
from bot.domain import (
    CrisisType,
    Outcome,
)
from bot.drills.marking import marked_reply
from bot.intents import (
    Action,
    Reply,
    refuse,
    refusing,
)
from data import drills as drills_q

log = logging.getLogger("bot.alerts")


class Alerts(Linked, Holding):
    """Use cases of the alert lifecycle, one phase per module behind this class."""

    @refusing
    async def press(self, caller: Caller, action: Action, alert_id: int, arg: str) -> Reply:
        """A button was pressed. Permission and state are checked again on every press."""
        drill = await self._is_drill(alert_id)
        reply = await self._route(caller, action, alert_id, arg)
        return marked_reply(reply) if drill else reply

    async def _route(self, caller: Caller, action: Action, alert_id: int, arg: str) -> Reply:
        if action is Action.CLAIM:
            reply = await self._claim_by_id(caller, alert_id)
            if arg == BOARD_TAG:
                await self._retire_if_stale(caller)
            return reply
        if action is Action.ACCEPT:
            return await self._accept(caller, alert_id, arg)
        if action is Action.DECLINE:
            return await self._decline(caller, alert_id, arg)
        if action in (Action.EN_ROUTE, Action.ARRIVED):
            return await self._progress(caller, alert_id, action)
        if action is Action.CLOSE:
            return await self._close_prompt(caller, alert_id)
        if action is Action.NOTE:
            return await self._request_note(caller, alert_id)
        if action is Action.TYPE:
            try:
                kind = CrisisType(arg)
            except ValueError:
                return refuse("error")
            return await self._set_type(caller, alert_id, kind)
        if action is Action.POLICE:
            return await self._police_consent(caller, alert_id)
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

    # The answers to the commands that name an alert say DRILL when it is one.

    async def claim(self, caller: Caller, code: str) -> Reply:
        return await self._about(code, await super().claim(caller, code))

    async def close(self, caller: Caller, code: str) -> Reply:
        return await self._about(code, await super().close(caller, code))

    async def note(self, caller: Caller, code: str, body: str) -> Reply:
        return await self._about(code, await super().note(caller, code, body))

    async def cancel(self, caller: Caller, code: str) -> Reply:
        drill = await self._code_is_drill(code)  # a drill that ends soon goes entirely
        reply = await super().cancel(caller, code)
        return marked_reply(reply) if drill else reply

    async def assign(self, caller: Caller, code: str, alias: str) -> Reply:
        return await self._about(code, await super().assign(caller, code, alias))

    async def set_type(self, caller: Caller, code: str, raw_kind: str) -> Reply:
        return await self._about(code, await super().set_type(caller, code, raw_kind))

    async def _about(self, code: str, reply: Reply) -> Reply:
        return marked_reply(reply) if await self._code_is_drill(code) else reply

    async def _is_drill(self, alert_id: int) -> bool:
        async with self.core.store.reading() as db:
            return await drills_q.is_drill(db, alert_id)

    async def _code_is_drill(self, code: str) -> bool:
        async with self.core.store.reading() as db:
            return await drills_q.code_is_drill(db, code)
