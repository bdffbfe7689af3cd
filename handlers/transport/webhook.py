"""Webhook mode: Telegram posts each update to ``SQUADLINE_WEBHOOK_URL``.

A small aiohttp endpoint, not PTB's Updater (which answers Telegram as soon as the update
is in a memory queue). Each request is checked for the secret Telegram was given, then
stored through :meth:`Intake.receive`, the poller's own way in, and only then answered
200. Without the right secret: 401, and nothing is stored. Not stored (a failing disk):
500, and Telegram delivers it again. The bot listens on ``SQUADLINE_WEBHOOK_LISTEN`` and
``SQUADLINE_WEBHOOK_PORT``, behind the host's reverse proxy, at the URL's path.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram.error import TelegramError

from bot import json_codec
from bot.config import Settings
from bot.hosting.listening import listen
from handlers.transport.intake import ALLOWED_UPDATES, Intake

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# One update at a time, in order: the inbox handles each person's updates in the order
# they arrive, so they must arrive in Telegram's order (as getUpdates gives them).
MAX_CONNECTIONS = 1
# Telegram's updates are small; anything larger is not one.
MAX_BODY = 1024 * 1024


class WebhookRefused(Exception):
    """Telegram refused the webhook (its description says why, e.g. not an HTTPS URL)."""


class Webhook:
    """The endpoint. :meth:`start` listens first, then tells Telegram the URL."""

    def __init__(self, intake: Intake, settings: Settings) -> None:
        assert settings.webhook_url and settings.webhook_secret
        self.intake = intake
        self.url = settings.webhook_url
        self.path = urlsplit(self.url).path or "/"
        self._secret = settings.webhook_secret.get_secret_value().encode()
        self.listen = settings.webhook_listen
        self.wanted_port = settings.webhook_port
        self._runner: web.AppRunner | None = None

    @property
    def listening(self) -> bool:
        return self._runner is not None and bool(self._runner.addresses)

    @property
    def port(self) -> int:
        assert self._runner is not None and self._runner.addresses, "not listening"
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._receive)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await listen(runner, self.listen, self.wanted_port, "SQUADLINE_WEBHOOK_PORT")
            self._runner = runner
            await self.intake.app.bot.set_webhook(
                self.url,
                secret_token=self._secret.decode(),
                allowed_updates=ALLOWED_UPDATES,
                max_connections=MAX_CONNECTIONS,
            )
        except TelegramError as exc:
            await runner.cleanup()
            self._runner = None
            raise WebhookRefused(exc.message) from None
        except BaseException:
            await runner.cleanup()
            self._runner = None
            raise
        log.info("webhook mode: listening on %s port %d", self.listen, self.port)

    async def stop(self) -> None:
        """Stop listening. The webhook stays set: Telegram keeps the updates that come
        meanwhile and delivers them once the bot listens again."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        # aiohttp keeps bytes that are not UTF-8 as surrogates: back to the same bytes, so
        # any header, text or not, is compared (in constant time) and refused with a 401.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=401, text="unauthorized\n")
        try:
            update = json_codec.loads(await request.read())
            update_id = update["update_id"]
            if not isinstance(update, dict) or type(update_id) is not int:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="not an update\n")
        raw = json_codec.dumps(update)
        if not await self.intake.receive([(update_id, raw)]):
            return web.Response(status=500, text="not stored; send it again\n")
        return web.Response(status=200)
