"""``/drill``: a lead raises a practice alert in the real squad, and it leaves nothing behind.

A drill runs as any alert does (bot/alerts/drilling.py). It has one deadline row, re-armed
until the drill is gone, so neither a crash nor a Telegram outage can leave one behind:
- while it runs, the row is the end of its lifetime (``SQUADLINE_DRILL_LIFETIME``): then
  the drill is cancelled, as a lead would, and its lead is told;
- once it has ended (closed or cancelled), the row is due at once, and then every
  ``SQUADLINE_DRILL_RECHECK`` until the clean-up of its phones (the edits down to
  "#CODE · closed", the pins deleted: bot/phones.py) and the board that shows it as ended
  have been delivered. Then the drill is deleted: its row and all that hangs off it, its
  audit entries, its messages and their ids, the text of delivered messages that named it
  (data/drills.py), and the WAL's old copies of all that (a TRUNCATE checkpoint).
- If Telegram has not taken the clean-up ``SQUADLINE_SEND_GIVE_UP`` after the drill ended,
  it is deleted anyway: the clean-up edits and deletions still to go are kept, naming no
  drill ("🧪 DRILL · this practice alert is over."), so they still reach the phones. A
  board message still waiting to go that shows the drill goes as it is, and its text is
  emptied with every delivered message's (``SQUADLINE_OUTBOX_RETENTION``).
A "responder needs help" drill raised from a drill names it in its words, so a drill is
deleted only once no drill points at it any more.
"""

from __future__ import annotations

import logging
import random
import secrets

import aiosqlite

from bot.alerts import Alerts
from bot.alerts.team import TeamWatcher
from bot.core import Caller, Core, require_lead, resolve_scope
from bot.domain import Alert, CrisisType, Deadline, DeadlineKind, Member, Squad
from bot.drills.marking import OVER
from bot.drills.placing import anchor, made_up_point
from bot.geo import Point
from bot.intents import Reply, refuse, refusing
from data import alerts as alerts_q
from data import deadlines as deadlines_q
from data import drills as drills_q
from data import squads as squads_q

log = logging.getLogger(__name__)


class Drills(TeamWatcher):
    """``/drill``, and each drill's end and deletion (a watcher of every alert's team)."""

    kinds = frozenset({DeadlineKind.DRILL})

    def __init__(self, core: Core, alerts: Alerts, rng: random.Random | None = None) -> None:
        self.core = core
        self.alerts = alerts
        self.settings = core.settings
        self.rng = rng or secrets.SystemRandom()
        self._deleted = 0  # drills deleted since the last checkpoint
        alerts.watch(self)

    @refusing
    async def start(self, caller: Caller, kind: CrisisType | None) -> Reply:
        """``/drill [TYPE]``: a lead, in the squad's group, raises a practice alert (of that
        crisis type, so the team and its clocks can be practised). The board, which says
        DRILL, is the answer, as it is for ``/alert``."""
        if caller.private:
            return refuse("group_only")
        async with self.core.store.transaction() as db:
            scope = await resolve_scope(db, caller)
            lead = require_lead(scope.member)
            cleanup = (caller.message_id,) if scope.squad.hygiene and caller.message_id else ()
            if caller.message_id is not None and await alerts_q.alert_by_origin(
                db, caller.chat_id, caller.message_id
            ):
                return Reply(cleanup=cleanup)  # the same /drill, delivered again: one drill
            point = await self._where(db, scope.squad, lead)
            await self.alerts.raise_drill(db, caller, scope.squad, kind, point)
        self.core.notify()
        return Reply(cleanup=cleanup)

    async def _where(self, db: aiosqlite.Connection, squad: Squad, lead: Member) -> Point | None:
        """A made-up point near the squad, away from every member's stored location (see
        bot/drills/placing.py); None: nothing to place it by."""
        places = await squads_q.places_of(db, squad.id)
        centre = anchor(places, await squads_q.location_of(db, lead.user_id))
        if centre is None:
            return None
        members = await squads_q.members_of_squad(db, squad.id)
        stored = await squads_q.locations_of(db, [m.user_id for m in members])
        return made_up_point(centre, [Point(s.lat, s.lon) for s in stored.values()], self.rng)

    # -- its end and its deletion -------------------------------------------------------

    async def finished(self, db: aiosqlite.Connection, alert: Alert) -> None:
        """A drill was closed or cancelled: its deadline is due now (its deletion)."""
        if not alert.drill:
            return
        now = self.core.now()
        await deadlines_q.cancel_kinds(db, alert.id, (DeadlineKind.DRILL,), now)
        await deadlines_q.add_deadline(db, DeadlineKind.DRILL, alert.id, now)

    async def fire(self, db: aiosqlite.Connection, deadline: Deadline, alert: Alert) -> None:
        if not alert.drill:
            return
        if alert.is_open:  # its lifetime ran out: it ends (and ``finished`` re-arms this)
            await self.alerts.end_drill(db, alert)
            return
        if not await self._may_delete(db, alert):
            again = self.core.now() + self.settings.drill_recheck.total_seconds()
            await deadlines_q.add_deadline(db, DeadlineKind.DRILL, alert.id, again)
            return
        await drills_q.delete_drill(db, alert)
        self._deleted += 1
        log.info("drill %s deleted", alert.code)

    async def _may_delete(self, db: aiosqlite.Connection, alert: Alert) -> bool:
        """Whether nothing still to be delivered needs the drill: its phones' clean-up and
        the board that shows it ended went out, and no drill points at it."""
        if await drills_q.has_linked(db, alert.id):
            return False
        squad = await squads_q.squad_by_id(db, alert.squad_id)
        assert squad is not None  # a squad's alerts go with it
        waiting, going = await drills_q.unsent(db, alert, squad.chat_id)
        if not waiting and not going:
            return True
        ended = alert.closed_at if alert.closed_at is not None else alert.created_at
        if going or self.core.now() - ended < self.settings.send_give_up.total_seconds():
            return False  # a call under way is recorded first; the clean-up may still go
        kept = await drills_q.detach_cleanup(db, alert.id, OVER)
        log.warning("drill %s: Telegram has not taken its clean-up (%d kept)", alert.code, kept)
        return True

    async def after_fire(self) -> None:
        """A deletion is folded out of the WAL at once, not at the next auditor pass."""
        if self._deleted:
            self._deleted = 0
            await self.core.store.checkpoint()
