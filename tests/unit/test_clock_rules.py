"""The clocks' pure rules: the 48-hour limit and court hours, the medical windows, and
typed times, in the squad's time zone (Africa/Johannesburg, UTC+2, by default)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clocks import legal, medical
from bot.clocks.model import ClockKind
from bot.clocks.times import TypedTime, parse_day, parse_time, resolve
from bot.config import Settings
from bot.messages import moment, render
from tests.support import unit_settings

SAST = ZoneInfo("Africa/Johannesburg")
HOUR = 3600.0


def at(text: str) -> float:
    """``"2026-11-27 20:00"`` in Johannesburg, as epoch seconds."""
    return datetime.fromisoformat(text).replace(tzinfo=SAST).timestamp()


def shown(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, SAST).strftime("%a %Y-%m-%d %H:%M")


def rules(tmp_path: Path, **overrides: object) -> legal.CourtRules:
    return legal.court_rules(unit_settings(tmp_path / "x.sqlite3", **overrides))


@pytest.mark.parametrize(
    ("arrested", "limit"),
    [
        # Within court hours: exactly 48 hours.
        ("2026-11-30 10:00", "Wed 2026-12-02 10:00"),
        ("2026-11-30 16:00", "Wed 2026-12-02 16:00"),  # ends at closing time: still in
        ("2026-11-30 08:00", "Wed 2026-12-02 08:00"),  # ends at opening time
        # Friday evening: the 48 hours end on Sunday; the limit is Monday's close.
        ("2026-11-27 20:00", "Mon 2026-11-30 16:00"),
        # Ending Tuesday 03:00, before the court opens: Tuesday's close.
        ("2026-11-29 03:00", "Tue 2026-12-01 16:00"),
        # Ending Wednesday 17:00, after the close: Thursday's close.
        ("2026-11-30 17:00", "Thu 2026-12-03 16:00"),
        # Ending on Saturday morning: Monday.
        ("2026-11-26 09:00", "Mon 2026-11-30 16:00"),
    ],
)
def test_the_limit_is_48_hours_or_the_close_of_the_next_court_day(
    tmp_path: Path, arrested: str, limit: str
) -> None:
    assert shown(legal.court_limit(at(arrested), rules(tmp_path))) == limit


def test_holidays_are_skipped(tmp_path: Path) -> None:
    christmas = rules(tmp_path, court_holidays="2026-12-25, 2026-12-28")
    # Ends on Christmas Day at 10:00, a Friday and a holiday: not Saturday or Sunday, not
    # Monday the 28th (a holiday too): Tuesday's close.
    assert shown(legal.court_limit(at("2026-12-23 10:00"), christmas)) == "Tue 2026-12-29 16:00"
    # The same arrest without the holidays: exactly 48 hours.
    assert shown(legal.court_limit(at("2026-12-23 10:00"), rules(tmp_path))) == (
        "Fri 2026-12-25 10:00"
    )


def test_court_days_hours_and_limit_are_settings(tmp_path: Path) -> None:
    always = rules(tmp_path, court_days="mon,tue,wed,thu,fri,sat,sun", court_hours="00:00-24:00")
    for arrested in ("2026-11-27 20:00", "2026-11-29 03:00", "2026-11-28 23:59"):
        assert legal.court_limit(at(arrested), always) == at(arrested) + 48 * HOUR
    saturday = rules(tmp_path, court_days="mon,tue,wed,thu,fri,sat", court_hours="09:00-13:00")
    assert shown(legal.court_limit(at("2026-11-26 09:00"), saturday)) == "Sat 2026-11-28 09:00"
    assert shown(legal.court_limit(at("2026-11-26 14:00"), saturday)) == "Mon 2026-11-30 13:00"
    short = rules(tmp_path, legal_limit="24h")
    assert shown(legal.court_limit(at("2026-11-30 10:00"), short)) == "Tue 2026-12-01 10:00"


@pytest.mark.parametrize(
    "bad",
    [
        {"court_hours": "16:00-08:00"},
        {"court_hours": "8am to 4pm"},
        {"court_hours": "08:00-25:00"},
        {"court_days": "mon,funday"},
        {"court_holidays": "2026-13-01"},
        {"timezone": "Mars/Olympus_Mons"},
    ],
)
def test_settings_that_do_not_parse_stop_the_start_with_the_settings_name(
    tmp_path: Path, bad: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="SQUADLINE_"):
        rules(tmp_path, **bad)


def test_reminders_keep_the_time_they_leave_before_the_limit(tmp_path: Path) -> None:
    court = rules(tmp_path)
    points = Settings.durations("24h,40h,46h")
    inside = at("2026-11-30 10:00")
    assert legal.reminder_times(legal.court_limit(inside, court), court, points) == [
        inside + 24 * HOUR,
        inside + 40 * HOUR,
        inside + 46 * HOUR,
    ]
    friday = legal.court_limit(at("2026-11-27 20:00"), court)
    assert [shown(r) for r in legal.reminder_times(friday, court, points)] == [
        "Sun 2026-11-29 16:00",
        "Mon 2026-11-30 08:00",
        "Mon 2026-11-30 14:00",
    ]


def test_a_court_dates_reminder_is_the_day_before_at_opening_time(tmp_path: Path) -> None:
    court = rules(tmp_path)
    opening = legal.court_opening(date(2026, 12, 2), court)
    assert shown(opening) == "Wed 2026-12-02 08:00"
    assert shown(legal.day_before(opening, court)) == "Tue 2026-12-01 08:00"


def test_the_medical_windows_and_their_reminders(tmp_path: Path) -> None:
    rules_ = medical.medical_rules(unit_settings(tmp_path / "x.sqlite3"))
    assaulted = at("2026-11-27 22:00")
    pep = medical.window_closes(ClockKind.PEP, assaulted, rules_)
    assert pep == assaulted + 72 * HOUR
    assert medical.window_closes(ClockKind.FORENSIC, assaulted, rules_) == pep
    assert medical.window_closes(ClockKind.EC, assaulted, rules_) == assaulted + 120 * HOUR
    assert rules_.pep_ideal_s == 24 * HOUR
    assert medical.reminder_times(pep, rules_) == [pep - 12 * HOUR, pep - 4 * HOUR, pep - HOUR]
    other = medical.medical_rules(
        unit_settings(tmp_path / "x.sqlite3", pep_window="48h", medical_reminders="30m")
    )
    closes = medical.window_closes(ClockKind.PEP, assaulted, other)
    assert medical.reminder_times(closes, other) == [assaulted + 48 * HOUR - 1800]


def test_typed_times_and_dates() -> None:
    assert parse_time("21:30") == TypedTime(21, 30)
    assert parse_time("7:05") == TypedTime(7, 5)
    assert parse_time("2026-11-27 21:30") == TypedTime(21, 30, date(2026, 11, 27))
    for bad in ("25:00", "21:60", "tomorrow", "2026-02-30 10:00", "", "21", "-1:00"):
        assert parse_time(bad) is None, bad
    assert parse_day("2026-12-02") == date(2026, 12, 2)
    for bad in ("2026-12-32", "02/12/2026", "tomorrow", ""):
        assert parse_day(bad) is None, bad


def test_a_bare_time_is_today_or_yesterday_when_today_is_still_to_come() -> None:
    now = at("2026-11-27 10:00")
    assert resolve(TypedTime(9, 15), now, SAST) == at("2026-11-27 09:15")
    assert resolve(TypedTime(21, 30), now, SAST) == at("2026-11-26 21:30")
    full = TypedTime(21, 30, date(2026, 11, 20))
    assert resolve(full, now, SAST) == at("2026-11-20 21:30")
    assert resolve(TypedTime(11, 0, date(2026, 11, 27)), now, SAST) > now  # refused later


def test_times_are_shown_in_the_squads_time_zone() -> None:
    limit = at("2026-11-30 16:00")
    line = render(
        "clock.status.passed", {"code": "K7QX", "limit": moment(limit, "Africa/Johannesburg")}
    )
    assert "16:00" in line and "Nov 30, 2026" in line
    assert "14:00" in render("clock.status.passed", {"code": "K7QX", "limit": moment(limit)})
    assert timedelta(hours=2) == datetime.fromtimestamp(limit, SAST).utcoffset()
