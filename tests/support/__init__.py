"""Helpers shared by every test layer (unit, e2e, reliability) and by bench/.

- ``settings``: the one settings factory (``unit_settings``, ``make_settings``);
- ``world``: the unit ``World`` (core, real SQLite file, fake ``Clock``);
- ``scenario``: ``Squad`` and friends, driving the real bot through the fake Bot API;
- ``calls``: predicates over the fake's call log (``is_send``, ``is_edit``, ``code_of``);
- ``db``: ``db_snapshot`` (every table, from ``sqlite_master``) and ``db_rows``;
- ``commands``: typed command values made by the handlers' parsers (``place``);
- ``botproc``: the bot as a real subprocess (``python -m bot run``).
"""

from tests.support.botproc import BotProcess, bot_env
from tests.support.calls import ALERT_AT, COORD_RE, Predicate, code_of, is_edit, is_send
from tests.support.commands import place
from tests.support.db import TRANSPORT_TABLES, Rows, db_rows, db_snapshot
from tests.support.scenario import Squad, bot_message, running_bot, settle
from tests.support.settings import (
    WEBHOOK_SECRET,
    free_port,
    make_settings,
    settings_for,
    unit_settings,
    webhook_mode,
)
from tests.support.world import GROUP, Clock, World

__all__ = [
    "ALERT_AT",
    "COORD_RE",
    "GROUP",
    "TRANSPORT_TABLES",
    "WEBHOOK_SECRET",
    "BotProcess",
    "Clock",
    "Predicate",
    "Rows",
    "Squad",
    "World",
    "bot_env",
    "bot_message",
    "code_of",
    "db_rows",
    "db_snapshot",
    "free_port",
    "is_edit",
    "is_send",
    "make_settings",
    "place",
    "running_bot",
    "settings_for",
    "settle",
    "unit_settings",
    "webhook_mode",
]
