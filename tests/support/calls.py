"""Predicates over the fake Bot API's call log, and what scenarios look for in it."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.messages import render
from tests.fakegram.server import Call

ALERT_AT = (-26.2041, 28.0473)
COORD_RE = re.compile(r"-?\d{1,3}\.\d{3,}")

Predicate = Callable[[Call], bool]


def is_send(chat_id: int, containing: str = "") -> Predicate:
    return lambda c: c.method == "sendMessage" and c.chat_id == chat_id and containing in c.text


def is_edit(chat_id: int, containing: str = "") -> Predicate:
    return lambda c: c.method == "editMessageText" and c.chat_id == chat_id and containing in c.text


def code_of(call: Call) -> str:
    """The alert a message is about. On the squad's board listing several alerts (oldest
    first), the newest: the one whose arrival posted it."""
    codes = re.findall(r"#([A-Z2-9]{4,6})", call.text)
    assert codes, call.text
    return codes[-1] if call.text.startswith(render("board.header")) else codes[0]
