"""The emergency fund: exact amounts, approvals, no overdraft, payouts and receipts."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from bot.domain import Alert, Role
from bot.intents import Action, MessageRole, Refused
from bot.messages import render
from data import fund_ledger as fund_q
from tests.support import World
from tests.support.cases import closed_case
from tests.support.commands import fund


def shown(reply: object) -> str:
    text = getattr(reply, "text", None)
    assert text is not None
    return render(text.key, text.params)


async def squad_with_money(world: World, amount: str = "1000") -> Alert:
    """Nomsa, Lerato and Ayanda lead; Thandi closed a case; the fund holds ``amount`` ZAR."""
    await world.member("Thandi", -26.2, 28.04)
    for name in ("Lerato", "Ayanda"):
        await world.member(name)
        assert (
            await world.services.squads.set_role(world.group("Nomsa"), name, None, Role.LEAD)
        ).ok
    lead = world.private("Nomsa")
    assert (await world.services.fund.command(lead, fund("currency zar"))).ok
    assert (await world.services.fund.command(lead, fund(f"add {amount} from the raffle"))).ok
    return await closed_case(world, "Thandi")


async def ask(world: World, who: str, case: Alert, amount: str, purpose: str) -> int:
    asked = await world.services.fund.command(
        world.private(who), fund(f"request {case.code} {amount}")
    )
    assert asked.ok, asked
    entry = asked.buttons[0][0].alert_id
    assert entry is not None
    assert (await world.services.fund.purpose(world.private(who), entry, purpose)).ok
    return entry


async def balance(world: World) -> Decimal:
    async with world.services.core.store.reading() as db:
        return await fund_q.balance(db, 1)


def test_amounts_are_exact_and_typed_either_way() -> None:
    assert fund("add 12,50").amount == fund("add 12.50").amount == Decimal("12.50")
    assert fund("add 0.1").amount + fund("add 0.2").amount == Decimal("0.3")  # type: ignore[operator]
    bad_ones = ("add -5", "add abc", "add 1e3", "add 12.345", "add 0", "add 1,000.50",
                "add 1 000", "add 1.000,50", "request AB3K", "pay 5")  # fmt: skip
    for bad in bad_ones:
        with pytest.raises(Refused):
            fund(bad)


def test_amounts_read_the_readers_way() -> None:
    from bot.i18n import money

    assert money("120.50", "ZAR", "en") == "ZAR120.50"
    assert money("120.50", "ZAR", "af") == "R120,50"


def test_amounts_are_never_rounded_in_a_currency_without_cents() -> None:
    """Uganda's, Rwanda's and West Africa's currencies are usually written without cents:
    an amount with cents still shows them, and a whole one shows no rounding either."""
    from bot.i18n import money

    assert money("1500.50", "UGX", "en") == "UGX1,500.5"
    assert money("0.01", "RWF", "en") == "RWF0.01"
    assert money("2.50", "XOF", "sw").endswith("2.5")
    assert money("1500.00", "UGX", "en") == "UGX1,500"
    assert money("12", "ZAR", "en") == "ZAR12.00"


async def test_bad_amounts_and_currencies_get_a_clear_reply_and_change_nothing(
    world: World,
) -> None:
    await squad_with_money(world)
    before = await world.snapshot()
    over = await world.services.fund.command(world.private("Nomsa"), fund("add 100000.01"))
    assert not over.ok and "more than the fund takes at once" in shown(over)
    changed = await world.services.fund.command(world.private("Nomsa"), fund("currency KES"))
    assert not changed.ok and "its currency stays" in shown(changed)
    with pytest.raises(Refused):
        fund("currency XYZW")
    assert await world.snapshot() == before


async def test_one_approval_then_paid_out_with_a_receipt(world: World) -> None:
    case = await squad_with_money(world)
    entry = await ask(world, "Thandi", case, "120,50", "transport")
    pages = [i for i in await world.outbox() if i.role is MessageRole.FUND]
    assert len(pages) == 3 and "Thandi asks the fund for ZAR120.50" in shown(pages[0])
    await world.deliver_all()
    approved = await world.services.fund.approve(world.private("Lerato"), entry)
    assert approved.ok and "The fund now holds ZAR879.50" in shown(approved)
    late = await world.services.fund.approve(world.private("Ayanda"), entry)
    assert not late.ok and "already approved" in shown(late)
    told = [i for i in await world.outbox() if i.chat_id == world.users["Thandi"]]
    assert [b.action for b in told[-1].buttons[0]] == [Action.FUND_PAID, Action.FUND_PAID]
    assert (await world.services.fund.paid(world.private("Thandi"), entry, "receipt")).ok
    saved = await world.services.fund.receipt_photo(world.private("Thandi"), "AgACAgQAAxkBAAIB")
    assert saved is not None and "Receipt saved" in shown(saved)
    assert await world.services.fund.receipt_photo(world.private("Thandi"), "again") is None
    mine = await world.services.fund.command(world.private("Thandi"), fund(""))
    assert "paid out" in shown(mine) and "ZAR1,000" not in shown(mine)  # no balance for members
    view = await world.services.fund.command(world.private("Nomsa"), fund(""))
    assert "The fund holds ZAR879.50" in shown(view) and "transport ZAR120.50" in shown(view)


async def test_above_the_threshold_two_different_leads_approve_and_nobody_their_own(
    world: World,
) -> None:
    case = await squad_with_money(world)
    lerato = (await world.get_member("Lerato")).id  # Lerato is on the team too
    async with world.services.core.store.transaction() as db:
        await db.execute(
            "INSERT INTO slots(alert_id, position, holder_member_id) VALUES (?, 9, ?)",
            (case.id, lerato),
        )
    entry = await ask(world, "Lerato", case, "600", "bail")
    before = await world.snapshot()
    own = await world.services.fund.approve(world.private("Lerato"), entry)
    assert not own.ok and "their own request" in shown(own)
    assert await world.snapshot() == before
    first = await world.services.fund.approve(world.private("Nomsa"), entry)
    assert first.ok and "another lead must approve it too" in shown(first)
    again = await world.services.fund.approve(world.private("Nomsa"), entry)
    assert not again.ok
    assert await balance(world) == Decimal("1000.00")
    second = await world.services.fund.approve(world.private("Ayanda"), entry)
    assert second.ok and await balance(world) == Decimal("400.00")
    export = await world.services.fund.command(world.private("Nomsa"), fund("export"))
    ledger = export.attachments[0].data.decode()
    assert "600.00,ZAR,bail,approved,Lerato,Nomsa; Ayanda" in ledger
    assert case.code not in ledger


async def test_a_rejected_request_takes_nothing(world: World) -> None:
    case = await squad_with_money(world)
    entry = await ask(world, "Thandi", case, "50", "food")
    rejected = await world.services.fund.reject(world.private("Ayanda"), entry)
    assert rejected.ok and await balance(world) == Decimal("1000.00")
    assert not (await world.services.fund.approve(world.private("Nomsa"), entry)).ok
    assert not (await world.services.fund.paid(world.private("Thandi"), entry, "none")).ok


async def test_two_approvals_at_the_same_moment_never_overdraw(world: World) -> None:
    case = await squad_with_money(world, amount="100")
    first = await ask(world, "Thandi", case, "80", "medical")
    second = await ask(world, "Thandi", case, "70", "transport")
    results = await asyncio.gather(
        world.services.fund.approve(world.private("Nomsa"), first),
        world.services.fund.approve(world.private("Lerato"), second),
    )
    assert sorted(r.ok for r in results) == [False, True]
    refused = next(r for r in results if not r.ok)
    assert "Nothing changed" in shown(refused)
    assert await balance(world) >= 0
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT count(*) FROM fund_approvals") as cur:
            assert (await cur.fetchone())[0] == 1


async def test_a_squads_only_lead_asking_is_told_her_request_waits_for_a_second_lead(
    world: World,
) -> None:
    await world.member("Thandi", -26.2, 28.04)
    lead = world.private("Nomsa")
    assert (await world.services.fund.command(lead, fund("currency ZAR"))).ok
    assert (await world.services.fund.command(lead, fund("add 100"))).ok
    case = await closed_case(world, "Nomsa")
    asked = await world.services.fund.command(lead, fund(f"request {case.code} 20"))
    entry = asked.buttons[0][0].alert_id
    assert entry is not None
    chosen = await world.services.fund.purpose(lead, entry, "food")
    assert "no other lead can approve it yet" in shown(chosen)
    assert not [i for i in await world.outbox() if i.role is MessageRole.FUND]
    async with world.services.core.store.reading() as db:
        assert (await fund_q.entry_by_id(db, entry)).state == "pending"  # type: ignore[union-attr]
    assert not (await world.services.fund.approve(lead, entry)).ok


async def test_a_removed_member_stays_in_the_ledger_only_as_a_former_member(world: World) -> None:
    case = await squad_with_money(world)
    await ask(world, "Thandi", case, "25", "airtime")
    assert (await world.services.squads.set_role(world.group("Nomsa"), "Thandi", None, None)).ok
    export = await world.services.fund.command(world.private("Nomsa"), fund("export"))
    ledger = export.attachments[0].data.decode()
    assert "25.00,ZAR,airtime,pending,a former member" in ledger and "Thandi" not in ledger


async def test_a_request_whose_requester_has_left_is_withdrawn_not_approved(world: World) -> None:
    case = await squad_with_money(world)
    async with world.services.core.store.reading() as db:
        before = await fund_q.balance(db, case.squad_id)
    entry = await ask(world, "Thandi", case, "25", "airtime")
    assert (await world.services.squads.set_role(world.group("Nomsa"), "Thandi", None, None)).ok
    pressed = await world.services.fund.approve(world.private("Lerato"), entry)
    assert "has left the squad" in shown(pressed), shown(pressed)
    async with world.services.core.store.reading() as db:
        gone = await fund_q.entry_by_id(db, entry)
        assert gone is not None and gone.state == "rejected"
        assert await fund_q.balance(db, case.squad_id) == before
    # A second press changes nothing.
    assert not (await world.services.fund.approve(world.private("Nomsa"), entry)).ok


async def test_a_photo_after_the_receipt_wait_is_not_a_receipt(world: World) -> None:
    case = await squad_with_money(world)
    entry = await ask(world, "Thandi", case, "30", "transport")
    assert (await world.services.fund.approve(world.private("Lerato"), entry)).ok
    assert (await world.services.fund.paid(world.private("Thandi"), entry, "receipt")).ok
    world.clock.advance(world.services.core.settings.receipt_wait.total_seconds() + 1)
    assert await world.services.fund.receipt_photo(world.private("Thandi"), "AgACAgQ") is None
    async with world.services.core.store.reading() as db:
        async with db.execute("SELECT receipt_file_id FROM fund_entries") as cur:
            assert {r[0] for r in await cur.fetchall()} == {None}


async def test_a_note_longer_than_100_characters_is_refused_and_changes_nothing(
    world: World,
) -> None:
    await squad_with_money(world)
    before = await world.snapshot()
    long = await world.services.fund.command(world.private("Nomsa"), fund("add 5 " + "n" * 101))
    assert not long.ok and "100" in shown(long)
    assert await world.snapshot() == before
    assert (
        await world.services.fund.command(world.private("Nomsa"), fund("add 5 " + "n" * 100))
    ).ok


async def test_above_the_threshold_with_one_lead_who_can_approve_the_requester_is_told_it_waits(
    world: World,
) -> None:
    """A squad with one lead: Thandi asks for more than the threshold. Two leads must approve,
    and only Nomsa can, so the reply says it waits rather than "the leads decide"."""
    await world.member("Thandi", -26.2, 28.04)
    lead = world.private("Nomsa")
    assert (await world.services.fund.command(lead, fund("currency ZAR"))).ok
    assert (await world.services.fund.command(lead, fund("add 1000"))).ok
    case = await closed_case(world, "Thandi")
    asked = await world.services.fund.command(
        world.private("Thandi"), fund(f"request {case.code} 600")
    )
    entry = asked.buttons[0][0].alert_id
    assert entry is not None
    chosen = await world.services.fund.purpose(world.private("Thandi"), entry, "bail")
    assert "only one lead who can" in shown(chosen) and "The leads decide" not in shown(chosen)
    small = await world.services.fund.command(
        world.private("Thandi"), fund(f"request {case.code} 50")
    )
    entry = small.buttons[0][0].alert_id
    assert entry is not None
    assert "The leads decide" in shown(
        await world.services.fund.purpose(world.private("Thandi"), entry, "food")
    )


async def test_fund_warn_warnings_and_report_in_the_group_are_refused_and_their_message_deleted(
    world: World,
) -> None:
    from bot.reports.periods import Period

    case = await squad_with_money(world)
    before = await world.snapshot()
    services = world.services
    asks = {
        "/fund": lambda c: services.fund.command(c, fund("")),
        "/fund request": lambda c: services.fund.command(c, fund(f"request {case.code} 5")),
        "/warn": lambda c: services.warnings.warn(c, case.code),
        "/warnings": lambda c: services.warnings.list_in_force(c),
        "/report": lambda c: services.reports.report(c, Period()),
    }
    for name, asked in asks.items():
        caller = world.group("Nomsa")
        refused = await asked(caller)
        assert not refused.ok and refused.text is not None, name
        assert refused.text.key == "private_only" and refused.cleanup == (caller.message_id,), name
    assert await world.snapshot() == before
