"""The composition root: builds the Application, opens the store, starts the workers."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.config import Settings
from bot.services import Services
from handlers import register, set_commands
from handlers.context import BotData, SquadContext
from handlers.sender import Sender

log = logging.getLogger(__name__)

SquadApp = Application[Any, SquadContext, Any, Any, BotData, Any]


def build_application(settings: Settings, services: Services | None = None) -> SquadApp:
    """Everything is built here; nothing has side effects at import time."""
    if settings.bot_token is None:
        raise ValueError("SQUADLINE_BOT_TOKEN is not set")
    services = services or Services.build(settings)

    async def post_init(app: SquadApp) -> None:
        await services.open()
        sender = Sender(app.bot, services.core, services.alerts.offer_undeliverable)
        services.core.on_outbox = sender.kick
        app.bot_data.services = services
        app.bot_data.sender = sender
        # Overdue deadlines (after a restart) fire at once; future ones on time.
        await services.deadlines.fire_due()
        services.deadlines.start()
        sender.start()
        await set_commands(app)
        log.info("squadline started")

    async def post_shutdown(app: SquadApp) -> None:
        sender = app.bot_data.sender
        if sender is not None:
            await sender.stop()
        await services.close()
        log.info("squadline stopped")

    context_types = ContextTypes(context=SquadContext, bot_data=BotData)
    app: SquadApp = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_base_file_url)
        .context_types(context_types)
        .concurrent_updates(True)
        .get_updates_read_timeout(settings.poll_timeout + 10)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    register(app)
    return app


def run(settings: Settings) -> None:
    """Long-poll until interrupted."""
    app = build_application(settings)
    app.run_polling(
        allowed_updates=ALLOWED_UPDATES,
        timeout=timedelta(seconds=settings.poll_timeout),
        poll_interval=0.0,
    )


ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
