"""All settings, in one pydantic-settings class (env prefix ``SQUADLINE_`` plus ``.env``)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d)?")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Settings(BaseSettings):
    """Runtime configuration. Every duration is a setting so tests can shrink it."""

    model_config = SettingsConfigDict(
        env_prefix="SQUADLINE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database: Path = Path("./var/squadline.sqlite3")
    setup_code: SecretStr | None = None

    location_ttl: timedelta = timedelta(hours=12)
    location_wait: timedelta = timedelta(seconds=60)
    ack_timeout: timedelta = timedelta(seconds=180)
    max_offers: int = Field(default=3, ge=1)
    max_escalations: int = Field(default=5, ge=1)

    # getUpdates long-poll timeout; tests shorten it so shutdown is quick.
    poll_timeout: float = Field(default=30.0, ge=0)
    # SQLite busy timeout: how long a write waits for a lock before failing.
    db_busy_timeout: timedelta = timedelta(seconds=5)
    log_level: str = "INFO"

    @field_validator(
        "location_ttl", "location_wait", "ack_timeout", "db_busy_timeout", mode="before"
    )
    @classmethod
    def _duration(cls, value: Any) -> Any:
        """Durations: seconds ("180"), a unit ("90s", "3m", "12h", "2d") or ISO 8601."""
        if isinstance(value, str):
            match = _DURATION.fullmatch(value.strip().lower())
            if match:
                number = float(match.group(1))
                return timedelta(seconds=number * _UNITS[match.group(2) or "s"])
        return value

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.telegram_api_url.rstrip('/')}/bot"

    @property
    def bot_api_base_file_url(self) -> str:
        return f"{self.telegram_api_url.rstrip('/')}/file/bot"
