"""What the clocks say, pure: brief lines, reminders, mark buttons and ``/status`` lines.

Raw values only (``format_age`` durations, ``moment``/``day`` in the squad's time zone);
the sender formats them in each reader's language. No line holds a name or a coordinate;
only the brief shows where the person is held.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.clocks.model import CaseClock, ClockKind, Mark, marks_for
from bot.intents import Action, Button, Text
from bot.messages import day, format_age, moment, t

Line = dict[str, Any]


def _left(clock: CaseClock, now: float, tz: str) -> dict[str, Any]:
    return {"left": format_age(clock.due_at - now), "limit": moment(clock.due_at, tz)}


def legal_brief(clock: CaseClock, code: str, now: float, tz: str) -> list[Line]:
    """The rights checklist, the time left (or the mark), when, and where they are held."""
    lines: list[Line] = []
    if clock.mark is Mark.COURT_DATE and clock.court_date is not None:
        lines.append(t("clock.legal.court_date", day=day(clock.court_date, tz)))
    elif clock.mark is not None:
        lines.append(t(f"clock.legal.marked.{clock.mark.value}"))
    elif clock.due_at > now:
        lines.append(t("clock.legal.left", **_left(clock, now, tz)))
    else:
        lines.append(t("clock.legal.passed", limit=moment(clock.due_at, tz)))
    lines.append(t("clock.legal.arrested", when=moment(clock.started_at, tz), code=code))
    if clock.held_at:
        lines.append(t("clock.legal.held", place=clock.held_at))
    else:
        lines.append(t("clock.legal.held_unknown", code=code))
    lines.append(t("clock.legal.rights"))
    return lines


def medical_line(clock: CaseClock, now: float, tz: str, pep_ideal_at: float | None = None) -> Line:
    """One window: its time left, that it closed, or how it was marked."""
    kind = clock.kind.value
    if clock.mark is not None:
        return t(f"clock.{kind}.marked.{clock.mark.value}")
    if clock.due_at <= now:
        return t(f"clock.{kind}.closed", until=moment(clock.due_at, tz))
    if clock.kind is ClockKind.PEP and pep_ideal_at is not None and pep_ideal_at > now:
        return t(
            "clock.pep.ideal",
            ideal=moment(pep_ideal_at, tz),
            ideal_left=format_age(pep_ideal_at - now),
            until=moment(clock.due_at, tz),
        )
    return t(f"clock.{kind}.left", **_left_until(clock, now, tz))


def medical_brief(
    clocks: Sequence[CaseClock], code: str, now: float, tz: str, pep_ideal_at: float
) -> list[Line]:
    if not clocks:
        return []
    lines = [t("clock.assault.when", when=moment(clocks[0].started_at, tz), code=code)]
    lines.extend(medical_line(c, now, tz, pep_ideal_at) for c in clocks)
    return lines


def mark_buttons(clock: CaseClock, now: float) -> tuple[tuple[Button, ...], ...]:
    """The mark buttons of a clock that can still be marked: the legal marks two to a row;
    a medical window's three marks in one row, while the window is open."""
    if clock.mark is not None and clock.mark is not Mark.COURT_DATE:
        return ()
    if clock.kind is ClockKind.LEGAL:
        # A court date set can still become "appeared" or "released"; it is not set again.
        marks = [m for m in marks_for(clock.kind) if m is not clock.mark]
        row = [
            Button(Text(f"clock.button.{m.value}"), Action.CLOCK_MARK, clock.id, m.value)
            for m in marks
        ]
        return tuple(tuple(row[i : i + 2]) for i in range(0, len(row), 2))
    if clock.due_at <= now:
        return ()
    return (
        tuple(
            Button(
                Text(f"clock.button.{clock.kind.value}.{m.value}"),
                Action.CLOCK_MARK,
                clock.id,
                m.value,
            )
            for m in marks_for(clock.kind)
        ),
    )


def legal_reminder(clock: CaseClock, code: str, now: float, tz: str) -> Text:
    if clock.mark is Mark.COURT_DATE and clock.court_date is not None:
        return Text("clock.legal.reminder_court", {"code": code, "day": day(clock.court_date, tz)})
    if clock.due_at > now:
        return Text("clock.legal.reminder", {"code": code, **_left(clock, now, tz)})
    return Text("clock.legal.reminder_passed", {"code": code, "limit": moment(clock.due_at, tz)})


def medical_reminder(clocks: Sequence[CaseClock], code: str, now: float, tz: str) -> Text:
    """One message for the windows whose reminder is due now (PEP and the examination
    share their 72 hours by default: one message, not two)."""
    lines = [
        t(f"clock.{c.kind.value}.reminder", code=code, **_left_until(c, now, tz)) for c in clocks
    ]
    return Text("lines", {"lines": lines})


def _left_until(clock: CaseClock, now: float, tz: str) -> dict[str, Any]:
    return {"left": format_age(clock.due_at - now), "until": moment(clock.due_at, tz)}


def status_line(code: str, clock: CaseClock, now: float, tz: str) -> Line:
    if clock.mark is Mark.COURT_DATE and clock.court_date is not None:
        return t("clock.status.court_date", code=code, day=day(clock.court_date, tz))
    if clock.due_at > now:
        return t("clock.status.left", code=code, **_left(clock, now, tz))
    return t("clock.status.passed", code=code, limit=moment(clock.due_at, tz))
