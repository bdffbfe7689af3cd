"""JSON in and out, for what the bot reads and writes by the thousand in a raid: each
update as it is stored and read back, each queued message, each Bot API call's body and
answer. orjson does that work in C at several times the standard library's speed. It
writes compact, UTF-8 JSON with the same values as ``json.dumps(..., ensure_ascii=False,
separators=(",", ":"))``; the text may differ (``1e-05`` is written ``0.00001``), and a
float that is not a number is written as ``null`` (the standard library writes ``NaN``,
which is not JSON, and SQLite's JSON functions refuse it).

What orjson refuses to write (a string with a lone surrogate, from an escape in hostile
input; an integer past 64 bits) is written by the standard library, with every character
past ASCII escaped, so the text can always be encoded as UTF-8 (stored, or sent). In what
it reads, an integer past 64 bits becomes a float (the standard library keeps it whole):
Telegram's ids stay well under 2**53, as its documentation promises.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Like json: a dict's int keys are written as strings, and a dataclass or a datetime is
# refused (orjson would write them; the standard library then refuses them too).
_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)


def dumps(value: Any) -> str:
    """``value`` as compact JSON text."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:  # orjson's JSONEncodeError is a TypeError
        return json.dumps(value, separators=(",", ":"))


def loads(raw: str | bytes) -> Any:
    """The value of JSON text (``str``, or UTF-8 ``bytes``); a ``ValueError`` if it is not
    JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)
