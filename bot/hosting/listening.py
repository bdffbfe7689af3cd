"""Listening on an address and port (the webhook's, and /healthz's): a port that is taken,
or an address that is not this machine's, stops the bot with one line naming the setting,
not a traceback."""

from __future__ import annotations

from aiohttp import web


class CannotListen(Exception):
    """The message is the one line for the host."""


async def listen(runner: web.AppRunner, host: str, port: int, setting: str) -> None:
    """Serve ``runner`` on ``host``:``port``; ``setting`` names where the port comes from."""
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CannotListen(
            f"Squadline cannot listen on {host} port {port} ({setting}): {reason.lower()}"
        ) from None
