"""All settings, in one pydantic-settings class (env prefix ``SQUADLINE_`` plus ``.env``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.telegram_api_url.rstrip('/')}/bot"

    @property
    def bot_api_base_file_url(self) -> str:
        return f"{self.telegram_api_url.rstrip('/')}/file/bot"
