"""Predicates over the fake Bot API's call log, and what scenarios look for in it."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.fakegram.server import Call

ALERT_AT = (-26.2041, 28.0473)
COORD_RE = re.compile(r"-?\d{1,3}\.\d{3,}")

Predicate = Callable[[Call], bool]


def is_send(chat_id: int, containing: str = "") -> Predicate:
    return lambda c: c.method == "sendMessage" and c.chat_id == chat_id and containing in c.text


def is_edit(chat_id: int, containing: str = "") -> Predicate:
    return lambda c: c.method == "editMessageText" and c.chat_id == chat_id and containing in c.text


def code_of(call: Call) -> str:
    match = re.search(r"#([A-Z2-9]{4,6})", call.text)
    assert match, call.text
    return match.group(1)
