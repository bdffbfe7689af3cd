"""Shared plumbing for the use cases: the store, settings, clock and the outbox."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import aiosqlite

from bot.config import Settings
from bot.domain import Member, Skill, Squad
from bot.intents import Button, Intent, MessageRole, Op, Priority, Refused, Text, refuse
from data import outbox
from data import squads as squads_q
from data.store import Store

Clock = Callable[[], float]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """Who is asking, and from where, in plain values."""

    user_id: int
    chat_id: int
    private: bool
    first_name: str = ""
    message_id: int | None = None
    username: str = ""
    # A button press: the message whose button was pressed.
    pressed_message_id: int | None = None
    # The language their Telegram app uses (IETF tag, e.g. "zu", "pt-br"); "" if not sent.
    language_code: str = ""


class Core:
    """What every use case needs. ``on_outbox`` and ``on_deadline`` wake the workers."""

    def __init__(self, store: Store, settings: Settings, clock: Clock = time.time) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        # ``urgent``: an urgent message was queued since the last call.
        self.on_outbox: Callable[[bool], None] = lambda urgent: None
        self._urgent_told = False
        # An urgent message is being queued (its transaction not yet committed).
        self.on_urgent: Callable[[], None] = lambda: None
        self.on_deadline: Callable[[], None] = lambda: None
        # An erasure (/forgetme: the person's id; /wipe: the group's) was committed.
        self.on_erasure: Callable[[int], None] = lambda chat_id: None

    def now(self) -> float:
        return self.clock()

    async def tell(self, db: aiosqlite.Connection, intent: Intent) -> None:
        await outbox.enqueue(db, intent, self.now())
        if intent.priority is Priority.URGENT:
            self._urgent_told = True  # said at the next notify (rolled back: no harm)
            self.on_urgent()

    async def page_leads(
        self,
        db: aiosqlite.Connection,
        squad_id: int,
        text: Text,
        buttons: tuple[tuple[Button, ...], ...],
        role: MessageRole,
        *,
        skip: Callable[[Member], bool] = lambda lead: False,
    ) -> int:
        """Page the squad's leads in private about something that is not an alert (a fund
        request, a safety warning to approve; an alert's pages go through the alerts'
        ``_page_leads``): each lead who can be reached and is not ``skip``-ped. Returns how
        many were paged."""
        paged = 0
        for lead in await squads_q.leads_of(db, squad_id):
            if lead.private_chat_id is None or skip(lead):
                continue
            paged += 1
            await self.tell(
                db,
                Intent(
                    op=Op.SEND,
                    chat_id=lead.private_chat_id,
                    priority=Priority.HIGH,
                    text=text,
                    buttons=buttons,
                    member_id=lead.id,
                    role=role,
                ),
            )
        return paged

    def crash_point(self, name: str) -> None:
        """Test-only: die at a named point (``SQUADLINE_CRASH_AT``), as kill -9 would."""
        armed = self.settings.crash_at
        if armed and name in armed.split(","):
            log.warning("crash point %s reached: killing the process", name)
            os.kill(os.getpid(), signal.SIGKILL)

    def erased(self, chat_id: int) -> None:
        """Call after an erasure's commit: the intake clears the traces of the update that
        asked for it once that update is handled."""
        self.on_erasure(chat_id)

    def notify(self) -> None:
        """Call after a commit: the sender and the deadline runner re-check their queues."""
        urgent, self._urgent_told = self._urgent_told, False
        self.on_outbox(urgent)
        self.on_deadline()


def require_lead(member: Member | None) -> Member:
    """The one lead check: the caller's membership, if it is a lead's; else refused."""
    if member is None or not member.is_lead:
        raise Refused(refuse("leads_only"))
    return member


def require_private(caller: Caller) -> None:
    """The one "in private only" check: a command whose words or answer must not be in the
    group (where someone is held, a service's phone number, the meeting digest) is refused
    there, and its own message in the group is deleted when the bot can."""
    if not caller.private:
        refusal = refuse("private_only")
        cleanup = (caller.message_id,) if caller.message_id is not None else ()
        raise Refused(replace(refusal, cleanup=cleanup))


def is_police_liaison(member: Member) -> bool:
    """A member (not a lead) with the police-liaison skill: never sent warnings, no fund."""
    return not member.is_lead and Skill.POLICE in member.skills


def require_insider(member: Member | None) -> Member:
    """The one check for warnings and the fund: an approved member or lead who is not a
    police liaison; else refused (observers see counts only)."""
    if member is None or not member.is_responder:
        raise Refused(refuse("insiders_only"))
    if is_police_liaison(member):
        raise Refused(refuse("insiders_only"))
    return member


@dataclass(frozen=True)
class Scope:
    """The squad a command applies to, and the caller's membership in it (if any)."""

    squad: Squad
    member: Member | None

    @property
    def is_lead(self) -> bool:
        return self.member is not None and self.member.is_lead


async def resolve_scope(db: aiosqlite.Connection, caller: Caller) -> Scope:
    """Group chat: that group's squad. Private chat: the caller's most recent squad.

    A private caller in several squads gets their most recently joined squad;
    commands that must not guess use :func:`resolve_single_scope` instead. Refuses
    (:class:`Refused`) a group that is not a squad, or someone in no squad.
    """
    if not caller.private:
        squad = await squads_q.squad_by_chat(db, caller.chat_id)
        if squad is None:
            raise Refused(refuse("not_set_up"))
        return Scope(squad, await squads_q.member(db, squad.id, caller.user_id))
    memberships = await squads_q.memberships_of_user(db, caller.user_id)
    if not memberships:
        raise Refused(refuse("not_member_any"))
    squad = await squads_q.squad_by_id(db, memberships[0].squad_id)
    assert squad is not None
    return Scope(squad, memberships[0])


async def resolve_single_scope(db: aiosqlite.Connection, caller: Caller) -> Scope:
    """Like :func:`resolve_scope`, but refuses to guess between several squads."""
    if caller.private:
        memberships = await squads_q.memberships_of_user(db, caller.user_id)
        if len(memberships) > 1:
            raise Refused(refuse("several_squads"))
    return await resolve_scope(db, caller)
