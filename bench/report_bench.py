"""How long /report takes for a squad with 1,000 closed cases, and how big its files are.

    .venv/bin/python -m bench.report_bench [--cases 1000] [--runs 5] [--seed 2026] [--save DIR]

Sets up a squad through the real core (``Services`` on a temporary SQLite file, with a
fake clock), then seeds ``--cases`` closed alerts in one month straight into the tables
(random types, places within 30 km, times to acknowledge, arrive and close, and a case
record for most of them, four in five of which may be counted), and a few fund payouts.
Then times ``Reports.report`` through the core, as a lead's ``/report YYYY-MM`` does:
reading the cases, the figures, drawing both charts and writing the CSV. Prints the
median and slowest of ``--runs`` runs, until the summary and until every file, and the
size of each file (``--save`` keeps them: the README's picture is the activity chart of a
run with ``--cases 120``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path

from bot.core import Caller
from bot.domain import CrisisType, Outcome
from bot.intents import Attachment
from bot.records.model import Consent, Perpetrator, Service, Violation
from bot.reports.periods import Period, PeriodKind
from bot.services import Services
from tests.support.settings import unit_settings

MONTH_START = 1_800_000_000.0  # 2027-01-15; the cases fall in January 2027


async def seed(services: Services, cases: int, rng: random.Random) -> None:
    async with services.core.store.transaction() as db:
        for i in range(cases):
            created = MONTH_START - 13 * 86400 + rng.uniform(0, 28 * 86400)
            ack = created + rng.lognormvariate(4.5, 0.8)
            arrived = ack + rng.lognormvariate(6.5, 0.6)
            closed = arrived + rng.lognormvariate(8, 0.7)
            lat = -26.2 + rng.uniform(-0.27, 0.27)
            lon = 28.04 + rng.uniform(-0.27, 0.27)
            cur = await db.execute(
                "INSERT INTO alerts(squad_id, code, reporter_user_id, origin, origin_chat_id,"
                " text, lat, lon, state, outcome, created_at, acknowledged_at, arrived_at,"
                " closed_at, crisis_type, coarsened) VALUES (1, ?, 0, 'group', -1001, '', ?, ?,"
                " 'closed', ?, ?, ?, ?, ?, ?, 1)",
                (
                    f"B{i:05d}",
                    round(lat, 2),
                    round(lon, 2),
                    rng.choice(list(Outcome)).value,
                    created,
                    ack,
                    arrived,
                    closed,
                    rng.choice(list(CrisisType)).value,
                ),
            )
            if rng.random() < 0.9:
                violations = rng.sample(list(Violation), rng.randint(1, 3))
                services_given = rng.sample(list(Service), rng.randint(1, 3))
                consent = Consent.COUNT if rng.random() < 0.8 else Consent.RECORD
                await db.execute(
                    "INSERT INTO case_records(alert_id, violations, perpetrator, services,"
                    " consent, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        cur.lastrowid,
                        ",".join(v.value for v in violations),
                        rng.choice(list(Perpetrator)).value,
                        ",".join(s.value for s in services_given),
                        consent.value,
                        closed,
                    ),
                )
        await db.execute("UPDATE squads SET fund_currency = 'ZAR' WHERE id = 1")
        for _ in range(50):
            await db.execute(
                "INSERT INTO fund_entries(squad_id, kind, amount, purpose, state, created_at,"
                " decided_at) VALUES (1, 'request', ?, ?, 'paid', ?, ?)",
                (f"{rng.randint(20, 400)}.50", rng.choice(["transport", "medical", "food"]),
                 MONTH_START, MONTH_START),
            )  # fmt: skip


async def main(cases: int, runs: int, seed_value: int, save: Path | None) -> None:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        clock_t = [MONTH_START + 20 * 86400]
        services = Services.build(unit_settings(Path(tmp) / "bench.sqlite3"),
                                  clock=lambda: clock_t[0])  # fmt: skip
        await services.open()
        lead = Caller(100, -1001, private=False, first_name="Lead", message_id=1)
        assert (await services.squads.setup(lead, "Bench", is_admin=True)).ok
        await seed(services, cases, random.Random(seed_value))
        private = Caller(100, 100, private=True, first_name="Lead")
        period = Period(PeriodKind.NAMED, 2027, 1)
        timings, summaries = [], []
        files: tuple[Attachment, ...] = ()
        for _ in range(runs):
            start = time.perf_counter()
            reply = await services.reports.report(private, period)
            summaries.append(time.perf_counter() - start)
            assert reply.ok, reply
            files = await reply.files()  # the charts (a child process draws them), the CSV
            timings.append(time.perf_counter() - start)
        await services.close()
    print(f"/report for a squad with {cases} closed cases in the month ({runs} runs):")
    print(
        f"  the summary: median {statistics.median(summaries):.2f} s,"
        f" slowest {max(summaries):.2f} s"
    )
    print(f"  every file: median {statistics.median(timings):.2f} s, slowest {max(timings):.2f} s")
    for file in files:
        print(f"  {file.filename}: {len(file.data) / 1024:.0f} KiB")
        if save is not None:
            (save / file.filename).write_bytes(file.data)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--save", type=Path, default=None)
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.runs, args.seed, args.save))
