"""Telegram's sending limits as the fake Telegram enforces them now live in the product, at
``handlers/sandbox/fakegram_limits.py`` (the tests and the local sandbox share one fake).
This name stays so every ``from tests.fakegram.limits import ...`` keeps working."""

from handlers.sandbox.fakegram_limits import *  # noqa: F403
