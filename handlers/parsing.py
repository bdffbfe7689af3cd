"""Pure parsers: a command's arguments, as Telegram delivered them, become typed values.

The core never sees an argument list. A parse error is a refusal (``Refused``) with a clear
reply, raised here, before the core is asked anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from bot.aftercare import entries
from bot.aftercare.directory import ServiceRequest, ServicesQuery
from bot.aftercare.entries import EntryError
from bot.aftercare.model import Category, Rule
from bot.aftercare.rules import RULE_WORDS, RuleChange, parse_offset
from bot.aftercare.tasks import FollowupsRequest
from bot.clocks.times import TypedTime, parse_day, parse_time
from bot.crisis import parse_needs
from bot.domain import CrisisType, normalise_code
from bot.fund.amounts import AmountError, FundCommand, FundVerb, parse_amount, parse_currency
from bot.geo import CoordinateError, find_coordinates
from bot.intents import Refused, refuse
from bot.reports.periods import Period, parse_period
from bot.skills import SKILL_WORDS, TYPE_WORDS, NeedsChange
from bot.squads import PlaceRequest
from bot.text import clean_cut


def alert_code(args: Sequence[str], command: str) -> str:
    """``/command CODE``: the code, normalised (``#ab3k`` is ``AB3K``)."""
    if not args:
        raise Refused(refuse("missing_code", command=command))
    code = normalise_code(args[0])
    if code is None:
        raise Refused(refuse("bad_code", raw=args[0][:16], command=command))
    return code


def code_and_text(args: Sequence[str], text: str, command: str) -> tuple[str, str]:
    """``/note CODE words``: the code and the words after it, as typed."""
    code = alert_code(args, command)
    typed = text.strip()
    return code, typed[len(args[0]) :] if typed.startswith(args[0]) else ""


def code_and_alias(args: Sequence[str], command: str, usage: str) -> tuple[str, str]:
    """``/assign CODE alias``."""
    code = alert_code(args, command)
    if len(args) < 2:
        raise Refused(refuse(usage))
    return code, alias(args[1:])


def code_and_word(args: Sequence[str], command: str, usage: str) -> tuple[str, str]:
    """``/type CODE arrest``: an alert code and one word (checked by the core)."""
    code = alert_code(args, command)
    if len(args) != 2:
        raise Refused(refuse(usage))
    return code, args[1]


def drill_type(args: Sequence[str]) -> CrisisType | None:
    """``/drill`` (no type yet: its card asks, as an alert's does) · ``/drill TYPE``."""
    if not args:
        return None
    if len(args) == 1:
        try:
            return CrisisType(args[0].lower())
        except ValueError:
            pass
    raw = clean_cut(" ".join(args), limit=24)
    raise Refused(refuse("drill.usage", raw=raw, types=TYPE_WORDS))


def alias(args: Sequence[str]) -> str:
    """A member's alias as typed after a command (``@`` dropped); empty if none."""
    return " ".join(args).lstrip("@")


def on_off(args: Sequence[str], usage: str) -> bool:
    choice = args[0].lower() if args else ""
    if choice not in ("on", "off"):
        raise Refused(refuse(usage))
    return choice == "on"


def place(args: Sequence[str], text: str) -> PlaceRequest:
    """``/place add NAME LAT, LON`` · ``/place list`` · ``/place remove NAME``."""
    verb = args[0].lower() if args else ""
    rest = text.strip()[len(args[0]) :].strip() if args else ""
    if verb == "list":
        return PlaceRequest("list")
    if verb == "remove":
        return PlaceRequest("remove", name=rest)
    if verb != "add":
        raise Refused(refuse("place.usage"))
    try:
        point, name = find_coordinates(rest)
    except CoordinateError as exc:
        raise Refused(refuse(exc.reason)) from exc
    if point is None:
        raise Refused(refuse("place.usage"))
    return PlaceRequest("add", name=name.strip(" ,;"), point=point)


def needs(args: Sequence[str]) -> NeedsChange | None:
    """``/needs`` (``None``: show them) · ``/needs TYPE SKILLS``, where SKILLS is skill
    names separated by commas, ``anyone`` or ``default``."""
    if not args:
        return None
    try:
        kind = CrisisType(args[0].lower())
    except ValueError:
        raw = clean_cut(args[0], limit=24)
        raise Refused(refuse("needs.unknown_type", raw=raw, types=TYPE_WORDS)) from None
    rest = " ".join(args[1:])
    if not rest.strip():
        raise Refused(refuse("needs.usage", types=TYPE_WORDS, skills=SKILL_WORDS))
    if rest.strip().lower() == "default":
        return NeedsChange(kind, None)
    skills = parse_needs(rest)
    if skills is None:
        raw = clean_cut(rest, limit=48)
        raise Refused(refuse("needs.unknown_skill", raw=raw, skills=SKILL_WORDS))
    return NeedsChange(kind, skills)


def code_and_time(args: Sequence[str], command: str) -> tuple[str, TypedTime]:
    """``/when CODE HH:MM`` or ``/when CODE YYYY-MM-DD HH:MM``."""
    code = alert_code(args, command)
    typed = parse_time(" ".join(args[1:]))
    if typed is None:
        raise Refused(refuse("when.usage"))
    return code, typed


def code_and_day(args: Sequence[str], command: str) -> tuple[str, date]:
    """``/courtdate CODE YYYY-MM-DD``."""
    code = alert_code(args, command)
    day = parse_day(args[1]) if len(args) == 2 else None
    if day is None:
        raise Refused(refuse("courtdate.usage"))
    return code, day


def code_and_words(args: Sequence[str], text: str, command: str, usage: str) -> tuple[str, str]:
    """``/held CODE words``: the code and the words after it; no words is the usage."""
    code, words = code_and_text(args, text, command)
    if not words.strip():
        raise Refused(refuse(usage))
    return code, words.strip()


# -- after the call (issue 12) --------------------------------------------------------------


def _entry_refusal(exc: EntryError) -> Refused:
    return Refused(refuse(exc.key, **exc.params))


def service(args: Sequence[str], text: str) -> ServiceRequest:
    """``/service add`` (the guided dialogue) · ``/service add CATEGORY NAME | PLACE | HOURS
    [| PHONE [| NOTE]]`` · ``/service remove [NAME]``."""
    verb = args[0].lower() if args else ""
    rest = text.strip()[len(args[0]) :].strip() if args else ""
    if verb == "add":
        if not rest:
            return ServiceRequest("add")
        try:
            return ServiceRequest("add", entry=entries.one_line(rest))
        except EntryError as exc:
            raise _entry_refusal(exc) from None
    if verb == "remove":
        return ServiceRequest("remove", name=rest)
    raise Refused(refuse("service.usage", words=entries.CATEGORY_WORDS))


def services(args: Sequence[str]) -> ServicesQuery:
    """``/services`` · ``/services CATEGORY`` · ``/services CODE``."""
    if not args:
        return ServicesQuery()
    if len(args) == 1:
        try:
            return ServicesQuery(category=entries.category(args[0]))
        except EntryError:
            code = normalise_code(args[0])
            if code is not None:
                return ServicesQuery(code=code)
    raw = clean_cut(" ".join(args), limit=24)
    raise Refused(refuse("services.usage", raw=raw, words=entries.CATEGORY_WORDS))


def refer(args: Sequence[str]) -> tuple[str, Category | None]:
    """``/refer CODE`` · ``/refer CODE CATEGORY``."""
    code = alert_code(args, "refer")
    if len(args) == 1:
        return code, None
    if len(args) > 2:
        raise Refused(refuse("refer.usage", words=entries.CATEGORY_WORDS))
    try:
        return code, entries.category(args[1])
    except EntryError as exc:
        raise _entry_refusal(exc) from None


def followups(args: Sequence[str]) -> FollowupsRequest:
    """``/followups`` · ``/followups rules`` · ``/followups rule RULE TIME|off|default`` ·
    ``/followups assign F12 NAME``."""
    verb = args[0].lower() if args else ""
    if not args:
        return FollowupsRequest()
    if verb == "rules" and len(args) == 1:
        return FollowupsRequest("rules")
    if verb == "rule":
        return FollowupsRequest("rule", change=rule_change(args[1:]))
    if verb == "assign" and len(args) >= 3:
        number = args[1].upper().removeprefix("F")
        if not number.isascii() or not number.isdigit() or not 0 < int(number) < 10**15:
            raise Refused(refuse("task.unknown", raw=clean_cut(args[1], limit=16)))
        return FollowupsRequest("assign", task_id=int(number), alias=alias(args[2:]))
    if verb == "assign":
        raise Refused(refuse("followups.assign_usage"))
    raise Refused(refuse("followups.usage"))


def rule_change(args: Sequence[str]) -> RuleChange:
    """``RULE TIME`` (``24h``, ``3d``, ``6w``), ``RULE off`` or ``RULE default``."""
    if len(args) != 2:
        raise Refused(refuse("followups.rule_usage", words=RULE_WORDS))
    try:
        rule = Rule(args[0].lower())
    except ValueError:
        raw = clean_cut(args[0], limit=24)
        raise Refused(refuse("followups.rule_unknown", raw=raw, words=RULE_WORDS)) from None
    value = args[1].lower()
    if value == "off":
        return RuleChange(rule, None)
    if value == "default":
        return RuleChange(rule, reset=True)
    offset = parse_offset(value)
    if offset is None:
        raise Refused(refuse("followups.rule_usage", words=RULE_WORDS))
    return RuleChange(rule, offset)


_THOUSANDS = re.compile(r"\d{3}(?:[.,]\d{1,2})?")


def report_period(args: Sequence[str]) -> Period:
    """``/report`` · ``/report month`` · ``/report quarter`` · ``/report YYYY-MM``."""
    period = parse_period(" ".join(args)) if len(args) <= 1 else None
    if period is None:
        raise Refused(refuse("report.usage"))
    return period


def amount(raw: str) -> Decimal:
    """An amount as people type it ("12,50" or "12.50"); a clear refusal otherwise."""
    try:
        return parse_amount(raw)
    except AmountError as exc:
        raise Refused(refuse(exc.key, raw=clean_cut(raw, limit=16))) from None


def fund(args: Sequence[str], text: str) -> FundCommand:
    """``/fund`` · ``currency XXX`` · ``add AMOUNT [note]`` · ``request CODE AMOUNT`` ·
    ``export`` · ``threshold AMOUNT``."""
    if not args:
        return FundCommand()
    verb = args[0].lower()
    if verb == "export" and len(args) == 1:
        return FundCommand(FundVerb.EXPORT)
    if verb == "currency" and len(args) == 2:
        currency = parse_currency(args[1])
        if currency is None:
            raise Refused(refuse("fund.bad_currency", raw=clean_cut(args[1], limit=8)))
        return FundCommand(FundVerb.CURRENCY, currency=currency)
    if verb == "add" and len(args) >= 2:
        typed = text.strip()[len(args[0]) :].strip()
        note = typed[len(args[1]) :].strip() if typed.startswith(args[1]) else ""
        if len(args) >= 3 and _THOUSANDS.fullmatch(args[2]):
            # "1 000" is a thousand written with a space, not 1 with a note "000".
            raise Refused(
                refuse("fund.amount_bad", raw=clean_cut(f"{args[1]} {args[2]}", limit=16))
            )
        return FundCommand(FundVerb.ADD, amount=amount(args[1]), note=note)
    if verb == "threshold" and len(args) == 2:
        return FundCommand(FundVerb.THRESHOLD, amount=amount(args[1]))
    if verb == "request" and len(args) == 3:
        code = alert_code(args[1:], "fund request")
        return FundCommand(FundVerb.REQUEST, amount=amount(args[2]), code=code)
    raise Refused(refuse("fund.usage"))
