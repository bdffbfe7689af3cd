"""How a warning reads. It names no survivor, no reporter, no issuer and no case code."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.intents import Action, Button, Text
from bot.messages import day, listing, t
from bot.records.model import Violation, in_order
from data.safety_warnings import SafetyWarning


def _day_value(stored: str, tz: str) -> dict[str, Any]:
    noon = datetime.combine(date.fromisoformat(stored), time(12), ZoneInfo(tz))
    return day(noon.timestamp(), tz)


def body(w: SafetyWarning, tz: str) -> list[dict[str, Any]]:
    """The warning's lines: what happened, the person, the vehicle, the area, the day."""
    happened = [t(f"violation.{v}") for v in in_order(w.violations)]
    lines = [
        t("warning.what", items=listing(happened) if happened else t("report.nothing")),
        t("warning.person", text=w.description or t("report.nothing")),
        t("warning.vehicle", text=w.vehicle or t("report.nothing")),
        t("warning.area", area=w.area or t("warning.squad_area")),
        t("warning.day", day=_day_value(w.day, tz)),
    ]
    return lines


def delivered(w: SafetyWarning, tz: str) -> Text:
    assert w.expires_at is not None
    lines = [t("warning.title"), *body(w, tz), t("warning.until", day=day(w.expires_at, tz))]
    return Text("lines", {"lines": lines})


def draft(w: SafetyWarning, tz: str) -> tuple[Text, tuple[tuple[Button, ...], ...]]:
    """The issuer's draft: what it says so far, what is asked next, and its buttons."""
    asked = {
        "description": t("warning.ask_description"),
        "vehicle": t("warning.ask_vehicle"),
        None: t("warning.ask_submit"),
    }[w.awaiting]
    lines = [t("warning.draft_title"), *body(w, tz), asked]
    choices = [
        Button(
            Text(
                "record.chosen" if v in w.violations else "record.not_chosen",
                {"item": t(f"violation.{v}")},
            ),
            Action.WARNING_DRAFT,
            w.id,
            f"v_{v}",
        )
        for v in Violation
    ]
    rows: list[tuple[Button, ...]] = [tuple(choices[i : i + 2]) for i in range(0, len(choices), 2)]
    way: list[Button] = []
    if w.awaiting is not None:
        way.append(Button(Text("warning.skip_step"), Action.WARNING_DRAFT, w.id, "skip"))
    way.append(Button(Text("warning.submit"), Action.WARNING_DRAFT, w.id, "submit"))
    rows.append(tuple(way))
    rows.append((Button(Text("warning.discard"), Action.WARNING_DRAFT, w.id, "discard"),))
    return Text("lines", {"lines": lines}), tuple(rows)


def approval_page(w: SafetyWarning, tz: str) -> tuple[Text, tuple[tuple[Button, ...], ...]]:
    lines = [t("warning.approve_title"), *body(w, tz)]
    buttons = (
        (
            Button(Text("button.warning_approve"), Action.WARNING_APPROVE, w.id),
            Button(Text("button.warning_reject"), Action.WARNING_REJECT, w.id),
        ),
    )
    return Text("lines", {"lines": lines}), buttons
