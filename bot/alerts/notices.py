"""Messages about an alert, built by pure functions from plain values.

Nothing here touches the database or the clock: each function takes the alert and the
values a message needs, and returns the intent to send. Tests check them without a store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.domain import OWNED_STATES, Alert, AlertState, CrisisType, Origin, Skill
from bot.drills.marking import MARKER
from bot.geo import format_distance
from bot.intents import Action, Button, Intent, MessageRole, Op, Priority, Text
from bot.messages import format_age, t

Buttons = tuple[tuple[Button, ...], ...]

_OWNED_LINE = {
    AlertState.ACKNOWLEDGED: "card.owner",
    AlertState.EN_ROUTE: "card.en_route",
    AlertState.ON_SCENE: "card.on_scene",
}


def details(alert: Alert, *, within: Callable[[str], str] | None = None) -> Any:
    """The alert's words. A "responder needs help" alert holds no name: only the code of
    the alert its responder was on (then any words added later), read as a sentence.
    ``within``: what the people wrote passes through it (the squad's board cuts it)."""
    fit = within or (lambda words: words)
    if alert.linked_alert_id is not None and alert.text:
        code, _, more = alert.text.partition("\n")
        line = t("alert.linked", code=code)
        return t("lines", lines=[line, fit(more)]) if more else line
    if alert.drill and not alert.text:
        return t("drill.words")
    return fit(alert.text) if alert.text else t("alert.no_text")


# A Claim on the squad's board carries this, so a press on a copy of the board that a crash
# left in the group (one never recorded) retires it (bot/alerts/cards.py).
BOARD_TAG = "b"


def claim_button(alert: Alert, *, on_board: bool = False) -> Buttons:
    tag = BOARD_TAG if on_board else ""
    return ((Button(Text("button.claim"), Action.CLAIM, alert.id, tag),),)


def claim_code_button(alert: Alert, tag: str = "") -> Button:
    """**🙋 #CODE**, where a list shows several alerts (a drill's says DRILL)."""
    key = "button.claim_drill" if alert.drill else "button.claim_code"
    return Button(Text(key, {"code": alert.code}), Action.CLAIM, alert.id, tag)


def card_status(alert: Alert, *, owner_alias: str | None, open_offers: int) -> Any:
    """The card's last line. Nobody is named and no distance is given until someone has
    accepted: the group must not learn who is near the scene, or how near."""
    state = alert.state
    if state in OWNED_STATES and alert.owner_member_id is not None:
        return t(_OWNED_LINE[state], alias=owner_alias or "?")
    if state is AlertState.CLOSED:
        return t("card.closed", outcome=t(f"outcome.{alert.outcome}"))
    if state is AlertState.CANCELLED:
        return t("card.cancelled")
    if state is AlertState.ESCALATED:
        return t("card.escalated")
    if state is AlertState.OFFERED:
        if alert.broadcast:
            return t("card.offered_many")
        if open_offers:
            return t("card.offered")
    if not alert.has_location:
        return t("card.waiting_location")
    return t("card.finding")


def team_lines(team: Sequence[tuple[Skill | None, str | None, bool]]) -> list[Any]:
    """One line per slot of a team that needs skills: (skill, holder alias, offered now).
    Nobody is named before they accept."""
    if not any(skill is not None for skill, _, _ in team):
        return []
    lines = []
    for skill, alias, offered in team:
        label = t(f"skill.{skill.value}") if skill else t("skill.anyone")
        if alias is not None:
            lines.append(t("card.slot_held", skill=label, alias=alias))
        elif offered:
            lines.append(t("card.slot_offered", skill=label))
        else:
            lines.append(t("card.slot_open", skill=label))
    return lines


def card(
    alert: Alert,
    chat_id: int,
    op: Op,
    status: Any,
    *,
    reply_to: int | None = None,
    team: Sequence[Any] = (),
    claimable: bool = False,
) -> Intent:
    """The squad's one card for this alert. Never shows coordinates."""
    lines: list[Any] = [t(MARKER)] if alert.drill else []
    lines.append(
        t("card.header", code=alert.code, state=t(f"state.{alert.state}"), text=details(alert))
    )
    if alert.crisis_type is not None:
        lines.append(t("card.type", kind=t(f"crisis.{alert.crisis_type.value}")))
    if alert.area_label:
        lines.append(t("card.area", area=alert.area_label))
    if alert.reporter_alias:
        lines.append(t("card.reporter", alias=alert.reporter_alias))
    lines.extend(team)
    lines.append(status)
    return Intent(
        op=op,
        chat_id=chat_id,
        text=Text("lines", {"lines": lines}),
        buttons=(claim_button(alert, on_board=True) if claimable else ())
        + (type_buttons(alert) if alert.is_open and alert.crisis_type is None else ()),
        # The card is the squad's board with one alert on it (bot/alerts/cards.py).
        alert_id=alert.id,
        role=MessageRole.CARD,
        reply_to=reply_to,
        priority=Priority.URGENT if op is Op.SEND and alert.escalations else Priority.HIGH,
    )


def offer(
    alert: Alert,
    chat_id: int,
    member_id: int,
    *,
    distance_m: float | None,
    fresh: bool,
    location_age_s: float | None,
    skill: Skill | None = None,
) -> Intent:
    """The private offer: a neutral first line with the code (what a lock screen shows),
    then the details and the distance, never the location; and, for a slot that needs a
    skill, which one."""
    if distance_m is None:
        text = Text("offer.text_nodistance", {"code": alert.code, "text": details(alert)})
    elif fresh or location_age_s is None:
        params = {
            "code": alert.code,
            "text": details(alert),
            "distance": format_distance(distance_m),
        }
        text = Text("offer.text", params)
    else:  # an old location: the offer says how old, in one sentence
        params = {
            "code": alert.code,
            "text": details(alert),
            "distance": format_distance(distance_m),
            "age": format_age(location_age_s),
        }
        text = Text("offer.text_stale", params)
    if skill is not None:
        text = Text(
            "lines",
            {
                "lines": [
                    t(text.key, **text.params),
                    t("offer.needed", skill=t(f"skill.{skill.value}")),
                ]
            },
        )
    return Intent(
        op=Op.SEND,
        chat_id=chat_id,
        priority=Priority.URGENT,
        text=text,
        buttons=(
            (
                Button(Text("button.accept"), Action.ACCEPT, alert.id),
                Button(Text("button.decline"), Action.DECLINE, alert.id),
            ),
        ),
        alert_id=alert.id,
        member_id=member_id,
        role=MessageRole.OFFER,
    )


def offer_edit(alert: Alert, chat_id: int, member_id: int, key: str) -> Intent:
    """An offer edited to say it was withdrawn, taken or cancelled (its buttons go)."""
    return Intent(
        op=Op.EDIT,
        chat_id=chat_id,
        priority=Priority.HIGH,
        text=Text(key, {"code": alert.code}),
        alert_id=alert.id,
        member_id=member_id,
        role=MessageRole.OFFER,
    )


def owner_buttons(alert: Alert) -> Buttons:
    """Only the steps that can still be taken, and Close."""
    steps: list[Button] = []
    if alert.state is AlertState.ACKNOWLEDGED:
        steps.append(Button(Text("button.en_route"), Action.EN_ROUTE, alert.id))
    if alert.state in (AlertState.ACKNOWLEDGED, AlertState.EN_ROUTE):
        steps.append(Button(Text("button.arrived"), Action.ARRIVED, alert.id))
    close = (Button(Text("button.close"), Action.CLOSE, alert.id),)
    return (tuple(steps), close) if steps else (close,)


def brief(
    alert: Alert,
    chat_id: int,
    member_id: int,
    op: Op,
    *,
    assigned: bool = False,
    extra: Sequence[Any] = (),
    extra_buttons: Sequence[tuple[Button, ...]] = (),
    ask_police: bool = False,
) -> Intent:
    """A responder's brief, as the case stands now; ``extra`` lines and buttons come from
    the capabilities that follow the team (clocks, check-ins)."""
    lines: list[Any] = []
    if assigned:
        lines.append(t("owner.assigned", code=alert.code))
    lines.append(t("owner.text", code=alert.code, text=details(alert)))
    if alert.state is AlertState.EN_ROUTE:
        lines.append(t("owner.step_en_route"))
    elif alert.state is AlertState.ON_SCENE:
        lines.append(t("owner.step_arrived"))
    lines.append(t("owner.pin_follows" if alert.has_location else "owner.no_location"))
    if alert.origin is Origin.PRIVATE and not alert.contact_ok:
        # Never report a choice that was not made.
        key = "owner.anonymous" if alert.contact_answered else "owner.contact_unknown"
        lines.append(t(key, alias=alert.reporter_alias or "?"))
    lines.extend(extra)
    return Intent(
        op=op,
        chat_id=chat_id,
        priority=Priority.URGENT if op is Op.SEND else Priority.HIGH,
        text=Text("lines", {"lines": lines}),
        buttons=tuple(extra_buttons)
        + owner_buttons(alert)
        + (police_button(alert) if ask_police else ()),
        alert_id=alert.id,
        member_id=member_id,
        role=MessageRole.OWNER,
    )


def pin(alert: Alert, chat_id: int, member_id: int) -> Intent:
    """The precise location, only ever to a private chat."""
    return Intent(
        op=Op.LOCATION,
        chat_id=chat_id,
        priority=Priority.URGENT,
        alert_id=alert.id,
        member_id=member_id,
        role=MessageRole.LOCATION,
        lat=alert.lat,
        lon=alert.lon,
    )


def contact_question(alert: Alert, chat_id: int) -> Intent:
    return Intent(
        op=Op.SEND,
        chat_id=chat_id,
        priority=Priority.URGENT,
        text=Text("contact.ask", {"code": alert.code, "alias": alert.reporter_alias}),
        buttons=(
            (Button(Text("contact.button_no"), Action.CONTACT, alert.id, "no"),),
            (Button(Text("contact.button_yes"), Action.CONTACT, alert.id, "yes"),),
        ),
        alert_id=alert.id,
        role=MessageRole.REPORTER,
    )


def type_buttons(alert: Alert) -> Buttons:
    """One button per crisis type, two to a row."""
    kinds = list(CrisisType)
    return tuple(
        tuple(
            Button(Text(f"crisis.{k.value}"), Action.TYPE, alert.id, k.value)
            for k in kinds[i : i + 2]
        )
        for i in range(0, len(kinds), 2)
    )


def police_button(alert: Alert) -> Buttons:
    return ((Button(Text("button.police_consent"), Action.POLICE, alert.id),),)


def type_question(alert: Alert, chat_id: int, *, ask_police: bool) -> Intent:
    """The private reporter is asked what is happening (optional), and, where the squad has
    a police liaison, whether the police may be involved."""
    return Intent(
        op=Op.SEND,
        chat_id=chat_id,
        priority=Priority.HIGH,
        text=Text("type.ask", {"code": alert.code}),
        buttons=type_buttons(alert) + (police_button(alert) if ask_police else ()),
        alert_id=alert.id,
        role=MessageRole.REPORTER,
    )


def police_question(alert: Alert, chat_id: int) -> Intent:
    """Whether the police may be involved, for a reporter whose words already chose a type."""
    return Intent(
        op=Op.SEND,
        chat_id=chat_id,
        priority=Priority.HIGH,
        text=Text("police.ask", {"code": alert.code}),
        buttons=police_button(alert),
        alert_id=alert.id,
        role=MessageRole.REPORTER,
    )


def reporter_notice(alert: Alert, chat_id: int, key: str) -> Intent:
    return Intent(
        op=Op.SEND,
        chat_id=chat_id,
        priority=Priority.HIGH,
        text=Text(key, {"code": alert.code}),
        alert_id=alert.id,
        role=MessageRole.REPORTER,
    )


def escalation_page(alert: Alert, squad_name: str) -> Text:
    """The message to every lead when nobody has taken the alert."""
    return Text(
        "escalation.lead", {"code": alert.code, "squad": squad_name, "text": details(alert)}
    )


def page(
    alert: Alert,
    chat_id: int,
    member_id: int,
    text: Text,
    buttons: Buttons,
    role: MessageRole,
    *,
    linked: bool = True,
    priority: Priority = Priority.URGENT,
) -> Intent:
    """A private message to one lead about an alert (``linked`` False: not tied to the
    alert's messages, so the clean-up of a finished alert's chats leaves it alone)."""
    return Intent(
        op=Op.SEND,
        chat_id=chat_id,
        priority=priority,
        text=text,
        buttons=buttons,
        alert_id=alert.id if linked else None,
        member_id=member_id,
        role=role,
    )
