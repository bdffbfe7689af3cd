"""What the directory, referrals and follow-up tasks say, and their buttons: pure.

Raw values only (distances, moments in the squad's time zone, durations); the sender
formats them in each reader's language. A task's lines hold its code, its rule and its
times, and the alias of a member: never a name or a number someone typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.aftercare.hours import Now, OpenState, local_time, read, state_at
from bot.aftercare.model import (
    Category,
    Reason,
    Referral,
    ReferralState,
    Rule,
    Service,
    Task,
)
from bot.geo import format_distance
from bot.intents import Action, Button, Text
from bot.messages import moment, span, t

Line = dict[str, Any]
Rows = tuple[tuple[Button, ...], ...]
# Buttons a /refer offers at most (the directory may be long; the nearest open come first).
SERVICES_SHOWN = 8
# Telegram takes at most 4,096 characters in a message. A list stops well before, leaving
# room for its header and for the longest of our languages: what each line takes at most,
# in characters, before the words someone typed into it.
LIST_BUDGET = 3000
TASK_LINE_SIZE = 120
OWNER_LINE_SIZE = 60
SERVICE_SIZE = 160


def fitting_count(sizes: Sequence[int], budget: int = LIST_BUDGET) -> int:
    """How many of a list's items, in order, fit in one message (always the first)."""
    used = 0
    for count, size in enumerate(sizes):
        used += size
        if used > budget and count > 0:
            return count
    return len(sizes)


def rows(buttons: Sequence[Button], width: int = 2) -> Rows:
    """Buttons laid out ``width`` to a row."""
    return tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))


def service_size(service: Service) -> int:
    return SERVICE_SIZE + len(service.name) + len(service.phone or "") + len(service.note or "")


def category(kind: Category) -> Line:
    return t(f"category.{kind.value}")


def open_label(now_state: Now, now: float, zone: ZoneInfo, *, short: bool = False) -> Line:
    """ "open now, until 16:00", "closed now, opens 08:00" (another day: "opens Sat 08:00")."""
    prefix = "hours.short_" if short else "hours."
    state = now_state.state
    if state in (OpenState.OPEN, OpenState.OPENS) and now_state.at is not None:
        day, time = local_time(now_state.at, zone)
        if state is OpenState.OPEN:
            return t(f"{prefix}open", time=time)
        if same_day(now_state.at, now, zone):
            return t(f"{prefix}opens", time=time)
        return t(f"{prefix}opens_day", weekday=t(f"weekday.{day}"), time=time)
    return t(f"{prefix}{state.value}")


def same_day(a: float, b: float, zone: ZoneInfo) -> bool:
    return datetime.fromtimestamp(a, zone).date() == datetime.fromtimestamp(b, zone).date()


def opens(service: Service, at: float, zone: ZoneInfo) -> Now:
    return state_at(read(service.hours), at, zone)


def service_lines(
    service: Service,
    now: float,
    zone: ZoneInfo,
    *,
    distance_m: float | None = None,
    code: str | None = None,
) -> list[Line]:
    """One directory entry: its name, kind and whether it is open; then, each on its own
    line, how far it is from an alert, its phone number and its note."""
    lines = [
        t(
            "services.entry",
            name=service.name,
            category=category(service.category),
            open=open_label(opens(service, now, zone), now, zone),
        )
    ]
    if distance_m is not None and code is not None:
        lines.append(t("services.distance", distance=format_distance(distance_m), code=code))
    if service.phone:
        lines.append(t("services.phone", phone=service.phone))
    if service.note:
        lines.append(t("services.note", note=service.note))
    return lines


def service_button(
    service: Service,
    action: Action,
    alert_id: int,
    now: float,
    zone: ZoneInfo,
    distance_m: float | None,
) -> Button:
    state = open_label(opens(service, now, zone), now, zone, short=True)
    if distance_m is None:
        label = Text("button.service", {"name": service.name, "open": state})
    else:
        label = Text(
            "button.service_far",
            {"name": service.name, "distance": format_distance(distance_m), "open": state},
        )
    return Button(label, action, alert_id, str(service.id))


# -- referrals ---------------------------------------------------------------------------


def referral_lines(referral: Referral, code: str, service: Service | None, tz: str) -> list[Line]:
    """Where the person was referred, and each state it reached, with its time."""
    name: Any = service.name if service is not None else t("referral.service_removed")
    lines = [t("referral.card", code=code, name=name, category=category(referral.category))]
    lines.append(t("referral.line.referred", when=moment(referral.referred_at, tz)))
    if referral.attended_at is not None:
        lines.append(t("referral.line.attended", when=moment(referral.attended_at, tz)))
    if referral.finished_at is not None:
        if referral.state is ReferralState.UNSUCCESSFUL and referral.reason is not None:
            lines.append(
                t(
                    "referral.line.unsuccessful",
                    reason=t(f"reason.{referral.reason.value}"),
                    when=moment(referral.finished_at, tz),
                )
            )
        else:
            lines.append(
                t(f"referral.line.{referral.state.value}", when=moment(referral.finished_at, tz))
            )
    if referral.note:
        lines.append(t("referral.line.note", note=referral.note))
    return lines


def referral_buttons(referral: Referral) -> Rows:
    """The moves still possible: got there, completed (or not), lost; and a note."""
    if not referral.is_open:
        return ()
    moves: list[Button] = []
    if referral.state is ReferralState.REFERRED:
        moves.append(Button(Text("button.attended"), Action.REFERRAL, referral.id, "attended"))
    moves.append(Button(Text("button.successful"), Action.REFERRAL, referral.id, "successful"))
    rest = (
        Button(Text("button.unsuccessful"), Action.REFERRAL, referral.id, "unsuccessful"),
        Button(Text("button.lost"), Action.REFERRAL, referral.id, "lost"),
    )
    note = Button(Text("button.referral_note"), Action.REFERRAL_NOTE, referral.id)
    return (tuple(moves), rest, (note,))


def reason_buttons(referral: Referral) -> Rows:
    buttons = [
        Button(Text(f"reason.{r.value}"), Action.REFERRAL_REASON, referral.id, r.value)
        for r in Reason
    ]
    return rows(buttons)


# -- follow-up tasks -----------------------------------------------------------------------


def task_buttons(task: Task, snooze_s: float, contact_of: int | None) -> Rows:
    rows: list[tuple[Button, ...]] = [
        (
            Button(Text("button.task_done"), Action.TASK, task.id, "done"),
            Button(Text("button.task_unreached"), Action.TASK, task.id, "unreached"),
        ),
        (
            Button(
                Text("button.task_snooze", {"duration": span(snooze_s)}),
                Action.TASK,
                task.id,
                "snooze",
            ),
            Button(Text("button.task_handover"), Action.TASK, task.id, "handover"),
        ),
    ]
    if contact_of is not None:
        rows.append((Button(Text("button.contact_them"), profile_of=contact_of),))
    return tuple(rows)


def rule_name(rule: Rule) -> Line:
    return t(f"rule.{rule.value}")


def task_line(
    task: Task, code: str, now: float, tz: str, owner: str | None = None, *, with_owner: bool
) -> Line:
    """``/followups``: one task, its code, rule and due time; for a lead, its owner."""
    overdue = task.due_at <= now
    key = "followups.line_owner" if with_owner else "followups.line"
    params: dict[str, Any] = {
        "label": task.label,
        "code": code,
        "rule": rule_name(task.rule),
        "when": moment(task.due_at, tz),
    }
    if with_owner:
        params["alias"] = owner if owner is not None else t("followups.nobody")
    return t(key + ("_overdue" if overdue else ""), **params)


def reach_lines(
    *, contact: bool, purged: bool, met_by: str | None, met_by_owner: bool
) -> list[Line]:
    """How to reach the person: through the bot only if they chose "may contact me";
    otherwise through the responder who met them."""
    if contact:
        return [t("task.reach_contact")]
    lines = [t("task.reach_purged" if purged else "task.reach_not_chosen")]
    if met_by_owner:
        lines.append(t("task.met_by_you"))
    elif met_by is not None:
        lines.append(t("task.met_by", alias=met_by))
    else:
        lines.append(t("task.met_by_gone"))
    return lines


def what_to_do(rule: Rule, service: Service | None, referral: Referral | None) -> Line:
    if rule is Rule.REFERRAL and referral is not None:
        name: Any = service.name if service is not None else t("referral.service_removed")
        return t("task.do.referral", name=name, category=category(referral.category))
    if rule in (Rule.HIV1, Rule.HIV2, Rule.HIV3):
        return t("task.do.hiv")
    return t(f"task.do.{rule.value}")


def reminder_lines(
    task: Task,
    code: str,
    tz: str,
    todo: Line,
    reach: Sequence[Line],
) -> list[Line]:
    head = t(
        "task.reminder",
        label=task.label,
        code=code,
        rule=rule_name(task.rule),
        when=moment(task.due_at, tz),
    )
    return [head, todo, *reach]
