"""The board with several alerts on it: one line each, and a Claim button for each alert
that has a place open. Pure: built from plain values, tested without a database.

It must fit one Telegram message (4,096 characters, 100 buttons) however many alerts a
raid brings, so each alert's words are cut to what the count leaves room for, and past
``MAX_LINES`` the oldest alerts give way (``/claim`` lists them all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.alerts.notices import details
from bot.domain import FINAL_STATES, OWNED_STATES, UNOWNED_STATES, Alert
from bot.intents import Action, Button, Intent, MessageRole, Op, Priority, Text
from bot.messages import t

MAX_LINES = 60
ROOM = 3400  # characters for the lines (the rest: the header, and a reader's longer words)
FIXED = 60  # a line without the alert's words: code, state, area, alias
MAX_WORDS = 80
AREA_MAX = 24
BUTTONS_PER_ROW = 3


@dataclass(frozen=True)
class BoardLine:
    alert: Alert
    owner_alias: str | None
    live_offers: int
    open_slots: int

    @property
    def claimable(self) -> bool:
        state = self.alert.state
        return state in UNOWNED_STATES or (state in OWNED_STATES and self.open_slots > 0)


def _cut(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 1, 0)].rstrip() + "…"


def _line(line: BoardLine, room: int) -> Any:
    alert = line.alert
    state = t(f"state.{alert.state}")
    if alert.state in FINAL_STATES:
        return t("board.ended", code=alert.code, state=state)
    words = details(alert)
    if isinstance(words, str):
        words = _cut(words, room) if room > 0 else "…"
    area = _cut(alert.area_label, AREA_MAX) if alert.area_label else t("board.no_area")
    if alert.state in OWNED_STATES:
        return t(
            "board.taken",
            code=alert.code,
            state=state,
            alias=line.owner_alias or "?",
            area=area,
            text=words,
        )
    return t("board.open", code=alert.code, state=state, area=area, text=words)


def board(
    lines: Sequence[BoardLine],
    chat_id: int,
    op: Op,
    *,
    about: int,
    reply_to: int | None = None,
) -> Intent:
    """The squad's board listing ``lines`` (oldest first), with a Claim button for each
    alert that has a place open. Never shows coordinates; names only who responds.
    ``about``: the alert whose change it shows (whose leads hear if it cannot be delivered)."""
    shown = list(lines[-MAX_LINES:])
    room = min(MAX_WORDS, ROOM // max(len(shown), 1) - FIXED)
    text: list[Any] = [t("board.header")]
    text.extend(_line(line, room) for line in shown)
    if len(shown) < len(lines):
        text.append(t("board.more"))
    claims = [
        Button(Text("button.claim_code", {"code": line.alert.code}), Action.CLAIM, line.alert.id)
        for line in shown
        if line.claimable
    ][: 100 - 1]
    buttons = tuple(
        tuple(claims[i : i + BUTTONS_PER_ROW]) for i in range(0, len(claims), BUTTONS_PER_ROW)
    )
    urgent = op is Op.SEND and any(
        line.alert.state in UNOWNED_STATES and line.alert.escalations for line in shown
    )
    return Intent(
        op=op,
        chat_id=chat_id,
        priority=Priority.URGENT if urgent else Priority.HIGH,
        text=Text("lines", {"lines": text}),
        buttons=buttons,
        alert_id=about,
        role=MessageRole.CARD,
        reply_to=reply_to,
    )
