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
    sub.add_parser("run", help="start the bot (long polling)")
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
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "run":
        if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
            print(NO_TOKEN, file=sys.stderr)
            return 2
        from bot.app import run

        return run(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
