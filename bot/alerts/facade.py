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
from bot.intents import (
    Action,
    Reply,
    refuse,
    refusing,
)

log = logging.getLogger("bot.alerts")


class Alerts(Linked, Holding):
    """Use cases of the alert lifecycle, one phase per module behind this class."""

    @refusing
    async def press(self, caller: Caller, action: Action, alert_id: int, arg: str) -> Reply:
        """A button was pressed. Permission and state are checked again on every press."""
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
