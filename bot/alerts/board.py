"""The board with several alerts on it: one line each, and a Claim button for each alert
that has a place open. Pure: built from plain values, tested without a database.

It must fit one Telegram message (4,096 characters, 100 buttons) in every language the bot
speaks, however many alerts a raid brings and however long their words, aliases and
places. Each line's fixed part (its code, state, alias and place, in the longest language)
is measured, the alert's words share what is left, and when even that is not enough, or
past ``MAX_LINES``, the oldest alerts give way (``/claim`` lists them all). Lengths are
counted as Telegram counts them, in UTF-16 code units (an emoji may count twice).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.alerts.notices import BOARD_TAG, claim_code_button, details
from bot.domain import FINAL_STATES, OWNED_STATES, UNOWNED_STATES, Alert, AlertState
from bot.drills.marking import tagged
from bot.i18n import LANGUAGES
from bot.intents import Intent, MessageRole, Op, Priority, Text
from bot.messages import render, t

MAX_LINES = 60
# The whole board, in UTF-16 code units: under Telegram's 4,096, with a margin.
BUDGET = 3900
MAX_WORDS = 80  # an alert's words, at most, however few alerts there are
AREA_MAX = 24
ALIAS_MAX = 16
BUTTONS_PER_ROW = 3


def units(text: str) -> int:
    """The length of ``text`` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, room: int) -> str:
    """``text`` on one line, cut to ``room`` UTF-16 code units (ending in "…" when cut)."""
    text = " ".join(text.split())
    if units(text) <= room:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        used += units(char)
        if used > room - 1:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


@functools.cache
def _longest(key: str) -> int:
    """The longest rendering of a catalogue entry with its placeholders left empty, across
    every language."""
    blanks = {name: "" for name in ("code", "state", "alias", "area", "text")}
    return max(units(render(key, blanks, lang)) for lang in LANGUAGES)


@functools.cache
def _longest_state(state: AlertState) -> int:
    return max(units(render(f"state.{state}", None, lang)) for lang in LANGUAGES)


@dataclass(frozen=True)
class BoardLine:
    alert: Alert
    owner_alias: str | None
    open_slots: int

    @property
    def claimable(self) -> bool:
        state = self.alert.state
        return state in UNOWNED_STATES or (state in OWNED_STATES and self.open_slots > 0)


def _base(line: BoardLine) -> int:
    """The longest the line can be, in any language, without the alert's own words."""
    alert = line.alert
    base = _longest_state(alert.state) + units(alert.code)
    if alert.drill:
        base += _longest("drill.tagged")
    if alert.state in FINAL_STATES:
        return base + _longest("board.ended")
    area = cut(alert.area_label, AREA_MAX) if alert.area_label else ""
    base += units(area) if area else _longest("board.no_area")
    base += (
        _longest("board.taken") + units(_alias(line))
        if alert.state in OWNED_STATES
        else (_longest("board.open"))
    )
    if alert.linked_alert_id is not None and alert.text:  # "a responder needs help …"
        code, _, more = alert.text.partition("\n")
        return base + _longest("alert.linked") + units(code) + (1 if more else 0)
    if alert.drill and not alert.text:
        return base + _longest("drill.words")
    return base if alert.text else base + _longest("alert.no_text")


def _has_words(line: BoardLine) -> bool:
    """Whether the line shows words the alert's people wrote (cut to the room left)."""
    alert = line.alert
    if alert.state in FINAL_STATES or not alert.text:
        return False
    return alert.linked_alert_id is None or "\n" in alert.text


def _alias(line: BoardLine) -> str:
    return cut(line.owner_alias, ALIAS_MAX) if line.owner_alias else "?"


def _line(line: BoardLine, room: int) -> Any:
    """The alert's line; a drill's says DRILL."""
    shown = _words_line(line, room)
    return tagged(shown) if line.alert.drill else shown


def _words_line(line: BoardLine, room: int) -> Any:
    alert = line.alert
    state = t(f"state.{alert.state}")
    if alert.state in FINAL_STATES:
        return t("board.ended", code=alert.code, state=state)
    words = details(alert, within=functools.partial(cut, room=room))
    area = cut(alert.area_label, AREA_MAX) if alert.area_label else t("board.no_area")
    if alert.state in OWNED_STATES:
        return t(
            "board.taken",
            code=alert.code,
            state=state,
            alias=_alias(line),
            area=area,
            text=words,
        )
    return t("board.open", code=alert.code, state=state, area=area, text=words)


def _fit(lines: Sequence[BoardLine]) -> tuple[list[BoardLine], int]:
    """The newest lines that fit the budget (at most ``MAX_LINES``), and how many UTF-16 code
    units each alert's words may take."""
    shown = list(lines[-MAX_LINES:])
    top = _longest("board.header") + _longest("board.more") + 1
    while True:
        spare = BUDGET - top - sum(_base(line) + 1 for line in shown)  # a newline each
        worded = sum(_has_words(line) for line in shown)
        room = MAX_WORDS if worded == 0 else min(MAX_WORDS, spare // worded)
        if (spare >= 0 and room >= 1) or len(shown) == 1:
            return shown, max(room, 1)
        shown = shown[1:]


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
    shown, room = _fit(lines)
    text: list[Any] = [t("board.header")]
    text.extend(_line(line, room) for line in shown)
    if len(shown) < len(lines):
        text.append(t("board.more"))
    claims = [claim_code_button(line.alert, BOARD_TAG) for line in shown if line.claimable][
        : 100 - 1
    ]
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
