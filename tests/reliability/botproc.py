"""Moved to ``tests.support.botproc``; this re-export can go once nothing imports it here."""

from tests.support.botproc import BotProcess, bot_env

__all__ = ["BotProcess", "bot_env"]
