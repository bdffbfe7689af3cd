"""What hosting costs: /healthz and /metrics response times while the bot holds alerts,
and the time and size of `squadline backup` (plain, and encrypted).

The real bot runs against the fake Bot API server on 127.0.0.1; a squad raises
``--alerts`` alerts, then each endpoint is asked ``--requests`` times, one at a time.
The backups run as a host would run them, as separate processes, while the bot runs.

    python -m bench.hosting --alerts 200 --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import aiohttp

from tests.fakegram.server import FakeTelegram
from tests.support import ALERT_AT, Squad, db_rows, make_settings, running_bot


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _backup(db: Path, target: Path, backup_key: str | None) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUADLINE_")}
    env["SQUADLINE_DATABASE"] = str(db)
    if backup_key:
        env["SQUADLINE_BACKUP_KEY"] = backup_key
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(target)],
        env=env, cwd=db.parent, check=True, capture_output=True,
    )  # fmt: skip
    return time.monotonic() - started, target.stat().st_size


async def run(alerts: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "squadline.sqlite3"
        fake = FakeTelegram()
        await fake.start()
        settings = make_settings(fake, db, health_port=0, ack_timeout=timedelta(minutes=30))
        try:
            async with running_bot(settings) as app:
                squad = await Squad.set_up(fake)
                await squad.join(fake.user(201, "Thandi"), ALERT_AT[0] + 0.004, ALERT_AT[1])
                for i in range(alerts):
                    reporter = fake.user(1000 + i, f"Reporter{i}")
                    await fake.send(
                        reporter, squad.group, f"/alert {ALERT_AT[0]}, {ALERT_AT[1]} {i}"
                    )
                for _ in range(600):  # at most 5 minutes
                    if db_rows(db, "SELECT count(*) FROM alerts")[0][0] >= alerts:
                        break
                    await asyncio.sleep(0.5)
                await fake.idle(timeout=120)
                assert app.bot_data.health is not None
                base = f"http://127.0.0.1:{app.bot_data.health.port}"
                async with aiohttp.ClientSession() as session:
                    for path in ("/healthz", "/metrics"):
                        took = []
                        for _ in range(requests):
                            started = time.perf_counter()
                            async with session.get(base + path) as answer:
                                await answer.read()
                                assert answer.status == 200
                            took.append(time.perf_counter() - started)
                        print(f"{path}: {_ms(took)} ({requests} requests, {alerts} alerts)")
                for label, key in (("plain", None), ("encrypted", "a backup passphrase")):
                    target = Path(tmp) / f"{label}.backup"
                    seconds, size = await asyncio.to_thread(_backup, db, target, key)
                    print(
                        f"squadline backup ({label}, bot running): {seconds:.2f} s,"
                        f" {size / 1e6:.2f} MB (database {db.stat().st_size / 1e6:.2f} MB)"
                    )
        finally:
            await fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.alerts, args.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
