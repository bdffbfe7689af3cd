"""The squad's board: its one live message in the group about its alerts.

With one alert it reads exactly as that alert's card; with several it lists them, each with
its Claim button. A new alert, or an escalation, posts the board anew (a new message is what
notifies the group) and the previous board message is retired; anything else edits the live
one. Changes that wait for the group's turn are folded into one (data/outbox.py), so however
many alerts a raid brings, the group's 20 messages a minute are enough to show them all.
"""

from __future__ import annotations

import logging

import aiosqlite

from bot.alerts import notices
from bot.alerts.base import AlertsBase, _reload
from bot.alerts.board import BoardLine, board
from bot.core import Caller
from bot.delivery import retired_board
from bot.domain import (
    OWNED_STATES,
    UNOWNED_STATES,
    Alert,
    Squad,
)
from bot.intents import Intent, Op
from data import boards as boards_q
from data import offers as offers_q
from data import outbox
from data import sent_messages as sent_q
from data import slots as slots_q
from data import squads as squads_q

log = logging.getLogger("bot.alerts")


class Cards(AlertsBase):
    async def _card(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        op: Op,
        reply_to: int | None = None,
        *,
        squad: Squad | None = None,
    ) -> None:
        """Show the change to ``alert`` on its squad's board: ``Op.SEND`` posts the board
        anew (the group is notified), ``Op.EDIT`` edits the live one. Never shows
        coordinates, and names nobody until they accept. (``squad``: the alert's, if the
        caller has it from this transaction.)"""
        if squad is None:
            squad = await squads_q.squad_by_id(db, alert.squad_id)
        assert squad is not None and squad.id == alert.squad_id
        posting = op is Op.SEND or await outbox.board_post_pending(db, squad.chat_id)
        # A new post shows the open alerts; an edit also shows those that ended since the
        # live board was posted, so the group sees how they ended.
        live = None if posting else await sent_q.find_board(db, squad.chat_id)
        shown = await boards_q.board_alerts(
            db, squad.id, finished_since=live[1] if live is not None else None
        )
        if not shown:
            return  # nothing to show (a held alert, say), and nothing shown to change
        if len(shown) == 1:
            intent = await self._one_card(db, shown[0][0], squad.chat_id, op, reply_to)
        else:
            intent = board(
                [BoardLine(a, owner, open_slots) for a, owner, open_slots in shown],
                squad.chat_id,
                op,
                about=alert.id,
                reply_to=reply_to,
            )  # fmt: skip
        await self.core.tell(db, intent)

    async def _one_card(
        self,
        db: aiosqlite.Connection,
        alert: Alert,
        chat_id: int,
        op: Op,
        reply_to: int | None,
    ) -> Intent:
        """The board with one alert on it: that alert's card, with its team and buttons."""
        owner = (
            await squads_q.member_by_id(db, alert.owner_member_id)
            if alert.owner_member_id is not None
            else None
        )
        live = [o for o in await offers_q.offers_of(db, alert.id) if o.answer is None]
        status = notices.card_status(
            alert, owner_alias=owner.alias if owner else None, open_offers=len(live)
        )
        slots = await slots_q.slots_of(db, alert.id)
        # Nobody holds a place yet (every new alert): no one's name to read.
        held = any(s.holder_member_id is not None for s in slots)
        holders = {m.id: m.alias for m in await squads_q.holders_of(db, alert.id)} if held else {}
        offered = {o.slot_id for o in live}
        team = [
            (s.skill, holders.get(s.holder_member_id or 0), s.id in offered or None in offered)
            for s in slots
        ]
        claimable = alert.state in UNOWNED_STATES or (
            alert.state in OWNED_STATES and any(not s.filled for s in slots)
        )
        return notices.card(
            alert,
            chat_id,
            op,
            status,
            reply_to=reply_to,
            team=notices.team_lines(team) if alert.is_open else [],
            claimable=claimable,
        )

    async def _retire_if_stale(self, caller: Caller) -> None:
        """A Claim was pressed on a copy of the squad's board older than the live one: a
        copy a crash left in the group (posted, but never recorded, so never retired). It
        is retired now (a retired board has no buttons left to press)."""
        pressed = caller.pressed_message_id
        if caller.private or pressed is None:
            return
        async with self.core.store.transaction() as db:
            live = await sent_q.find_board(db, caller.chat_id)
            if live is not None and pressed < live[0]:
                await self.core.tell(db, retired_board(caller.chat_id, pressed))

    async def show_words(self, db: aiosqlite.Connection, alert_id: int) -> None:
        """The alert's words changed: the card shows them (the card never shows coordinates)."""
        fresh = await _reload(db, alert_id)
        if not fresh.held:
            await self._card(db, fresh, Op.EDIT)
