"""/healthz and /metrics, on their own address (``SQUADLINE_HEALTH_LISTEN``, ``_PORT``).

``/healthz`` asks each probe the composition root handed in (the poller or the webhook,
the inbox, the sender, the deadline runner, the auditor). All alive: 200 ``ok``. One not:
503, one line per reason. Neither page holds anything about a person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from aiohttp import web

from bot.hosting.listening import listen
from bot.hosting.metrics import CONTENT_TYPE_LATEST, Metrics

log = logging.getLogger(__name__)

# A probe answers None while its part is alive, else why it is not (a fixed sentence).
Probe = Callable[[], str | None]


class HealthServer:
    def __init__(
        self, listen: str, port: int, probes: Mapping[str, Probe], metrics: Metrics
    ) -> None:
        self.listen = listen
        self.wanted_port = port
        self.probes = dict(probes)
        self.metrics = metrics
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The port it listens on (the one it was given, or the one the system chose for 0)."""
        assert self._runner is not None and self._runner.addresses, "not listening"
        return int(self._runner.addresses[0][1])

    def problems(self) -> list[str]:
        return [reason for probe in self.probes.values() if (reason := probe()) is not None]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await listen(runner, self.listen, self.wanted_port, "SQUADLINE_HEALTH_PORT")
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("health and metrics on %s port %d", self.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        problems = self.problems()
        if problems:
            return web.Response(status=503, text="\n".join(problems) + "\n")
        return web.Response(text="ok\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await self.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
