"""A burst across squads: 600 alerts in 60 s over 200 squads, while other people send
/status (leads) and /help (members) in private, with Telegram's limits enforced.

Run twice:
- ``across``, a crackdown: 4 /status and 4 /help a second, so the bot is asked for about 34
  messages a second, more than the 30 Telegram allows. Only then does the budget figure
  say whether the bot spends what the limits allow, and only then can a routine answer
  take a slot an offer needed;
- ``across_light``: 1 of each a second, about 26 messages a second asked, under the limits:
  the delays of a burst that Telegram's limits do not hold back (its budget figure measures
  the demand, so it has no target).

Figures:
- use of the outbound budget: the sends Telegram accepted, divided by what its 30 a second
  allow over the time the bot was sending. Target: at least 95 %;
- the time until every alert's offer is out, beside the least the limits allow (the end of
  the load generator's sending, its last /alert and last question, or every offer message
  at 30 a second, whichever is later);
- the delay of urgent messages (an offer, from its update's hand-out) beside routine ones
  (the /status and /help answers), and how many offers waited behind a routine answer:
  the answer took its slot while the offer was already queued (its outbox row written) and
  had not yet taken its own, its chat's own limit did not hold it (the bot lets a second
  message go to a member ``PRIVATE_MARGIN``, 1.25 s, after the first; Telegram, 1 s), and
  the overall limit did (the second before it went held a full budget of sends), so the
  answer took a slot the offer could have had. Beside it, ``answers_before_chat_freed``
  counts offers that, with the budget full, did not go the moment their chat freed while
  an answer that took its slot in the second before (still in Telegram's one-second
  window then) was queued after them: the bot keeps no slot ahead for a queued offer whose
  chat is about to free. When each took its slot is the bot's send log (a message
  reaches the fake server some milliseconds later); python-telegram-bot's limiter takes
  its slots after that log, so for it, and for a message found in no log
  (``slots_timed_by_arrival``), the arrival counts. (An
  answer that goes out beside an offer while the budget has room takes nothing from it;
  ``later_answer_first`` counts, as this figure once did, every answer to a later update
  that went out before an offer, waiting or not.)
"""

from __future__ import annotations

import asyncio
import bisect
import time
from dataclasses import dataclass, field, replace
from typing import Any

from bench.load.rig import Rig, first_offer_at, load_now, ms, offer_calls, pct, rigged
from bench.load.seed import Plan
from handlers.transport.limits import PRIVATE_MARGIN
from tests.fakegram.limits import SENDING_METHODS, TELEGRAM

BUDGET_TARGET = 0.95
WORDS = ("arrested by the police at the rank", "robbed near the shops", "they are taking people")


@dataclass(frozen=True)
class Options:
    plan: Plan = field(default_factory=Plan)
    alerts: int = 600
    seconds: float = 60.0
    squads: int = 200
    status_per_s: float = 4.0
    help_per_s: float = 4.0
    timeout_s: float = 240.0


# Each run's name and how it changes the options: the crackdown, and a trickle of questions.
MIXES: dict[str, dict[str, float]] = {
    "across": {},
    "across_light": {"status_per_s": 1.0, "help_per_s": 1.0},
}


async def run(
    options: Options = Options(), names: tuple[str, ...] = tuple(MIXES)
) -> list[dict[str, Any]]:
    results = []
    for name in names:
        async with rigged(options.plan, limits=TELEGRAM) as rig:
            results.append(await measure(rig, replace(options, **MIXES[name]), name))
    return results


async def measure(rig: Rig, options: Options, name: str, *, logged: bool = True) -> dict[str, Any]:
    """``logged``: the bot's send log says when each message took its slot (Squadline's
    sender; python-telegram-bot's limiter takes slots after the log, so not there)."""
    mark = len(rig.fake.calls)
    refused = rig.fake.refused_for_limits
    loads = [load_now()]
    squads = rig.seeded.squads[: options.squads]
    others = rig.seeded.squads[options.squads :] or squads
    routine: list[tuple[int, int]] = []  # (user id, update id)
    people = iter(range(10**9))
    loop_before = rig.bot_loop_cpu_s()
    start = time.time()
    asking = asyncio.create_task(_ask(rig, others, options, routine, people))
    for i in range(options.alerts):
        # A crackdown: many arrests (a wave of three offers each), robberies, and alerts
        # that say only that people are being taken.
        words = rig.rng.choices(WORDS, weights=(4, 3, 3))[0]
        await rig.alert(squads[rig.rng.randrange(len(squads))], words)
        delay = start + (i + 1) * options.seconds / options.alerts - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
    await asking
    arrived = time.time() - start
    loads.append(load_now())

    def done() -> bool:
        return len(first_offer_at(rig.fake, mark)) >= options.alerts

    finished = await rig.until(done, timeout=options.timeout_s, poll=0.5)
    # How busy the bot's event loop (its one core) was while Telegram's limits were spent.
    loop_busy = (rig.bot_loop_cpu_s() - loop_before) / (time.time() - start)
    await rig.fake.idle(quiet=1.0, timeout=120)
    # The log keeps two minutes: the whole burst (any pruned shows in slots_timed_by_arrival).
    admissions = _admissions(rig) if logged else {}
    loads.append(load_now())
    figures = _figures(
        rig, options, name, mark, refused, start, arrived, routine, finished, loads, admissions
    )
    figures["loop_busy_pct"] = round(100 * loop_busy, 1)
    return figures


async def _ask(
    rig: Rig,
    others: list[Any],
    options: Options,
    routine: list[tuple[int, int]],
    people: Any,
) -> None:
    """Leads ask for /status and members for /help, in private, each person once."""
    turn = iter(range(10**9))  # each question from the next squad's lead or member
    for _ in range(int(options.seconds)):
        for _ in range(int(options.status_per_s)):
            lead = others[next(turn) % len(others)].lead
            update_id, _ = await rig.command(lead, "/status")
            routine.append((lead, update_id))
        for _ in range(int(options.help_per_s)):
            squad = others[next(turn) % len(others)]
            member = squad.members[1 + next(people) % (len(squad.members) - 1)]
            update_id, _ = await rig.command(member, "/help")
            routine.append((member, update_id))
        await asyncio.sleep(1.0)


def _figures(
    rig: Rig,
    options: Options,
    name: str,
    mark: int,
    refused: int,
    start: float,
    arrived: float,
    routine: list[tuple[int, int]],
    finished: bool,
    loads: list[float],
    admissions: dict[int, list[float]],
) -> dict[str, Any]:
    fake = rig.fake
    sends = [c for c in fake.calls[mark:] if c.method in SENDING_METHODS and c.status == 200]
    span = (sends[-1].at - sends[0].at) if len(sends) > 1 else float("nan")
    allowed = TELEGRAM.global_per_s * span
    codes = rig.codes()
    offered = first_offer_at(fake, mark)
    queued = _offers_queued(rig)
    urgent: list[tuple[float, float]] = []  # (hand-out, offer out)
    let_go: list[float] = []  # when each offer took its slot (arrived, without a log)
    chat_at = {c.at: c.chat_id or 0 for c in sends}
    waited_from: list[float] = []  # when each offer was queued
    free: list[bool] = []  # whether its chat's own limit did not hold it back
    free_from: list[float] = []  # when its chat's own limit let it go
    last_to: dict[int, float] = {}
    held_by_chat: set[float] = set()
    chat_free_at: dict[float, float] = {}
    for call in sends:
        chat = call.chat_id or 0
        if chat > 0 and call.at - last_to.get(chat, -10.0) < 1.3:
            held_by_chat.add(call.at)
        # The bot lets a second message go to a private chat once the first was answered
        # (the fake answers as it arrives) and the chat's margin has passed.
        chat_free_at[call.at] = last_to.get(chat, -10.0) + PRIVATE_MARGIN if chat > 0 else 0.0
        last_to[chat] = call.at
    for sent in rig.sent:
        code = codes.get((sent.chat_id, sent.message_id))
        handed = fake.handed_out.get(sent.update_id)
        if code in offered and handed is not None:
            urgent.append((handed, offered[code]))
            let_go.append(_taken(admissions, chat_at.get(offered[code], 0), offered[code]))
            # Not found (it should be): from the hand-out, so nothing is missed.
            waited_from.append(queued.get(code, handed))
            free.append(offered[code] not in held_by_chat)
            free_from.append(chat_free_at.get(offered[code], 0.0))
    answers: list[tuple[float, float]] = []
    taken: list[float] = []  # when each answer took its slot (arrived, without a log)
    for user, update_id in routine:
        handed = fake.handed_out.get(update_id)
        reply = next(
            (c.at for c in fake.calls[mark:] if c.chat_id == user and c.method == "sendMessage"
             and c.status == 200 and handed is not None and c.at >= handed),
            None,
        )  # fmt: skip
        if handed is not None and reply is not None:
            answers.append((handed, reply))
            taken.append(_taken(admissions, user, reply))
    waits = [
        Waited(since, chat_free, own, out)
        for (_, out), since, own, chat_free in zip(
            urgent, waited_from, let_go, free_from, strict=True
        )
    ]
    times = [c.at for c in sends]
    overtaken = _overtaken(waits, taken, times)
    before_freed = _answered_before_chat_freed(waits, taken, times)
    by_arrival = sum(1 for at, (_, out) in zip(let_go, urgent, strict=True) if at == out) + sum(
        1 for at, (_, reply) in zip(taken, answers, strict=True) if at == reply
    )
    later_first = sum(
        1
        for (h, out), chat_free in zip(urgent, free, strict=True)
        if chat_free and any(rh > h and rout < out for rh, rout in answers)
    )
    all_offers = sum(1 for _ in offer_calls(fake, mark))
    last_offer = max(offered.values()) if offered else float("nan")
    floor = max(arrived, all_offers / TELEGRAM.global_per_s)
    return {
        "scenario": name,
        "alerts": options.alerts,
        "squads": options.squads,
        "seconds": options.seconds,
        "finished": finished,
        "sends_accepted": len(sends),
        "sending_s": round(span, 1),
        "budget_use": round(len(sends) / allowed, 3) if allowed else None,
        "budget_target": BUDGET_TARGET,
        "all_offers_s": round(last_offer - start, 1),
        "all_offers_floor_s": round(floor, 1),
        "offer_messages": all_offers,
        "urgent_p50_ms": ms(pct((o - h for h, o in urgent), 50)),
        "urgent_p95_ms": ms(pct((o - h for h, o in urgent), 95)),
        "urgent_max_ms": ms(max((o - h for h, o in urgent), default=float("nan"))),
        "routine_p50_ms": ms(pct((o - h for h, o in answers), 50)),
        "routine_p95_ms": ms(pct((o - h for h, o in answers), 95)),
        "urgent_overtaken_by_routine": overtaken,
        "answers_before_chat_freed": before_freed,
        "later_answer_first": later_first,
        # Messages whose slot is timed by their arrival, found in no send log (all of them
        # for python-telegram-bot's limiter).
        "slots_timed_by_arrival": by_arrival,
        "responses_429": fake.refused_for_limits - refused,
        "load": loads,
    }


@dataclass(frozen=True)
class Waited:
    """One offer's wait: queued, its chat free (its own limit let it go), its slot taken,
    its arrival at the fake server."""

    queued: float
    chat_free: float
    took: float
    arrived: float


def _overtaken(offers: list[Waited], answers_took: list[float], sends: list[float]) -> int:
    """Offers that waited behind a routine answer: an answer took its slot while the offer
    was queued, its own chat was free (a member's second offer waits a second for their
    chat) and it had not yet taken its own, and the overall limit was full (``sends``: when
    every accepted send arrived, in order)."""
    return sum(
        1
        for o in offers
        if _budget_full(sends, o.arrived)
        and any(max(o.queued, o.chat_free) < at < o.took for at in answers_took)
    )


def _answered_before_chat_freed(
    offers: list[Waited], answers_took: list[float], sends: list[float]
) -> int:
    """Offers that, with the budget full, did not go as their chat freed while an answer
    that took its slot in the second before (after the offer was queued) still filled
    Telegram's one-second window: a slot kept for the offer then would have let it go."""
    return sum(
        1
        for o in offers
        if o.took - o.chat_free > 0.01
        and _budget_full(sends, o.arrived)
        and any(max(o.queued, o.chat_free - 1.0) < at <= o.chat_free for at in answers_took)
    )


def _budget_full(times: list[float], at: float) -> bool:
    """Whether the second before ``at`` held a full budget of accepted sends (within the
    fake's 2 % slack): a send then had to wait for the overall limit."""
    first = bisect.bisect_left(times, at - 1.0)
    last = bisect.bisect_left(times, at)
    return last - first >= TELEGRAM.global_per_s - 1


def _taken(admissions: dict[int, list[float]], chat: int, arrived: float) -> float:
    """When the message to ``chat`` that arrived at ``arrived`` took its slot: the last time
    the send log let a message to that chat go before it arrived (none: its arrival)."""
    before = [at for at in admissions.get(chat, ()) if at <= arrived]
    return before[-1] if before else arrived


def _admissions(rig: Rig) -> dict[int, list[float]]:
    """Chat -> when the bot let each message to it take a slot, oldest first (its send
    log, which keeps two minutes: the burst's). An answer reaches the fake server some
    milliseconds after it took its slot; an offer queued in between did not wait behind it.
    Where there is none, an answer took its slot when it arrived."""
    found: dict[int, list[float]] = {}
    for r in rig.rows("SELECT chat_id, at FROM send_log ORDER BY at"):
        found.setdefault(int(r["chat_id"]), []).append(float(r["at"]))
    return found


def _offers_queued(rig: Rig) -> dict[str, float]:
    """Alert code -> when its first offer's outbox row was written (the bot's clock)."""
    return {
        r["code"]: r["queued"]
        for r in rig.rows(
            "SELECT a.code, min(o.created_at) AS queued FROM outbox o"
            " JOIN alerts a ON a.id = o.alert_id"
            " WHERE json_extract(o.payload, '$.role') = 'offer' GROUP BY a.code"
        )
    }
