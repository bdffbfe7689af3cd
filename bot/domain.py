"""Plain domain types: roles, states, outcomes, rows and alert codes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=Enum)
D = TypeVar("D")


def reader(kind: type[E]) -> Callable[[Any], E]:
    """``kind(value)`` for a value read back (a row, a stored message), by one dict lookup:
    calling the enum costs about a microsecond, and under a raid the bot reads thousands a
    second. A value not found goes to the enum itself (its error, or its other spellings)."""
    members: dict[Any, E] = {m.value: m for m in kind}

    def read(value: Any) -> E:
        found = members.get(value)
        return found if found is not None else kind(value)

    return read


def from_fields(kind: type[D], fields: dict[str, Any]) -> D:
    """A frozen dataclass read back (a row), made from ``fields``: every field, by name. Its
    generated ``__init__`` sets the fields one by one through ``object.__setattr__`` (it is
    frozen): about 11 microseconds for an alert's 32, and a raid reads alerts, members and
    offers by the dozen for each alert. This sets them at once, with the same result (the
    mappers' tests compare the two)."""
    made = object.__new__(kind)
    made.__dict__.update(fields)
    return made


class Role(StrEnum):
    LEAD = "lead"
    MEMBER = "member"
    OBSERVER = "observer"  # e.g. a police liaison or health partner: aggregate status only


class Availability(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    OFF = "off"


class AlertState(StrEnum):
    NEW = "new"
    OFFERED = "offered"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    ESCALATED = "escalated"
    CLOSED = "closed"
    CANCELLED = "cancelled"


UNOWNED_STATES = (AlertState.NEW, AlertState.OFFERED, AlertState.ESCALATED)
OWNED_STATES = (AlertState.ACKNOWLEDGED, AlertState.EN_ROUTE, AlertState.ON_SCENE)
OPEN_STATES = UNOWNED_STATES + OWNED_STATES
FINAL_STATES = (AlertState.CLOSED, AlertState.CANCELLED)


class Outcome(StrEnum):
    RESOLVED = "resolved"
    HEALTH = "health"
    LEGAL = "legal"
    POLICE = "police"
    UNREACHABLE = "unreachable"
    FALSE_ALARM = "false_alarm"


class OfferAnswer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TIMEOUT = "timeout"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


class DeadlineKind(StrEnum):
    LOCATION = "location"
    ACK = "ack"
    ESCALATE = "escalate"
    CLOCK = "clock"  # a legal or medical clock's reminder point (ref_id: the clock)
    CHECKIN = "checkin"  # a responder's "Are you safe?" or its grace (ref_id: the check-in)
    FOLLOWUP = "followup"  # a follow-up task's reminder (ref_id: the task)
    FOLLOWUP_LATE = "followup_late"  # its overdue page to the leads (ref_id: the task)
    # A drill's one deadline: its lifetime's end while it runs, then (re-armed) its
    # deletion once its phones are cleaned up (bot/drills/service.py).
    DRILL = "drill"


# The deadlines that drive dispatch; taking or closing an alert cancels these, and only these.
DISPATCH_DEADLINES = (DeadlineKind.LOCATION, DeadlineKind.ACK, DeadlineKind.ESCALATE)


class Skill(StrEnum):
    PARALEGAL = "paralegal"
    HEALTH = "health"  # health worker
    PEER = "peer"  # peer educator
    COUNSELLOR = "counsellor"
    TRANSPORT = "transport"  # has transport
    LEADER = "leader"  # community leader
    POLICE = "police"  # police liaison: offered an alert only with consent to involve police


class CrisisType(StrEnum):
    ARREST = "arrest"  # arrest or detention
    ASSAULT = "assault"  # physical assault
    SEXUAL = "sexual"  # sexual assault
    HEALTH = "health"  # health emergency: injury, overdose, illness
    ROBBERY = "robbery"
    HARASSMENT = "harassment"  # harassment, extortion or eviction (including by police)
    MISSING = "missing"  # missing person or cannot reach
    OTHER = "other"


class Origin(StrEnum):
    GROUP = "group"
    PRIVATE = "private"


@dataclass(frozen=True)
class Squad:
    id: int
    chat_id: int
    name: str
    invite_token: str
    hygiene: bool = True  # delete /alert and location messages in the group once captured
    language: str = "en"  # cards and notices in the group are in this language


@dataclass(frozen=True)
class Member:
    id: int
    squad_id: int
    user_id: int
    alias: str
    role: Role
    availability: Availability
    private_chat_id: int | None  # None: cannot be reached in private
    joined_at: float
    approved: bool = True  # False: a join request that no lead has approved yet
    skills: frozenset[Skill] = frozenset()

    @property
    def is_lead(self) -> bool:
        return self.role is Role.LEAD

    @property
    def is_responder(self) -> bool:
        """Approved leads and members respond; observers never see identities or locations,
        and someone still waiting for a lead's approval is not offered anything."""
        return self.role is not Role.OBSERVER and self.approved

    @property
    def reachable(self) -> bool:
        return self.private_chat_id is not None


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    at: float
    accuracy: float | None = None
    live_until: float | None = None


def is_live(loc: Location, now: float) -> bool:
    """A live location Telegram is still updating."""
    return loc.live_until is not None and loc.live_until >= now


def is_fresh(loc: Location, now: float, ttl_s: float) -> bool:
    """The one rule for a fresh location: still live, or younger than the TTL."""
    return is_live(loc, now) or now - loc.at <= ttl_s


@dataclass(frozen=True)
class Place:
    id: int
    squad_id: int
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Alert:
    id: int
    squad_id: int
    code: str
    reporter_user_id: int
    origin: Origin
    origin_chat_id: int
    origin_message_id: int | None
    text: str
    lat: float | None
    lon: float | None
    area_label: str | None
    state: AlertState
    owner_member_id: int | None
    broadcast: bool
    offers_made: int
    escalations: int
    outcome: Outcome | None
    note: str | None
    created_at: float
    acknowledged_at: float | None
    closed_at: float | None
    reporter_alias: str | None = None  # the pseudonym of a reporter who alerted in private
    contact_ok: bool = False  # the reporter lets the responder see their Telegram contact
    coarsened: bool = False
    held: bool = False  # waits for a lead's Dispatch or Dismiss (blocked or over the cap)
    contact_asked: bool = False  # the private reporter was asked about contact
    contact_answered: bool = False  # ... and answered (contact_ok then says what they chose)
    crisis_type: CrisisType | None = None  # None: not chosen yet (dispatched as "other")
    police_consent: bool = False  # the reporter or a responder agreed to involve the police
    occurred_at: float | None = None  # when it happened, if typed; else created_at
    linked_alert_id: int | None = None  # "responder needs help": the alert they were on
    drill: bool = False  # a practice alert (/drill): marked DRILL, left out of the figures

    @property
    def kind(self) -> CrisisType:
        return self.crisis_type or CrisisType.OTHER

    @property
    def happened_at(self) -> float:
        return self.occurred_at if self.occurred_at is not None else self.created_at

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class Offer:
    id: int
    alert_id: int
    member_id: int
    distance_m: float | None
    offered_at: float
    answer: OfferAnswer | None
    answered_at: float | None
    slot_id: int | None = None  # None: a broadcast offer (any open slot)
    # The tag of the copy whose buttons act (bot/delivery.py copy_tag): the newest sent,
    # recorded before its call, or the one before it when Telegram surely did not take
    # that one; None: none recorded.
    copy: str | None = None


@dataclass(frozen=True)
class Slot:
    """One place in an alert's team: the skills that fill it, and who holds it."""

    id: int
    alert_id: int
    position: int
    skills: tuple[Skill, ...]  # who can fill it, in order of preference; empty: anyone
    open_to_anyone: bool  # no one with the skill took it: any available member may
    holder_member_id: int | None
    filled_at: float | None
    waves: int  # how many waves of offers it has had
    short_paged: bool = False  # the leads were told nobody is left to ask for it

    @property
    def filled(self) -> bool:
        return self.holder_member_id is not None

    @property
    def skill(self) -> Skill | None:
        """The skill the slot is named for (its first preference); None: anyone."""
        return self.skills[0] if self.skills else None

    def preference(self, skills: frozenset[Skill]) -> int | None:
        """How well ``skills`` fit: 0 for the first preference, 1 for the next; None if
        they do not fit at all."""
        return next((i for i, k in enumerate(self.skills) if k in skills), None)


@dataclass(frozen=True)
class Deadline:
    id: int
    kind: DeadlineKind
    alert_id: int
    offer_id: int | None
    due_at: float
    ref_id: int | None = None  # CLOCK: the clock; CHECKIN: the check-in


class CheckinState(StrEnum):
    WAITING = "waiting"  # the next "Are you safe?" is due at the pending deadline
    ASKED = "asked"  # a question waits for its answer; the pending deadline is its grace
    OK = "ok"  # they answered "I'm OK"
    HELP = "help"  # they pressed "I need help"
    MISSED = "missed"  # no answer came within the grace


@dataclass(frozen=True)
class Checkin:
    """A responder's check-ins on one alert, while they are on its team."""

    id: int
    alert_id: int
    member_id: int
    started_at: float
    arrived_at: float | None
    asked_at: float | None
    answered_at: float | None
    state: CheckinState
    help_alert_id: int | None  # the "responder needs help" alert raised for them, if any


# Codes avoid characters that are easy to confuse on a small screen: 0/O, 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_MIN_LEN = 4
CODE_MAX_LEN = 6


def new_alert_code(length: int = CODE_MIN_LEN) -> str:
    """A random alert code of ``length`` characters from the unambiguous alphabet."""
    if not CODE_MIN_LEN <= length <= CODE_MAX_LEN:
        raise ValueError("code length out of range")
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(raw: str) -> str | None:
    """Turn user input like ``#ab3k`` into ``AB3K``; ``None`` if it cannot be a code."""
    code = raw.strip().lstrip("#").upper()
    if not CODE_MIN_LEN <= len(code) <= CODE_MAX_LEN:
        return None
    if any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def new_invite_token() -> str:
    """A deep-link token (Telegram allows A-Z, a-z, 0-9, _ and -; at most 64)."""
    return secrets.token_urlsafe(16)
