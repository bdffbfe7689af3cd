"""Directory entries, referrals and follow-up tasks: plain values, shared by the core and
the store."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """What kind of service a directory entry is (the word ``/service`` and ``/refer`` take)."""

    CLINIC = "clinic"
    CARE = "care"  # sexual-assault care centre (Thuthuzela in South Africa)
    PEP = "pep"  # PEP / HIV clinic
    LEGAL = "legal"  # legal clinic or lawyer
    SHELTER = "shelter"
    COUNSELLING = "counselling"
    POLICE = "police"  # police station, with a named, trusted officer
    OTHER = "other"


# Other words a lead may type for a category.
CATEGORY_ALIASES: dict[str, Category] = {
    "thuthuzela": Category.CARE,
    "sacc": Category.CARE,
    "hiv": Category.PEP,
    "lawyer": Category.LEGAL,
    "counseling": Category.COUNSELLING,
}


class ReferralState(StrEnum):
    REFERRED = "referred"
    ATTENDED = "attended"  # the person got there
    SUCCESSFUL = "successful"  # completed, successful
    UNSUCCESSFUL = "unsuccessful"  # completed, not successful (with a reason)
    LOST = "lost"  # nobody could find out


OPEN_REFERRAL_STATES = (ReferralState.REFERRED, ReferralState.ATTENDED)
FINAL_REFERRAL_STATES = (ReferralState.SUCCESSFUL, ReferralState.UNSUCCESSFUL, ReferralState.LOST)


class Reason(StrEnum):
    """Why a referral was completed without success."""

    REFUSED = "refused"  # the person refused
    TURNED_AWAY = "turned_away"  # the service turned them away
    UNREACHABLE = "unreachable"  # the service could not be reached
    NOT_NEEDED = "not_needed"  # no longer needed
    OTHER = "other"


class Rule(StrEnum):
    """The follow-up rules (the word ``/followups rule`` takes)."""

    CHECK = "check"  # every closed alert: a check on the person
    PEP = "pep"  # sexual assault: the 28-day PEP course complete
    HIV1 = "hiv1"  # sexual assault: the first HIV test (6 weeks)
    HIV2 = "hiv2"  # ... the second (3 months)
    HIV3 = "hiv3"  # ... the third (6 months)
    COURT = "court"  # arrest: the court date, when one was recorded
    REFERRAL = "referral"  # every referral: was it attended?


class TaskState(StrEnum):
    OPEN = "open"
    DONE = "done"
    UNREACHED = "unreached"  # the owner could not reach the person
    CANCELLED = "cancelled"  # the alert was cancelled, or closed as a false alarm


@dataclass(frozen=True)
class Service:
    """One entry of a squad's directory. ``hours``: the canonical form (``bot.aftercare.hours``)."""

    id: int
    squad_id: int
    category: Category
    name: str
    lat: float
    lon: float
    hours: str
    phone: str | None
    note: str | None


class DraftStep(StrEnum):
    """Where a lead is in the guided ``/service add`` dialogue."""

    NAME = "name"
    PLACE = "place"
    HOURS = "hours"
    PHONE = "phone"
    NOTE = "note"


@dataclass(frozen=True)
class ServiceDraft:
    user_id: int
    squad_id: int
    step: DraftStep
    category: Category
    name: str | None
    lat: float | None
    lon: float | None
    hours: str | None
    phone: str | None
    until: float


@dataclass(frozen=True)
class Referral:
    id: int
    alert_id: int
    service_id: int | None  # None: the service was removed from the directory since
    category: Category
    made_by: int | None  # the member who made it (None: no longer a member)
    consent_at: float  # when it was recorded that the person agreed
    state: ReferralState
    reason: Reason | None
    referred_at: float
    attended_at: float | None
    finished_at: float | None
    note: str | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REFERRAL_STATES


@dataclass(frozen=True)
class Task:
    """A follow-up task. It holds no free text: its rule, its case and its dates."""

    id: int
    alert_id: int
    referral_id: int | None
    rule: Rule
    owner_member_id: int | None
    due_at: float
    state: TaskState
    created_at: float
    finished_at: float | None
    snoozes: int
    leads_paged_at: float | None

    @property
    def is_open(self) -> bool:
        return self.state is TaskState.OPEN

    @property
    def label(self) -> str:
        """How people name it when they type: ``F12``."""
        return f"F{self.id}"
