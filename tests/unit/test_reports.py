"""/report: the summary, the charts and the anonymised CSV, and what they never hold."""

from __future__ import annotations

import csv
import io

import pytest

from bot.domain import CrisisType
from bot.intents import Action
from bot.messages import render
from bot.reports.periods import Period, PeriodKind
from data.report_referrals import referral_outcomes
from tests.support import World
from tests.support.aftercare import add_service, refer, world_rows
from tests.support.cases import closed_case, record
from tests.support.png import png_metadata, png_size

AREA_A = (-26.2041, 28.0473)
AREA_B = (-26.5123, 28.5456)  # about 60 km away
ALIASES = ("Nomsa", "Thandi", "Sipho", "Zanele")
WORDS = ("Bongiwe", "Qxtaxirank")


def text(reply: object) -> str:
    shown = getattr(reply, "text", None)
    assert shown is not None
    return render(shown.key, shown.params)


async def seeded(world: World) -> list[str]:
    """Six counted cases in area A (five arrests, one robbery), two in area B, and two in
    area A that may not be counted. Returns their codes."""
    await world.member("Thandi", -26.2, 28.04)
    await world.member("Sipho", -26.21, 28.05)
    codes = []
    plan = [(AREA_A, CrisisType.ARREST, "v_physical")] * 5 + [
        (AREA_A, CrisisType.ROBBERY, "v_robbery"),
        (AREA_B, CrisisType.ARREST, "v_physical"),
        (AREA_B, CrisisType.ARREST, "v_physical"),
    ]
    for at, kind, violation in plan:
        case = await closed_case(world, "Thandi", at=at, kind=kind, words=WORDS[0])
        await record(world, "Thandi", case, violation, "p_police", "s_legal", "c_count")
        codes.append(case.code)
    kept = await closed_case(world, "Sipho", at=AREA_A, words=WORDS[1])
    await record(world, "Sipho", kept, "v_sexual", "p_client", "c_record")
    codes.append(kept.code)
    codes.append((await closed_case(world, "Sipho", at=AREA_A, words=WORDS[1])).code)
    return codes


async def test_the_csv_has_one_row_per_counted_case_and_small_cells_show_less_than_five(
    world: World,
) -> None:
    codes = await seeded(world)
    reply = await world.services.reports.report(world.private("Nomsa"), Period())
    assert reply.ok, reply
    files = {f.filename: f for f in await reply.files()}
    table = files["cases-2027-01.csv"].data.decode()
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 8  # the two cases that may not be counted are not there
    values = [tuple(r.values()) for r in rows]
    assert values == sorted(values)  # sorted by value: the order says nothing of the day
    assert {r["month"] for r in rows} == {"2027-01"}
    hidden = [r for r in rows if r["area"] == "<5"]
    assert len(hidden) == 2  # area B has two cases: they are not placed
    assert all(r[c] == "<5" for r in hidden for c in ("type", "violations", "outcome"))
    shown = [r for r in rows if r["area"] != "<5"]
    assert {r["area"] for r in shown} == {shown[0]["area"]} and shown[0]["area"].startswith("5km-")
    assert sorted(r["type"] for r in shown) == ["<5", "arrest", "arrest", "arrest", "arrest",
                                                "arrest"]  # fmt: skip
    assert sorted(r["violations"] for r in shown).count("physical") == 5
    assert "robbery" not in table  # one robbery in area A would single it out
    assert {r["perpetrator"] for r in shown} == {"police"}
    assert {r["minutes_to_acknowledge"] for r in rows} == {"2"}
    assert {r["minutes_to_arrive"] for r in rows} == {"10"}
    for secret in (*ALIASES, *WORDS, *codes, "-26.2", "28.04", "-26.5", "28.5"):
        assert secret not in table, secret


async def test_the_summary_and_the_charts_hold_nothing_of_the_squad(world: World) -> None:
    codes = await seeded(world)
    reply = await world.services.reports.report(world.private("Nomsa"), Period())
    summary = text(reply)
    assert "Alerts raised: 10. Closed: 10." in summary
    assert "Median time to acknowledge: 2 minutes. To arrive: 10 minutes." in summary
    assert "arrest or detention: 7" in summary
    assert "Cases whose survivor agreed to be counted: 8." in summary
    assert "physical violence: 7" in summary and "sexual violence" not in summary
    assert "Referrals completed: 0" in summary
    photos = [f for f in await reply.files() if f.filename.endswith(".png")]
    assert [p.filename for p in photos] == ["alerts-2027-01.png", "violations-2027-01.png"]
    for photo in photos:
        assert png_size(photo.data) == (1080, 1350)
        assert set(png_metadata(photo.data)) <= {"Software"}
    said = summary + "".join(str(png_metadata(p.data)) for p in photos)
    for secret in (*ALIASES, *WORDS, *codes, "-26.2", "28.04", "-26.5", "28.5", "Hillbrow"):
        assert secret not in said, secret


async def test_periods_bad_input_and_callers_who_are_not_leads(world: World) -> None:
    await world.member("Thandi", -26.2, 28.04)
    await closed_case(world, "Thandi")
    reports = world.services.reports
    quarter = await reports.report(world.private("Nomsa"), Period(PeriodKind.QUARTER))
    assert "Report: Q1 2027" in text(quarter)
    old = await reports.report(world.private("Nomsa"), Period(PeriodKind.NAMED, 2026, 12))
    assert "Report: December 2026" in text(old) and "Alerts raised: 0." in text(old)
    assert len(await old.files()) == 2  # one chart (no violations to draw), and the CSV
    before = await world.snapshot()
    future = await reports.report(world.private("Nomsa"), Period(PeriodKind.NAMED, 2027, 3))
    assert not future.ok and "has not begun" in text(future)
    assert not (await reports.report(world.private("Thandi"), Period())).ok
    assert not (await reports.report(world.group("Nomsa"), Period())).ok  # private only
    assert await world.snapshot() == before


def test_cases_with_no_location_are_squad_wide_in_the_csv() -> None:
    from bot.domain import AlertState, Outcome
    from bot.records.model import CaseRecord, Consent
    from bot.reports.anonymised import anonymised_csv
    from data.report_cases import ReportCase

    at = 1_800_000_000.0
    cases = [
        ReportCase(i, at, at + 60, None, at + 600, AlertState.CLOSED, CrisisType.ROBBERY,
                   Outcome.RESOLVED, None, None, CaseRecord(i, consent=Consent.COUNT))
        for i in range(5)
    ]  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(anonymised_csv(cases, "UTC").decode())))
    assert {r["area"] for r in rows} == {"squad-wide"} and {r["type"] for r in rows} == {"robbery"}


async def test_the_summary_counts_what_the_fund_paid_in_the_period_by_purpose(
    world: World,
) -> None:
    from tests.support.commands import fund

    await world.member("Thandi", -26.2, 28.04)
    await world.member("Lerato")
    case = await closed_case(world, "Thandi")
    lead, thandi = world.private("Nomsa"), world.private("Thandi")
    assert (await world.services.fund.command(lead, fund("currency ZAR"))).ok
    assert (await world.services.fund.command(lead, fund("add 500"))).ok
    for amount, purpose, approve in (("120,50", "transport", True), ("40", "transport", True),
                                     ("90", "food", False)):  # fmt: skip
        asked = await world.services.fund.command(thandi, fund(f"request {case.code} {amount}"))
        entry = asked.buttons[0][0].alert_id
        assert entry is not None
        assert (await world.services.fund.purpose(thandi, entry, purpose)).ok
        if approve:
            assert (await world.services.fund.approve(lead, entry)).ok
    summary = text(await world.services.reports.report(lead, Period()))
    assert "Fund spent: transport ZAR160.50" in summary and "food" not in summary


def test_the_bot_never_imports_matplotlib() -> None:
    """matplotlib holds about 70 MB once it has drawn: the charts are drawn in a child
    process (bot.reports.drawing), so the bot, /report included, never imports it."""
    import subprocess
    import sys

    script = (
        "import sys, bot.app, bot.reports.service, bot.reports.drawing;"
        " print('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


async def test_a_report_whose_charts_cannot_be_drawn_still_sends_the_summary_and_csv(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.reports.service
    from bot.reports import drawing

    await world.member("Thandi", -26.2, 28.04)
    await closed_case(world, "Thandi")
    # A child that fails (a job it cannot read) and one that takes too long.
    with pytest.raises(drawing.DrawingFailed):
        await drawing.draw({"lang": "en"})
    with pytest.raises(drawing.DrawingFailed):
        await drawing.draw(drawing.job([], {}, [], {}, "en"), timeout_s=0.001)

    async def failing(job: object) -> list[bytes]:
        raise drawing.DrawingFailed("exit 1")

    monkeypatch.setattr(bot.reports.service, "draw", failing)
    reply = await world.services.reports.report(world.private("Nomsa"), Period())
    assert reply.ok and "Report" in text(reply)
    assert [f.filename.endswith(".csv") for f in await reply.files()] == [True]


async def test_the_charts_are_drawn_in_the_readers_language(world: World) -> None:
    from dataclasses import replace

    await world.member("Thandi", -26.2, 28.04)
    case = await closed_case(world, "Thandi")
    await record(world, "Thandi", case, "v_robbery", "p_client", "c_count")
    drawn = {}
    for lang in ("en", "af", "en"):
        lead = replace(world.private("Nomsa"), language_code=lang)
        reply = await world.services.reports.report(lead, Period())
        drawn.setdefault(lang, []).append(
            [f.data for f in await reply.files() if f.kind.value == "photo"]
        )
    assert drawn["en"][0] == drawn["en"][1]  # the same report draws the same pictures
    assert all(a != b for a, b in zip(drawn["en"][0], drawn["af"][0], strict=True))


async def test_the_report_counts_completed_referrals_and_follow_ups_done_in_time(
    world: World,
) -> None:
    """Five counted robberies; four are referred to a clinic and end as successful, the
    fifth is referred and lost. Each closed case has its 24-hour check: Thandi does three
    in time, one a day and a half late, and leaves one undone."""
    await world.member("Thandi", -26.2, 28.04)
    clinic = await add_service(world, "clinic Hillbrow Clinic | -26.19, 28.04 | 24/7")
    cases = []
    for _ in range(5):
        case = await closed_case(world, "Thandi", at=AREA_A, kind=CrisisType.ROBBERY)
        await record(world, "Thandi", case, "v_robbery", "p_client", "c_count")
        assert (await refer(world, "Thandi", case, clinic)).ok
        cases.append(case)
    referrals = await world_rows(world, "SELECT id FROM referrals ORDER BY id")
    aftercare, thandi = world.services.aftercare, world.private("Thandi")
    for (referral,), end in zip(referrals, ["successful"] * 4 + ["lost"], strict=True):
        assert (await aftercare.press(thandi, Action.REFERRAL, referral, end)).ok
    checks = await world_rows(world, "SELECT id, due_at FROM followups WHERE rule = 'check'")
    assert len(checks) == 5
    world.clock.t = max(due for _, due in checks) + 60
    for task, _ in checks[:3]:
        assert (await aftercare.press(thandi, Action.TASK, task, "done")).ok
    world.clock.t += world.services.core.settings.followup_grace.total_seconds() * 1.5
    assert (await aftercare.press(thandi, Action.TASK, checks[3][0], "done")).ok

    reply = await world.services.reports.report(world.private("Nomsa"), Period())
    assert reply.ok, reply
    summary = text(reply)
    assert "Referrals completed: 4" in summary  # the lost one is not completed
    # The five checks fell due; the referrals' 3-day checks are not due yet (each ended
    # with its referral), and a report of the month so far counts only what fell due.
    assert "Follow-ups done on time: 3 of 5" in summary, summary
    table = next(f for f in await reply.files() if f.filename.endswith(".csv")).data.decode()
    outcomes = [row["referral_outcome"] for row in csv.DictReader(io.StringIO(table))]
    # Four successful cases are fewer than five: the cell singles them out, so "<5".
    assert sorted(outcomes) == ["<5"] * 5


async def test_a_cases_referral_outcomes_are_its_referrals_end_states(world: World) -> None:
    await world.member("Thandi", -26.2, 28.04)
    clinic = await add_service(world, "clinic Hillbrow Clinic | -26.19, 28.04 | 24/7")
    lawyer = await add_service(world, "legal Legal Aid | -26.19, 28.04 | 24/7")
    twice = await closed_case(world, "Thandi", at=AREA_A)
    once = await closed_case(world, "Thandi", at=AREA_A)
    never = await closed_case(world, "Thandi", at=AREA_A)
    for case, service in ((twice, clinic), (twice, lawyer), (once, clinic)):
        assert (await refer(world, "Thandi", case, service)).ok
    first = (await world_rows(world, "SELECT min(id) FROM referrals"))[0][0]
    thandi = world.private("Thandi")
    assert (await world.services.aftercare.press(thandi, Action.REFERRAL, first, "successful")).ok
    async with world.services.core.store.reading() as db:
        outcomes = await referral_outcomes(db, [twice.id, once.id, never.id])
    assert outcomes == {twice.id: "referred+successful", once.id: "referred"}


async def test_one_child_draws_at_a_time(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports asked together draw their charts one after another, never side by side."""
    import asyncio

    import bot.reports.service

    await world.member("Thandi", -26.2, 28.04)
    await closed_case(world, "Thandi")
    drawing, most = 0, 0

    async def counting(job: object) -> list[bytes]:
        nonlocal drawing, most
        drawing += 1
        most = max(most, drawing)
        await asyncio.sleep(0.05)
        drawing -= 1
        return [b"\x89PNG"]

    monkeypatch.setattr(bot.reports.service, "draw", counting)
    replies = [
        await world.services.reports.report(world.private("Nomsa"), Period()) for _ in range(3)
    ]
    done = await asyncio.gather(*(reply.files() for reply in replies))
    assert [len(files) for files in done] == [2, 2, 2]  # a chart and the CSV, each
    assert most == 1
