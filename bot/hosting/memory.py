"""How the running bot's process keeps its garbage collector out of the way.

Python's cyclic collector looks over the young objects each time 700 more have been made
than freed, and over older ones every tenth time, and so on. Under a raid the bot makes and
drops objects by the thousand (an update, its rows, the messages it sends): over 3,000
alerts the collector ran 1,391 times, for 774 ms of the bot's 13.4 s of CPU (README
"Performance"). What the bot holds for long (the modules, python-telegram-bot's
application, the settings) is made at start.

So, once the bot has started: what start made is collected once and then frozen (never
looked over again), and the young objects are looked over each time 10,000 more have been
made than freed, not 700; the older generations keep Python's own pace (every tenth
collection of the one before), so garbage in cycles that lived a while is still found, in
larger sweeps. Over the same 3,000 alerts: 45 collections, 139 ms. (Waiting for 50,000,
with the older generations ten and a hundred times rarer, saved no more, and left such
garbage for about a hundred million objects.)
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
OLDER_THRESHOLDS = (10, 10)  # Python's own


def settle_after_start() -> None:
    """Collect and freeze what start made, and look over young objects less often. For the
    bot's own process only: a process that starts many bots (the tests) would keep each
    one's."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
