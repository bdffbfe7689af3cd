"""The follow-up rules: which tasks a case gets, and when each falls due.

The defaults are settings (every duration is one, so tests shrink them); a lead may change
them for the squad (``/followups rule``). The README's table of rules is checked against
``RULES`` and the settings by ``tests/unit/test_followups.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.aftercare.model import Rule
from bot.config import Settings
from bot.domain import Alert, AlertState, CrisisType, Outcome


class Counts(StrEnum):
    """What a rule's time counts from."""

    CLOSE = "close"  # the alert's close
    HAPPENED = "happened"  # when it happened (the alert's time, or /when)
    COURT = "court"  # the court date (the court's opening that day)
    REFERRAL = "referral"  # when the referral was made


@dataclass(frozen=True)
class RuleSpec:
    rule: Rule
    counts: Counts
    setting: str  # the Settings field with its default offset


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(Rule.CHECK, Counts.CLOSE, "followup_check"),
    RuleSpec(Rule.PEP, Counts.HAPPENED, "followup_pep"),
    RuleSpec(Rule.HIV1, Counts.HAPPENED, "followup_hiv_1"),
    RuleSpec(Rule.HIV2, Counts.HAPPENED, "followup_hiv_2"),
    RuleSpec(Rule.HIV3, Counts.HAPPENED, "followup_hiv_3"),
    RuleSpec(Rule.COURT, Counts.COURT, "followup_court"),
    RuleSpec(Rule.REFERRAL, Counts.REFERRAL, "followup_referral"),
)
SPEC = {s.rule: s for s in RULES}
RULE_WORDS = ", ".join(r.value for r in Rule)
# The rules a sexual assault adds at its close.
AFTER_SEXUAL_ASSAULT = (Rule.PEP, Rule.HIV1, Rule.HIV2, Rule.HIV3)
# A rule's time at most a year (the third HIV test is at six months).
OFFSET_MAX_S = 366 * 86400


def default_offset(settings: Settings, rule: Rule) -> float:
    value = getattr(settings, SPEC[rule].setting)
    assert isinstance(value, timedelta)
    return value.total_seconds()


def offsets(settings: Settings, changed: dict[Rule, float | None]) -> dict[Rule, float | None]:
    """Each rule's offset in a squad (seconds; None: the lead switched it off)."""
    return {r: changed[r] if r in changed else default_offset(settings, r) for r in Rule}


def makes_followups(alert: Alert) -> bool:
    """Whether a finished alert is followed up: not when cancelled, not a false alarm, not
    a "responder needs help" alert (its person is a member; the leads were paged), and
    never a drill (nobody was hurt; it is deleted once it ends)."""
    if alert.linked_alert_id is not None or alert.drill:
        return False
    return alert.state is AlertState.CLOSED and alert.outcome is not Outcome.FALSE_ALARM


def at_close(alert: Alert) -> tuple[Rule, ...]:
    """The rules a closed alert gets (the court date comes with ``/courtdate``; a referral's
    check with the referral)."""
    if not makes_followups(alert):
        return ()
    if alert.kind is CrisisType.SEXUAL:
        return (Rule.CHECK, *AFTER_SEXUAL_ASSAULT)
    return (Rule.CHECK,)


_OFFSET = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(s|m|h|d|w)$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_offset(raw: str) -> float | None:
    """``24h``, ``3d``, ``6w``, ``0h``: seconds; None for anything else, or over a year."""
    match = _OFFSET.match(raw.strip().lower())
    if match is None:
        return None
    seconds = float(match.group(1).replace(",", ".")) * _UNIT_S[match.group(2)]
    return seconds if 0 <= seconds <= OFFSET_MAX_S else None


@dataclass(frozen=True)
class RuleChange:
    """``/followups rule RULE <time>|off|default``: ``offset`` None with ``off``; ``reset``
    goes back to the default."""

    rule: Rule
    offset: float | None = None
    reset: bool = False
