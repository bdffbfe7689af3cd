"""The callback-data codec (one place to build and parse it) and button presses."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from telegram import Update

from bot.aftercare.facade import AFTERCARE_ACTIONS
from bot.intents import Action
from handlers.context import SquadContext, caller_of
from handlers.replies import respond

VERSION = "s1"
# The arg: a word (an outcome, a mark) or a number (a service, a member, a time).
_PATTERN = re.compile(r"^s1:([a-z0-9]{3}):([1-9][0-9]{0,15})(?::([a-z0-9_]{1,16}))?$")


@dataclass(frozen=True)
class Press:
    action: Action
    alert_id: int
    arg: str = ""


def encode(action: Action, alert_id: int, arg: str = "") -> str:
    data = f"{VERSION}:{action.value}:{alert_id}" + (f":{arg}" if arg else "")
    if len(data.encode()) > 64:
        raise ValueError("callback data over 64 bytes")
    return data


def decode(data: str | None) -> Press | None:
    """Parse callback data; ``None`` for anything stale, forged or malformed."""
    if not data or len(data) > 64:
        return None
    match = _PATTERN.match(data)
    if match is None:
        return None
    try:
        action = Action(match.group(1))
    except ValueError:
        return None
    return Press(action, int(match.group(2)), match.group(3) or "")


async def on_button(update: Update, context: SquadContext) -> None:
    """Any inline button: decode, check again in the core, answer."""
    query = update.callback_query
    assert query is not None
    press = decode(query.data if isinstance(query.data, str) else None)
    if press is None:
        await respond(update, context, context.refusal("button.invalid"))
        return
    caller = caller_of(update)
    services = context.services
    if press.action is Action.CONTACT:
        result = await services.privacy.set_contact(caller, press.alert_id, press.arg == "yes")
    elif press.action is Action.FORGET:
        result = await services.privacy.forget(caller, press.alert_id)
    elif press.action is Action.ALERT_NOW:
        result = await services.alerts.raise_alert(caller, "")
    elif press.action in (Action.APPROVE, Action.REJECT):
        result = await services.joining.answer(
            caller, press.alert_id, approve=press.action is Action.APPROVE
        )
    elif press.action is Action.SKILL:
        result = await services.skills.toggle(caller, press.alert_id, press.arg)
    elif press.action in (Action.SAFE, Action.NEED_HELP):
        result = await services.checkins.answer(
            caller, press.alert_id, ok=press.action is Action.SAFE
        )
    elif press.action is Action.LANGUAGE:
        result = await services.languages.choose(caller, press.alert_id, press.arg)
    elif press.action is Action.CLOCK_MARK:
        result = await services.clocks.mark(caller, press.alert_id, press.arg)
    elif press.action in AFTERCARE_ACTIONS:
        result = await services.aftercare.press(caller, press.action, press.alert_id, press.arg)
    elif press.action is Action.RECORD:
        result = await services.records.press(caller, press.alert_id, press.arg)
    elif press.action is Action.WARNING_DRAFT:
        result = await services.warnings.draft_press(caller, press.alert_id, press.arg)
    elif press.action is Action.WARNING_APPROVE:
        result = await services.warnings.approve(caller, press.alert_id)
    elif press.action is Action.WARNING_REJECT:
        result = await services.warnings.reject(caller, press.alert_id)
    elif press.action is Action.FUND_PURPOSE:
        result = await services.fund.purpose(caller, press.alert_id, press.arg)
    elif press.action is Action.FUND_APPROVE:
        result = await services.fund.approve(caller, press.alert_id)
    elif press.action is Action.FUND_REJECT:
        result = await services.fund.reject(caller, press.alert_id)
    elif press.action is Action.FUND_PAID:
        result = await services.fund.paid(caller, press.alert_id, press.arg)
    elif press.action in (Action.WIPE_1, Action.WIPE_2):
        step = 1 if press.action is Action.WIPE_1 else 2
        result = await services.privacy.wipe(caller, press.alert_id, step)
    else:
        result = await services.alerts.press(caller, press.action, press.alert_id, press.arg)
    if result.ok and result.answer is None and result.text is not None:
        result = replace(result, answer=result.text)  # every press gets a pop-up
    await respond(update, context, result)
