"""Command-line entry: ``squadline run`` (or ``python -m bot run``), and the host's
commands: ``rekey``, ``backup PATH``, ``restore PATH``, ``healthcheck``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from bot.config import Settings
from bot.hosting import cli, logs

NO_TOKEN = """\
Squadline needs a Telegram bot token, and none is set.

  1. In Telegram, open a chat with @BotFather and send /newbot.
  2. Copy the token it gives you (it looks like 123456:ABC-DEF...).
  3. Set it, then start again:
       export SQUADLINE_BOT_TOKEN=123456:ABC-DEF...
       make run
     or put SQUADLINE_BOT_TOKEN=... in a file named .env in this folder.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="squadline", description="Squadline crisis-response bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run_bot = sub.add_parser(
        "run", help="start the bot (long polling, or a webhook when one is set)"
    )
    run_bot.add_argument(
        "--sandbox-if-no-token",
        action="store_true",
        help="with no token set, start the local sandbox instead of stopping (make run)",
    )
    sub.add_parser(
        "sandbox",
        help="try the bot on this computer: a page on 127.0.0.1 with a local, fake Telegram",
    )
    sub.add_parser(
        "rekey",
        help="encrypt the database, or change its key (bot stopped): "
        "SQUADLINE_DATABASE_KEY is the current key (unset: a plain database), "
        "SQUADLINE_NEW_DATABASE_KEY the new one",
    )
    backup = sub.add_parser(
        "backup",
        help="a consistent copy of the database, while the bot runs; encrypted under "
        "SQUADLINE_BACKUP_KEY (or else SQUADLINE_DATABASE_KEY) when one is set",
    )
    backup.add_argument("path", type=Path, help="the file to write (replaced if it exists)")
    restore = sub.add_parser("restore", help="replace the database with a backup (bot stopped)")
    restore.add_argument("path", type=Path, help="a file made by `squadline backup`")
    sub.add_parser("healthcheck", help="ask the running bot's /healthz (exit 0: healthy)")
    args = parser.parse_args(argv)

    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"Squadline settings are not valid:\n{exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    if args.command == "rekey":
        return _rekey(settings)
    if args.command == "backup":
        return cli.backup_command(settings, args.path)
    if args.command == "restore":
        return cli.restore_command(settings, args.path)
    if args.command == "healthcheck":
        return cli.healthcheck_command(settings)
    if args.command == "sandbox":
        return _sandbox(settings)
    if args.command == "run":
        if not settings.has_token:
            print(NO_TOKEN, file=sys.stderr)
            # Only when asked (make run does): a forgotten token in production stops here.
            if args.sandbox_if_no_token:
                return _sandbox(settings)
            return 2
        problem = settings.webhook_problem()
        if problem is not None:
            print(problem, file=sys.stderr)
            return 2
        from bot.app import run

        return run(settings)
    return 0


def _sandbox(settings: Settings) -> int:
    from handlers.sandbox.runner import banner, run

    print(banner(settings), file=sys.stderr, flush=True)
    return run(settings)


def _rekey(settings: Settings) -> int:
    import asyncio

    from data.runlock import DatabaseInUse, RunLock
    from data.store import rekey

    new = settings.new_database_key.get_secret_value() if settings.new_database_key else ""
    if not new:
        print("Set SQUADLINE_NEW_DATABASE_KEY to the new key.", file=sys.stderr)
        return 2
    if not settings.database.exists():
        print(f"No database at {settings.database}.", file=sys.stderr)
        return 2
    old = settings.database_key.get_secret_value() if settings.database_key else None
    try:
        with RunLock(settings.database):  # the lock a running bot holds
            asyncio.run(rekey(settings.database, old, new))
    except DatabaseInUse:
        print(
            f"Rekey refused: the bot is running on {settings.database}. Stop it first.",
            file=sys.stderr,
        )
        return 2
    print("Done. Start the bot with SQUADLINE_DATABASE_KEY set to the new key.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
