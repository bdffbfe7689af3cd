"""Generated input to /record, /report, /warn, /warnings, /fund and their buttons: every
refusal is a clear reply that leaves the database unchanged, and nothing raises."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.intents import Action, Refused, Reply
from bot.services import Services
from handlers import parsing
from tests.support import Clock, World, unit_settings
from tests.support.cases import closed_case, record
from tests.support.commands import fund

NASTY = st.sampled_from(["\u202e", "\u200b", "-5", "12,50", "1e3", "=cmd", "ZAR", "#", "\n"])
WORD = st.one_of(
    st.text(max_size=12),
    NASTY,
    st.sampled_from(["add", "request", "currency", "export", "threshold", "quarter", "month",
                     "2026-13", "2027-01", "99999999999999", "0", "abc"]),
)  # fmt: skip
BUTTONS = [
    Action.RECORD,
    Action.WARNING_DRAFT,
    Action.WARNING_APPROVE,
    Action.WARNING_REJECT,
    Action.FUND_PURPOSE,
    Action.FUND_APPROVE,
    Action.FUND_REJECT,
    Action.FUND_PAID,
]
COMMANDS = ["record", "report", "warn", "warnings", "fund", "typed", "photo"]
ARGS = ["v_robbery", "c_count", "skip", "done", "receipt", "food", "submit"]


def test_generated_commands_and_presses_refuse_cleanly_and_change_nothing(
    tmp_path: Path,
) -> None:
    loop = asyncio.new_event_loop()
    clock = Clock()
    services = Services.build(unit_settings(tmp_path / "fuzz.sqlite3"), clock=clock)
    world = World(services, clock)
    loop.run_until_complete(services.open())
    loop.run_until_complete(world.setup())
    loop.run_until_complete(world.member("Thandi", -26.2, 28.04))
    case = loop.run_until_complete(closed_case(world, "Thandi"))
    loop.run_until_complete(record(world, "Thandi", case, "v_robbery", "c_police"))
    loop.run_until_complete(services.fund.command(world.private("Nomsa"), fund("currency ZAR")))
    world.users["Mallory"] = 666

    async def one(who: str, command: str, args: list[str], arg: str, target: int) -> None:
        caller = world.private(who)
        raw = " ".join(args)
        calls: dict[str, Callable[[], Awaitable[Reply | None]]] = {
            "record": lambda: services.records.command(caller, parsing.alert_code(args, "record")),
            "report": lambda: services.reports.report(caller, parsing.report_period(args)),
            "warn": lambda: services.warnings.warn(caller, parsing.alert_code(args, "warn")),
            "warnings": lambda: services.warnings.list_in_force(caller),
            "fund": lambda: services.fund.command(caller, parsing.fund(args, raw)),
            "typed": lambda: services.warnings.typed(caller, raw),
            "photo": lambda: services.fund.receipt_photo(caller, raw),
        }
        presses: dict[Action, Callable[[], Awaitable[Reply]]] = {
            Action.RECORD: lambda: services.records.press(caller, target, arg),
            Action.WARNING_DRAFT: lambda: services.warnings.draft_press(caller, target, arg),
            Action.WARNING_APPROVE: lambda: services.warnings.approve(caller, target),
            Action.WARNING_REJECT: lambda: services.warnings.reject(caller, target),
            Action.FUND_PURPOSE: lambda: services.fund.purpose(caller, target, arg),
            Action.FUND_APPROVE: lambda: services.fund.approve(caller, target),
            Action.FUND_REJECT: lambda: services.fund.reject(caller, target),
            Action.FUND_PAID: lambda: services.fund.paid(caller, target, arg),
        }
        before = await world.snapshot()
        try:
            if command in calls:
                result = await calls[command]()
            else:
                result = await presses[Action(command)]()
        except Refused as refusal:
            result = refusal.reply
        if result is not None and not result.ok:
            assert result.text is not None
            assert await world.snapshot() == before, (who, command, args, arg)

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.sampled_from(["Mallory", "Thandi", "Nomsa"]),
        st.sampled_from(
            [
                "record",
                "report",
                "warn",
                "warnings",
                "fund",
                "typed",
                "photo",
                *(b.value for b in BUTTONS),
            ]
        ),
        st.lists(st.one_of(WORD, st.just(case.code)), max_size=4),
        st.one_of(
            st.text(max_size=16),
            st.sampled_from(["v_robbery", "c_count", "skip", "done", "receipt", "food", "submit"]),
        ),
        st.integers(min_value=1, max_value=5),
    )
    def check(who: str, command: str, args: list[str], arg: str, target: int) -> None:
        loop.run_until_complete(one(who, command, args, arg, target))

    try:
        check()
    finally:
        loop.run_until_complete(services.close())
        loop.close()
