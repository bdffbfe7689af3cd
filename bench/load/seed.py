"""Seed data for the load benchmarks: many squads of members over a real-sized region.

The squads are written straight into a fresh database (after the real migrations), and the
same people are made known to the fake Bot API server: each squad's group (its first
member is the group's admin and the squad's lead) and every member's private chat.

The default is the issue's: 1,000 squads of 20 members, their home areas spread over a
region of about 100 km by 100 km around Johannesburg, each member within about 4 km of
their squad's area. Members are a realistic mix: most available with a fresh location,
some available with a stale one (older than the location TTL) or none, some busy, some
off; a few hold a skill.
"""

from __future__ import annotations

import math
import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from data.store import Store
from tests.fakegram.server import FakeTelegram

REGION_CENTRE = (-26.2, 28.05)
REGION_HALF_DEG = (0.45, 0.5)  # about 50 km each way
SQUAD_RADIUS_DEG = 0.035  # about 4 km
FIRST_USER = 1_000_000
FIRST_GROUP = -1_000_000_000_000
SKILLS = ("paralegal", "health", "peer", "counsellor", "transport")

# The mix of members (the lead is always available with a fresh location).
MIX = (
    ("available", "fresh", 0.55),
    ("available", "stale", 0.10),
    ("available", "none", 0.05),
    ("busy", "fresh", 0.12),
    ("off", "fresh", 0.18),
)


@dataclass(frozen=True)
class Plan:
    squads: int = 1000
    members: int = 20
    seed: int = 2026


@dataclass
class SeedSquad:
    id: int
    chat_id: int
    centre: tuple[float, float]
    lead: int
    members: list[int] = field(default_factory=list)
    available: list[int] = field(default_factory=list)  # available and reachable

    def near(self, rng: random.Random, km: float = 1.5) -> tuple[float, float]:
        """A point within ``km`` of the squad's area (where its alerts happen)."""
        d = km / 111.0
        lat = self.centre[0] + rng.uniform(-d, d)
        lon = self.centre[1] + rng.uniform(-d, d) / math.cos(math.radians(self.centre[0]))
        return round(lat, 5), round(lon, 5)


@dataclass
class Seeded:
    plan: Plan
    squads: list[SeedSquad]

    @property
    def member_count(self) -> int:
        return sum(len(s.members) for s in self.squads)


async def migrate(db: Path) -> None:
    store = Store(db)
    await store.open()
    await store.close()


def _pick(rng: random.Random) -> tuple[str, str]:
    roll, total = rng.random(), 0.0
    for availability, location, share in MIX:
        total += share
        if roll < total:
            return availability, location
    return MIX[0][0], MIX[0][1]


async def seed(db: Path, fake: FakeTelegram, plan: Plan, now: float) -> Seeded:
    """Migrate a fresh database, fill it with ``plan``'s squads, and introduce the people
    to ``fake``."""
    await migrate(db)
    rng = random.Random(plan.seed)
    squads: list[SeedSquad] = []
    rows_squads, rows_users, rows_members, rows_locations, rows_skills = [], [], [], [], []
    member_id = 0
    ttl = 12 * 3600
    for s in range(plan.squads):
        centre = (
            REGION_CENTRE[0] + rng.uniform(-REGION_HALF_DEG[0], REGION_HALF_DEG[0]),
            REGION_CENTRE[1] + rng.uniform(-REGION_HALF_DEG[1], REGION_HALF_DEG[1]),
        )
        squad = SeedSquad(s + 1, FIRST_GROUP - s, centre, FIRST_USER + s * plan.members)
        rows_squads.append(
            (squad.id, squad.chat_id, f"Squad {s + 1}", f"tok{s + 1:06d}", now - 86400 * 90)
        )
        for j in range(plan.members):
            user_id = FIRST_USER + s * plan.members + j
            member_id += 1
            availability, where = ("available", "fresh") if j == 0 else _pick(rng)
            rows_users.append((user_id, user_id, now - 86400))
            rows_members.append(
                (
                    member_id,
                    squad.id,
                    user_id,
                    f"M{s + 1}-{j + 1}",
                    "lead" if j == 0 else "member",
                    availability,
                    now - 86400 * 60,
                )
            )
            if where != "none":
                age = rng.uniform(60, 7200) if where == "fresh" else rng.uniform(ttl, 4 * ttl)
                lat, lon = squad.near(rng, 4.0)
                rows_locations.append((user_id, lat, lon, 20.0, None, now - age))
            if rng.random() < 0.35:
                rows_skills.append((member_id, rng.choice(SKILLS)))
            squad.members.append(user_id)
            if availability == "available":
                squad.available.append(user_id)
            fake.started.add(user_id)
            fake.private_chat(fake.user(user_id, f"M{s + 1}-{j + 1}"))
        lead = fake.users[squad.lead]
        fake.group(squad.chat_id, f"Squad {s + 1}", admins=(lead,))
        squads.append(squad)
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO squads(id, chat_id, name, invite_token, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                rows_squads,
            )
            conn.executemany(
                "INSERT INTO users(user_id, private_chat_id, updated_at) VALUES (?, ?, ?)",
                rows_users,
            )
            conn.executemany(
                "INSERT INTO members(id, squad_id, user_id, alias, role, availability, joined_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows_members,
            )
            conn.executemany(
                "INSERT INTO user_locations(user_id, lat, lon, accuracy, live_until, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows_locations,
            )
            conn.executemany(
                "INSERT OR IGNORE INTO member_skills(member_id, skill) VALUES (?, ?)", rows_skills
            )
    finally:
        conn.close()
    return Seeded(plan, squads)
