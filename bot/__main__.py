"""Command-line entry: ``squadline run`` (or ``python -m bot run``)."""

from __future__ import annotations

import argparse
import logging
import sys

from pydantic import ValidationError

from bot.config import Settings

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
    run_bot = sub.add_parser("run", help="start the bot (long polling)")
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
    args = parser.parse_args(argv)

    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"Squadline settings are not valid:\n{exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "rekey":
        return _rekey(settings)
    if args.command == "sandbox":
        return _sandbox(settings)
    if args.command == "run":
        if not settings.has_token:
            print(NO_TOKEN, file=sys.stderr)
            # Only when asked (make run does): a forgotten token in production stops here.
            if args.sandbox_if_no_token:
                return _sandbox(settings)
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

    from data.store import rekey

    new = settings.new_database_key.get_secret_value() if settings.new_database_key else ""
    if not new:
        print("Set SQUADLINE_NEW_DATABASE_KEY to the new key.", file=sys.stderr)
        return 2
    if not settings.database.exists():
        print(f"No database at {settings.database}.", file=sys.stderr)
        return 2
    old = settings.database_key.get_secret_value() if settings.database_key else None
    asyncio.run(rekey(settings.database, old, new))
    print("Done. Start the bot with SQUADLINE_DATABASE_KEY set to the new key.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
