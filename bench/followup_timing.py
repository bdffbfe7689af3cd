"""How close to their due time the follow-up reminders reach Telegram.

    .venv/bin/python -m bench.followup_timing [--rounds 3]

Each round runs the real bot against the fake Bot API with the follow-up rules shrunk to
seconds (``tests/support/aftercare_run.py``): two checks on the person fall due while the
bot runs; a referral's check falls due while it is stopped, and comes after it starts
again. Prints how late each reminder reached Telegram after its due time (the database's),
and how soon after the restart the one due during the stop came.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
from collections import Counter
from pathlib import Path

from tests.fakegram.server import FakeTelegram
from tests.support.aftercare_run import Run, reminders_across_a_restart


async def one_round(folder: Path) -> Run:
    fake = FakeTelegram()
    await fake.start()
    try:
        return await reminders_across_a_restart(fake, folder / "squadline.sqlite3")
    finally:
        await fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    running: list[float] = []
    restarted: list[tuple[float, float]] = []
    repeated = missing = 0  # reminders that came more than once, or never
    for number in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            run = asyncio.run(one_round(Path(tmp)))
        came = Counter(r.task for r in run.reminders)
        repeated += sum(n - 1 for n in came.values() if n > 1)
        missing += sum(1 for task in run.tasks.values() if task not in came)
        for reminder in run.reminders:
            owner = next(k for k, v in run.tasks.items() if v == reminder.task)
            if reminder.after_restart:
                since_up = reminder.sent_at - run.up_at
                restarted.append((reminder.lateness, since_up))
                print(
                    f"round {number} · #{owner} (due while stopped): reached Telegram"
                    f" {since_up * 1000:.0f} ms after the restart,"
                    f" {reminder.lateness:.2f} s after its due time"
                )
            else:
                running.append(reminder.lateness)
                print(f"round {number} · #{owner}: {reminder.lateness * 1000:.0f} ms late")
    if running:
        median, worst = statistics.median(running) * 1000, max(running) * 1000
        print(
            f"\ndue while running: {len(running)} reminders, median {median:.0f} ms late,"
            f" at most {worst:.0f} ms"
        )
    if restarted:
        after = [since for _, since in restarted]
        print(
            f"due while stopped: {len(restarted)} reminders, at most"
            f" {max(after) * 1000:.0f} ms after the restart"
        )
    if repeated or missing:
        print(f"NOT ONCE EACH: {repeated} came again, {missing} never came")
        return 1
    print("every reminder came exactly once")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
