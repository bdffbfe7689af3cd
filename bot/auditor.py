"""The auditor: a periodic check that every open alert is being driven by something.

It guards against bugs, not only crashes: an open alert with no owner and no pending
deadline would otherwise sit forever. It also prunes handled inbox rows.
"""

from __future__ import annotations

import logging

from bot.alerts import Alerts
from bot.core import Core
from bot.domain import AlertState, DeadlineKind
from bot.intents import Intent, Op, Priority
from bot.privacy import Privacy
from bot.worker import Worker
from data import alerts as alerts_q
from data import audit as audit_q
from data import deadlines as deadlines_q
from data import inbox, outbox
from data import offers as offers_q
from data import pending_groups as pending_groups_q

log = logging.getLogger(__name__)


class Auditor(Worker):
    name = "squadline-auditor"

    def __init__(self, core: Core, privacy: Privacy, alerts: Alerts) -> None:
        super().__init__()
        self.core = core
        self.privacy = privacy
        self.alerts = alerts
        self.idle_s = core.settings.audit_interval.total_seconds()

    async def pass_once(self) -> float | None:
        """Runs every ``audit_interval`` (waking it early does no harm)."""
        await self.check()
        orphans = await self.alerts.release_orphans()
        if orphans:
            log.warning("auditor put %d alert(s) with no responder back: %s",
                        len(orphans), ", ".join(orphans))  # fmt: skip
        await self.privacy.purge_expired()
        await self.leave_unknown_groups()
        return None

    async def check(self) -> list[str]:
        """Re-arm stranded alerts; returns their codes (codes carry no personal data)."""
        now = self.core.now()
        settings = self.core.settings
        rearmed: list[str] = []
        async with self.core.store.transaction() as db:
            for alert in await alerts_q.stranded_alerts(db):
                if alert.state is AlertState.NEW:
                    kind = DeadlineKind.LOCATION
                elif alert.state is AlertState.OFFERED:
                    kind = DeadlineKind.ACK
                elif alert.escalations < settings.max_escalations:
                    kind = DeadlineKind.ESCALATE
                else:
                    continue  # escalations exhausted: it waits for a claim, shown in /status
                waves: set[int | None] = {None}  # a broadcast's one deadline
                if kind is DeadlineKind.ACK and not alert.broadcast:
                    live = [o for o in await offers_q.offers_of(db, alert.id) if o.answer is None]
                    waves = {o.slot_id for o in live if o.slot_id is not None}
                    if not waves:
                        kind, waves = DeadlineKind.ESCALATE, {None}
                for slot_id in sorted(waves, key=lambda w: w or 0):
                    await deadlines_q.add_deadline(db, kind, alert.id, now, ref_id=slot_id)
                rearmed.append(alert.code)
            pruned = await inbox.prune_done(db, now - settings.inbox_retention.total_seconds())
            window = max(120.0, 2 * settings.limit_group_window.total_seconds())
            await outbox.prune_send_log(db, now - window)
        if rearmed:
            log.warning(
                "auditor re-armed %d stranded alert(s): %s", len(rearmed), ", ".join(rearmed)
            )
            self.core.notify()
        if pruned:
            log.info("auditor pruned %d handled inbox rows", pruned)
        return rearmed

    async def leave_unknown_groups(self) -> list[int]:
        """Leave groups that added the bot but did not complete /setup in time."""
        now = self.core.now()
        grace = self.core.settings.setup_grace.total_seconds()
        async with self.core.store.transaction() as db:
            chats = await pending_groups_q.overdue_groups(db, now - grace)
            for chat_id in chats:
                await self.core.tell(
                    db, Intent(op=Op.LEAVE, chat_id=chat_id, priority=Priority.ROUTINE)
                )
                await pending_groups_q.forget_group(db, chat_id)
                await audit_q.audit(db, None, None, "left_unknown_group", None, now)
        if chats:
            log.warning("leaving %d group(s) that never completed /setup", len(chats))
            self.core.notify()
        return chats
