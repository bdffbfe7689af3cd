"""Time from /alert to the first acceptance: offers one at a time against waves of three.

    .venv/bin/python -m bench.waves [--alerts 200] [--members 20] [--seed 2026]

Drives the real core (``Services`` on a temporary SQLite file, with a fake clock) through
a small discrete-event loop: the clock jumps to whichever comes first, the next member's
answer or the next due deadline. A simulated squad of members scattered within 5 km each
answer an offer after a random delay (lognormal, median 2 minutes), decline it, or never
answer (40%). What each member does about each alert is drawn from the seed, the alert and
the member alone, so every run with the same seed sees the same people behave the same
way, whatever the wave size.

Prints, for each wave size: the median and 90th percentile of the seconds from the alert
to its first acceptance (among the alerts accepted before they escalated), and the share
of alerts that escalated before anyone accepted. ``max_offers`` waves of offers are made
before an alert escalates (before waves existed: ``max_offers`` single offers).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import random
import statistics
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from pathlib import Path

from bot.domain import OWNED_STATES, AlertState, Availability, CrisisType
from bot.geo import Point
from bot.intents import Action
from bot.services import Services
from data import alerts as alerts_q
from data import deadlines as deadlines_q
from data import offers as offers_q
from tests.support.settings import unit_settings
from tests.support.world import Clock, World

CENTRE = Point(-26.1929, 28.0345)  # Hillbrow, Johannesburg
SQUAD_RADIUS_M = 5000.0
ALERT_RADIUS_M = 3000.0
ACK_TIMEOUT_S = 180.0
MAX_OFFERS = 3
NEVER = 0.4  # share of offers never answered (asleep, phone off, no data)
DECLINE = 0.1  # share declined (after the same kind of delay)
MEDIAN_DELAY_S = 120.0
DELAY_SIGMA = 0.8  # lognormal spread: about a third of the answers come after 3 minutes


class Answer(Enum):
    ACCEPT = "accept"
    DECLINE = "decline"
    NEVER = "never"


@dataclass(frozen=True)
class Behaviour:
    answer: Answer
    delay_s: float  # after the offer reached them


def behaviour(seed: int, alert_no: int, member_no: int) -> Behaviour:
    """What member ``member_no`` does when offered alert ``alert_no``: the same in every run
    with this seed, however many others were offered first."""
    rng = random.Random(f"{seed}/{alert_no}/{member_no}")
    draw = rng.random()
    delay = rng.lognormvariate(math.log(MEDIAN_DELAY_S), DELAY_SIGMA)
    if draw < NEVER:
        return Behaviour(Answer.NEVER, math.inf)
    if draw < NEVER + DECLINE:
        return Behaviour(Answer.DECLINE, delay)
    return Behaviour(Answer.ACCEPT, delay)


def point_near(rng: random.Random, radius_m: float) -> Point:
    """Uniform in a disc of ``radius_m`` around the centre."""
    r = radius_m * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(angle) / 111_320
    dlon = r * math.sin(angle) / (111_320 * math.cos(math.radians(CENTRE.lat)))
    return Point(round(CENTRE.lat + dlat, 5), round(CENTRE.lon + dlon, 5))


@dataclass
class Result:
    wave: int
    alerts: int = 0
    accepted_after_s: list[float] = field(default_factory=list)
    escalated: int = 0

    @property
    def median_s(self) -> float:
        return statistics.median(self.accepted_after_s) if self.accepted_after_s else math.nan

    @property
    def p90_s(self) -> float:
        if not self.accepted_after_s:
            return math.nan
        ranked = sorted(self.accepted_after_s)
        return ranked[max(0, math.ceil(0.9 * len(ranked)) - 1)]  # nearest rank

    @property
    def escalated_share(self) -> float:
        return self.escalated / self.alerts if self.alerts else math.nan


async def simulate(db: Path, *, wave: int, alerts: int, members: int, seed: int) -> Result:
    """``alerts`` alerts of type "other", one after another, in a squad of ``members``."""
    clock = Clock()
    settings = unit_settings(
        db,
        waves={CrisisType.OTHER: wave},
        ack_timeout=timedelta(seconds=ACK_TIMEOUT_S),
        max_offers=MAX_OFFERS,
        location_ttl=timedelta(days=3650),  # nobody's location goes stale during the run
    )
    services = Services.build(settings, clock=clock)
    await services.open()
    try:
        world = World(services, clock)
        await world.setup()
        # The lead runs the squad and is not one of the simulated responders.
        await services.members.set_availability(world.private(world.lead), Availability.OFF)
        place = random.Random(f"{seed}/squad")
        number_of: dict[int, int] = {}  # member id -> member number
        for n in range(members):
            at = point_near(place, SQUAD_RADIUS_M)
            member = await world.member(f"m{n:03d}", at.lat, at.lon)
            number_of[member.id] = n
        name_of = {mid: f"m{n:03d}" for mid, n in number_of.items()}
        result = Result(wave)
        for alert_no in range(alerts):
            at = point_near(random.Random(f"{seed}/alert/{alert_no}"), ALERT_RADIUS_M)
            started = clock()
            alert = await world.alert("Reporter", f"please come {at.lat}, {at.lon}")
            accepted = await _first_accept(world, alert.id, seed, alert_no, number_of, name_of)
            result.alerts += 1
            if accepted is None:
                result.escalated += 1
            else:
                result.accepted_after_s.append(accepted - started)
            reply = await services.alerts.cancel(world.group(world.lead), alert.code)
            assert reply.ok, reply
            await world.deliver_all()
            clock.advance(3600)
        return result
    finally:
        await services.close()


async def _first_accept(
    world: World,
    alert_id: int,
    seed: int,
    alert_no: int,
    number_of: dict[int, int],
    name_of: dict[int, str],
) -> float | None:
    """Run the alert until someone accepts (the moment, on the fake clock) or it escalates
    (``None``). Members answer only while their offer is open: once it timed out or was
    withdrawn, the offer message has no buttons left to press."""
    done: set[int] = set()  # offers answered (or passed over)
    while True:
        async with world.services.core.store.reading() as db:
            alert = await alerts_q.alert_by_id(db, alert_id)
            offers = await offers_q.offers_of(db, alert_id)
            due = await deadlines_q.next_due_at(db)
        assert alert is not None
        if alert.state in OWNED_STATES:
            raise AssertionError("taken without an accept from the simulation")
        if alert.state is AlertState.ESCALATED:
            return None
        answers = []
        for offer in offers:
            if offer.answer is not None or offer.id in done:
                continue
            acts = behaviour(seed, alert_no, number_of[offer.member_id])
            if acts.answer is Answer.NEVER:
                done.add(offer.id)
                continue
            answers.append((offer.offered_at + acts.delay_s, offer.id, offer.member_id, acts))
        if not answers and due is None:
            return None  # nothing left that could happen (no deadline, nobody answering)
        if answers and (due is None or min(answers)[0] <= due):
            when, offer_id, member_id, acts = min(answers)
            world.clock.t = max(world.clock.t, when)
            done.add(offer_id)
            action = Action.ACCEPT if acts.answer is Answer.ACCEPT else Action.DECLINE
            caller = world.private(name_of[member_id])
            reply = await world.alerts.press(caller, action, alert_id, "")
            if action is Action.ACCEPT and reply.ok:
                return world.clock.t
            continue
        assert due is not None
        world.clock.t = max(world.clock.t, due)
        await world.fire_due()


async def compare(
    tmp: Path, *, alerts: int, members: int, seed: int, waves: tuple[int, ...] = (1, 3)
) -> list[Result]:
    """The same squad, the same alerts, the same people: once per wave size."""
    return [
        await simulate(
            tmp / f"wave{wave}.sqlite3", wave=wave, alerts=alerts, members=members, seed=seed
        )
        for wave in waves
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the core's warnings (escalations) are expected
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(
            compare(Path(tmp), alerts=args.alerts, members=args.members, seed=args.seed)
        )
    print(
        f"{args.alerts} alerts, {args.members} members, seed {args.seed}, ack timeout "
        f"{ACK_TIMEOUT_S:.0f} s, {MAX_OFFERS} waves before escalation"
    )
    print("wave  median_s  p90_s  escalated_before_accept")
    for r in results:
        print(f"{r.wave:4d}  {r.median_s:8.0f}  {r.p90_s:5.0f}  {r.escalated_share:6.1%}")


if __name__ == "__main__":
    main()
