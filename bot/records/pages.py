"""The case record's pages: one message whose buttons change as the closer goes through
violations, perpetrator, services and consent. Pure: a record and a page in, a reply out.

Callback args (``[a-z_]{1,16}``): ``v_<code>``, ``p_<code>``, ``s_<code>``, ``c_<code>``
choose; ``pg_v``, ``pg_p``, ``pg_s``, ``pg_c`` go to a page; ``done`` and ``skip`` end.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from bot.intents import Action, Button, Reply, Text
from bot.messages import t
from bot.records.model import (
    CaseRecord,
    Consent,
    Perpetrator,
    Service,
    Violation,
    in_order,
    services_in_order,
)


class Page(StrEnum):
    VIOLATIONS = "v"
    PERPETRATOR = "p"
    SERVICES = "s"
    CONSENT = "c"


PAGES = list(Page)


def _choice(label: dict[str, Any], chosen: bool, alert_id: int, arg: str) -> Button:
    key = "record.chosen" if chosen else "record.not_chosen"
    return Button(Text(key, {"item": label}), Action.RECORD, alert_id, arg)


def _rows(buttons: Sequence[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def summary(record: CaseRecord | None) -> list[dict[str, Any]]:
    """What the record holds so far, one line per part (``-`` for nothing yet)."""
    r = record or CaseRecord(alert_id=0)
    nothing = t("record.nothing")
    violations = [t(f"violation.{v}") for v in in_order(r.violations)]
    services = [t(f"service.{s}") for s in services_in_order(r.services)]
    return [
        t("record.line.violations", items={"items": violations} if violations else nothing),
        t(
            "record.line.perpetrator",
            item=t(f"perpetrator.{r.perpetrator}") if r.perpetrator else nothing,
        ),
        t("record.line.services", items={"items": services} if services else nothing),
        t("record.line.consent", item=t(f"consent.{r.consent or Consent.RECORD}")),
    ]


def page(code: str, alert_id: int, record: CaseRecord | None, shown: Page) -> Reply:
    """The record's message on page ``shown``, with its choices and the way on."""
    r = record or CaseRecord(alert_id=alert_id)
    if shown is Page.VIOLATIONS:
        choices = [
            _choice(t(f"violation.{v}"), v in r.violations, alert_id, f"v_{v}") for v in Violation
        ]
    elif shown is Page.PERPETRATOR:
        choices = [
            _choice(t(f"perpetrator.{p}"), p is r.perpetrator, alert_id, f"p_{p}")
            for p in Perpetrator
        ]
    elif shown is Page.SERVICES:
        choices = [_choice(t(f"service.{s}"), s in r.services, alert_id, f"s_{s}") for s in Service]
    else:
        chosen = r.consent or Consent.RECORD
        choices = [_choice(t(f"consent.{c}"), c is chosen, alert_id, f"c_{c}") for c in Consent]
    at = PAGES.index(shown)
    way: list[Button] = []
    if at == 0:
        way.append(Button(Text("record.skip"), Action.RECORD, alert_id, "skip"))
    else:
        way.append(Button(Text("record.back"), Action.RECORD, alert_id, f"pg_{PAGES[at - 1]}"))
    if at + 1 < len(PAGES):
        way.append(Button(Text("record.next"), Action.RECORD, alert_id, f"pg_{PAGES[at + 1]}"))
    else:
        way.append(Button(Text("record.done"), Action.RECORD, alert_id, "done"))
    per_row = 1 if shown is Page.CONSENT else 2
    lines = [
        t("record.title", code=code),
        t(f"record.page.{shown.name.lower()}", step=at + 1, steps=len(PAGES)),
        *summary(record),
    ]
    return Reply(
        text=Text("lines", {"lines": lines}),
        buttons=(*_rows(choices, per_row), tuple(way)),
        edit_pressed=True,
    )


def finished(code: str, record: CaseRecord | None) -> Reply:
    lines = [t("record.saved", code=code), *summary(record)]
    return Reply(
        text=Text("lines", {"lines": lines}),
        answer=Text("record.saved_answer", {"code": code}),
        edit_pressed=True,
    )
