"""The role × command table: every cell that says "no" is refused and changes nothing.

The README's table is the same table; a row added there belongs here too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from bot.core import Caller
from bot.domain import Availability, CrisisType
from bot.fund.amounts import FundCommand, FundVerb
from bot.intents import Action, Reply
from bot.reports.periods import Period
from data import alerts as alerts_q
from tests.support import World, place
from tests.support.aftercare import (
    add_service,
    followups_request,
    refer,
    service_request,
    services_query,
)
from tests.support.cases import record

HERE = (-26.2041, 28.0473)

Cell = Callable[[World, Caller, dict[str, Any]], Awaitable[Reply]]

# What each command does when pressed or sent by ``caller`` (``ctx`` holds alerts by name).
COMMANDS: dict[str, Cell] = {
    "claim": lambda w, c, x: w.alerts.claim(c, x["open"].code),
    "Claim button": lambda w, c, x: w.alerts.press(c, Action.CLAIM, x["open"].id, ""),
    "Accept button": lambda w, c, x: w.alerts.press(c, Action.ACCEPT, x["open"].id, ""),
    "close": lambda w, c, x: w.alerts.close(c, x["owned"].code),
    "outcome button": lambda w, c, x: w.alerts.press(c, Action.OUTCOME, x["owned"].id, "resolved"),
    "progress button": lambda w, c, x: w.alerts.press(c, Action.ARRIVED, x["owned"].id, ""),
    "note": lambda w, c, x: w.alerts.note(c, x["closed"].code, "n"),
    "add note button": lambda w, c, x: w.alerts.press(c, Action.NOTE, x["closed"].id, ""),
    "cancel (not theirs)": lambda w, c, x: w.alerts.cancel(c, x["open"].code),
    "assign": lambda w, c, x: w.alerts.assign(c, x["open"].code, "Thandi"),
    "drill": lambda w, c, x: w.services.drills.start(c, None),
    "status": lambda w, c, x: w.services.squads.status(c),
    "lead": lambda w, c, x: w.services.squads.set_role(c, "Thandi", None, _role("lead")),
    "observer": lambda w, c, x: w.services.squads.set_role(c, "Thandi", None, _role("observer")),
    "member": lambda w, c, x: w.services.squads.set_role(c, "Olu", None, _role("member")),
    "remove": lambda w, c, x: w.services.squads.set_role(c, "Thandi", None, None),
    "place add": lambda w, c, x: w.services.squads.place(c, place("add Rank -26.1, 28.1")),
    "place remove": lambda w, c, x: w.services.squads.place(c, place("remove Clinic")),
    "place list": lambda w, c, x: w.services.squads.place(c, place("list")),
    "pin": lambda w, c, x: w.services.privacy.pin(_private(c), x["open"].code),
    "audit": lambda w, c, x: w.services.privacy.audit_log(c),
    "hygiene": lambda w, c, x: w.services.privacy.set_hygiene(c, False),
    "wipe": lambda w, c, x: w.services.privacy.wipe_request(c),
    "wipe button": lambda w, c, x: w.services.privacy.wipe(c, x["squad_id"], 2),
    "forget button (someone else)": lambda w, c, x: w.services.privacy.forget(c, 201),
    "contact button (not the reporter)": lambda w, c, x: w.services.privacy.set_contact(
        c, x["open"].id, True
    ),
    "block": lambda w, c, x: w.services.blocks.set_blocked(c, "Kagiso", None, blocked=True),
    "unblock": lambda w, c, x: w.services.blocks.set_blocked(c, "", 777, blocked=False),
    "approve button": lambda w, c, x: w.services.joining.answer(c, x["waiting"], approve=True),
    "reject button": lambda w, c, x: w.services.joining.answer(c, x["waiting"], approve=False),
    "dispatch button": lambda w, c, x: w.alerts.press(c, Action.DISPATCH, x["held"].id, ""),
    "dismiss button": lambda w, c, x: w.alerts.press(c, Action.DISMISS, x["held"].id, ""),
    "join reset": lambda w, c, x: w.services.joining.join(c, reset=True),
    "alias": lambda w, c, x: w.services.members.set_alias(c, "Newname"),
    "available": lambda w, c, x: w.services.members.set_availability(c, Availability.AVAILABLE),
    "language (group)": lambda w, c, x: w.services.languages.command(c, "af"),
    "language button (group)": lambda w, c, x: w.services.languages.choose(c, x["squad_id"], "af"),
    "skills": lambda w, c, x: w.services.skills.show(c, ""),
    "skills alias": lambda w, c, x: w.services.skills.show(c, "Thandi"),
    "skill button (someone else's)": lambda w, c, x: w.services.skills.toggle(
        c, x["thandi"], "peer"
    ),
    "needs": lambda w, c, x: w.services.skills.needs(c, None),
    "needs change": lambda w, c, x: w.services.skills.needs(c, needs("arrest peer")),
    # The clocks: the alert's team or a lead (``owned`` is an arrest that Sipho holds).
    "held": lambda w, c, x: w.services.clocks.held(_private(c), x["owned"].code, "Cell 4"),
    "when": lambda w, c, x: w.services.clocks.when(_private(c), x["owned"].code, _typed("9:00")),
    "courtdate": lambda w, c, x: w.services.clocks.court_date(
        _private(c), x["owned"].code, _day("2027-02-03")
    ),
    "clock mark button": lambda w, c, x: w.services.clocks.mark(_private(c), x["clock"], "bail"),
    "check-in buttons (not theirs)": lambda w, c, x: w.services.checkins.answer(
        c, x["checkin"], ok=False
    ),
    # After the call: the directory, referrals, follow-ups, the meeting digest.
    "services": lambda w, c, x: _aftercare(w).directory.services(c, services_query()),
    "service add": lambda w, c, x: _aftercare(w).directory.service(
        _private(c), service_request("add clinic Clinic B | -26.19, 28.04 | 24/7")
    ),
    "service remove": lambda w, c, x: _aftercare(w).directory.service(
        c, service_request("remove Legal Aid")
    ),
    "service dialogue button": lambda w, c, x: _aftercare(w).press(
        c, Action.SERVICE_CATEGORY, x["squad_id"], "clinic"
    ),
    "service remove button": lambda w, c, x: _aftercare(w).press(
        c, Action.SERVICE_REMOVE, x["service"], ""
    ),
    "refer": lambda w, c, x: _aftercare(w).referrals.refer(c, x["owned"].code, None),
    "refer service button": lambda w, c, x: _aftercare(w).press(
        c, Action.REFER_TO, x["owned"].id, str(x["service"])
    ),
    "refer consent button": lambda w, c, x: _aftercare(w).press(
        c, Action.REFER_AGREED, x["owned"].id, str(x["other_service"])
    ),
    "referral buttons (not theirs)": lambda w, c, x: _aftercare(w).press(
        c, Action.REFERRAL, x["referral"], "attended"
    ),
    "followups": lambda w, c, x: _aftercare(w).tasks.followups(c, followups_request()),
    "followups rule": lambda w, c, x: _aftercare(w).tasks.followups(
        c, followups_request("rule check 12h")
    ),
    "followups assign": lambda w, c, x: _aftercare(w).tasks.followups(
        c, followups_request(f"assign F{x['task']} Thandi")
    ),
    "task buttons (not theirs)": lambda w, c, x: _aftercare(w).press(
        c, Action.TASK, x["task"], "snooze"
    ),
    "meeting": lambda w, c, x: _aftercare(w).meeting.digest(_private(c)),
    "meeting held button": lambda w, c, x: _aftercare(w).press(
        _private(c), Action.MEETING_HELD, x["squad_id"], str(int(w.clock()))
    ),
    # Evidence, warnings and the fund (issue 13), in private.
    "record": lambda w, c, x: w.services.records.command(_private(c), x["closed"].code),
    "record button": lambda w, c, x: w.services.records.press(c, x["closed"].id, "v_robbery"),
    "report": lambda w, c, x: w.services.reports.report(_private(c), Period()),
    "warn": lambda w, c, x: w.services.warnings.warn(_private(c), x["closed"].code),
    "warnings": lambda w, c, x: w.services.warnings.list_in_force(_private(c)),
    "warning approve button": lambda w, c, x: w.services.warnings.approve(c, x["warning"]),
    "warning reject button": lambda w, c, x: w.services.warnings.reject(c, x["warning"]),
    "warning draft button (not theirs)": lambda w, c, x: w.services.warnings.draft_press(
        c, x["draft"], "v_robbery"
    ),
    "fund": lambda w, c, x: w.services.fund.command(_private(c), FundCommand()),
    "fund add": lambda w, c, x: w.services.fund.command(
        _private(c), FundCommand(FundVerb.ADD, amount=Decimal("10"))
    ),
    "fund currency": lambda w, c, x: w.services.fund.command(
        _private(c), FundCommand(FundVerb.CURRENCY, currency="KES")
    ),
    "fund threshold": lambda w, c, x: w.services.fund.command(
        _private(c), FundCommand(FundVerb.THRESHOLD, amount=Decimal("50"))
    ),
    "fund export": lambda w, c, x: w.services.fund.command(
        _private(c), FundCommand(FundVerb.EXPORT)
    ),
    "fund approve button": lambda w, c, x: w.services.fund.approve(c, x["request"]),
    "fund reject button": lambda w, c, x: w.services.fund.reject(c, x["request"]),
    "fund request (not on the team)": lambda w, c, x: w.services.fund.command(
        _private(c), FundCommand(FundVerb.REQUEST, amount=Decimal("5"), code=x["owned"].code)
    ),
    "fund purpose button (not theirs)": lambda w, c, x: w.services.fund.purpose(
        c, x["choosing"], "food"
    ),
    "fund paid button (not theirs)": lambda w, c, x: w.services.fund.paid(c, x["request"], "none"),
}

LEAD_ONLY = ["assign", "drill", "lead", "observer", "member", "remove", "place add", "place remove",
             "pin", "audit", "hygiene", "wipe", "wipe button", "block", "unblock",
             "approve button", "reject button", "dispatch button", "dismiss button",
             "join reset", "language (group)", "language button (group)", "skills alias",
             "skill button (someone else's)", "needs change", "service add", "service remove",
             "service dialogue button", "service remove button", "followups rule",
             "followups assign", "meeting", "meeting held button", "report",
             "warning approve button", "warning reject button", "fund add", "fund currency",
             "fund threshold", "fund export", "fund approve button",
             "fund reject button"]  # fmt: skip
RESPONDER = ["claim", "Claim button", "place list", "skills", "needs", "services", "followups"]
OWNER_OR_LEAD = ["close", "outcome button", "note", "add note button", "record", "record button"]
# Members and leads, never observers or police liaisons.
INSIDERS = ["warnings", "fund"]
TEAM_OR_LEAD = ["held", "when", "courtdate", "clock mark button", "refer",
                "refer service button", "refer consent button"]  # fmt: skip
# A referral's buttons: whoever made it or owns its check, or a lead; a task's: its owner
# or a lead (Kagiso, a plain member, is neither).
THEIRS_OR_LEAD = ["referral buttons (not theirs)", "task buttons (not theirs)"]
EVERYONE_ELSE = [
    "forget button (someone else)",
    "contact button (not the reporter)",
    "check-in buttons (not theirs)",
    "warning draft button (not theirs)",
    "fund request (not on the team)",
    "fund purpose button (not theirs)",
    "fund paid button (not theirs)",
]

# role -> the commands that role may NOT use
NO: dict[str, list[str]] = {
    "reporter": LEAD_ONLY + RESPONDER + OWNER_OR_LEAD + TEAM_OR_LEAD + EVERYONE_ELSE + INSIDERS
    + THEIRS_OR_LEAD
    + ["Accept button", "progress button", "cancel (not theirs)", "status", "alias", "available",
       "warn"],
    "observer": LEAD_ONLY + RESPONDER + OWNER_OR_LEAD + TEAM_OR_LEAD + EVERYONE_ELSE + INSIDERS
    + THEIRS_OR_LEAD + ["Accept button", "progress button", "cancel (not theirs)", "warn"],
    "member": LEAD_ONLY + OWNER_OR_LEAD + TEAM_OR_LEAD + EVERYONE_ELSE + THEIRS_OR_LEAD
    + ["Accept button", "progress button", "cancel (not theirs)", "status", "warn"],
    # A member with the police-liaison skill: no warnings, no fund.
    "liaison": LEAD_ONLY + OWNER_OR_LEAD + TEAM_OR_LEAD + EVERYONE_ELSE + INSIDERS
    + THEIRS_OR_LEAD
    + ["Accept button", "progress button", "cancel (not theirs)", "status", "warn"],
    "lead": ["Accept button", "progress button", *EVERYONE_ELSE],
}  # fmt: skip

CELLS = [(role, command) for role, commands in NO.items() for command in commands]


def _aftercare(w: World) -> Any:
    return w.services.aftercare


def needs(words: str) -> Any:
    from handlers.parsing import needs as parse

    return parse(words.split())


def _role(name: str) -> Any:
    from bot.domain import Role

    return Role(name)


def _private(c: Caller) -> Caller:
    return Caller(c.user_id, c.user_id, private=True, first_name=c.first_name)


def _typed(raw: str) -> Any:
    from bot.clocks.times import parse_time

    return parse_time(raw)


def _day(raw: str) -> Any:
    from bot.clocks.times import parse_day

    return parse_day(raw)


@pytest.fixture
async def squad(world: World) -> dict[str, Any]:
    """Nomsa leads; Thandi, Sipho, Lerato and Kagiso respond; Olu observes; Zanele reports."""
    await world.member("Thandi", HERE[0] + 0.004, HERE[1])
    await world.member("Sipho", HERE[0] + 0.01, HERE[1])
    await world.member("Lerato", HERE[0] + 0.02, HERE[1])
    await world.member("Olu", HERE[0] + 0.001, HERE[1])
    await world.member("Kagiso")  # a plain member with no case of his own
    assert (
        await world.services.squads.set_role(world.group("Nomsa"), "Olu", None, _role("observer"))
    ).ok
    await world.services.squads.place(world.group("Nomsa"), place("add Clinic -26.2, 28.04"))
    owned = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} owned")
    async with world.services.core.store.transaction() as db:
        await alerts_q.set_crisis_type(db, owned.id, CrisisType.ARREST)
    assert (await world.alerts.press(world.private("Sipho"), Action.CLAIM, owned.id, "")).ok
    closed = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} closed")
    assert (await world.alerts.press(world.private("Lerato"), Action.CLAIM, closed.id, "")).ok
    assert (
        await world.alerts.press(world.private("Lerato"), Action.OUTCOME, closed.id, "resolved")
    ).ok
    await world.services.members.set_availability(world.private("Lerato"), Availability.BUSY)
    open_ = await world.alert("Zanele", f"{HERE[0]}, {HERE[1]} open")  # offered to Thandi
    # Someone waits for approval; someone is blocked, and their alert waits for a lead.
    waiting = await world.member("Wanda", approve=False)
    world.users["Blocked"] = 777
    blocked = await world.services.blocks.set_blocked(world.group("Nomsa"), "", 777, blocked=True)
    assert blocked.ok, blocked
    held = await world.alert("Blocked", f"{HERE[0]}, {HERE[1]} held")
    assert held.held
    # After the call: a service; a referral Sipho made on the arrest he holds (he checks it);
    # and the check on the person of the alert Lerato closed (hers: nobody is a paralegal).
    service = await add_service(world, "legal Legal Aid | -26.19, 28.05 | 24/7")
    assert (await refer(world, "Sipho", owned, service)).ok
    other_service = await add_service(world, "legal Lawyers Hillbrow | -26.19, 28.06 | 24/7")
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT id FROM squads") as cur:
            squad_id = (await cur.fetchone())["id"]
        async with db.execute("SELECT id FROM clocks WHERE alert_id = ?", (owned.id,)) as cur:
            clock = (await cur.fetchone())["id"]
        async with db.execute("SELECT id FROM checkins WHERE alert_id = ?", (owned.id,)) as cur:
            checkin = (await cur.fetchone())["id"]  # Sipho's, on the alert he holds
        async with db.execute("SELECT id FROM referrals") as cur:
            referral = (await cur.fetchone())["id"]
        async with db.execute("SELECT id FROM followups WHERE rule = 'check'") as cur:
            task = (await cur.fetchone())["id"]
    # The closed case's record allows a warning; Lerato's warning waits for Nomsa, and she
    # has a second draft. Pieter is a police liaison. The fund holds money; Sipho asks it
    # for some for the alert he holds (one request waits for the leads, one for a purpose).
    await record(world, "Lerato", closed, "v_physical", "c_warn")
    warn = world.services.warnings
    draft = await warn.warn(world.private("Lerato"), closed.code)
    assert draft.ok, draft
    warning = await _newest(world, "warnings")
    assert (await warn.draft_press(world.private("Lerato"), warning, "submit")).ok
    assert (await warn.warn(world.private("Lerato"), closed.code)).ok
    await world.member("Pieter")
    pieter = (await world.get_member("Pieter")).id
    assert (await world.services.skills.toggle(world.private("Nomsa"), pieter, "police")).ok
    fund = world.services.fund
    lead = world.private("Nomsa")
    assert (await fund.command(lead, FundCommand(FundVerb.CURRENCY, currency="ZAR"))).ok
    assert (await fund.command(lead, FundCommand(FundVerb.ADD, amount=Decimal(100)))).ok
    ask = FundCommand(FundVerb.REQUEST, amount=Decimal(30), code=owned.code)
    assert (await fund.command(world.private("Sipho"), ask)).ok
    request = await _newest(world, "fund_entries")
    assert (await fund.purpose(world.private("Sipho"), request, "transport")).ok
    assert (await fund.command(world.private("Sipho"), ask)).ok
    return {
        "warning": warning,
        "draft": await _newest(world, "warnings"),
        "request": request,
        "choosing": await _newest(world, "fund_entries"),
        "owned": owned,
        "closed": closed,
        "open": open_,
        "squad_id": squad_id,
        "waiting": waiting.id,
        "held": held,
        "thandi": (await world.get_member("Thandi")).id,
        "clock": clock,
        "checkin": checkin,
        "service": service,
        "other_service": other_service,
        "referral": referral,
        "task": task,
    }


async def _newest(world: World, table: str) -> int:
    async with world.services.core.store.reading() as db:
        async with db.execute(f"SELECT max(id) FROM {table}") as cur:
            return int((await cur.fetchone())[0])


def caller_for(world: World, role: str) -> Caller:
    names = {"reporter": "Mallory", "observer": "Olu", "member": "Kagiso", "lead": "Nomsa"}
    name = {**names, "liaison": "Pieter"}[role]
    world.users.setdefault(name, 950)
    return world.group(name)


@pytest.mark.parametrize(("role", "command"), CELLS, ids=[f"{r}:{c}" for r, c in CELLS])
async def test_every_no_cell_is_refused_and_changes_nothing(
    world: World, squad: dict[str, Any], role: str, command: str
) -> None:
    caller = caller_for(world, role)
    before = await world.snapshot()
    result = await COMMANDS[command](world, caller, squad)
    assert not result.ok, (role, command, result)
    assert await world.snapshot() == before


@pytest.mark.parametrize(
    ("role", "command"),
    [
        ("lead", "status"),
        ("lead", "assign"),
        ("member", "claim"),
        ("observer", "status"),
        ("member", "place list"),
        ("lead", "pin"),
        ("observer", "alias"),
        ("lead", "block"),
        ("lead", "unblock"),
        ("lead", "approve button"),
        ("lead", "reject button"),
        ("lead", "dispatch button"),
        ("lead", "dismiss button"),
        ("lead", "join reset"),
        ("lead", "language (group)"),
        ("lead", "language button (group)"),
        ("member", "skills"),
        ("lead", "skills alias"),
        ("lead", "skill button (someone else's)"),
        ("member", "needs"),
        ("lead", "needs change"),
        ("lead", "held"),
        ("lead", "when"),
        ("lead", "courtdate"),
        ("lead", "clock mark button"),
        ("member", "services"),
        ("member", "followups"),
        ("lead", "followups"),
        ("lead", "service add"),
        ("lead", "service remove"),
        ("lead", "service dialogue button"),
        ("lead", "service remove button"),
        ("lead", "refer"),
        ("lead", "refer service button"),
        ("lead", "refer consent button"),
        ("lead", "referral buttons (not theirs)"),
        ("lead", "followups rule"),
        ("lead", "followups assign"),
        ("lead", "task buttons (not theirs)"),
        ("lead", "meeting"),
        ("lead", "meeting held button"),
        ("lead", "record"),
        ("lead", "record button"),
        ("lead", "report"),
        ("lead", "warn"),
        ("member", "warnings"),
        ("lead", "warning approve button"),
        ("lead", "warning reject button"),
        ("member", "fund"),
        ("lead", "fund"),
        ("lead", "fund add"),
        ("lead", "fund export"),
        ("lead", "fund approve button"),
        ("lead", "fund reject button"),
        ("lead", "drill"),
    ],
)
async def test_yes_cells_work(world: World, squad: dict[str, Any], role: str, command: str) -> None:
    """The same harness can tell yes from no: these cells are allowed."""
    result = await COMMANDS[command](world, caller_for(world, role), squad)
    assert result.ok, (role, command, result)


async def test_observer_status_shows_no_names_or_codes(world: World, squad: dict[str, Any]) -> None:
    result = await world.services.squads.status(caller_for(world, "observer"))
    from bot.messages import render

    assert result.text is not None
    text = render(result.text.key, result.text.params)
    for secret in ("Thandi", "Sipho", "Lerato", "Nomsa", squad["open"].code, "Clinic"):
        assert secret not in text
    assert "Open alerts: 3" in text


async def test_observers_are_never_offered_alerts(world: World, squad: dict[str, Any]) -> None:
    from bot.intents import MessageRole, Op

    olu = await world.get_member("Olu")
    offers = [i for i in await world.outbox() if i.role is MessageRole.OFFER and i.op is Op.SEND]
    assert offers and all(i.member_id != olu.id for i in offers)
