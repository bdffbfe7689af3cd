"""The one command table: every command, where it works, who may use it, and its help.

Handler registration, Telegram's command menus (group, private, and the group's
administrators), ``/help`` and the README's role table are all built from, or checked
against, this table. A command added here without a handler, a menu description in every
language, or a README row fails a test. It holds no Telegram types: a Signal adapter reads
the same table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Where(StrEnum):
    GROUP = "group"
    PRIVATE = "private"


class Who(StrEnum):
    """The columns of the README's role table."""

    REPORTER = "reporter"  # anyone, a member or not (also someone waiting for approval)
    OBSERVER = "observer"
    MEMBER = "member"
    LEAD = "lead"


BOTH = frozenset({Where.GROUP, Where.PRIVATE})
GROUP = frozenset({Where.GROUP})
PRIVATE = frozenset({Where.PRIVATE})
EVERYONE = frozenset(Who)
IN_SQUAD = frozenset({Who.OBSERVER, Who.MEMBER, Who.LEAD})
RESPONDERS = frozenset({Who.MEMBER, Who.LEAD})
LEADS = frozenset({Who.LEAD})


@dataclass(frozen=True)
class Command:
    name: str
    where: frozenset[Where]
    who: frozenset[Who]  # empty: decided outside the roles (/setup: the group's admins)
    # In the group's short /help (the few commands anyone there needs).
    group_help: bool = False
    # In Telegram's command menus (``/start`` is sent by Telegram's own button).
    menu: bool = True

    @property
    def help_key(self) -> str:
        """The menu description and the /help line: ``cmd.<name>``, in every language."""
        return f"cmd.{self.name}"

    @property
    def leads_only(self) -> bool:
        return self.who == LEADS


COMMANDS: tuple[Command, ...] = (
    Command("alert", BOTH, EVERYONE, group_help=True),
    Command("claim", BOTH, RESPONDERS, group_help=True),
    Command("cancel", BOTH, EVERYONE, group_help=True),
    Command("type", BOTH, EVERYONE),
    Command("close", BOTH, RESPONDERS),
    Command("note", BOTH, RESPONDERS),
    Command("join", GROUP, EVERYONE, group_help=True),
    Command("help", BOTH, EVERYONE, group_help=True),
    Command("me", BOTH, EVERYONE),
    Command("language", BOTH, EVERYONE),  # in the group: leads only (the squad's language)
    Command("forgetme", BOTH, EVERYONE),
    Command("alias", BOTH, IN_SQUAD),
    Command("available", BOTH, IN_SQUAD),
    Command("busy", BOTH, IN_SQUAD),
    Command("off", BOTH, IN_SQUAD),
    Command("place", BOTH, RESPONDERS),
    Command("skills", BOTH, RESPONDERS),  # someone else's: leads only
    Command("needs", BOTH, RESPONDERS),  # changing what a type needs: leads only
    Command("status", BOTH, frozenset({Who.OBSERVER, Who.LEAD})),
    Command("assign", BOTH, LEADS),
    # A practice alert in the real squad (issue 15), raised where the squad sees it.
    Command("drill", GROUP, LEADS),
    # The clocks (issue 11): a member on the alert's team, or a lead; in private only.
    Command("held", PRIVATE, RESPONDERS),
    Command("when", PRIVATE, RESPONDERS),
    Command("courtdate", PRIVATE, RESPONDERS),
    # After the call (issue 12): the directory (leads keep it, members read it), referrals,
    # follow-ups (changing the rules and reassigning: leads only), the meeting digest.
    Command("services", BOTH, RESPONDERS),
    Command("service", BOTH, LEADS),
    Command("refer", BOTH, RESPONDERS),
    Command("followups", BOTH, RESPONDERS),
    Command("meeting", PRIVATE, LEADS),
    # Evidence, warnings and the fund (issue 13), in private only. /record: the alert's team
    # or a lead; /warn, /warnings, /fund: not observers or police liaisons; /fund's ledger
    # and its changes: leads.
    Command("record", PRIVATE, RESPONDERS),
    Command("report", PRIVATE, LEADS),
    Command("warn", PRIVATE, RESPONDERS),
    Command("warnings", PRIVATE, RESPONDERS),
    Command("fund", PRIVATE, RESPONDERS),
    Command("lead", GROUP, LEADS),
    Command("member", GROUP, LEADS),
    Command("observer", GROUP, LEADS),
    Command("remove", GROUP, LEADS),
    Command("block", GROUP, LEADS),
    Command("unblock", GROUP, LEADS),
    Command("pin", PRIVATE, LEADS),
    Command("audit", BOTH, LEADS),
    Command("hygiene", GROUP, LEADS),
    Command("wipe", GROUP, LEADS),
    Command("setup", GROUP, frozenset()),
    Command("start", PRIVATE, EVERYONE, menu=False),
)

BY_NAME = {c.name: c for c in COMMANDS}


def menu(where: Where, *, leads: bool = False) -> list[Command]:
    """Telegram's command menu for a chat type. In private there is one menu for everyone;
    in the group, ``leads`` is the menu of the group's administrators (Telegram's
    chat-administrators scope), who also see the lead commands and /setup."""
    shown = []
    for c in COMMANDS:
        if not c.menu or where not in c.where:
            continue
        if where is Where.GROUP and not leads and (c.leads_only or not c.who):
            continue
        shown.append(c)
    return shown


def for_help(where: Where, who: Iterable[Who]) -> list[Command]:
    """What ``/help`` lists: in the group the short list; in private, every command the
    caller's roles allow (lead commands used in the group included)."""
    if where is Where.GROUP:
        return [c for c in COMMANDS if c.group_help]
    roles = set(who)
    return [c for c in COMMANDS if c.menu and c.who & roles]
