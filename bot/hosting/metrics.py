"""/metrics in Prometheus's text format (prometheus-client).

Every label is a word from a fixed list: an alert state, a priority's name, a histogram
bucket. No label carries a name, an alert code or a chat id, and no series is per squad.
Counts and backlogs are read from the database at each scrape; the two histograms take
the acknowledgements and deadline firings that happened since the previous scrape (this
process's, from its start), so they only grow, as Prometheus expects.
"""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.core import Core
from bot.domain import AlertState
from bot.intents import Priority
from data import metrics as metrics_q

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

# Seconds from an alert to the first "I'll go": most within the ack timeout (3 min).
ACK_BUCKETS = (15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600)
# Seconds a deadline fired after it was due: the runner wakes on time; a restart is late.
LATENESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class Metrics:
    """The bot's metrics, in a registry of their own (never the global one)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.alerts = Gauge(
            "squadline_alerts", "Alerts in the database, by state", ["state"], registry=r
        )
        self.outbox = Gauge(
            "squadline_outbox_backlog",
            "Messages waiting to be sent (or in flight), by priority",
            ["priority"],
            registry=r,
        )
        self.inbox = Gauge(
            "squadline_inbox_backlog", "Received updates not yet handled", registry=r
        )
        self.database = Gauge(
            "squadline_database_size_bytes", "The database file and its WAL, in bytes", registry=r
        )
        self.rate_limited = Counter(
            "squadline_telegram_rate_limited",
            "Answers 429 (Too Many Requests) from the Telegram Bot API",
            registry=r,
        )
        self.time_to_ack = Histogram(
            "squadline_time_to_acknowledge_seconds",
            "Seconds from an alert to its acknowledgement (accept, claim or assign)",
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self.lateness = Histogram(
            "squadline_deadline_lateness_seconds",
            "Seconds a deadline fired after it was due",
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        self._acked_since = core.now()
        self._fired_since = core.now()
        self._lock = asyncio.Lock()

    def count_429(self) -> None:
        self.rate_limited.inc()

    async def refresh(self) -> None:
        """Read the figures the database holds; one refresh at a time."""
        async with self._lock:
            async with self.core.store.reading() as db:
                states = await metrics_q.alerts_by_state(db)
                backlog = await metrics_q.outbox_backlog(db)
                inbox = await metrics_q.inbox_backlog(db)
                acked = await metrics_q.acknowledged_since(db, self._acked_since)
                fired = await metrics_q.fired_since(db, self._fired_since)
            for state in [s.value for s in AlertState] + sorted(set(states) - set(AlertState)):
                self.alerts.labels(state=state).set(states.get(state, 0))
            for priority in Priority:
                self.outbox.labels(priority=priority.name.lower()).set(backlog.get(priority, 0))
            self.inbox.set(inbox)
            self.database.set(metrics_q.file_bytes(self.core.store.path))
            for at, took in acked:
                self.time_to_ack.observe(max(took, 0.0))
                self._acked_since = max(self._acked_since, at)
            for at, late in fired:
                self.lateness.observe(max(late, 0.0))
                self._fired_since = max(self._fired_since, at)

    async def exposition(self) -> bytes:
        await self.refresh()
        return generate_latest(self.registry)
