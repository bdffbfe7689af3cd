"""How the running bot's process keeps its garbage collector out of the way.

Python's cyclic collector runs each time 700 more objects have been made than freed, and
every so often looks over every object the process holds. Under a raid the bot makes and
drops objects by the thousand (an update, its rows, the messages it sends), and the
collections took about a fifth of a millisecond of each alert's 4.6 ms of CPU (1.0 s over
3,000 alerts; README "Performance"). Almost nothing the bot makes lives on in cycles: what
it holds for long (the modules, python-telegram-bot's application, the settings) is made at
start.

So, once the bot has started: what start made is collected once and then frozen (never
looked over again), and a collection waits for 50,000 more objects instead of 700. Garbage
in cycles is still found, only in larger, rarer sweeps. Memory stays within the footprint
target (README "Performance").
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (20, 100)


def settle_after_start() -> None:
    """Collect and freeze what start made, and make collections rarer. For the bot's own
    process only: a process that starts many bots (the tests) would keep each one's."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
