"""JSON in and out, for what the bot reads and writes by the thousand in a raid: each
update as it is stored and read back, each queued message, each Bot API call's body and
answer. orjson does that work in C at several times the standard library's speed, and
writes the same compact, UTF-8 JSON as ``json.dumps(..., ensure_ascii=False,
separators=(",", ":"))``, except that a float that is not a number is written as
``null`` (the standard library writes ``NaN``, which is not JSON, and SQLite's JSON
functions refuse it).

What orjson refuses and the standard library takes (a lone surrogate, from an escape in
hostile input; an integer past 64 bits) falls back to the standard library, so what was
accepted before still is, and what was refused before is refused the same way.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS  # like json: a dict's int keys are written as strings


def dumps(value: Any) -> str:
    """``value`` as compact JSON text, non-ASCII characters as themselves."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:  # orjson's JSONEncodeError is a TypeError
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(raw: str | bytes) -> Any:
    """The value of JSON text (``str``, or UTF-8 ``bytes``); a ``ValueError`` if it is not
    JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)
