"""A bench-only variant of the bot that keeps Telegram's limits with python-telegram-bot's
own ``AIORateLimiter`` instead of Squadline's sender: ``python -m bench.load.ptb_variant run``.

It is ``squadline run`` exactly, with two changes: the Application is built with
``AIORateLimiter`` (30 a second overall, 20 a minute per group, retrying a 429 after its
``retry_after``), and the bench starts it with Squadline's own limits lifted
(``bench.load.rig.NO_BOT_LIMITS``), so PTB's limiter is the one that keeps the pace.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from telegram.ext import AIORateLimiter

import bot.app
from bot.__main__ import main
from bot.config import Settings

RETRIES = 3
_build = bot.app.build_application


def build_with_ptb_limiter(
    settings: Settings, on_429: Callable[[], None] | None = None
) -> bot.app.SquadApp:
    app = _build(settings, on_429)
    limiter: AIORateLimiter = AIORateLimiter(max_retries=RETRIES)
    # What ApplicationBuilder.rate_limiter() would have set (the bot is frozen once built).
    with app.bot._unfrozen():
        app.bot._rate_limiter = limiter
    return app


if __name__ == "__main__":
    bot.app.build_application = build_with_ptb_limiter
    sys.exit(main())
