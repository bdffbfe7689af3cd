"""Case records, warnings and the fund's ledger after /forgetme and /wipe, read from the
raw bytes of the database file (and its -wal and -shm)."""

from __future__ import annotations

from bot.domain import Role
from tests.support import World
from tests.support.cases import closed_case, record
from tests.support.commands import fund
from tests.support.db import stored_bytes

RECEIPT = "AgACAgQAAxkBAAIBQzreceiptfileid"
DRAFT = "Qzdraftdescription"
SENT = "Qzsentdescription"
PENDING = "Qzpendingdescription"
NOTE = "Qzraffleatthetavern"


async def squad_with_evidence(world: World) -> int:
    """Thandekazi responded to a case, recorded it, had money paid out with a receipt, sent
    a warning that Lerato approved, one that waits for approval, and left a draft. Returns the
    squad's id."""
    await world.member("Thandekazi", -26.2, 28.04)
    await world.member("Lerato")
    squads = world.services.squads
    assert (await squads.set_role(world.group("Nomsa"), "Lerato", None, Role.LEAD)).ok
    lead, her = world.private("Nomsa"), world.private("Thandekazi")
    assert (await world.services.fund.command(lead, fund("currency ZAR"))).ok
    assert (await world.services.fund.command(lead, fund(f"add 500 {NOTE}"))).ok
    case = await closed_case(world, "Thandekazi")
    await record(world, "Thandekazi", case, "v_physical", "p_client", "c_warn")
    asked = await world.services.fund.command(her, fund(f"request {case.code} 40"))
    entry = asked.buttons[0][0].alert_id
    assert entry is not None
    assert (await world.services.fund.purpose(her, entry, "transport")).ok
    assert (await world.services.fund.approve(world.private("Lerato"), entry)).ok
    assert (await world.services.fund.paid(her, entry, "receipt")).ok
    assert await world.services.fund.receipt_photo(her, RECEIPT) is not None
    warn = world.services.warnings
    for words, state in ((SENT, "sent"), (PENDING, "pending"), (DRAFT, "draft")):
        assert (await warn.warn(her, case.code)).ok
        assert await warn.typed(her, words) is not None
        async with world.services.core.store.reading() as db:
            async with db.execute("SELECT max(id), squad_id FROM warnings") as cur:
                wid, squad_id = await cur.fetchone()
        if state != "draft":
            assert (await warn.draft_press(her, wid, "submit")).ok
        if state == "sent":
            assert (await warn.approve(world.private("Lerato"), wid)).ok
    await world.deliver_all()
    await world.services.privacy.purge_expired()  # emptied messages, and a checkpoint
    data = stored_bytes(world.services.core.settings.database)
    for kept in (RECEIPT, DRAFT, PENDING, SENT, NOTE, "Thandekazi"):
        assert kept.encode() in data, f"the search finds {kept} before the erasure"
    return int(squad_id)


async def test_after_forgetme_the_ledger_keeps_only_a_former_member(world: World) -> None:
    await squad_with_evidence(world)
    her = world.private("Thandekazi")
    assert (await world.services.privacy.forget(her, her.user_id)).ok
    data = stored_bytes(world.services.core.settings.database)
    left = [s for s in ("Thandekazi", RECEIPT, DRAFT, PENDING) if s.encode() in data]
    assert left == []
    export = await world.services.fund.command(world.private("Nomsa"), fund("export"))
    ledger = export.attachments[0].data.decode()
    assert "40.00,ZAR,transport,paid,a former member,Lerato,erased" in ledger
    view = await world.services.fund.command(world.private("Nomsa"), fund(""))
    assert view.text is not None
    from bot.messages import render

    assert "asked by a former member" in render(view.text.key, view.text.params)
    # The sent warning names nobody, so it keeps others safe until it expires.
    listed = await world.services.warnings.list_in_force(world.private("Lerato"))
    assert listed.text is not None and SENT in render(listed.text.key, listed.text.params)


async def test_after_wipe_no_record_warning_or_ledger_entry_is_left(world: World) -> None:
    squad_id = await squad_with_evidence(world)
    assert (await world.services.privacy.wipe(world.group("Nomsa"), squad_id, 2)).ok
    data = stored_bytes(world.services.core.settings.database)
    needles = ("Thandekazi", "Lerato", RECEIPT, DRAFT, PENDING, SENT, NOTE)
    left = [s for s in needles if s.encode() in data]
    assert left == []
    async with world.services.core.store.reading() as db:
        for table in ("case_records", "warnings", "fund_entries", "fund_approvals"):
            async with db.execute(f"SELECT count(*) FROM {table}") as cur:
                assert (await cur.fetchone())[0] == 0, table
