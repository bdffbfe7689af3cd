"""The core's services, built once and shared by every adapter (Telegram now, Signal later)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.aftercare.facade import Aftercare
from bot.alerts import Alerts
from bot.assist import Assist
from bot.auditor import Auditor
from bot.blocks import Blocks
from bot.checkins import Checkins
from bot.clocks.service import Clocks
from bot.config import Settings
from bot.core import Clock, Core
from bot.deadlines import DeadlineRunner
from bot.drills.service import Drills
from bot.fund.service import Fund
from bot.geocode import Geocoder
from bot.joining import Joining
from bot.languages import Languages
from bot.locating import Locating
from bot.members import Members
from bot.privacy import Privacy
from bot.private_messages import PrivateMessages
from bot.records.service import Records
from bot.reports.service import Reports
from bot.safety_warnings.service import Warnings
from bot.skills import Skills
from bot.squads import Squads
from data.store import Store


@dataclass
class Services:
    core: Core
    squads: Squads
    members: Members
    alerts: Alerts
    deadlines: DeadlineRunner
    auditor: Auditor
    privacy: Privacy
    joining: Joining
    blocks: Blocks
    locating: Locating
    assist: Assist
    languages: Languages
    skills: Skills
    clocks: Clocks
    checkins: Checkins
    aftercare: Aftercare
    records: Records
    reports: Reports
    warnings: Warnings
    fund: Fund
    private: PrivateMessages
    drills: Drills

    @classmethod
    def build(cls, settings: Settings, clock: Clock = time.time) -> Services:
        key = settings.database_key.get_secret_value() if settings.database_key else None
        store = Store(
            settings.database,
            settings.db_busy_timeout.total_seconds(),
            settings.db_max_pages,
            key=key or None,
        )
        core = Core(store, settings, clock)
        alerts = Alerts(core, Geocoder(settings))
        privacy = Privacy(core, alerts)
        deadlines = DeadlineRunner(core, alerts)
        locating = Locating(core, alerts)
        clocks = Clocks(core, alerts)
        alerts.watch(clocks)
        checkins = Checkins(core, alerts)
        alerts.watch(checkins)
        aftercare = Aftercare(core, alerts)  # follows every alert's close (a watcher)
        records = Records(core, alerts)  # offers the record at close (a watcher)
        drills = Drills(core, alerts)  # ends and deletes each drill (a watcher)
        assist = Assist(core)
        warnings = Warnings(core)
        fund = Fund(core)
        core.on_deadline = deadlines.wake
        return cls(
            core=core,
            squads=Squads(core, alerts),
            members=Members(core, alerts, locating),
            alerts=alerts,
            deadlines=deadlines,
            auditor=Auditor(core, privacy, alerts),
            privacy=privacy,
            joining=Joining(core),
            blocks=Blocks(core, alerts),
            locating=locating,
            assist=assist,
            languages=Languages(core),
            skills=Skills(core),
            clocks=clocks,
            checkins=checkins,
            aftercare=aftercare,
            records=records,
            reports=Reports(core),
            warnings=warnings,
            fund=fund,
            private=PrivateMessages(alerts, warnings, locating, aftercare, fund, assist),
            drills=drills,
        )

    async def open(self) -> None:
        await self.core.store.open()

    async def close(self) -> None:
        await self.auditor.stop()
        await self.deadlines.stop()
        await self.core.store.close()
