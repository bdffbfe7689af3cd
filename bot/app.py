"""The composition root: builds the Application, opens the store, starts the workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.config import Settings
from bot.hosting.health import HealthServer, Probe
from bot.hosting.listening import CannotListen
from bot.hosting.loop import run_on_fast_loop
from bot.hosting.memory import settle_after_start
from bot.hosting.metrics import Metrics
from bot.services import Services
from data.runlock import DatabaseInUse, RunLock
from handlers import register, set_commands
from handlers.context import BotData, SquadContext
from handlers.markup import DeepLinks
from handlers.replies import stop_later
from handlers.transport.counted_http import CountedRequest
from handlers.transport.http_client import BotApiRequest
from handlers.transport.intake import MAX_PARALLEL as HANDLER_CONCURRENCY
from handlers.transport.intake import POLLER, PROCESSOR, Intake, erasure_handled
from handlers.transport.sender import CONCURRENCY as SENDER_CONCURRENCY
from handlers.transport.sender import Sender
from handlers.transport.webhook import Webhook, WebhookRefused

log = logging.getLogger(__name__)

SquadApp = Application[Any, SquadContext, Any, Any, BotData, Any]

CONNECTIONS = SENDER_CONCURRENCY + HANDLER_CONCURRENCY + 4

EXIT_OK = 0
EXIT_BAD_TOKEN = 2
EXIT_FATAL = 3

# For the operator, on stderr; it never holds the token (PTB's own message does).
BAD_TOKEN = (
    "Telegram rejected the bot token: check SQUADLINE_BOT_TOKEN (@BotFather gives a new one)."
)
IN_USE = (
    "Another Squadline process (a running bot, or a restore) is using {database}. Stop it first."
)
WEBHOOK_REFUSED = "Telegram refused SQUADLINE_WEBHOOK_URL: {reason}"


def _uncounted() -> None:
    """No one counts 429s (no /metrics)."""


class StartAborted(Exception):
    """SIGINT/SIGTERM came while the bot was still waiting for Telegram at start."""


def build_application(settings: Settings, on_429: Callable[[], None] | None = None) -> SquadApp:
    """The PTB Application with our handlers; no updater (the durable intake polls, or the
    webhook receives). ``on_429`` counts Telegram's 429 answers (for /metrics)."""
    if settings.bot_token is None:
        raise ValueError("SQUADLINE_BOT_TOKEN is not set")
    context_types = ContextTypes(context=SquadContext, bot_data=BotData)
    polling = BotApiRequest(connection_pool_size=1)
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_base_file_url)
        .context_types(context_types)
        # Calls in flight at once: the sender's and the handlers' (each a bound below).
        .request(CountedRequest(on_429 or _uncounted, connection_pool_size=CONNECTIONS))
        # The poller's one long poll at a time.
        .get_updates_request(polling)
        .updater(None)
    )
    app: SquadApp = builder.build()
    app.bot_data.polling = polling
    register(app)
    return app


# Libraries that log request bodies, URLs (which hold the token) or SQL parameters at
# DEBUG/INFO. Names, alert text and coordinates must never reach a log.
CHATTY_LOGGERS = ("telegram", "httpx", "httpcore", "aiosqlite", "hpack", "geopy", "aiohttp")


def quiet_libraries() -> None:
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


async def reach_telegram(
    app: SquadApp, settings: Settings, stop: asyncio.Event | None = None
) -> None:
    """``app.initialize()`` (getMe) until Telegram answers. Unreachable (no network yet, a
    DNS failure, a refused connection, a 5xx): one log line, then a retry after
    ``start_retry``, doubling up to ``start_retry_max``. A rejected token raises
    ``InvalidToken`` at once; ``stop`` set while waiting raises ``StartAborted``."""
    delay = settings.start_retry.total_seconds()
    most = max(delay, settings.start_retry_max.total_seconds())
    while True:
        try:
            await app.initialize()
            return
        except InvalidToken:
            await app.bot.shutdown()
            raise
        except NetworkError as exc:  # TimedOut included
            # The exception's name only: its text may hold the URL, and the URL the token.
            log.warning(
                "cannot reach the Telegram Bot API (%s); trying again in %.1f s",
                type(exc).__name__,
                delay,
            )
        if stop is None:
            await asyncio.sleep(delay)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                await app.bot.shutdown()
                raise StartAborted
        delay = min(delay * 2, most)


@asynccontextmanager
async def running(settings: Settings, stop: asyncio.Event | None = None) -> AsyncIterator[SquadApp]:
    """Start everything in order; stop everything in reverse, even after an error.

    Telegram is reached first (see ``reach_telegram``), so a wrong token or a missing
    network is found before the store is opened."""
    problem = settings.webhook_problem()
    if problem is not None:
        raise ValueError(problem)
    quiet_libraries()
    services = Services.build(settings)
    metrics = Metrics(services.core)
    app = build_application(settings, on_429=metrics.count_429)
    await reach_telegram(app, settings, stop)
    DeepLinks.bot_username = app.bot.username
    # Held while the bot runs: `squadline restore` refuses while it is held.
    lock = RunLock(settings.database)
    try:
        lock.acquire()
        await services.open()
    except BaseException:
        lock.release()
        await app.shutdown()
        raise
    try:
        sender = Sender(app.bot, services.core, services.alerts.undeliverable)
        assert app.bot_data.polling is not None
        intake = Intake(app, services.core, settings.poll_timeout, app.bot_data.polling)
        webhook = Webhook(intake, settings) if settings.webhook_url else None
        health = (
            HealthServer(
                settings.health_listen,
                settings.health_port,
                probes(intake, webhook, sender, services),
                metrics,
            )
            if settings.health_port is not None
            else None
        )
        services.core.on_outbox = sender.kick
        services.core.on_urgent = sender.urgent_queued
        services.core.on_erasure = erasure_handled
        app.bot_data.services = services
        app.bot_data.sender = sender
        app.bot_data.intake = intake
        app.bot_data.webhook = webhook
        app.bot_data.health = health
        # What the last run committed but did not send goes first. Overdue deadlines fire
        # in the deadline runner, alongside the polling: a restart after a long stop must
        # not keep new alerts waiting until every old reminder has fired.
        await sender.seed_limits()
        await sender.flush()
        services.deadlines.start()
        services.auditor.start()
        sender.start()
        await set_commands(app)
        await app.start()
        await intake.start(poll=webhook is None)
        try:
            if webhook is not None:
                await webhook.start()
            if health is not None:
                await health.start()
            log.info("squadline started")
            yield app
        finally:
            if health is not None:
                await health.stop()
            if webhook is not None:
                await webhook.stop()
            await intake.stop()
            await stop_later()
            await app.stop()
            # Nothing new is decided while the last messages go: a deadline due meanwhile
            # fires at the next start.
            await services.deadlines.stop()
            await services.auditor.stop()
            await sender.stop()
            # A graceful stop delivers what is ready, waiting briefly for rate limits;
            # anything else waits, durably, for the next start.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sender.drain(), timeout=5)
            await app.shutdown()
    finally:
        await services.close()
        lock.release()
        log.info("squadline stopped")


def probes(
    intake: Intake, webhook: Webhook | None, sender: Sender, services: Services
) -> dict[str, Probe]:
    """What /healthz checks: each answers None while its part runs, else the reason."""

    def check(alive: Callable[[], bool], reason: str) -> Probe:
        return lambda: None if alive() else reason

    return {
        "updates": (
            check(lambda: webhook.listening, "the webhook is not listening")
            if webhook is not None
            else check(lambda: intake.running(POLLER), "the poller is not running")
        ),
        "inbox": check(lambda: intake.running(PROCESSOR), "the inbox is not being handled"),
        "sender": check(lambda: sender.running, "the sender is not running"),
        "deadlines": check(
            lambda: services.deadlines.running, "the deadline runner is not running"
        ),
        "auditor": check(lambda: services.auditor.running, "the auditor is not running"),
    }


def run(settings: Settings) -> int:
    """Long-poll until SIGINT/SIGTERM. Returns the process exit code."""

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            async with running(settings, stop) as app:
                settle_after_start()
                intake = app.bot_data.intake
                assert intake is not None
                stopped = asyncio.create_task(intake.stopped.wait())
                asked = asyncio.create_task(stop.wait())
                await asyncio.wait({stopped, asked}, return_when=asyncio.FIRST_COMPLETED)
                stopped.cancel()
                asked.cancel()
                return EXIT_FATAL if intake.fatal is not None else EXIT_OK
        except InvalidToken:
            print(BAD_TOKEN, file=sys.stderr)
            return EXIT_BAD_TOKEN
        except WebhookRefused as exc:
            print(WEBHOOK_REFUSED.format(reason=exc), file=sys.stderr)
            return EXIT_BAD_TOKEN
        except DatabaseInUse:
            print(IN_USE.format(database=settings.database), file=sys.stderr)
            return EXIT_FATAL
        except CannotListen as exc:
            print(exc, file=sys.stderr)
            return EXIT_FATAL
        except StartAborted:
            log.info("squadline stopped before Telegram could be reached")
            return EXIT_OK

    return run_on_fast_loop(main())
