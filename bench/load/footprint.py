"""Footprint: a bot with 20,000 members and 100,000 historical alerts.

The history is written straight into the seeded database, as the bot leaves it: alerts
closed over the past 180 days, each with its offers, team slot, fired deadlines and audit
rows; those closed within the retention keep their words, their sent-message map and their
emptied outbox rows, the older ones are purged as the auditor purges them.

Figures:
- resident memory of the bot once it has started and answered (target: 150 MB);
- start to first getUpdates (target: 2 s);
- each command in ``TIMED`` (leads of different squads, in private), p95 (target: 300 ms):
  /status, and /report (this month's, until its summary arrives; its charts follow);
- the database's size per 1,000 closed alerts;
- one pass of the auditor over that history (it runs every minute on the bot's event loop:
  everything waits for it). The history includes finished follow-ups (one case in five),
  referrals (one in ten, with a note until retention) and 2,000 reporters who are no
  members but whose private chat the bot knows.
"""

from __future__ import annotations

import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load.rig import Rig, load_now, ms, pct, rigged
from bench.load.seed import Plan, Seeded
from bot.config import Settings
from bot.services import Services
from tests.fakegram.limits import TELEGRAM

RSS_TARGET_MB = 150.0
START_TARGET_S = 2.0
COMMAND_TARGET_MS = 300.0
# The commands whose answer time is measured: (command, who sends it).
TIMED: list[tuple[str, str]] = [("/status", "lead"), ("/report", "lead")]
DAY = 86400.0
RETENTION_DAYS = 30
STRANGERS = 2000


@dataclass(frozen=True)
class Options:
    plan: Plan = field(default_factory=Plan)
    alerts: int = 100_000
    days: int = 180
    asks: int = 60  # of each timed command


def history(db: Path, seeded: Seeded, alerts: int, days: int, now: float) -> None:
    """``alerts`` closed alerts spread over ``days``, as the bot would have left them."""
    rng = random.Random(seeded.plan.seed)
    conn = sqlite3.connect(db)
    try:
        first_member = {s.id: (s.id - 1) * seeded.plan.members + 1 for s in seeded.squads}
        rows_a, rows_o, rows_s, rows_d, rows_m, rows_out, rows_au = [], [], [], [], [], [], []
        rows_f, rows_r, rows_u = [], [], []
        (start,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM alerts").fetchone()
        for i in range(alerts):
            alert_id = start + i
            squad = seeded.squads[rng.randrange(len(seeded.squads))]
            created = now - rng.uniform(0.5, days) * DAY
            closed = created + rng.uniform(600, 7200)
            purged = closed < now - RETENTION_DAYS * DAY
            owner = first_member[squad.id] + rng.randrange(seeded.plan.members)
            lat, lon = squad.near(rng)
            rows_a.append(
                (
                    alert_id, squad.id, f"H{alert_id:07d}", 70_000_000 + i, "group",
                    squad.chat_id, 500_000 + i,
                    "" if purged else "robbed near the taxi rank, two men, one with a knife",
                    round(lat, 1 if purged else 5), round(lon, 1 if purged else 5),
                    None if purged else "grid 13676-46232", "closed", owner, 2, 0,
                    "resolved", created, created + 120, closed, int(purged),
                    closed + RETENTION_DAYS * DAY if purged else None, "robbery",
                )
            )  # fmt: skip
            rows_s.append((alert_id, 0, owner, created + 120, 1))
            for k in range(2):
                member = first_member[squad.id] + (owner + k) % seeded.plan.members
                answer = "accepted" if member == owner else "declined"
                distance = None if purged else rng.uniform(200, 4000)
                rows_o.append((alert_id, member, distance, created + k, answer, created + 60))
            rows_d.append(("ack", alert_id, created + 180, created + 120))
            rows_au.append((squad.id, 1_000_000, "acknowledged", f"H{alert_id:07d}", created + 120))
            rows_au.append((squad.id, 1_000_000, "closed", f"H{alert_id:07d}", closed))
            # Aftercare: one case in five had its check-in done; one in ten was referred,
            # with a note until its retention.
            if rng.random() < 0.2:
                done = closed + DAY
                rows_f.append((alert_id, "check", owner, done, "done", closed, done))
            if rng.random() < 0.1:
                note = None if purged else "asked for the paralegal at desk 4"
                rows_r.append((alert_id, "legal", owner, closed, "successful", closed,
                               closed + DAY, note))  # fmt: skip
            # Reporters who are no members, whose private chat the bot knows (they chose to
            # be contactable): kept while an alert still names them.
            if not purged and len(rows_u) < STRANGERS:
                rows_u.append((70_000_000 + i, 70_000_000 + i, closed))
            if not purged:
                for role, chat in (("card", squad.chat_id), ("offer", 1_000_000 + i % 20_000)):
                    rows_m.append((alert_id, chat, 900_000 + 3 * i + len(role), role, created))
                for _ in range(4):
                    rows_out.append((1, squad.chat_id, alert_id, "{}", "sent", created, created))
        conn.executemany(
            "INSERT INTO alerts(id, squad_id, code, reporter_user_id, origin, origin_chat_id,"
            " origin_message_id, text, lat, lon, area_label, state, owner_member_id, offers_made,"
            " escalations, outcome, created_at, acknowledged_at, closed_at, coarsened, purged_at,"
            " crisis_type) VALUES (" + ", ".join("?" * 22) + ")",
            rows_a,
        )
        conn.executemany(
            "INSERT INTO slots(alert_id, position, holder_member_id, filled_at, waves)"
            " VALUES (?, ?, ?, ?, ?)",
            rows_s,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO offers(alert_id, member_id, distance_m, offered_at, answer,"
            " answered_at) VALUES (?, ?, ?, ?, ?, ?)",
            rows_o,
        )
        conn.executemany(
            "INSERT INTO deadlines(kind, alert_id, due_at, fired_at) VALUES (?, ?, ?, ?)", rows_d
        )
        conn.executemany(
            "INSERT OR IGNORE INTO messages(alert_id, chat_id, message_id, role, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows_m,
        )
        conn.executemany(
            "INSERT INTO outbox(priority, chat_id, alert_id, payload, state, created_at, sent_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows_out,
        )
        conn.executemany(
            "INSERT INTO audit(squad_id, actor, action, target, at) VALUES (?, ?, ?, ?, ?)",
            rows_au,
        )
        conn.executemany(
            "INSERT INTO followups(alert_id, rule, owner_member_id, due_at, state, created_at,"
            " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows_f,
        )
        conn.executemany(
            "INSERT INTO referrals(alert_id, category, made_by, consent_at, state, referred_at,"
            " finished_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows_r,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO users(user_id, private_chat_id, blocked, updated_at)"
            " VALUES (?, ?, 0, ?)",
            rows_u,
        )
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def size_mb(db: Path) -> float:
    total = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())
    return total / 1024 / 1024


async def run(options: Options = Options()) -> dict[str, Any]:
    async with rigged(options.plan, limits=TELEGRAM, start=False) as rig:
        bare = size_mb(rig.db)
        history(rig.db, rig.seeded, options.alerts, options.days, time.time())
        full = size_mb(rig.db)
        auditor_ms = await auditor_pass_ms(rig.db)
        load = load_now()
        await rig.start_bot(wait_ready=False)
        first_poll = await rig.wait_polling()
        answers = {command: await _ask(rig, command, who, options.asks) for command, who in TIMED}
        result: dict[str, Any] = {
            "scenario": "footprint",
            "members": rig.seeded.member_count,
            "historical_alerts": options.alerts,
            "start_to_first_poll_s": round(first_poll - rig.spawned_at, 2),
            "start_target_s": START_TARGET_S,
            "rss_mb": rig.bot_rss_mb(),
            "rss_target_mb": RSS_TARGET_MB,
            "db_mb": round(full, 1),
            "db_mb_per_1000_closed_alerts": round((full - bare) / options.alerts * 1000, 3),
            "command_target_ms": COMMAND_TARGET_MS,
            "auditor_pass_ms": auditor_ms,
            "load": load,
        }
        for command, latencies in answers.items():
            name = command.lstrip("/")
            result[f"{name}_p50_ms"] = ms(pct(latencies, 50))
            result[f"{name}_p95_ms"] = ms(pct(latencies, 95))
        return result


async def auditor_pass_ms(db: Path) -> float:
    """One pass of the auditor over the history, as the bot runs it every
    ``SQUADLINE_AUDIT_INTERVAL`` on its event loop's thread (in this process, before the bot
    starts: the same code on the same file, with its commit and checkpoint). Every alert,
    and every answer, waits for it. The history's old alerts are already purged, so it
    finds nothing due: this is the cost of looking, paid every minute."""
    settings = Settings(_env_file=None, bot_token="1:bench", database=db)
    services = Services.build(settings)
    await services.open()
    try:
        started = time.perf_counter()
        await services.auditor.pass_once()
        return ms(time.perf_counter() - started)
    finally:
        await services.close()


async def _ask(rig: Rig, command: str, who: str, times: int) -> list[float]:
    """``times`` people (leads of different squads) send ``command`` in private; how long
    each waited, from the update's hand-out to the answer."""
    latencies = []
    for k in range(times):
        squad = rig.seeded.squads[(k * 7919) % len(rig.seeded.squads)]
        user = squad.lead if who == "lead" else squad.members[1]
        mark = len(rig.fake.calls)
        update_id, _ = await rig.command(user, command)
        call = await rig.fake.wait_for(
            lambda c, u=user: c.method == "sendMessage" and c.chat_id == u,  # type: ignore[misc]
            after=mark,
            timeout=30,
        )
        handed = rig.fake.handed_out.get(update_id, call.at)
        latencies.append(call.at - handed)
    return latencies
