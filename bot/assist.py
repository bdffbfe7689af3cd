"""Nothing is met with silence: a word in private, a voice note, a photo, /alert in the
wrong group, /claim without a code. Each gets a short answer with the one thing to do."""

from __future__ import annotations

from typing import Any

from bot.alerts.notices import claim_code_button
from bot.core import Caller, Core
from bot.domain import Role
from bot.intents import Action, Button, Reply, Text, refuse
from bot.messages import t
from data import alerts as alerts_q
from data import squads as squads_q

# A start parameter: "raise an alert in our private chat".
ALERT_LINK = "alert"


class Assist:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def private_message(self, caller: Caller) -> Reply:
        """Text without a command, a voice note or a photo in private."""
        async with self.core.store.reading() as db:
            memberships = await squads_q.memberships_of_user(db, caller.user_id)
        approved = [m for m in memberships if m.approved]
        if not approved:
            key = "assist.waiting" if memberships else "assist.stranger"
            return Reply(text=Text(key))
        lines: list[Any] = [t("assist.member")]
        if any(m.is_lead for m in approved):
            lines.append(t("assist.lead"))
        elif all(m.role is Role.OBSERVER for m in approved):
            lines.append(t("assist.observer"))
        button = Button(Text("button.alert_now"), Action.ALERT_NOW, caller.user_id)
        return Reply(text=Text("lines", {"lines": lines}), buttons=((button,),))

    async def wrong_group(self, caller: Caller) -> Reply | None:
        """``/alert`` in a group that is not a squad: a member of some squad gets a button
        that raises it in private, with their squad. ``None``: the usual explanation."""
        async with self.core.store.reading() as db:
            memberships = await squads_q.memberships_of_user(db, caller.user_id)
        if not any(m.approved for m in memberships):
            return None
        button = Button(Text("button.alert_private"), deep_link=ALERT_LINK)
        return Reply(text=Text("assist.wrong_group"), buttons=((button,),))

    async def claim_list(self, caller: Caller) -> Reply:
        """``/claim`` with no code: the open alerts of the caller's squad, as buttons."""
        async with self.core.store.reading() as db:
            if caller.private:
                mine = await squads_q.memberships_of_user(db, caller.user_id)
                squad_ids = [m.squad_id for m in mine if m.is_responder]
                if not mine:
                    return refuse("not_member_any")
            else:
                squad = await squads_q.squad_by_chat(db, caller.chat_id)
                if squad is None:
                    return refuse("not_set_up")
                member = await squads_q.member(db, squad.id, caller.user_id)
                if member is None:
                    return refuse("not_member")
                squad_ids = [squad.id] if member.is_responder else []
            if not squad_ids:
                return refuse("claim.usage")
            alerts = await alerts_q.open_unowned_in_squads(db, squad_ids)
        if not alerts:
            return Reply(text=Text("claim.none_open"))
        rows = tuple((claim_code_button(a),) for a in alerts)
        return Reply(text=Text("claim.pick"), buttons=rows)
