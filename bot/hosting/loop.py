"""The event loop the bot's own process runs on.

Everything the bot does happens on one event loop, and in a raid that loop is what limits
how many alerts a second it stores and offers (README "Performance"). uvloop, libuv's event
loop behind asyncio's own interface, does the loop's work (its sockets, callbacks and timers)
in C: every Bot API call and every update costs less of it. The code is the same on either
loop; where uvloop cannot be installed (it has no build for Windows), asyncio's own is used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is installed wherever it builds
    uvloop = None  # type: ignore[assignment]


def run_on_fast_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to its end on uvloop (or asyncio's own loop, where there is no uvloop)."""
    if uvloop is None:  # pragma: no cover
        return asyncio.run(main)
    return uvloop.run(main)
