"""Clock kinds, marks and the clock row: plain values, shared by the core and the store."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain import CrisisType


class ClockKind(StrEnum):
    LEGAL = "legal"  # the 48-hour limit to bring an arrested person before a court
    PEP = "pep"  # HIV post-exposure prophylaxis
    EC = "ec"  # emergency contraception
    FORENSIC = "forensic"  # forensic examination


MEDICAL_KINDS = (ClockKind.PEP, ClockKind.EC, ClockKind.FORENSIC)

# The clocks each crisis type runs.
CLOCKS_FOR: dict[CrisisType, tuple[ClockKind, ...]] = {
    CrisisType.ARREST: (ClockKind.LEGAL,),
    CrisisType.SEXUAL: MEDICAL_KINDS,
}


class Mark(StrEnum):
    """How a clock ended. A marked clock sends no more reminders (a court date: one more,
    the day before)."""

    RELEASED = "released"  # released without charge
    FINE_PAID = "fine_paid"
    BAIL = "bail"  # released on bail
    APPEARED = "appeared"  # appeared in court
    COURT_DATE = "court_date"  # a court date is set (``/courtdate``)
    DONE = "done"  # PEP started, emergency contraception taken, examination done
    DECLINED = "declined"
    NOT_NEEDED = "not_needed"
    ENDED = "ended"  # the alert was cancelled or a false alarm: no one presses this


LEGAL_MARKS = (Mark.RELEASED, Mark.FINE_PAID, Mark.BAIL, Mark.APPEARED, Mark.COURT_DATE)
MEDICAL_MARKS = (Mark.DONE, Mark.DECLINED, Mark.NOT_NEEDED)


def marks_for(kind: ClockKind) -> tuple[Mark, ...]:
    """The marks a person may press for a clock of ``kind``."""
    return LEGAL_MARKS if kind is ClockKind.LEGAL else MEDICAL_MARKS


@dataclass(frozen=True)
class CaseClock:
    """One clock of one alert. Times are epoch seconds; ``court_date`` is the court's
    opening on that day; ``held_at`` is where the person is held, as typed."""

    id: int
    alert_id: int
    kind: ClockKind
    started_at: float  # when the arrest or the assault happened
    due_at: float  # the limit, or when the window closes
    mark: Mark | None = None
    marked_at: float | None = None
    court_date: float | None = None
    held_at: str | None = None
    held_place_id: int | None = None

    @property
    def running(self) -> bool:
        """Not marked yet: its reminders still come."""
        return self.mark is None
