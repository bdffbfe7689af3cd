"""Joining a squad: the invite link, join requests, and a lead's approval.

Anyone who can read the group can tap the invite link, so a new member waits for a lead
(``SQUADLINE_JOIN_APPROVAL``, on by default): until a lead approves, they are not offered
alerts, cannot claim one, and never get a pin. The squad's first lead, and anyone a lead
makes a lead, need no approval.
"""

from __future__ import annotations

import logging

import aiosqlite

from bot.core import Caller, Core, require_lead, resolve_single_scope
from bot.domain import Member, Role, Squad, new_invite_token
from bot.intents import (
    Action,
    Button,
    Intent,
    MessageRole,
    Op,
    Priority,
    Reply,
    Text,
    refuse,
    refusing,
)
from bot.languages import telegram_language_of
from bot.text import ALIAS_MAX, clean_cut
from data import audit as audit_q
from data import outbox
from data import squads as squads_q

log = logging.getLogger(__name__)


class Joining:
    """Use cases for joining a squad."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.settings = core.settings

    @refusing
    async def join(self, caller: Caller, *, reset: bool = False) -> Reply:
        """``/join`` in the group: a button with a deep link into a private chat.
        ``/join reset`` (leads): a new link; the old ones stop working."""
        if caller.private:
            return refuse("group_only")
        async with self.core.store.transaction() as db:
            scope = await resolve_single_scope(db, caller)
            squad = scope.squad
            if reset:
                require_lead(scope.member)
                token = new_invite_token()
                await squads_q.set_invite_token(db, squad.id, token)
                await audit_q.audit(
                    db, squad.id, caller.user_id, "invite:reset", None, self.core.now()
                )
                squad = Squad(squad.id, squad.chat_id, squad.name, token, squad.hygiene)
        key = "join.reset" if reset else "join.prompt"
        return Reply(
            text=Text(key, {"name": squad.name}),
            buttons=((Button(Text("join.button"), deep_link=squad.invite_token),),),
        )

    async def start(self, caller: Caller, token: str | None) -> Reply:
        """``/start [token]`` in private: the user is reachable; with a token, they ask to join
        (or join at once, when approval is off)."""
        if not caller.private:
            return Reply(text=Text("start.welcome"))
        async with self.core.store.transaction() as db:
            squad = await squads_q.squad_by_token(db, token[:64]) if token else None
            if token and squad is None:
                return refuse("start.bad_token")  # and nothing is written
            now = self.core.now()
            await squads_q.upsert_private_chat(
                db, caller.user_id, caller.chat_id, now, telegram_language_of(caller)
            )
            if squad is None:
                return Reply(text=Text("start.welcome"))
            existing = await squads_q.member(db, squad.id, caller.user_id)
            if existing is not None:
                key = "start.already" if existing.approved else "join.still_waiting"
                return Reply(
                    text=Text(key, {"name": squad.name, "alias": existing.alias}),
                    request_location=existing.approved,
                )
            alias = _alias_from(caller.first_name, "member")
            approved = not self.settings.join_approval
            await squads_q.insert_member(
                db, squad.id, caller.user_id, alias, Role.MEMBER, now, approved=approved
            )
            member = await squads_q.member(db, squad.id, caller.user_id)
            assert member is not None
            if approved:
                await audit_q.audit(db, squad.id, caller.user_id, "joined", None, now)
            else:
                await self._ask_leads(db, squad, member, caller)
        self.core.notify()
        if not approved:
            return Reply(text=Text("join.requested", {"name": squad.name, "alias": alias}))
        return Reply(
            text=Text("start.joined", {"name": squad.name, "alias": member.alias}),
            request_location=True,
        )

    async def _ask_leads(
        self, db: aiosqlite.Connection, squad: Squad, member: Member, caller: Caller
    ) -> None:
        """Every lead gets the request in private, with the person's Telegram name."""
        buttons = (
            (
                Button(Text("button.approve"), Action.APPROVE, member.id),
                Button(Text("button.reject"), Action.REJECT, member.id),
            ),
        )
        username = f"@{caller.username}" if caller.username else ""
        for lead in await squads_q.leads_of(db, squad.id):
            if lead.private_chat_id is None:
                continue
            await self.core.tell(
                db,
                Intent(
                    op=Op.SEND,
                    chat_id=lead.private_chat_id,
                    priority=Priority.HIGH,
                    text=Text(
                        "join.request",
                        {
                            "squad": squad.name,
                            "name": clean_cut(caller.first_name, limit=64),
                            "username": username,
                        },
                    ),
                    buttons=buttons,
                    member_id=member.id,
                    role=MessageRole.JOIN_REQUEST,
                ),
            )

    @refusing
    async def answer(self, caller: Caller, member_id: int, *, approve: bool) -> Reply:
        """A lead presses Approve or Reject on a join request."""
        async with self.core.store.transaction() as db:
            member = await squads_q.member_by_id(db, member_id)
            if member is None:
                return refuse("join.answered")
            require_lead(await squads_q.member(db, member.squad_id, caller.user_id))
            if member.approved:
                return refuse("join.answered")
            squad = await squads_q.squad_by_id(db, member.squad_id)
            assert squad is not None
            now = self.core.now()
            await outbox.forget_join_request(db, member.id)
            if approve:
                await squads_q.approve_member(db, member.id)
                await audit_q.audit(db, squad.id, caller.user_id, "join:approved", None, now)
                if member.private_chat_id is not None:
                    await self.core.tell(
                        db,
                        Intent(
                            op=Op.SEND,
                            chat_id=member.private_chat_id,
                            priority=Priority.HIGH,
                            text=Text("join.approved", {"name": squad.name}),
                            member_id=member.id,
                            request_location=True,
                        ),
                    )
            else:
                # Rejection leaves no trace but the audit row.
                await squads_q.delete_member(db, member.id)
                await squads_q.forget_user_if_unused(db, member.user_id)
                await audit_q.audit(db, squad.id, caller.user_id, "join:rejected", None, now)
        self.core.notify()
        log.info("a join request was %s", "approved" if approve else "rejected")
        key = "join.approved_lead" if approve else "join.rejected_lead"
        text = Text(key, {"alias": member.alias})
        return Reply(text=text, answer=text)


def _alias_from(first_name: str, fallback: str) -> str:
    return clean_cut(first_name, limit=ALIAS_MAX) or fallback
