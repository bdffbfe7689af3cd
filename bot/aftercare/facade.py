"""``Aftercare``: the one object the adapters call for what follows the call: the
directory, referrals, follow-up tasks and the meeting digest, and their buttons."""

from __future__ import annotations

from bot.aftercare.directory import Directory
from bot.aftercare.meeting import Meeting
from bot.aftercare.referrals import Referrals
from bot.aftercare.tasks import Tasks
from bot.alerts import Alerts
from bot.core import Caller, Core
from bot.intents import Action, Reply, refuse

DIRECTORY_ACTIONS = frozenset(
    {
        Action.SERVICE_CATEGORY,
        Action.SERVICE_PLACE,
        Action.SERVICE_HOURS,
        Action.SERVICE_SKIP,
        Action.SERVICE_REMOVE,
    }
)
REFERRAL_ACTIONS = frozenset(
    {
        Action.REFER,
        Action.REFER_TO,
        Action.REFER_AGREED,
        Action.REFER_DECLINED,
        Action.REFERRAL,
        Action.REFERRAL_REASON,
        Action.REFERRAL_NOTE,
    }
)
TASK_ACTIONS = frozenset({Action.TASK, Action.TASK_TO})
# Every button of the aftercare, routed here by the adapter.
AFTERCARE_ACTIONS = DIRECTORY_ACTIONS | REFERRAL_ACTIONS | TASK_ACTIONS | {Action.MEETING_HELD}


class Aftercare:
    def __init__(self, core: Core, alerts: Alerts) -> None:
        self.directory = Directory(core)
        self.tasks = Tasks(core, alerts)
        self.referrals = Referrals(core, self.tasks)
        self.meeting = Meeting(core)
        alerts.watch(self.tasks)

    async def press(self, caller: Caller, action: Action, target: int, arg: str) -> Reply:
        """A button was pressed; who may press it is checked again, every time."""
        if action in DIRECTORY_ACTIONS:
            return await self.directory.press(caller, action, target, arg)
        if action in REFERRAL_ACTIONS:
            return await self.referrals.press(caller, action, target, arg)
        if action in TASK_ACTIONS:
            return await self.tasks.press(caller, action, target, arg)
        if action is Action.MEETING_HELD:
            return await self.meeting.held(caller, target, arg)
        return refuse("button.invalid")

    async def typed(self, caller: Caller, text: str) -> Reply | None:
        """A private text that answers a question of ours: the directory dialogue's, or a
        referral's note. ``None``: it answers none."""
        answer = await self.referrals.typed(caller, text)
        if answer is None:
            answer = await self.directory.typed(caller, text)
        return answer
