"""``squadline sandbox`` (and ``make run`` with no token): the page on 127.0.0.1, the fake
Telegram behind it, the real bot on that, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
import webbrowser

from aiohttp import web

from bot.config import Settings
from handlers.sandbox.session import Sandbox
from handlers.sandbox.web import allow_hosts, make_app

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PORT_TAKEN = 2


def address(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.sandbox_port}"


def banner(settings: Settings) -> str:
    """The one line ``make run`` prints under the no-token instructions."""
    return f"Starting the local sandbox at {address(settings)} — nothing leaves this computer"


def run(settings: Settings) -> int:
    """Serve the sandbox until SIGINT/SIGTERM. Returns the process exit code."""
    return asyncio.run(serve(settings))


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    sandbox = Sandbox(settings)
    app = make_app(sandbox)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", settings.sandbox_port)
        await site.start()
    except OSError:
        await runner.cleanup()
        print(
            f"Port {settings.sandbox_port} on 127.0.0.1 is in use: "
            "set SQUADLINE_SANDBOX_PORT to another one.",
            file=sys.stderr,
        )
        return EXIT_PORT_TAKEN
    port = int(runner.addresses[0][1])
    allow_hosts(app, port)
    url = f"http://127.0.0.1:{port}"
    print(f"The sandbox is at {url} (Ctrl+C stops it).", flush=True)
    if settings.sandbox_browser:
        open_browser(url)
    try:
        await sandbox.start()
        await stop.wait()
    finally:
        await sandbox.close()
        await runner.cleanup()
    return EXIT_OK


def open_browser(url: str) -> None:
    """Open the page in a graphical browser, if this computer has one. A browser that runs
    in the terminal (lynx, w3m, ...) would take over the terminal the sandbox logs to, so
    it is not used: the address is printed either way."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return
    in_terminal = type(browser) is webbrowser.GenericBrowser or (
        isinstance(browser, webbrowser.UnixBrowser) and not browser.background
    )
    if in_terminal:
        return
    # Some browsers' launchers take a moment: the sandbox does not wait for them.
    threading.Thread(target=browser.open, args=(url,), daemon=True).start()
