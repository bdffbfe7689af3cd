"""All settings, in one pydantic-settings class (env prefix ``SQUADLINE_`` plus ``.env``)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.crisis import DEFAULT_WAVES, WAVE_FALLBACK
from bot.domain import CrisisType

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d)?")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# What Telegram accepts as a webhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


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
    # When set, the database is encrypted with SQLCipher under this key.
    database_key: SecretStr | None = None
    # Only for `squadline rekey`: the key to change to (or to encrypt a plain database with).
    new_database_key: SecretStr | None = None
    # A group the bot was added to leaves again if /setup does not follow within this time.
    setup_grace: timedelta = timedelta(hours=1)
    # After this many days, a finished alert's free text, notes and precise data are deleted.
    retention_days: int = Field(default=30, ge=1)
    # Delivered messages' rendered text is kept this long (for retries), then emptied.
    outbox_retention: timedelta = timedelta(hours=1)
    # Off by default: no third-party geocoding. "nominatim" turns it on for place names.
    geocoder: str | None = None
    geocoder_user_agent: str = "squadline-bot (https://github.com/squadline/squadline)"
    # Where the geocoder lives, for a self-hosted Nominatim (host[:port]); unset: its default.
    geocoder_domain: str | None = None
    geocoder_scheme: str = "https"

    location_ttl: timedelta = timedelta(hours=12)
    location_wait: timedelta = timedelta(seconds=60)
    ack_timeout: timedelta = timedelta(seconds=180)
    max_offers: int = Field(default=3, ge=1)
    max_escalations: int = Field(default=5, ge=1)
    # New members wait for a lead's approval before they are offered alerts or see a pin.
    join_approval: bool = True
    # A second /alert from the same person within this time and distance of their open one
    # is added to it instead of making a new alert.
    merge_window: timedelta = timedelta(minutes=5)
    merge_radius_m: float = Field(default=300.0, ge=0)
    # A person who is not a member may hold this many open alerts; past that, new ones wait
    # for a lead (Dispatch or Dismiss) instead of being offered to members.
    max_open_alerts_nonmember: int = Field(default=2, ge=0)
    # After "📝 Add note", the responder's next private text within this time is the note.
    note_wait: timedelta = timedelta(minutes=10)

    # Telegram unreachable at start (no network yet, DNS, refused): wait this long before the
    # first retry, then twice as long each time, up to the maximum. A rejected token stops.
    start_retry: timedelta = timedelta(seconds=1)
    start_retry_max: timedelta = timedelta(seconds=60)
    # getUpdates long-poll timeout; tests shorten it so shutdown is quick.
    poll_timeout: float = Field(default=30.0, ge=0)
    # SQLite busy timeout: how long a write waits for a lock before failing.
    db_busy_timeout: timedelta = timedelta(seconds=5)
    # Optional cap on the database size, in SQLite pages (4 KiB each); unset: no cap.
    db_max_pages: int | None = Field(default=None, ge=1)
    log_level: str = "INFO"
    # Telegram's sending limits (messages): overall per second, per group per minute,
    # per private chat per second.
    limit_global_per_s: int = Field(default=30, ge=1)
    limit_group_per_min: int = Field(default=20, ge=1)
    limit_private_per_s: int = Field(default=1, ge=1)
    # The group limit's window (Telegram: a minute); tests shrink it to run in seconds.
    limit_group_window: timedelta = timedelta(seconds=60)
    # A message that still cannot be sent after this long is given up, and leads are told.
    send_give_up: timedelta = timedelta(seconds=60)
    # How long handled updates stay in the inbox table before they are pruned.
    inbox_retention: timedelta = timedelta(days=1)
    # How often the auditor looks for open alerts that nothing is driving.
    audit_interval: timedelta = timedelta(seconds=60)
    # Crisis types and waves (issue 11). Members one wave of offers asks at once, per type
    # (JSON, e.g. {"arrest": 3, "other": 1}); types not named keep their default.
    waves: dict[CrisisType, int] = Field(default_factory=dict)
    # The 48-hour rule (SA Constitution s35(1)(d), Criminal Procedure Act s50(1)(d)): the
    # limit, and when courts sit (in the squad's time zone). Holidays: YYYY-MM-DD, comma-separated.
    legal_limit: timedelta = timedelta(hours=48)
    legal_reminders: str = "24h,40h,46h"
    court_days: str = "mon,tue,wed,thu,fri"
    court_hours: str = "08:00-16:00"
    court_holidays: str = ""
    timezone: str = "Africa/Johannesburg"
    # Medical windows after a sexual assault, from when it happened (WHO 2024 PEP guideline;
    # WHO emergency-contraception fact sheet), and the reminders before each window closes.
    pep_window: timedelta = timedelta(hours=72)
    pep_ideal: timedelta = timedelta(hours=24)
    ec_window: timedelta = timedelta(hours=120)
    forensic_window: timedelta = timedelta(hours=72)
    medical_reminders: str = "12h,4h,1h"
    # /when accepts a time at most this long ago (older: surely a typing mistake).
    when_max_age: timedelta = timedelta(days=14)
    # Responder check-ins: "Are you safe?" this often while on an alert, and how long an
    # answer may take before the leads are paged.
    checkin_interval: timedelta = timedelta(minutes=30)
    checkin_grace: timedelta = timedelta(minutes=10)
    # After the call (issue 12): the default follow-up rules, each counted from its moment
    # (the close, when it happened, the court date, the referral); a lead may change them
    # for the squad. "3 months" and "6 months" are 13 and 26 weeks.
    followup_check: timedelta = timedelta(hours=24)
    followup_pep: timedelta = timedelta(days=28)
    followup_hiv_1: timedelta = timedelta(weeks=6)
    followup_hiv_2: timedelta = timedelta(weeks=13)
    followup_hiv_3: timedelta = timedelta(weeks=26)
    followup_court: timedelta = timedelta(0)
    followup_referral: timedelta = timedelta(days=3)
    # "Snooze" moves a task this far; a task still open this long after it fell due pages
    # the leads (once).
    followup_snooze: timedelta = timedelta(days=1)
    followup_grace: timedelta = timedelta(days=1)
    # Warnings about a dangerous person are deleted this many days after they are sent (a
    # fraction is allowed); a draft or an unapproved warning goes after as long.
    warning_days: float = Field(default=30, gt=0)
    # The emergency fund: a request above this amount needs two different leads' approval
    # (a lead can set the squad's own with /fund threshold); no amount may exceed the cap.
    fund_second_approval: Decimal = Field(default=Decimal("500"), gt=0)
    fund_max_amount: Decimal = Field(default=Decimal("100000"), gt=0)
    # After "Paid, receipt follows", the requester's next private photo within this time
    # is the receipt.
    receipt_wait: timedelta = timedelta(minutes=10)
    # Drills (/drill): one still running after this ends by itself; once it has ended it is
    # deleted as soon as its phones are cleaned up, which is looked at again this often
    # (and after SQUADLINE_SEND_GIVE_UP it is deleted anyway, see bot/drills/service.py).
    drill_lifetime: timedelta = timedelta(hours=1)
    drill_recheck: timedelta = timedelta(seconds=2)
    # Test-only: SIGKILL the process at these named points (comma-separated). Off unless set.
    crash_at: str | None = None
    # The local sandbox (`make run` with no token, `squadline sandbox`): its page listens on
    # 127.0.0.1 at this port (0: any free one), opens in a browser where one can be opened,
    # and keeps its throwaway database in this folder.
    sandbox_port: int = Field(default=8088, ge=0, le=65535)
    sandbox_browser: bool = True
    sandbox_dir: Path = Path("./var/sandbox")

    # Hosting (README "Hosting"). Webhook mode when a URL is set: Telegram posts each update
    # to it with the secret in a header; the bot listens on the address and port behind
    # the reverse proxy. Unset: long polling.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=0, le=65535)
    # /healthz and /metrics, on their own address; off unless a port is set.
    health_listen: str = "127.0.0.1"
    health_port: int | None = Field(default=None, ge=0, le=65535)
    # `squadline backup` encrypts the copy under this key (unset: the database key, if any).
    backup_key: SecretStr | None = None
    # "text" (one line per record) or "json" (one JSON object per line).
    log_format: Literal["text", "json"] = "text"

    def webhook_problem(self) -> str | None:
        """Why webhook mode cannot start (checked before the bot starts, not by pydantic,
        whose error would echo every setting, the token included); None when it can."""
        if not self.webhook_url:
            return None
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not _WEBHOOK_SECRET.fullmatch(secret):
            return (
                "SQUADLINE_WEBHOOK_URL needs SQUADLINE_WEBHOOK_SECRET: 1 to 256 characters,"
                " only A-Z, a-z, 0-9, _ and -"
            )
        return None

    @field_validator(
        "location_ttl",
        "location_wait",
        "ack_timeout",
        "db_busy_timeout",
        "inbox_retention",
        "audit_interval",
        "send_give_up",
        "limit_group_window",
        "setup_grace",
        "outbox_retention",
        "merge_window",
        "note_wait",
        "start_retry",
        "start_retry_max",
        "legal_limit",
        "pep_window",
        "pep_ideal",
        "ec_window",
        "forensic_window",
        "when_max_age",
        "checkin_interval",
        "checkin_grace",
        "followup_check",
        "followup_pep",
        "followup_hiv_1",
        "followup_hiv_2",
        "followup_hiv_3",
        "followup_court",
        "followup_referral",
        "followup_snooze",
        "followup_grace",
        "receipt_wait",
        "drill_lifetime",
        "drill_recheck",
        mode="before",
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

    def wave_size(self, kind: CrisisType) -> int:
        """How many members one wave of offers for ``kind`` asks at once."""
        size = self.waves.get(kind, DEFAULT_WAVES.get(kind, WAVE_FALLBACK))
        return max(1, int(size))

    @staticmethod
    def durations(raw: str) -> tuple[timedelta, ...]:
        """A comma-separated list of durations ("24h,40h,46h"), in order."""
        found = []
        for part in raw.split(","):
            if not part.strip():
                continue
            match = _DURATION.fullmatch(part.strip().lower())
            if match is None:
                raise ValueError(f"not a duration: {part.strip()!r} (in {raw!r})")
            if match:
                found.append(
                    timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or "s"])
                )
        return tuple(sorted(found))

    @property
    def has_token(self) -> bool:
        """Whether a bot token is set (an empty or blank one counts as none)."""
        return self.bot_token is not None and bool(self.bot_token.get_secret_value().strip())

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.telegram_api_url.rstrip('/')}/bot"

    @property
    def bot_api_base_file_url(self) -> str:
        return f"{self.telegram_api_url.rstrip('/')}/file/bot"
