"""Moved to ``tests.support``; these re-exports keep older test files importing and can be
deleted once nothing imports ``tests.harness``."""

from tests.support.db import TRANSPORT_TABLES as INTAKE_TABLES
from tests.support.db import db_rows, db_snapshot
from tests.support.scenario import Squad, bot_message, running_bot, settle
from tests.support.settings import make_settings

__all__ = [
    "INTAKE_TABLES",
    "Squad",
    "bot_message",
    "db_rows",
    "db_snapshot",
    "make_settings",
    "running_bot",
    "settle",
]
