"""The one settings factory for tests: unit and end-to-end variants differ only in defaults."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings
from tests.fakegram.server import FakeTelegram

# What every test variant shares: short chains, and no flood rules (scenarios raise several
# alerts from one reporter on purpose; the flood rules have their own tests, with the real
# defaults: tests/unit/test_floods.py and tests/e2e/test_holes.py).
COMMON: dict[str, Any] = {
    "max_offers": 3,
    "max_escalations": 2,
    "merge_window": timedelta(0),
    "max_open_alerts_nonmember": 1000,
}

# The unit core runs on a fake clock, so the real durations cost nothing.
UNIT: dict[str, Any] = {
    "bot_token": "1:x",
    "ack_timeout": timedelta(seconds=180),
    "location_wait": timedelta(seconds=60),
}

# The real bot on a real clock: durations shrunk so scenarios run in seconds.
E2E: dict[str, Any] = {
    "ack_timeout": timedelta(seconds=1.5),
    "location_wait": timedelta(seconds=1.0),
    "poll_timeout": 0.5,
    # Scenario tests send far more per group than a real squad; the limits have their own
    # tests (tests/reliability) with Telegram's real numbers.
    "limit_global_per_s": 1000,
    "limit_group_per_min": 100000,
    "limit_private_per_s": 1000,
}


def settings_for(db: Path, *variants: dict[str, Any], **overrides: Any) -> Settings:
    """Settings for a test: ``COMMON``, then each variant, then ``overrides``. No ``.env``
    file is read."""
    values: dict[str, Any] = {"database": db, **COMMON}
    for variant in variants:
        values.update(variant)
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def unit_settings(path: Path, **overrides: Any) -> Settings:
    """For the core against a SQLite file and a fake clock (``World``)."""
    return settings_for(path, UNIT, overrides)


def make_settings(fake: FakeTelegram, db: Path, **overrides: Any) -> Settings:
    """For the real Application against the fake Bot API server."""
    server = {"bot_token": fake.token, "telegram_api_url": fake.url}
    return settings_for(db, E2E, server, overrides)


# Webhook mode in tests: the bot listens on a free port of 127.0.0.1, and the fake Telegram
# POSTs there (the URL a host would give is the reverse proxy's; here there is none).
WEBHOOK_SECRET = "test-webhook-secret_1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_mode(port: int | None = None) -> dict[str, Any]:
    """Settings overrides for webhook mode (``make_settings(..., **webhook_mode())``)."""
    port = port or free_port()
    return {
        "webhook_url": f"http://127.0.0.1:{port}/telegram/updates",
        "webhook_secret": WEBHOOK_SECRET,
        "webhook_listen": "127.0.0.1",
        "webhook_port": port,
    }
