"""The case record's fixed categories and the survivor's consent ladder. Nothing in a record
is free text: every value is one of these codes (short, so they fit in callback data)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Violation(StrEnum):
    PHYSICAL = "physical"  # physical violence
    SEXUAL = "sexual"  # sexual violence
    POLICE = "police"  # police abuse or extortion
    ARREST = "arrest"  # arbitrary arrest or detention
    HEALTH = "health"  # refusal of health care
    STIGMA = "stigma"  # discrimination or stigma
    ROBBERY = "robbery"
    THREATS = "threats"  # threats or harassment
    EVICTION = "eviction"
    OTHER = "other"


class Perpetrator(StrEnum):
    CLIENT = "client"
    POLICE = "police"  # police or other law enforcement
    PARTNER = "partner"  # intimate partner
    HEALTH = "health"  # health worker
    MANAGER = "manager"  # manager or landlord
    COMMUNITY = "community"  # community member
    OTHER = "other"
    UNKNOWN = "unknown"


class Service(StrEnum):
    PEER = "peer"  # peer support
    FIRST_AID = "first_aid"
    TRANSPORT = "transport"
    CLINIC = "clinic"  # accompaniment to a clinic
    POLICE = "police"  # accompaniment to the police
    LEGAL = "legal"  # legal advice
    BAIL = "bail"  # bail or fine paid
    SHELTER = "shelter"
    REFERRAL = "referral"  # a referral (the referrals of issue 12)


class Consent(StrEnum):
    """The survivor's consent, as a ladder: each step allows everything before it."""

    RECORD = "record"  # record only
    COUNT = "count"  # may be counted in anonymised reports
    WARN = "warn"  # a warning may go to other members
    POLICE = "police"  # offender details may go to the police, through the squad

    @property
    def rank(self) -> int:
        return list(Consent).index(self)

    def allows(self, step: Consent) -> bool:
        return self.rank >= step.rank


@dataclass(frozen=True)
class CaseRecord:
    alert_id: int
    violations: frozenset[Violation] = frozenset()
    perpetrator: Perpetrator | None = None
    services: frozenset[Service] = frozenset()
    consent: Consent | None = None  # None: not asked, which counts as "record only"

    def allows(self, step: Consent) -> bool:
        return self.consent is not None and self.consent.allows(step)


_VIOLATIONS = frozenset(v.value for v in Violation)
_SERVICES = frozenset(s.value for s in Service)


def codes(values: frozenset[Violation] | frozenset[Service]) -> str:
    """A set as it is stored: its codes in the categories' order, comma-separated."""
    order = list(type(next(iter(values)))) if values else []
    return ",".join(v.value for v in order if v in values)


def violations_of(stored: str) -> frozenset[Violation]:
    return frozenset(Violation(v) for v in stored.split(",") if v in _VIOLATIONS)


def services_of(stored: str) -> frozenset[Service]:
    return frozenset(Service(v) for v in stored.split(",") if v in _SERVICES)


def in_order(values: frozenset[Violation]) -> list[Violation]:
    return [v for v in Violation if v in values]


def services_in_order(values: frozenset[Service]) -> list[Service]:
    return [s for s in Service if s in values]
