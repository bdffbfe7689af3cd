"""The host's commands: ``squadline backup PATH``, ``squadline restore PATH``,
``squadline healthcheck``. Each prints one clear line and returns the exit code."""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.config import Settings
from data.backup import BackupError, BackupInfo, backup, restore
from data.runlock import DatabaseInUse

EXIT_OK = 0
EXIT_REFUSED = 2
EXIT_UNHEALTHY = 1


def _key(settings: Settings, name: str) -> str | None:
    secret = getattr(settings, name)
    value = secret.get_secret_value() if secret is not None else ""
    return value or None


def _held(info: BackupInfo) -> str:
    lock = "encrypted" if info.encrypted else "NOT encrypted (no key is set)"
    return (
        f"{info.size_bytes / 1e6:.1f} MB, {lock}, {info.squads} squad(s),"
        f" {info.alerts} alert(s), schema {info.schema_version}"
    )


def backup_command(settings: Settings, target: Path) -> int:
    """A consistent copy of the database, safe while the bot runs."""
    started = time.monotonic()
    try:
        info = backup(
            settings.database,
            target,
            _key(settings, "database_key"),
            _key(settings, "backup_key"),
        )
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    took = time.monotonic() - started
    print(f"Backed up {settings.database} to {target} in {took:.2f} s: {_held(info)}.")
    return EXIT_OK


def restore_command(settings: Settings, source: Path) -> int:
    """Replace the database with a backup; only while the bot is stopped."""
    try:
        info = restore(
            source,
            settings.database,
            _key(settings, "database_key"),
            _key(settings, "backup_key"),
        )
    except DatabaseInUse:
        print(
            f"Restore refused: the bot is running on {settings.database}. Stop it first.",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    except BackupError as exc:
        print(f"Restore refused: {exc} Nothing was changed.", file=sys.stderr)
        return EXIT_REFUSED
    print(f"Restored {source} into {settings.database}: {_held(info)}. Start the bot now.")
    return EXIT_OK


def healthcheck_command(settings: Settings, timeout: float = 5.0) -> int:
    """For Docker's HEALTHCHECK: 0 when /healthz answers 200, else 1 (with the reason)."""
    if settings.health_port is None:
        print("SQUADLINE_HEALTH_PORT is not set: there is no /healthz to ask.", file=sys.stderr)
        return EXIT_UNHEALTHY
    host = settings.health_listen
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    url = f"http://{host}:{settings.health_port}/healthz"
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # it is local
    try:
        with no_proxy.open(url, timeout=timeout) as answer:
            print(answer.read().decode("utf-8", "replace").strip())
            return EXIT_OK
    except urllib.error.HTTPError as exc:
        print(exc.read().decode("utf-8", "replace").strip(), file=sys.stderr)
    except OSError as exc:
        print(f"/healthz did not answer ({type(exc).__name__})", file=sys.stderr)
    return EXIT_UNHEALTHY
